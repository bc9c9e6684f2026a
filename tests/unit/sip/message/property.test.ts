/**
 * Property-based tests (fast-check): serialize∘parse round trips of random
 * requests, responses, URIs and name-addrs; and random mutations of valid
 * messages, which must only ever raise SipParseError, quickly.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cheapestRunMs } from '../../../helpers/cost-bound.ts';
import {
  HeaderList,
  SipParseError,
  SipRequest,
  SipResponse,
  StreamParser,
  cseqOf,
  formatNameAddr,
  formatUri,
  formatVia,
  fromOf,
  parseAuthHeader,
  parseContacts,
  checkMessage,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  serializeMessage,
  toOf,
  topVia,
  uriEquals,
  type SipMessage,
  type SipUri,
} from '../../../../electron/sip/message/index.ts';
import { fixture } from './fixtures.ts';

const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const str = (chars: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...chars.split('')), { minLength: min, maxLength: max }).map((a) => a.join(''));
const token = str(alnum + "-.!%*_+`'~", 1, 12);
const label = str(alnum, 1, 10);
const hostname = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.'));
const ipv6 = fc.ipV6();
const host = fc.oneof(hostname, ipv4, ipv6);
// Any text, including characters the grammar must escape.
const anyText = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });

const sipUri: fc.Arbitrary<SipUri> = fc
  .record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(anyText, { nil: undefined }),
    password: fc.option(anyText, { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    params: fc.uniqueArray(fc.tuple(token.map((t) => t.toLowerCase()), fc.option(anyText, { nil: null })), { selector: (p) => p[0], maxLength: 4 }),
    headers: fc.uniqueArray(fc.tuple(token, anyText), { selector: (h) => h[0], maxLength: 3 }),
  })
  .map((r) => {
    const u: SipUri = { scheme: r.scheme, host: r.host, params: new Map(r.params), headers: new Map(r.headers) };
    if (r.user !== undefined) {
      u.user = r.user;
      if (r.password !== undefined) u.password = r.password;
    }
    if (r.port !== undefined) u.port = r.port;
    return u;
  });

const telUri: fc.Arbitrary<SipUri> = fc
  .record({ num: str('0123456789-.()', 1, 15), plus: fc.boolean(), params: fc.uniqueArray(fc.tuple(token.map((t) => t.toLowerCase()), fc.option(token, { nil: null })), { selector: (p) => p[0], maxLength: 3 }) })
  .map((r) => ({ scheme: 'tel' as const, user: (r.plus ? '+' : '') + '1' + r.num, host: '', params: new Map(r.params), headers: new Map() }));

// Display names: any printable text (quoted and escaped by formatNameAddr).
const displayName = fc.option(fc.string({ minLength: 1, maxLength: 16, unit: 'grapheme' }).filter((s) => !/[\x00-\x1f\x7f]/.test(s) && s.trim() === s), { nil: undefined });
const headerParam = fc.tuple(token.map((t) => t.toLowerCase()), fc.option(fc.oneof(token, str(alnum + ' ,;:', 0, 8).map((s) => `"${s}"`)), { nil: null }));
const nameAddr = fc.record({
  displayName,
  uri: fc.oneof(sipUri.filter((u) => u.headers.size === 0 || true), telUri),
  params: fc.uniqueArray(headerParam, { selector: (p) => p[0], maxLength: 3 }).map((p) => new Map(p)),
});

const headerValue = str(alnum + ' !#$%&()*+-./:<=>?@[]^_`{|}~', 0, 30).map((s) => s.trim());
const extraHeaders = fc.array(fc.tuple(token.map((t) => 'X-' + t), headerValue), { maxLength: 8 });
const body = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

function baseHeaders(branch: string, tag: string, method: string, seq: number): [string, string][] {
  return [
    ['Via', `SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK${branch}`],
    ['Max-Forwards', '70'],
    ['From', `<sip:alice@example.com>;tag=${tag}`],
    ['To', '<sip:bob@example.com>'],
    ['Call-ID', `${branch}@example.com`],
    ['CSeq', `${seq} ${method}`],
  ];
}

const request = fc
  .record({ method: token, uri: sipUri.filter((u) => u.headers.size === 0), branch: str(alnum, 1, 12), tag: token, seq: fc.nat(2 ** 31 - 1), extra: extraHeaders, body })
  .map((r) => new SipRequest(r.method, formatUri(r.uri), new HeaderList([...baseHeaders(r.branch, r.tag, r.method, r.seq), ...r.extra]), r.body));

const response = fc
  .record({ status: fc.integer({ min: 100, max: 699 }), reason: fc.string({ maxLength: 20, unit: 'grapheme' }).filter((s) => !/[\r\n]/.test(s)), branch: str(alnum, 1, 12), tag: token, seq: fc.nat(2 ** 31 - 1), extra: extraHeaders, body })
  .map((r) => new SipResponse(r.status, r.reason, new HeaderList([...baseHeaders(r.branch, r.tag, 'INVITE', r.seq), ...r.extra]), r.body));

function sameMessage(a: SipMessage, b: SipMessage): void {
  assert.equal(a.kind, b.kind);
  if (a.kind === 'request' && b.kind === 'request') {
    assert.equal(b.method, a.method);
    assert.equal(b.uri, a.uri);
  }
  if (a.kind === 'response' && b.kind === 'response') {
    assert.equal(b.status, a.status);
    assert.equal(b.reason, a.reason);
  }
  const strip = (m: SipMessage) => [...m.headers.entries()].filter(([n]) => n.toLowerCase() !== 'content-length');
  assert.deepEqual(strip(b), strip(a));
  assert.deepEqual(b.body, a.body);
}

describe('round trips', () => {
  test('formatUri / parseUri', () => {
    fc.assert(
      fc.property(fc.oneof(sipUri, telUri), (u) => {
        const text = formatUri(u);
        const back = parseUri(text);
        assert.deepEqual(back, u);
        assert.ok(uriEquals(back, u));
        assert.equal(formatUri(back), text);
      }),
      { numRuns: 400 },
    );
  });

  test('formatNameAddr / parseNameAddr', () => {
    fc.assert(
      fc.property(nameAddr, (na) => {
        const text = formatNameAddr(na);
        const back = parseNameAddr(text);
        assert.equal(back.displayName, na.displayName);
        assert.deepEqual(back.uri, na.uri);
        assert.deepEqual(back.params, na.params);
      }),
      { numRuns: 400 },
    );
  });

  test('formatVia / parseVia', () => {
    const via = fc.record({
      transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS'),
      host,
      port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
      params: fc.uniqueArray(headerParam, { selector: (p) => p[0], maxLength: 4 }).map((p) => new Map(p)),
    });
    fc.assert(
      fc.property(via, (v) => {
        const back = parseVia(formatVia(v));
        assert.equal(back.transport, v.transport);
        assert.equal(back.host, v.host);
        assert.equal(back.port, v.port);
        assert.deepEqual(back.params, v.params);
      }),
      { numRuns: 300 },
    );
  });

  test('serializeMessage / parseMessage of requests and responses (datagram and stream)', () => {
    fc.assert(
      fc.property(fc.oneof(request, response), fc.integer({ min: 1, max: 64 }), (m, chunk) => {
        const wire = serializeMessage(m);
        const back = parseMessage(wire);
        sameMessage(m, back);
        assert.deepEqual(serializeMessage(back), wire);
        assert.equal(cseqOf(back).seq, cseqOf(m).seq);
        assert.equal(fromOf(back).params.get('tag'), fromOf(m).params.get('tag'));
        // The same bytes through the stream framer in small chunks.
        const p = new StreamParser();
        const items = [];
        for (let i = 0; i < wire.length; i += chunk) items.push(...p.push(wire.subarray(i, i + chunk)));
        assert.equal(items.length, 1);
        sameMessage(m, items[0] as SipMessage);
      }),
      { numRuns: 300 },
    );
  });
});

// ------------------------------------------------------------------ mutation fuzzing
const seeds = ['wsinv', 'intmeth', 'esc01', 'longreq', 'mpart01', 'unreason', 'ipv6-good', 'mult-ip-in-header', 'regescrt', 'inv2543'].map(fixture);

type Mutation = { kind: 'flip' | 'insert' | 'delete' | 'truncate' | 'dup'; at: number; byte: number; len: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate', 'dup'),
  at: fc.nat(),
  byte: fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x20, 0x3a, 0x3b, 0x2c, 0x22, 0x3c, 0x3e, 0x5c, 0x40, 0x25, 0x5b, 0x5d, 0x00, 0xff), fc.nat(255)),
  len: fc.integer({ min: 1, max: 40 }),
});

function mutate(buf: Buffer, muts: Mutation[]): Buffer {
  let b = Buffer.from(buf);
  for (const m of muts) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip' && b.length > 0) b[at] = m.byte;
    else if (m.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.alloc(m.len, m.byte), b.subarray(at)]);
    else if (m.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'dup') b = Buffer.concat([b.subarray(0, at + m.len), b.subarray(at)]);
  }
  return b;
}

/** Parses and reads everything typed; only SipParseError may escape. */
function exercise(b: Buffer): void {
  exerciseWith(b, true);
  exerciseWith(b, false);
}

