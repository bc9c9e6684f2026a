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
});
