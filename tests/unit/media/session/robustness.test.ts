/**
 * What the peer (or anyone on the network) may throw at a call: SRTP policy
 * mismatches (488), hostile SDP (488 with a reason, never a crash), garbage
 * datagrams on the RTP port (dropped, the call goes on).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import type { MediaSessionOptions } from '../../../../electron/media/session/media-session-options.ts';
import { RecordingSink, measureTone, negotiate, sleep, waitFor } from './session-fixture.ts';

let engine: MediaEngine;

before(async () => {
  engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
});

after(async () => {
  await engine.close();
});

function pair(a: Partial<MediaSessionOptions>, b: Partial<MediaSessionOptions>) {
  return { a: engine.createSession({ codecs: ['PCMU'], ...a }), b: engine.createSession({ codecs: ['PCMU'], ...b }) };
}

describe('SRTP policy', () => {
  const cases = [
    { a: 'off', b: 'mandatory', expect: /SRTP required but no a=crypto/ },
    { a: 'mandatory', b: 'off', expect: /requires SRTP \(RTP\/SAVP\) and SRTP is off/ },
  ] as const;
  for (const c of cases) {
    it(`offer with SRTP ${c.a}, answerer ${c.b} → 488 with the reason`, async () => {
      const { a, b } = pair({ srtp: c.a }, { srtp: c.b });
      try {
        const r = await b.answerOffer(await a.createOffer());
        assert.ok('reject' in r);
        assert.equal(r.reject, 488);
        assert.match(r.reason, c.expect);
        assert.equal(b.state, 'new');
        assert.throws(() => b.start(), { code: 'not-negotiated' });
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });
  }

  it('mandatory offerer refuses an answer without crypto', async () => {
    const { a, b } = pair({ srtp: 'mandatory' }, { srtp: 'optional' });
    try {
      const offer = await a.createOffer();
      const r = await b.answerOffer(offer);
      if ('reject' in r) assert.fail(r.reason);
      const stripped = r.answer.replace(/^a=crypto:.*\r\n/gm, '');
      await assert.rejects(a.setAnswer(stripped), { name: 'MediaSessionError', code: 'not-acceptable', statusCode: 488 });
      // The offer is forgotten; a new one can be made.
      assert.match(await a.createOffer(), /RTP\/SAVP/);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('optional: best effort — SRTP with a peer that has it, plain RTP with one that does not', async () => {
    for (const [peer, suite] of [
      ['optional', 'AEAD_AES_256_GCM'],
      ['mandatory', 'AEAD_AES_256_GCM'],
      ['off', undefined],
    ] as const) {
      const { a, b } = pair({ srtp: 'optional' }, { srtp: peer });
      try {
        const { offer } = await negotiate(a, b);
        assert.match(offer, /RTP\/AVP .*\r\n[\s\S]*a=crypto:1 AEAD_AES_256_GCM inline:[\s\S]*a=crypto:4 AES_CM_128_HMAC_SHA1_80 inline:/);
        assert.equal(a.negotiated?.srtp?.suite, suite, `peer ${peer}`);
        assert.equal(b.negotiated?.srtp?.suite, suite);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    }
  });
});

describe('codec choice', () => {
  it("answers with the offerer's preferred common codec, and 488 without one", async () => {
    const { a, b } = pair({ codecs: ['opus', 'G722', 'PCMA'] }, { codecs: ['PCMU', 'PCMA', 'G722'] });
    const c = engine.createSession({ codecs: ['PCMU'] });
    const d = engine.createSession({ codecs: ['opus'] });
    try {
      const offer = await a.createOffer();
      const r = await b.answerOffer(offer);
      if ('reject' in r) assert.fail(r.reason);
      assert.match(r.answer, /m=audio \d+ RTP\/AVP 9 101\r\n/);
      await a.setAnswer(r.answer);
      assert.equal(a.negotiated?.codec.name, 'G722');
      const r2 = await c.answerOffer(await d.createOffer());
      assert.ok('reject' in r2 && /no common codec/.test(r2.reason), JSON.stringify(r2));
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop(), d.stop()]);
    }
  });
});

const V = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n';
const HOSTILE: Record<string, string> = {
  empty: '',
  'not SDP': 'hello there\r\n',
  binary: randomBytes(512).toString('latin1'),
  'megabyte of a=': V + 'm=audio 4000 RTP/AVP 0\r\n' + 'a=x\r\n'.repeat(200_000),
  'ten thousand formats': V + `m=audio 4000 RTP/AVP ${Array.from({ length: 10_000 }, (_, i) => i % 128).join(' ')}\r\n`,
  'port out of range': V + 'm=audio 70000 RTP/AVP 0\r\n',
  'negative port': V + 'm=audio -5 RTP/AVP 0\r\n',
  'payload type 300': V + 'm=audio 4000 RTP/AVP 300\r\n',
  'no c= line': 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
  'video only': V + 'm=video 4000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n',
  'no m= line': V,
  'unknown transport': V + 'm=audio 4000 UDP/TLS/RTP/SAVPF 0\r\n',
  'rtpmap nonsense': V + 'm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/0/0/0\r\n',
  'NUL in a line': V + 'm=audio 4000 RTP/AVP 0\r\na=sendrecv\u0000\r\n',
  'all rejected': V + 'm=audio 0 RTP/AVP 0\r\n',
  'crypto garbage on SAVP': V + 'm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!\r\n',
  'huge o= version': 'v=0\r\no=- 1 99999999999999999999999999 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n',
};

describe('hostile SDP offers', () => {
  it('are refused with 488 and a readable reason, and the session stays usable', async () => {
    const b = engine.createSession({ codecs: ['PCMU'] });
    try {
      for (const [name, sdp] of Object.entries(HOSTILE)) {
        const r = await b.answerOffer(sdp);
        assert.ok('reject' in r, `${name}: accepted`);
        assert.equal(r.reject, 488, name);
        assert.ok(r.reason.length > 5 && r.reason.length < 600, `${name}: reason "${r.reason}"`);
        assert.doesNotMatch(r.reason, /TypeError|undefined|\[object/, `${name}: ${r.reason}`);
        // It may go into a SIP header: no CR, LF or other control characters.
        assert.doesNotMatch(r.reason, /[\u0000-\u001f\u007f]/, name);
        if (process.env.SHOW_REASONS) console.log(`${name}: ${r.reason}`);
      }
      const a = engine.createSession({ codecs: ['PCMU'] });
      const r = await b.answerOffer(await a.createOffer());
      assert.ok('answer' in r, 'a good offer still gets an answer');
      await a.stop();
    } finally {
      await b.stop();
    }
  });

  it('random text and mutated offers never throw', async () => {
    const b = engine.createSession({ codecs: ['PCMU', 'opus'], srtp: 'optional' });
    const offerer = engine.createSession({ codecs: ['opus', 'PCMU'], srtp: 'optional' });
    const good = await offerer.createOffer();
    await offerer.stop();
    const lines = good.split('\r\n');
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string({ maxLength: 400 }),
            fc.array(fc.nat(lines.length - 1), { maxLength: 30 }).map((ix) => ix.map((i) => lines[i]).join('\r\n')),
            fc.tuple(fc.nat(good.length), fc.string({ maxLength: 20 })).map(([at, s]) => good.slice(0, at) + s + good.slice(at)),
          ),
          async (text) => {
            const r = await b.answerOffer(text);
            if ('reject' in r) return r.reject === 488 && typeof r.reason === 'string';
            return typeof r.answer === 'string' && r.answer.startsWith('v=0\r\n');
          },
        ),
        { numRuns: 400, seed: 4733 },
      );
    } finally {
      await b.stop();
    }
  });
});

describe('garbage datagrams', () => {
  it('sent to the RTP port do not crash or stop the call', async () => {
    const heardByB = new RecordingSink();
    const a = engine.createSession({ codecs: ['PCMU'], srtp: 'mandatory', source: new ToneSource({ frequency: 600 }) });
    const b = engine.createSession({ codecs: ['PCMU'], srtp: 'mandatory', source: new ToneSource({ frequency: 1000 }), sink: heardByB });
    const plain = engine.createSession({ codecs: ['PCMU'], source: new ToneSource({ frequency: 800 }) });
    const plainPeer = engine.createSession({ codecs: ['PCMU'], sink: new RecordingSink() });
    const errors: Error[] = [];
    for (const s of [a, b, plain, plainPeer]) s.on('error', (e) => errors.push(e));
    const attacker = createSocket('udp4');
    await new Promise<void>((r) => attacker.bind(0, '127.0.0.1', r));
    try {
      await negotiate(a, b);
      await negotiate(plain, plainPeer);
      for (const s of [a, b, plain, plainPeer]) s.start();
      await waitFor(() => b.stats().packetsReceived > 10 && plainPeer.stats().packetsReceived > 10, 2000, 'audio');
      const targets = [b.localPort!, plainPeer.localPort!];
      const rtpLike = (pt: number) => {
        const p = randomBytes(172);
        p[0] = 0x80;
        p[1] = pt;
        return p;
      };
      for (let i = 0; i < 300; i++) {
        const kind = i % 4;
        const datagram =
          kind === 0 ? randomBytes(1 + (i % 1400)) : kind === 1 ? rtpLike(0) : kind === 2 ? rtpLike(200 /* RTCP SR */) : Buffer.alloc(0);
        for (const port of targets) attacker.send(datagram, port, '127.0.0.1');
        if (i % 50 === 0) await sleep(5);
      }
      heardByB.clear();
      await sleep(600);
      assert.deepEqual(errors, []);
      for (const s of [a, b, plain, plainPeer]) assert.equal(s.state, 'running');
      const sb = b.stats();
      const sp = plainPeer.stats();
      assert.ok(sb.dropped.foreignSource + sb.dropped.srtp + sb.dropped.malformed >= 200, JSON.stringify(sb.dropped));
      assert.ok(sp.dropped.foreignSource + sp.dropped.malformed >= 200, JSON.stringify(sp.dropped));
      const m = measureTone(heardByB.samples(), 48000, 100);
      assert.ok(Math.abs(m.frequencyHz - 600) <= 10 && m.active > 0.95, `B still hears A: ${JSON.stringify(m)}`);
      assert.ok(sp.packetsReceived > 40);
    } finally {
      attacker.close();
      await Promise.all([a, b, plain, plainPeer].map((s) => s.stop()));
    }
  });
});
