/**
 * What a hostile peer sends over UDP and what it gets back, on real loopback
 * sockets: oversized or overlong heads and malformed requests are answered
 * (400/513) instead of dropped in silence, lenient accepts are refused, and
 * no answer goes anywhere but to the packet's source.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportLayer } from '../../../../electron/sip/transport/index.ts';
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
