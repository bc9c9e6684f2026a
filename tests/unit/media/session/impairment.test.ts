/**
 * The jitter buffer and loss concealment at work: the call runs through
 * tests/helpers/impairment-relay.ts with 5 % loss and 30 ms of jitter
 * (seeded), and the received tone must still be the right one, with frames
 * concealed and the playout delay grown above its minimum. The figures are
 * printed for the closing note.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import type { MediaSessionStats } from '../../../../electron/media/session/media-session-options.ts';
import { parseRtpPacket } from '../../../../electron/media/rtp/rtp-packet.ts';
import { ImpairmentRelay } from '../../../helpers/impairment-relay.ts';
import type { ImpairmentOptions } from '../../../helpers/impairment-relay.ts';
import type { SrtpCryptoSuite } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';
import { RecordingSink, measureTone, sleep } from './session-fixture.ts';

let engine: MediaEngine;

before(async () => {
  engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
});

after(async () => {
  await engine.close();
});

async function relayedCall(codec: string, impairments: ImpairmentOptions, ms: number, srtp: 'off' | 'mandatory' = 'off', srtpSuites?: SrtpCryptoSuite[]) {
  const relay = await ImpairmentRelay.open({ ...impairments, capture: 20 });
  const heardByB = new RecordingSink();
  const a = engine.createSession({ codecs: [codec], srtp, srtpSuites, source: new ToneSource({ frequency: 600 }) });
  const b = engine.createSession({ codecs: [codec], srtp, srtpSuites, source: new ToneSource({ frequency: 1000 }), sink: heardByB });
  try {
    const offer = await a.createOffer();
    const r = await b.answerOffer(relay.rewriteOffer(offer));
    if ('reject' in r) assert.fail(r.reason);
    await a.setAnswer(relay.rewriteAnswer(r.answer));
    a.start();
    b.start();
    await sleep(ms);
    await Promise.all([a.stop(), b.stop()]);
    return { relay, a: a.stats(), b: b.stats(), heard: heardByB.samples() };
  } finally {
    await Promise.all([a.stop(), b.stop(), relay.close()]);
  }
}

function figures(label: string, s: MediaSessionStats, relay: ImpairmentRelay): string {
  const jb = s.jitterBuffer;
  return (
    `${label}: relay A→B dropped ${relay.aToB.stats.dropped}/${relay.aToB.stats.received}; ` +
    `B: loss ${s.lossPercent} %, jitter ${s.jitterMs} ms, jb received ${jb.received} late ${jb.late} lost ${jb.lost} ` +
    `concealed ${jb.concealed} discarded ${jb.discarded}, target ${jb.targetDelayMs.toFixed(1)} ms, ` +
    `playout delay avg ${jb.playoutDelay.avgMs.toFixed(1)} / max ${jb.playoutDelay.maxMs} ms (min setting ${jb.minDelayMs}), ` +
    `arrival→playout avg ${s.arrivalToPlayout.avgMs.toFixed(1)} ms, MOS ${s.mos}; ` +
    `clock: worst tick lateness ${s.clock?.maxLatenessMs.toFixed(1)} ms`
  );
}

describe('call through an impairing relay', () => {
  for (const codec of ['PCMU', 'opus']) {
    it(`${codec}: 5 % loss and 30 ms jitter are concealed and absorbed`, async () => {
      const r = await relayedCall(codec, { lossPercent: 5, jitterMs: 30, seed: 7, only: 'aToB' }, 4000);
      console.log(figures(`${codec} 5 % loss, 30 ms jitter`, r.b, r.relay)); // figures for the closing note
      const m = measureTone(r.heard, 48000, 400);
      assert.ok(Math.abs(m.frequencyHz - 600) <= 10, `heard ${m.frequencyHz.toFixed(1)} Hz`);
      assert.ok(r.relay.aToB.stats.dropped > 0, 'the relay dropped packets');
      const jb = r.b.jitterBuffer;
      assert.ok(jb.concealed > 0, 'frames were concealed');
      assert.ok(jb.playoutDelay.maxMs > jb.minDelayMs, `playout delay max ${jb.playoutDelay.maxMs} ms > ${jb.minDelayMs}`);
      assert.ok(jb.targetDelayMs > jb.minDelayMs, `target ${jb.targetDelayMs} ms grew above ${jb.minDelayMs}`);
      assert.ok(r.b.lossPercent > 1 && r.b.lossPercent < 15, `loss ${r.b.lossPercent} %`);
      assert.ok(r.b.jitterMs > 2, `interarrival jitter ${r.b.jitterMs} ms`);
      // G.711 with no loss rates 4.38 at this delay; 5 % loss must show.
      assert.ok(r.b.mos !== null && r.b.mos < 4.2, `MOS ${r.b.mos}`);
      // Concealment keeps the sound going: nearly every frame holds audio.
      assert.ok(m.active >= 0.9, `audio present ${(m.active * 100).toFixed(1)} %`);
    });
  }

  it('reordering and duplication are absorbed without loss', async () => {
    const r = await relayedCall('PCMU', { reorderPercent: 5, duplicatePercent: 5, jitterMs: 10, seed: 3 }, 3000);
    console.log(figures('PCMU 5 % reordered, 5 % duplicated', r.b, r.relay));
    const jb = r.b.jitterBuffer;
    assert.ok(r.relay.aToB.stats.duplicated > 0 && r.relay.aToB.stats.reordered > 0);
    assert.ok(jb.duplicate > 0, 'duplicates recognised');
    assert.equal(r.b.lossPercent < 2, true, `loss ${r.b.lossPercent} %`);
    const m = measureTone(r.heard, 48000, 400);
    assert.ok(Math.abs(m.frequencyHz - 600) <= 10);
  });

  for (const [suite, tagBytes] of [
    ['AEAD_AES_256_GCM', 16],
    ['AES_CM_128_HMAC_SHA1_80', 10],
  ] as const) {
    it(`SRTP on the wire (${suite}): payloads are not the plain G.711 of the tone and carry the ${tagBytes * 8}-bit tag`, async () => {
      // The default offer lists GCM first; the second case offers only the RFC 4568 suite.
      const r = await relayedCall('PCMU', {}, 800, 'mandatory', suite === 'AEAD_AES_256_GCM' ? undefined : [suite]);
      const rtp = r.relay.aToB.captured.filter((b) => b[1]! < 192 || b[1]! > 223);
      assert.ok(rtp.length > 5);
      for (const datagram of rtp) {
        assert.equal(datagram.length, 12 + 160 + tagBytes);
        const p = parseRtpPacket(datagram);
        // A 600 Hz μ-law tone repeats every 40 samples; ciphertext does not.
        const repeats = p.payload.subarray(0, 40).every((x, i) => x === p.payload[i + 40]);
        assert.equal(repeats, false);
      }
      assert.equal(r.b.srtp, suite);
      assert.ok(r.b.packetsReceived > 20);
    });
  }
});
