/**
 * DTLS-SRTP between two MediaSessions on loopback (RFC 5763/5764): the
 * offer carries UDP/TLS/RTP/SAVP (or RTP/AVP + fingerprint when SRTP is
 * optional), the answerer starts the handshake on the RTP port, both ends
 * export the same keys into SRTP and the tones cross encrypted — measured.
 * A fingerprint that does not match the certificate ends the media with
 * words on both sides; hostile a=fingerprint / a=setup values get a 488
 * reason, never a throw (property test).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import type { MediaSession } from '../../../../electron/media/session/media-session.ts';
import type { SrtpPolicy } from '../../../../electron/media/srtp/srtp-crypto-suite.ts';
import { RecordingSink, measureTone, sineRmsDbfs, waitFor } from './session-fixture.ts';

const TONE_DBFS = -10;
const CALL_MS = 2000;

let engine: MediaEngine;

before(async () => {
  engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
});

after(async () => {
  await engine.close();
});

function session(srtp: SrtpPolicy, hz: number, sink: RecordingSink): MediaSession {
  return engine.createSession({ codecs: ['PCMU'], srtp, keyExchange: ['dtls'], source: new ToneSource({ frequency: hz, levelDbfs: TONE_DBFS }), sink });
}

function secured(s: MediaSession): Promise<number> {
  return new Promise((resolve, reject) => {
    s.once('secured', (_srtp, ms) => resolve(ms));
    s.once('security-failed', (words) => reject(new Error(words)));
  });
}

describe('DTLS-SRTP between two sessions', () => {
  for (const policy of ['mandatory', 'optional'] as const) {
    it(`keys SRTP by a handshake on the RTP port and carries both tones (SRTP ${policy})`, async () => {
      const heardByA = new RecordingSink();
      const heardByB = new RecordingSink();
      const a = session(policy, 600, heardByA);
      const b = session(policy, 1000, heardByB);
      try {
        const offer = await a.createOffer();
        assert.match(offer, policy === 'mandatory' ? /m=audio \d+ UDP\/TLS\/RTP\/SAVP 0/ : /m=audio \d+ RTP\/AVP 0/);
        assert.match(offer, /a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\r\n/);
        assert.match(offer, /a=setup:actpass\r\n/);
        assert.doesNotMatch(offer, /a=crypto/);
        const securedA = secured(a);
        const securedB = secured(b);
        const result = await b.answerOffer(offer);
        if ('reject' in result) assert.fail(result.reason);
        assert.match(result.answer, /a=setup:active\r\n/);
        await a.setAnswer(result.answer);
        a.start();
        b.start();
        const [msA, msB] = await Promise.all([securedA, securedB]);
        process.stdout.write(`# DTLS-SRTP handshake (loopback, both ends in one process): offerer ${msA.toFixed(1)} ms, answerer ${msB.toFixed(1)} ms\n`);
        assert.equal(a.negotiated?.srtp?.keyExchange, 'dtls');
        assert.equal(a.negotiated?.srtp?.suite, 'AEAD_AES_256_GCM');
        assert.deepEqual(a.negotiated?.srtp?.localKey, b.negotiated?.srtp?.remoteKey);
        // No audio can flow before the keys exist: judge the CALL_MS after both ends were secured.
        const fromA = heardByA.frames.length;
        const fromB = heardByB.frames.length;
        const frames = CALL_MS / 20;
        await waitFor(() => heardByA.frames.length >= fromA + frames && heardByB.frames.length >= fromB + frames, CALL_MS + 5000, 'audio');
        await Promise.all([a.stop(), b.stop()]);
        for (const [who, sink, hz, s, from] of [['A', heardByA, 1000, a.stats(), fromA], ['B', heardByB, 600, b.stats(), fromB]] as const) {
          const m = measureTone(sink.samples().subarray(from * 960), 48000, 200);
          assert.ok(Math.abs(m.frequencyHz - hz) <= 10, `${who} heard ${m.frequencyHz.toFixed(1)} Hz`);
          assert.ok(Math.abs(m.levelDbfs - sineRmsDbfs(TONE_DBFS)) <= 3, `${who} level ${m.levelDbfs.toFixed(2)} dBFS`);
          assert.ok(m.active >= 0.9, `${who} audio in ${(m.active * 100).toFixed(1)} %`);
          assert.equal(s.srtp, 'AEAD_AES_256_GCM');
          assert.ok(s.packetsReceived >= 50, `${who} received ${s.packetsReceived}`);
        }
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  }

  it('without rtcp-mux, the RTCP port runs a handshake of its own and SRTCP reports cross with its keys (RFC 5764 §4.1)', async () => {
    const mk = (hz: number) =>
      engine.createSession({ codecs: ['PCMU'], srtp: 'mandatory', keyExchange: ['dtls'], rtcpMux: false, rtcpMinIntervalMs: 300, source: new ToneSource({ frequency: hz, levelDbfs: TONE_DBFS }), sink: new RecordingSink() });
    const a = mk(600);
    const b = mk(1000);
    try {
      const offer = await a.createOffer();
      assert.doesNotMatch(offer, /a=rtcp-mux/);
      const securedA = secured(a);
      const securedB = secured(b);
      const result = await b.answerOffer(offer);
      if ('reject' in result) assert.fail(result.reason);
      assert.doesNotMatch(result.answer, /a=rtcp-mux/);
      await a.setAnswer(result.answer);
      a.start();
      b.start();
      await Promise.all([securedA, securedB]);
      await waitFor(() => a.negotiated?.srtcp !== undefined && b.negotiated?.srtcp !== undefined, 5000, 'the RTCP ports keyed');
      const [na, nb] = [a.negotiated!, b.negotiated!];
      assert.deepEqual(na.srtcp!.localKey, nb.srtcp!.remoteKey, 'one SRTCP key each way, shared by both ends');
      assert.deepEqual(na.srtcp!.remoteKey, nb.srtcp!.localKey);
      assert.notDeepEqual(na.srtcp!.localKey, na.srtp!.localKey, 'the RTCP port has keys of its own, not the RTP port\'s');
      await waitFor(() => a.stats().rtcp.received >= 2 && b.stats().rtcp.received >= 2, 5000, 'SRTCP reports both ways');
      for (const s of [a.stats(), b.stats()]) {
        assert.ok(s.packetsReceived >= 10, `SRTP audio received: ${s.packetsReceived}`);
        assert.equal(s.dropped.srtp, 0, 'nothing failed to authenticate');
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('ends the media in words when the certificate does not match the SDP fingerprint', async () => {
    const a = session('mandatory', 600, new RecordingSink());
    const b = session('mandatory', 1000, new RecordingSink());
    try {
      const offer = await a.createOffer();
      // A man in the middle of the signalling would swap the fingerprint: flip one byte of it.
      const forged = offer.replace(/(a=fingerprint:sha-256 )([0-9A-F]{2})/, (_m, p: string, byte: string) => `${p}${(parseInt(byte, 16) ^ 0xff).toString(16).toUpperCase().padStart(2, '0')}`);
      assert.notEqual(forged, offer);
      const failedB = new Promise<string>((resolve) => b.once('security-failed', resolve));
      const failedA = new Promise<string>((resolve) => a.once('security-failed', resolve));
      const result = await b.answerOffer(forged);
      if ('reject' in result) assert.fail(result.reason);
      await a.setAnswer(result.answer);
      a.start();
      b.start();
      const words = await failedB;
      assert.match(words, /does not match the fingerprint in its SDP: someone may be intercepting the call/);
      assert.match(await failedA, /refused the secure media connection: a bad certificate/);
      assert.equal(b.negotiated?.srtp, undefined, 'no keys were installed');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('answers hostile a=fingerprint / a=setup values with an answer or a 488 reason, never a throw', async () => {
    const base = await session('mandatory', 600, new RecordingSink()).createOffer();
    const value = fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.constantFrom('sha-256', 'SHA-256', 'md5', 'sha-1', 'sha-512', 'x').chain((h) => fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 70 }).map((bytes) => `${h} ${bytes.map((x) => x.toString(16).padStart(2, '0')).join(':')}`)),
    );
    const setup = fc.oneof(fc.constantFrom('actpass', 'active', 'passive', 'holdconn', 'ACTIVE', ''), fc.string({ maxLength: 20 }));
    await fc.assert(
      fc.asyncProperty(value, setup, async (fp, st) => {
        const clean = (t: string) => t.replace(/[\r\n]/g, ' ');
        const offer = base.replace(/a=fingerprint:[^\r]*/, `a=fingerprint:${clean(fp)}`).replace(/a=setup:[^\r]*/, `a=setup:${clean(st)}`);
        const b = session('mandatory', 1000, new RecordingSink());
        try {
          const r = await b.answerOffer(offer);
          if ('reject' in r) {
            assert.equal(r.reject, 488);
            assert.ok(r.reason.length > 0);
          } else {
            assert.match(r.answer, /a=setup:(active|passive)/);
          }
        } finally {
          await b.stop();
        }
      }),
      { numRuns: 60 },
    );
  });
});
