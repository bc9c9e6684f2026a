/** Via, CSeq, authentication headers and token lists (RFC 3261 §20). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatAuthHeader,
  formatCSeq,
  formatVia,
  parseAuthHeader,
  parseCSeq,
  parseTokenList,
  parseVia,
} from '../../../../electron/sip/message/index.ts';
import { assertRejects } from './fixtures.ts';

describe('parseVia', () => {
  test('sent-protocol, sent-by and parameters', () => {
    const v = parseVia('SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport;maddr=239.255.255.1;ttl=16');
    assert.equal(v.transport, 'UDP');
    assert.equal(v.host, 'pc33.atlanta.example.com');
    assert.equal(v.port, 5066);
    assert.equal(v.params.get('branch'), 'z9hG4bK776asdhds');
    assert.equal(v.params.get('received'), '192.0.2.1');
    assert.equal(v.params.get('rport'), null);
    assert.equal(v.params.get('maddr'), '239.255.255.1');
    assert.equal(v.params.get('ttl'), '16');
    assert.equal(formatVia(v), 'SIP/2.0/UDP pc33.atlanta.example.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport;maddr=239.255.255.1;ttl=16');
  });

  test('transport is upper-cased; LWS allowed around / : ; =; IPv6 sent-by', () => {
    const v = parseVia('sip / 2.0 / tls  [2001:db8::1] : 5061 ; branch = z9hG4bKx ; rport = 5070');
    assert.equal(v.transport, 'TLS');
    assert.equal(v.host, '2001:db8::1');
    assert.equal(v.port, 5061);
    assert.equal(v.params.get('rport'), '5070');
    assert.equal(formatVia(v), 'SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKx;rport=5070');
    assert.equal(parseVia('SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKa').transport, 'WS');
  });

  test('malformed Via values are 400 naming Via', () => {
    for (const bad of ['', 'SIP/2.0/UDP', 'SIP/2.0 UDP host', 'SIP/3.0/UDP host', 'HTTP/2.0/UDP host', 'SIP/2.0/UDP host;;', 'SIP/2.0/UDP host;branch=', 'SIP/2.0/UDP host:70000', 'SIP/2.0/UDP [::1', 'SIP/2.0/UDPhost', 'SIP/2.0/UDP host junk']) {
      assertRejects(() => parseVia(bad), 400, /Via/);
    }
  });
});

describe('parseCSeq', () => {
  test('number and method, leading zeros and LWS', () => {
    assert.deepEqual(parseCSeq('314159 INVITE'), { seq: 314159, method: 'INVITE' });
    assert.deepEqual(parseCSeq(' 0009   ACK '), { seq: 9, method: 'ACK' });
    assert.deepEqual(parseCSeq('2147483647 BYE'), { seq: 2147483647, method: 'BYE' });
    assert.equal(formatCSeq({ seq: 7, method: 'OPTIONS' }), '7 OPTIONS');
  });

  test('out of range or malformed is 400', () => {
    // RFC 3261 §8.1.1.5: less than 2^31.
    for (const bad of ['2147483648 INVITE', '4294967295 BYE', '4294967296 INVITE', 'INVITE', '12', '-1 INVITE', '1 INV ITE', '1 INV"ITE']) assertRejects(() => parseCSeq(bad), 400, /CSeq/);
  });
});

describe('authentication headers', () => {
  test('Digest challenge with quoted strings containing commas', () => {
    const h = parseAuthHeader('Digest realm="atlanta, example.com", qop="auth,auth-int", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", opaque="", stale=FALSE, algorithm=MD5');
    assert.equal(h.scheme, 'Digest');
    assert.equal(h.params.get('realm'), 'atlanta, example.com');
    assert.equal(h.params.get('qop'), 'auth,auth-int');
    assert.equal(h.params.get('opaque'), '');
    assert.equal(h.params.get('stale'), 'FALSE');
    assert.equal(h.params.get('algorithm'), 'MD5');
  });

  test('Authorization round trip with chosen quoting', () => {
    const h = parseAuthHeader('Digest username="bob", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae4"');
    const quoted = new Set(['username', 'realm', 'nonce', 'uri', 'cnonce', 'response']);
    const text = formatAuthHeader(h, quoted);
    assert.equal(text, 'Digest username="bob", realm="biloxi.com", nonce="dcd98b", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae4"');
    assert.deepEqual(parseAuthHeader(text), h);
    assert.equal(formatAuthHeader({ scheme: 'Digest', params: new Map([['realm', 'a"b']]) }, new Set(['realm'])), 'Digest realm="a\\"b"');
  });

  test('malformed auth headers are 400', () => {
    for (const bad of ['', 'Digest realm="x', 'Digest realm="x" nonce="y"', 'Digest ,']) assertRejects(() => parseAuthHeader(bad), 400);
  });
});

describe('parseTokenList', () => {
  test('splits, trims and drops empty elements across several fields', () => {
    assert.deepEqual(parseTokenList(['INVITE, ACK ,BYE', 'OPTIONS', ' ', 'a,,b']), ['INVITE', 'ACK', 'BYE', 'OPTIONS', 'a', 'b']);
  });
});