/**
 * checked: as a transport receives it (checkMessage first); else read lazily,
 * serialized before anything is read (a header nobody reads must not matter).
 */
function exerciseWith(b: Buffer, checked: boolean): void {
  try {
    const m = parseMessage(b);
    if (checked) checkMessage(m);
    else parseMessage(serializeMessage(m));
    topVia(m);
    fromOf(m);
    toOf(m);
    cseqOf(m);
    for (const v of m.headers.getAll('via')) parseVia(v);
    for (const name of ['route', 'record-route']) for (const v of m.headers.getAll(name)) parseNameAddr(v);
    if (m.headers.has('contact')) parseContacts(m.headers.getAll('contact'));
    for (const v of m.headers.getAll('authorization')) parseAuthHeader(v);
    if (m.kind === 'request') {
      try {
        parseUri(m.uri);
      } catch (e) {
        if (!(e instanceof SipParseError)) throw e;
      }
    }
    m.headers.append('X-Fuzz', '1');
    parseMessage(serializeMessage(m));
  } catch (e) {
    if (!(e instanceof SipParseError)) throw e;
    assert.ok(e.status >= 400 && e.status < 600);
  }
}

describe('mutations of valid messages', () => {
  test('never throw anything but SipParseError, and take at most a few ms each', () => {
    let slowest = 0;
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, muts) => {
        const b = mutate(seed, muts);
        const dt = cheapestRunMs(() => exercise(b), 50);
        slowest = Math.max(slowest, dt);
        assert.ok(dt < 50, `took ${dt} ms`);
      }),
      { numRuns: 3000 },
    );
    assert.ok(slowest < 50);
  });

  test('adversarial shapes stay linear: long runs of separators, quotes, brackets', () => {
    const start = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n');
    for (const filler of [';', ',', '"', '<', '\\', ' ', ';a=', '%', '[', ':', '"\\', ';;,,']) {
      for (const where of ['Contact: ', 'Route: ', 'X-Odd: ', 'Via: SIP/2.0/UDP h', 'From: ']) {
        const b = Buffer.concat([start, Buffer.from(where + filler.repeat(20000) + '\r\n\r\n')]);
        const dt = cheapestRunMs(() => exercise(b), 200);
        assert.ok(dt < 200, `${JSON.stringify(where)} + ${JSON.stringify(filler)} x20000 took ${dt} ms`);
      }
    }
  });

  test('random chunks of mutated streams never throw anything but SipParseError', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { maxLength: 3 })), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 200 }), (parts, chunk) => {
        const wire = Buffer.concat(parts.map(([s, m]) => mutate(s, m)));
        const p = new StreamParser({ maxMessageBytes: 8192 }, () => {});
        try {
          for (let i = 0; i < wire.length; i += chunk) p.push(wire.subarray(i, i + chunk));
        } catch (e) {
          if (!(e instanceof SipParseError)) throw e;
        }
      }),
      { numRuns: 500 },
    );
  });
});
