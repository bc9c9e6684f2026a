/**
 * Binary messages over a real WebSocket: capture frames to the audio hook,
 * playback frames to clients, bad frames answered with error events.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeAudioFrame, encodeAudioFrame, samplesPerFrame, streamIdOf, type AudioFrame } from '../../../electron/api/audio-frames.ts';
import type { AudioHook } from '../../../electron/api/ws-server.ts';
import { connectOk, startRig } from './ws-helpers.ts';

const frame = (kind: AudioFrame['kind'], sequence: number, value = 1000): AudioFrame => ({
  kind,
  sampleRate: 48000,
  sequence,
  stream: 0,
  samples: new Int16Array(samplesPerFrame(48000)).fill(value),
});

function recordingHook() {
  const frames: { frame: AudioFrame; client: string }[] = [];
  const closed: string[] = [];
  let waiter: (() => void) | undefined;
  const hook: AudioHook = {
    onFrame(f, client) {
      frames.push({ frame: f, client });
      waiter?.();
    },
    onClientClosed: (client) => closed.push(client),
  };
  const waitFor = async (n: number, timeoutMs = 3000) => {
    const end = Date.now() + timeoutMs;
    while (frames.length < n) {
      if (Date.now() > end) throw new Error(`only ${frames.length} of ${n} frames arrived`);
      await new Promise<void>((r) => {
        waiter = r;
        setTimeout(r, 20);
      });
    }
  };
  return { hook, frames, closed, waitFor };
}

describe('API server: audio frames', () => {
  test('capture frames reach the hook, in order, with the client id', async () => {
    const rec = recordingHook();
    const rig = await startRig({ audio: rec.hook });
    const p = await connectOk(rig.server);
    try {
      for (let i = 0; i < 50; i++) p.ws.send(encodeAudioFrame(frame('capture', i, i)));
      await rec.waitFor(50);
      assert.deepEqual(rec.frames.map((f) => f.frame.sequence), Array.from({ length: 50 }, (_, i) => i));
      assert.equal(rec.frames[49]!.frame.samples[959], 49);
      assert.match(rec.frames[0]!.client, /^ws-\d+$/);
    } finally {
      await p.close();
      await rig.close();
    }
    assert.equal(rec.closed.length, 1, 'the hook hears that the client left');
  });

  test('bad binary messages get an error event; the connection keeps working', async () => {
    const rec = recordingHook();
    const rig = await startRig({ audio: rec.hook });
    const p = await connectOk(rig.server);
    try {
      p.ws.send(Buffer.from([1, 5, 0]));
      assert.match(String(((await p.event('error')).data as { message: string }).message), /shorter than its 8-byte header/);
      p.ws.send(encodeAudioFrame(frame('capture', 0)).subarray(0, 100));
      assert.match(String(((await p.event('error')).data as { message: string }).message), /not 92/);
      p.ws.send(encodeAudioFrame(frame('playback', 0)));
      assert.match(String(((await p.event('error')).data as { message: string }).message), /capture frames only/);
      p.ws.send(Buffer.alloc(100_000));
      assert.match(String(((await p.event('error')).data as { message: string }).message), /not an audio frame/);
      assert.equal(rec.frames.length, 0);
      p.ws.send(encodeAudioFrame(frame('capture', 9)));
      await rec.waitFor(1);
      p.send({ id: 1, cmd: 'calls.list' });
      assert.equal((await p.reply(1)).ok, true);
    } finally {
      await p.close();
      await rig.close();
    }
  });

  test('error events are rate-limited, the rest only logged', async () => {
    const rig = await startRig({ limits: { maxErrorEventsPerSecond: 3 } });
    const p = await connectOk(rig.server);
    try {
      for (let i = 0; i < 20; i++) p.send('not json');
      p.send({ id: 'end', cmd: 'calls.list' });
      await p.reply('end');
      const errors = p.received.filter((m) => m.kind === 'json' && m.value.event === 'error');
      assert.ok(errors.length >= 3 && errors.length <= 6, `${errors.length} error events`);
    } finally {
      await p.close();
      await rig.close();
    }
  });

  test('without an audio hook, binary messages are refused as unavailable', async () => {
    const rig = await startRig();
    const p = await connectOk(rig.server);
    try {
      p.ws.send(encodeAudioFrame(frame('capture', 0)));
      assert.equal(((await p.event('error')).data as { code: string }).code, 'unavailable');
    } finally {
      await p.close();
      await rig.close();
    }
  });

  test('sendAudio delivers playback frames to all clients or to one', async () => {
    const rig = await startRig({ audio: recordingHook().hook });
    const a = await connectOk(rig.server);
    const b = await connectOk(rig.server);
    try {
      const out = { ...frame('playback', 7, -123), stream: streamIdOf('c1') };
      assert.equal(rig.server.sendAudio(out), 2);
      for (const who of [a, b]) {
        const m = await who.next((x) => x.kind === 'binary');
        const back = decodeAudioFrame(m.value as Buffer);
        assert.ok(back.ok);
        assert.deepEqual(back.frame, out);
      }
      rig.phone.received.length = 0;
      a.send({ id: 'who', cmd: 'calls.list' });
      await a.reply('who');
      const aId = rig.phone.received[0]!.context.client;
      assert.equal(rig.server.sendAudio({ ...out, sequence: 8 }, aId), 1);
      const m = await a.next((x) => x.kind === 'binary');
      assert.equal((decodeAudioFrame(m.value as Buffer) as { frame: AudioFrame }).frame.sequence, 8);
      assert.equal(rig.server.sendAudio(out, 'ws-nobody'), 0);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(b.received.filter((x) => x.kind === 'binary').length, 1, 'the other client got only the broadcast');
    } finally {
      await a.close();
      await b.close();
      await rig.close();
    }
  });
});
