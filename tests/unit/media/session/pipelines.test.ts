/**
 * The send and receive pipelines joined directly (no sockets): every codec
 * round-trips a tone through resampling, encoding, the jitter buffer and
 * decoding; ptime other than the 20 ms tick; concealment of lost packets.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initMedia } from '../../../../electron/media/audio/init-media.ts';
import { defaultCodecRegistry } from '../../../../electron/media/codecs/codec-registry.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { CALL_JITTER_DEFAULTS } from '../../../../electron/media/jitter/jitter-buffer.ts';
import { ReceivePipeline } from '../../../../electron/media/session/receive-pipeline.ts';
import { SendPipeline } from '../../../../electron/media/session/send-pipeline.ts';
import { activeFraction, dominantFrequency } from '../../../helpers/audio-analysis.ts';

before(() => initMedia());

function run(codecName: string, opts: { ptimeMs?: number; lose?: (i: number) => boolean; frames?: number } = {}) {
  const codec = defaultCodecRegistry.get(codecName)!;
  const send = new SendPipeline({ codec, inputRate: 48000, ptimeMs: opts.ptimeMs ?? 20 });
  const recv = new ReceivePipeline({ codec, outputRate: 48000 });
  const tone = new ToneSource({ frequency: 700 });
  const out: Int16Array[] = [];
  let seq = 0;
  let ts = 0;
  let packets = 0;
  for (let i = 0; i < (opts.frames ?? 100); i++) {
    const now = i * 20;
    for (const p of send.process(tone.read(960)!)) {
      if (!opts.lose?.(seq)) recv.push(seq, ts, p.payload, now);
      seq++;
      ts += p.ticks;
      packets++;
    }
    out.push(recv.pull(now));
  }
  const stats = recv.stats;
  send.destroy();
  recv.destroy();
  const all = new Int16Array(out.reduce((n, f) => n + f.length, 0));
  out.reduce((at, f) => (all.set(f, at), at + f.length), 0);
  return { all, stats, packets, ticksPerPacket: send.packetTicks };
}

describe('send and receive pipelines', () => {
  for (const codec of ['PCMU', 'PCMA', 'G722', 'opus']) {
    it(`${codec}: a tone survives the round trip, every device frame filled`, () => {
      const r = run(codec);
      assert.equal(r.all.length, 100 * 960);
      const body = r.all.subarray(48000 * 0.2);
      assert.ok(Math.abs(dominantFrequency(body, 48000) - 700) < 2);
      assert.ok(activeFraction(body, 48000) > 0.99);
      assert.equal(r.stats.jitterBuffer.concealed, 0);
      assert.equal(r.ticksPerPacket, codec === 'opus' ? 960 : 160); // G.722's RTP clock is 8000 (RFC 3551 §4.5.2)
    });
  }

  it('ptime 40 makes one packet per two frames and still plays continuously', () => {
    const r = run('PCMU', { ptimeMs: 40 });
    assert.equal(r.packets, 50);
    assert.equal(r.ticksPerPacket, 320);
    assert.ok(activeFraction(r.all.subarray(48000 * 0.3), 48000) > 0.99);
    assert.equal(r.stats.jitterBuffer.frameMs, 40);
  });

  it('lost packets are concealed, not silent', () => {
    const r = run('G722', { lose: (s) => s % 10 === 5, frames: 150 });
    assert.ok(r.stats.jitterBuffer.lost >= 13, `lost ${r.stats.jitterBuffer.lost}`);
    assert.ok(r.stats.jitterBuffer.concealed >= 13);
    assert.ok(activeFraction(r.all.subarray(48000 * 0.3), 48000) > 0.99);
    assert.ok(Math.abs(dominantFrequency(r.all.subarray(48000 * 0.3), 48000) - 700) < 5);
  });

  it('after a 100 ms stall the delay comes back down within the next pause, only quiet frames shed', () => {
    // Talk spurts: 400 ms of tone, 400 ms of silence. The network stalls 100 ms at t = 6 s (then delivers the
    // backlog); the 5 s window of the delay estimator is full by then, so the stall (5 packets in 250) stays
    // above its 98th percentile and the target does not follow it.
    const codec = defaultCodecRegistry.get('PCMU')!;
    const send = new SendPipeline({ codec, inputRate: 48000, ptimeMs: 20 });
    const recv = new ReceivePipeline({ codec, outputRate: 48000, jitter: CALL_JITTER_DEFAULTS });
    const tone = new ToneSource({ frequency: 700 });
    const arrivals: { seq: number; ts: number; payload: Uint8Array; at: number }[] = [];
    for (let i = 0; i < 600; i++) {
      const frame = tone.read(960)!;
      const spoken = Math.floor(i / 20) % 2 === 0 ? frame : new Int16Array(960);
      for (const p of send.process(spoken)) {
        const sent = i * 20 + 5;
        arrivals.push({ seq: i, ts: i * 160, payload: p.payload, at: sent >= 6000 && sent < 6100 ? 6100 : sent });
      }
    }
    const delays: { at: number; avgMs: number }[] = [];
    let pushed = 0;
    let toneFrames = 0;
    let before = recv.stats.arrivalToPlayout;
    for (let k = 0; k < 600; k++) {
      const now = k * 20 + 12;
      while (pushed < arrivals.length && arrivals[pushed]!.at <= now) {
        const a = arrivals[pushed++]!;
        recv.push(a.seq, a.ts, a.payload, a.at);
      }
      const out = recv.pull(now);
      if (activeFraction(out, 48000) > 0.5) toneFrames++;
      if (k % 10 === 9) {
        const after = recv.stats.arrivalToPlayout;
        const n = after.count - before.count;
        if (n > 0) delays.push({ at: now, avgMs: (after.avgMs * after.count - before.avgMs * before.count) / n });
        before = after;
      }
    }
    const stats = recv.stats;
    send.destroy();
    recv.destroy();
    assert.ok(stats.frames.shed >= 4, `shed ${stats.frames.shed}`);
    // Every spoken frame was played: only pauses were shed, and the buffer dropped nothing of its own.
    assert.equal(stats.jitterBuffer.discarded, stats.frames.shed);
    assert.ok(toneFrames >= 295, `${toneFrames} frames of tone of 300`);
    const during = delays.filter((d) => d.at > 6100 && d.at < 6500);
    const late = delays.filter((d) => d.at > 7700);
    assert.ok(during.some((d) => d.avgMs > 60), `the stall held the delay up: ${during.map((d) => d.avgMs.toFixed(0)).join(' ')}`);
    assert.ok(late.every((d) => d.avgMs <= 30), `1.6 s after the stall (7.7–12 s): ${late.map((d) => d.avgMs.toFixed(0)).join(' ')}`);
  });
});
