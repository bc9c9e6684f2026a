/**
 * Re-offers for hold and resume (RFC 3264 §8.4), the peer's hold in its
 * three forms (sendonly, inactive, c=0.0.0.0), and RFC 4733 DTMF end to end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import type { MediaSession } from '../../../../electron/media/session/media-session.ts';
import type { MediaSessionOptions } from '../../../../electron/media/session/media-session-options.ts';
import { RecordingSink, measureTone, negotiate, sleep, waitFor } from './session-fixture.ts';

let engine: MediaEngine;

before(async () => {
  engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
});

after(async () => {
  await engine.close();
});

async function runningPair(options: Partial<MediaSessionOptions> = {}) {
  const heardByA = new RecordingSink();
  const heardByB = new RecordingSink();
  const a = engine.createSession({ codecs: ['PCMU'], ...options, source: new ToneSource({ frequency: 600 }), sink: heardByA });
  const b = engine.createSession({ codecs: ['PCMU'], ...options, source: new ToneSource({ frequency: 1000 }), sink: heardByB });
  await negotiate(a, b);
  a.start();
  b.start();
  await waitFor(() => a.stats().packetsReceived > 5 && b.stats().packetsReceived > 5, 2000, 'audio both ways');
  return { a, b, heardByA, heardByB };
}

const sent = (s: MediaSession) => s.stats().packetsSent;

describe('hold and resume', () => {
  it('holding sends a=sendonly, is answered a=recvonly, and no RTP flows either way until resumed', async () => {
    const { a, b, heardByA } = await runningPair();
    const remoteHold: boolean[] = [];
    b.on('remote-hold', (held) => remoteHold.push(held));
    try {
      const holdOffer = await a.hold();
      assert.match(holdOffer, /^a=sendonly\r$/m);
      const r = await b.answerOffer(holdOffer);
      if ('reject' in r) assert.fail(r.reason);
      assert.match(r.answer, /^a=recvonly\r$/m);
      await a.setAnswer(r.answer);
      assert.deepEqual(remoteHold, [true]);
      assert.equal(a.localHold, true);
      assert.equal(b.remoteHold, true);
      assert.equal(a.negotiated?.direction, 'sendonly');
      assert.equal(b.negotiated?.direction, 'recvonly');

      await sleep(60); // packets already in flight
      const before = [sent(a), sent(b)];
      heardByA.clear();
      await sleep(500);
      assert.deepEqual([sent(a), sent(b)], before, 'no RTP sent by either side while held');
      assert.equal(measureTone(heardByA.samples(), 48000, 0).levelDbfs, -Infinity, 'A hears silence while holding');
      assert.ok(a.stats().state === 'running' && b.stats().state === 'running');

      const resumeOffer = await a.resume();
      assert.match(resumeOffer, /^a=sendrecv\r$/m);
      const o1 = /^o=\S+ \S+ (\d+)/m.exec(holdOffer)![1]!;
      const o2 = /^o=\S+ \S+ (\d+)/m.exec(resumeOffer)![1]!;
      assert.equal(BigInt(o2), BigInt(o1) + 1n, 'o= version goes up by one (RFC 3264 §8)');
      const r2 = await b.answerOffer(resumeOffer);
      if ('reject' in r2) assert.fail(r2.reason);
      assert.match(r2.answer, /^a=sendrecv\r$/m);
      await a.setAnswer(r2.answer);
      assert.deepEqual(remoteHold, [true, false]);
      heardByA.clear();
      await sleep(600);
      assert.ok(sent(a) > before[0]! + 20 && sent(b) > before[1]! + 20, 'RTP flows again both ways');
      const m = measureTone(heardByA.samples(), 48000, 200);
      assert.ok(Math.abs(m.frequencyHz - 1000) <= 10, `A hears B again (${m.frequencyHz.toFixed(1)} Hz)`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('a refused re-offer rolls back: hold stays as it was, and a stray answer changes nothing', async () => {
    const { a, b } = await runningPair();
    try {
      const holdOffer = await a.hold();
      assert.equal(a.localHold, true, 'the microphone stops at once');
      a.rollback(); // e.g. the re-INVITE got 491 or 488
      assert.equal(a.localHold, false);
      assert.equal(a.negotiated?.direction, 'sendrecv');
      const r = await b.answerOffer(await a.hold());
      if ('reject' in r) assert.fail(r.reason);
      await a.setAnswer(r.answer);
      await assert.rejects(a.setAnswer(r.answer), { code: 'bad-state' });
      assert.equal(a.localHold, true, 'still holding after the stray answer');
      assert.match(holdOffer, /a=sendonly/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('holding a call the peer already holds offers a=inactive (RFC 3264 §8.4)', async () => {
    const { a, b } = await runningPair();
    try {
      const r1 = await b.answerOffer(await a.hold());
      if ('reject' in r1) assert.fail(r1.reason);
      await a.setAnswer(r1.answer);
      const bHold = await b.hold();
      assert.match(bHold, /^a=inactive\r$/m);
      const r2 = await a.answerOffer(bHold);
      if ('reject' in r2) assert.fail(r2.reason);
      assert.match(r2.answer, /^a=inactive\r$/m);
      await b.setAnswer(r2.answer);
      assert.equal(a.negotiated?.direction, 'inactive');
      assert.equal(b.negotiated?.direction, 'inactive');
      assert.ok(a.remoteHold && b.remoteHold);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  for (const form of ['inactive', 'c=0.0.0.0'] as const) {
    it(`answers the peer's hold by ${form} and stops sending`, async () => {
      const { a, b } = await runningPair();
      try {
        const offer = await a.createOffer();
        const held = form === 'inactive' ? offer.replace(/^a=sendrecv\r$/m, 'a=inactive\r') : offer.replace(/^c=IN IP4 127\.0\.0\.1\r$/m, 'c=IN IP4 0.0.0.0\r');
        assert.notEqual(held, offer);
        const r = await b.answerOffer(held);
        if ('reject' in r) assert.fail(r.reason);
        assert.match(r.answer, form === 'inactive' ? /^a=inactive\r$/m : /^a=recvonly\r$/m);
        assert.equal(b.remoteHold, true);
        a.rollback();
        await sleep(60);
        const before = sent(b);
        await sleep(400);
        assert.equal(sent(b), before, 'the held side sends nothing');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  }

  it('mute keeps RTP flowing with silence', async () => {
    const { a, b, heardByB } = await runningPair();
    try {
      a.setMuted(true);
      await sleep(100);
      const before = sent(a);
      heardByB.clear();
      await sleep(400);
      assert.ok(sent(a) >= before + 15, 'packets keep going out');
      assert.ok(measureTone(heardByB.samples(), 48000, 100).levelDbfs < -60, 'B hears silence');
      assert.equal(a.stats().muted, true);
      a.setMuted(false);
      heardByB.clear();
      await sleep(300);
      assert.ok(measureTone(heardByB.samples(), 48000, 100).levelDbfs > -20);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('DTMF (RFC 4733)', () => {
  for (const codec of ['PCMU', 'opus']) {
    it(`${codec}: '123#' is received exactly once per digit, in order`, async () => {
      const { a, b, heardByB } = await runningPair({ codecs: [codec] });
      const digits: string[] = [];
      b.on('dtmf', (d) => digits.push(d.digit));
      try {
        if (codec === 'opus') assert.equal(a.negotiated?.telephoneEvent?.clockRate, 48000, 'telephone-event at the codec clock (RFC 4733 §2.1)');
        await a.sendDtmf('123#', { durationMs: 80 });
        await waitFor(() => digits.length >= 4, 2000, 'four digits');
        await sleep(300); // any late repeat would show up now
        assert.deepEqual(digits, ['1', '2', '3', '#']);
        assert.equal(a.stats().dtmf.sent, 4);
        assert.equal(b.stats().dtmf.received, 4);
        // Event packets are not audio: no loss counted for their sequence numbers.
        assert.equal(b.stats().jitterBuffer.lost, 0);
        heardByB.clear();
        await sleep(300);
        assert.ok(Math.abs(measureTone(heardByB.samples(), 48000, 100).frequencyHz - 600) <= 10, 'audio resumes after the digits');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  }

  it('refuses digits when telephone-event was not negotiated, and bad digits', async () => {
    const { a, b } = await runningPair({ telephoneEvent: false });
    try {
      await assert.rejects(a.sendDtmf('1'), { name: 'MediaSessionError', code: 'dtmf-unavailable' });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const p = await runningPair();
    try {
      await assert.rejects(p.a.sendDtmf('12x'), { name: 'TelephoneEventError' });
      const pending = p.a.sendDtmf('999');
      await p.a.stop();
      await assert.rejects(pending, { code: 'closed' });
    } finally {
      await Promise.all([p.a.stop(), p.b.stop()]);
    }
  });
});
