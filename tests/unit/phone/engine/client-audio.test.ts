/**
 * Client audio (the desktop and web hosts): no headless devices; the client
 * sends 20 ms capture frames through engine.audio.onCaptureFrame and plays
 * what onPlaybackFrame gives it — every call mixed into one stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { dominantFrequency, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

function joined(frames: Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

describe('engine: client audio frames', () => {
  let x: TestPhone;
  let b: TestPhone;

  before(async () => {
    [x, b] = await Promise.all([startPhone('x', null), startPhone('b', 1000)]);
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', autoAnswer: true, codecs: ['G722'] });
  });
  after(async () => {
    await Promise.all([x?.close(), b?.close()]);
    removeTempDirs();
  });

  test('two calls at once: the echo of the capture and B’s tone come out mixed; capture frames pace the calls', async (t) => {
    const played: Int16Array[] = [];
    const stop = x.engine.audio.onPlaybackFrame((f) => played.push(f.slice()));
    const mic = new ToneSource({ frequency: 440, levelDbfs: -12 });
    // Paced like an AudioWorklet: frame n is due at t0 + 20n ms (setInterval would drift late).
    const t0 = Date.now();
    let n = 0;
    let timer: NodeJS.Timeout | undefined;
    let capturing = true;
    const pace = () => {
      while (capturing && Date.now() >= t0 + n * 20) {
        x.engine.audio.onCaptureFrame(mic.read(960)!, x.context.client);
        n++;
      }
      if (capturing) timer = setTimeout(pace, Math.max(0, t0 + n * 20 - Date.now()));
    };
    const stopCapture = () => {
      capturing = false;
      clearTimeout(timer);
    };
    pace();
    try {
      const echoUri = (await x.call('contacts.list', {})).find((c) => c.name === 'Echo test')!.addresses[0]!.uri;
      const echo = await x.call('call.dial', { target: echoUri });
      const toB = await x.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
      await x.waitFor('call', (c) => c.id === echo.id && c.state === 'active', 5000);
      const bActive = await x.waitFor('call', (c) => c.id === toB.id && c.state === 'active', 5000);
      assert.equal(bActive.codec, 'G722/8000');
      await sleep(300); // let call set-up's event-loop stalls and their catch-up bursts pass
      played.length = 0;
      const start = Date.now();
      const capturedBefore = n;
      await sleep(1500);
      const elapsed = Date.now() - start;
      const captured = n - capturedBefore;
      // The echo path (two jitter buffers, two clocks) settles within a few hundred ms; judge the last second.
      const mix = joined(played.slice(25));
      const echoLevel = toneLevelDbfs(mix, 48000, 440);
      const bLevel = toneLevelDbfs(mix, 48000, 1000);
      t.diagnostic(`client mix: ${played.length} playback frames for ${captured} capture frames in ${elapsed} ms; 440 Hz echo at ${echoLevel.toFixed(1)} dBFS, B's 1000 Hz at ${bLevel.toFixed(1)} dBFS`);
      assert.ok(Math.abs(played.length - captured) <= 1, `one playback frame per capture frame (${played.length} for ${captured})`);
      assert.ok(Math.abs(captured - elapsed / 20) < 8, `the capture ran in real time (${captured} frames in ${elapsed} ms)`);
      assert.ok(played.every((f) => f.length === 960));
      assert.ok(echoLevel > -25, `echo at ${echoLevel} dBFS`);
      assert.ok(bLevel > -25, `B at ${bLevel} dBFS`);
      const heardByB = b.sinks.get([...b.sinks.keys()][0]!)!.last(800);
      assert.ok(Math.abs(dominantFrequency(heardByB, 48000) - 440) < 5, 'B hears the client microphone');

      // The client stops sending capture (no microphone): the calls keep running on the engine's clock.
      stopCapture();
      await sleep(100);
      played.length = 0;
      await sleep(600);
      assert.ok(played.length >= 20, `playback goes on without capture (${played.length} frames in 600 ms)`);
      assert.ok(toneLevelDbfs(joined(played), 48000, 1000) > -25, 'B is still heard');
      await x.call('call.hangup', { callId: echo.id });
      await x.call('call.hangup', { callId: toB.id });
      await x.waitFor('call', (c) => c.id === toB.id && c.state === 'ended', 5000);
    } finally {
      stopCapture();
      stop();
    }
  });
});
