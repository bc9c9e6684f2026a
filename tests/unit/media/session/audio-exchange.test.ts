/**
 * Two MediaSessions on loopback do a real offer/answer and talk for ~2 s,
 * each with its own tone (600 Hz one way, 1000 Hz the other), for every
 * codec with SRTP off and on. What each side records must be the other's
 * tone: frequency within ±10 Hz, level within ±3 dB, audio present in at
 * least 95 % of the call after the first 200 ms (jitter buffer start-up),
 * less the audio time this process was not scheduled (stall-watch.ts: both
 * ends run here, so a stall of the loop is a gap at the receiver).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import type { SrtpPolicy } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';
import { RecordingSink, measureTone, negotiate, sineRmsDbfs, waitFor } from './session-fixture.ts';
import { StallWatch } from '../../../helpers/stall-watch.ts';

const TONE_DBFS = -10;
const CALL_MS = 2000;

let engine: MediaEngine;

before(async () => {
  engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
});

after(async () => {
  await engine.close();
});

async function call(codec: string, srtp: SrtpPolicy) {
  const heardByA = new RecordingSink();
  const heardByB = new RecordingSink();
  const a = engine.createSession({ codecs: [codec], srtp, source: new ToneSource({ frequency: 600, levelDbfs: TONE_DBFS }), sink: heardByA });
  const b = engine.createSession({ codecs: [codec], srtp, source: new ToneSource({ frequency: 1000, levelDbfs: TONE_DBFS }), sink: heardByB });
  const errors: Error[] = [];
  a.on('error', (e) => errors.push(e));
  b.on('error', (e) => errors.push(e));
  try {
    const { offer, answer } = await negotiate(a, b);
    const watch = new StallWatch().start();
    a.start();
    b.start();
    // CALL_MS of audio in each sink (on a busy machine the 20 ms ticks may run late, not fewer).
    const frames = CALL_MS / 20;
    await waitFor(() => heardByA.frames.length >= frames && heardByB.frames.length >= frames, CALL_MS + 4000, 'two seconds of audio');
    await Promise.all([a.stop(), b.stop()]);
    const stalls = watch.stop();
    return { offer, answer, a: a.stats(), b: b.stats(), heardByA: heardByA.samples(), heardByB: heardByB.samples(), errors, stalls };
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
}

for (const codec of ['PCMU', 'PCMA', 'G722', 'opus']) {
  describe(`${codec} call between two sessions`, { concurrency: 2 }, () => {
    for (const srtp of ['off', 'mandatory'] as const) {
      it(`carries both tones with SRTP ${srtp === 'off' ? 'off' : 'on'}`, async () => {
        const r = await call(codec, srtp);
        assert.deepEqual(r.errors, []);
        assert.match(r.offer, srtp === 'off' ? /m=audio \d+ RTP\/AVP / : /m=audio \d+ RTP\/SAVP /);
        assert.equal(/a=crypto:/.test(r.answer), srtp !== 'off');
        assert.equal(r.a.codec.toLowerCase(), codec.toLowerCase());
        // Two Parley sessions agree on the strongest suite offered (AES-GCM, RFC 7714).
        assert.equal(r.a.srtp, srtp === 'off' ? null : 'AEAD_AES_256_GCM');
        assert.equal(r.b.srtp, r.a.srtp);
        for (const [who, samples, hz] of [
          ['A', r.heardByA, 1000],
          ['B', r.heardByB, 600],
        ] as const) {
          // ~100 ticks of 20 ms at 48 kHz were written to each sink.
          assert.ok(samples.length >= 0.9 * 48 * CALL_MS, `${who} recorded ${samples.length} samples`);
          const m = measureTone(samples, 48000, 200);
          assert.ok(Math.abs(m.frequencyHz - hz) <= 10, `${who} heard ${m.frequencyHz.toFixed(1)} Hz, expected ${hz}`);
          assert.ok(Math.abs(m.levelDbfs - sineRmsDbfs(TONE_DBFS)) <= 3, `${who} level ${m.levelDbfs.toFixed(2)} dBFS`);
          const excused = Math.min(0.2, r.stalls.audibleMs / (samples.length / 48 - 200));
          assert.ok(m.active >= 0.95 - excused, `${who} audio present in ${(m.active * 100).toFixed(1)} % of the call (stalls of this process: ${r.stalls.stalls.join(', ') || 'none'} ms)`);
        }
        for (const s of [r.a, r.b]) {
          assert.ok(s.packetsSent >= 90 && s.packetsReceived >= 90, `packets ${s.packetsSent}/${s.packetsReceived}`);
          assert.equal(s.lossPercent, 0);
          assert.equal(s.dropped.srtp, 0);
          assert.ok(s.mos !== null && s.mos > 4, `MOS ${s.mos}`);
        }
      });
    }
  });
}
