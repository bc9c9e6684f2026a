/**
 * What a hostile peer sends over UDP and what it gets back, on real loopback
 * sockets: oversized or overlong heads and malformed requests are answered
 * (400/513) instead of dropped in silence, lenient accepts are refused, and
 * no answer goes anywhere but to the packet's source.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
import { UserAgent } from '../../../../electron/sip/ua/user-agent.ts';
import { fixedMedia } from '../ua/ua-world.ts';
import type { Endpoint } from '../../../../electron/sip/transport/index.ts';
import { delay, inboxOf, rawUdp, requestText } from './helpers.ts';

describe('UDP: malformed requests are answered where an answer can be addressed (issue finding 13)', () => {
  let layer: TransportLayer;
  let local: Endpoint;
  before(async () => {
    layer = new TransportLayer();
    local = await layer.listen({ protocol: 'udp', address: '127.0.0.1', port: 0 });
  });
  after(() => layer.close());

  async function answerTo(text: string): Promise<{ status: number; reason: string } | undefined> {
    const peer = await rawUdp();
    try {
      const viaText = text.replace(/^Via: [^\r]*/m, `Via: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK${Math.random().toString(36).slice(2)};rport`);
      await peer.send(viaText, local.port);
      const got = await peer.inbox.next(() => true, 1500, 'an answer').catch(() => undefined);
      if (got === undefined) return undefined;
      // Read the status line only: the answer copies From and CSeq as they came (RFC 3261 §8.2.6.2).
      const m = /^SIP\/2\.0 (\d{3}) ([^\r]*)\r\n/.exec(got);
      return m ? { status: Number(m[1]), reason: m[2]! } : undefined;
    } finally {
      peer.close();
    }
  }

  it('a header line over 16 KB: 513', async () => {
    const r = await answerTo(requestText('OPTIONS', { extra: [`X-Long: ${'a'.repeat(17_000)}`] }));
    assert.equal(r?.status, 513, `answer: ${JSON.stringify(r)}`);
    assert.match(r!.reason, /header line too long/);
  });

  it('more than 256 header fields: 513', async () => {
    const r = await answerTo(requestText('OPTIONS', { extra: Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`) }));
    assert.equal(r?.status, 513, `answer: ${JSON.stringify(r)}`);
    assert.match(r!.reason, /too many header fields/);
  });

  it('more than 256 header fields with the routing headers at the end: still 513', async () => {
    const text = requestText('OPTIONS');
    const [line, ...rest] = text.split('\r\n');
    const filler = Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`);
    const r = await answerTo([line, ...filler, ...rest].join('\r\n'));
    assert.equal(r?.status, 513);
  });

  it('a malformed Request-URI: 400', async () => {
    for (const uri of ['sip:bob@[::1', 'sip:', '1sip:bob@x']) {
      const r = await answerTo(requestText('OPTIONS', { uri }));
      assert.equal(r?.status, 400, `${uri}: ${JSON.stringify(r)}`);
      assert.match(r!.reason, /Request-URI/);
    }
  });

  it('a NUL or another control character in a display name: 400, not delivered', async () => {
    const inbox = inboxOf(layer);
    for (const from of ['"Alice\u0000Evil" <sip:alice@127.0.0.1>;tag=a1', '"Alice\u001b]0;pwned\u0007" <sip:alice@127.0.0.1>;tag=a1']) {
      const text = requestText('OPTIONS').replace(/^From: [^\r]*/m, `From: ${from}`);
      const r = await answerTo(text);
      assert.equal(r?.status, 400, JSON.stringify(r));
      assert.match(r!.reason, /display name/);
    }
    assert.equal(inbox.items.length, 0);
  });

  it('CSeq of 2^31 or more: 400 (RFC 3261 §8.1.1.5)', async () => {
    for (const n of ['2147483648', '4294967295']) {
      const text = requestText('OPTIONS').replace(/^CSeq: \d+/m, `CSeq: ${n}`);
      const r = await answerTo(text);
      assert.equal(r?.status, 400, `${n}: ${JSON.stringify(r)}`);
    }
    const ok = requestText('OPTIONS').replace(/^CSeq: \d+/m, 'CSeq: 2147483647');
    const inbox = inboxOf(layer);
    const peer = await rawUdp();
    try {
      await peer.send(ok, local.port);
      const got = await inbox.next();
      assert.equal(got.message.headers.get('CSeq'), '2147483647 OPTIONS');
    } finally {
      peer.close();
    }
  });

  it('keeps serving after all of it', async () => {
    await delay(10);
    const inbox = inboxOf(layer);
    const peer = await rawUdp();
    try {
      await peer.send(requestText('OPTIONS', { callId: 'still-here' }), local.port);
      const got = await inbox.next((m) => m.message.headers.get('Call-ID') === 'still-here');
      assert.equal(got.message.kind, 'request');
    } finally {
      peer.close();
    }
  });
});

describe('UDP: no reflection through Via (issue finding 4)', () => {
  const OFFER_ELSEWHERE = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n';

  /** An auto-answering UA on loopback; the 2xx of an INVITE never ACKed is retransmitted (T1 = 40 ms) until Timer H. */
  async function autoAnswering() {
    const media = fixedMedia();
    const ua = new UserAgent({ listen: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }], media: media.factory, timers: { T1: 40 }, trace: false });
    ua.addAccount({ id: 'bob', aor: 'sip:bob@127.0.0.1', registerExpires: 0 });
    ua.on('incomingCall', (c) => void c.accept());
    const [local] = await ua.start();
    return { ua, port: local!.port };
  }

  const cases: Array<[string, (third: number) => string]> = [
    ['Via maddr', (third) => `SIP/2.0/UDP 127.0.0.1:${third};maddr=127.0.0.1`],
    ['preset received;rport=N', (third) => `SIP/2.0/UDP 127.0.0.1:${third};received=127.0.0.1;rport=${third}`],
    ['sent-by port without rport', (third) => `SIP/2.0/UDP 127.0.0.1:${third}`],
  ];
  for (const [name, via] of cases) {
    it(`${name}: an un-ACKed INVITE sends nothing to the third port, every answer to the sender`, async () => {
      const { ua, port } = await autoAnswering();
      const attacker = await rawUdp();
      const victim = await rawUdp();
      try {
        const text = requestText('INVITE', {
          via: `${via(victim.port)};branch=z9hG4bKrefl${Math.random().toString(36).slice(2)}`,
          extra: [`Contact: <sip:x@127.0.0.1:${victim.port}>`, 'Content-Type: application/sdp'],
          body: OFFER_ELSEWHERE,
        });
        await attacker.send(text, port);
        // 200 OK, then its retransmissions at 40, 80, 160, 320, 640 ms...
        await delay(1_300);
        const toAttacker = attacker.inbox.items.filter((t) => t.startsWith('SIP/2.0 200')).length;
        assert.equal(victim.inbox.items.length, 0, `datagrams at the third port: ${victim.inbox.items.length}`);
        assert.ok(toAttacker >= 3, `2xx and retransmissions at the sender: ${toAttacker}`);
      } finally {
        attacker.close();
        victim.close();
        await ua.close();
      }
    });
  }
});
