/** URIs: RFC 3261 §19.1 (sip/sips), RFC 3966 (tel), equality of §19.1.4. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUri, parseUri, uriEquals } from '../../../../electron/sip/message/index.ts';
import { assertRejects } from './fixtures.ts';

describe('parseUri / formatUri', () => {
  test('all the parts of a SIP URI', () => {
    const u = parseUri('sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    assert.equal(u.scheme, 'sips');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, 'secret');
    assert.equal(u.host, 'atlanta.example.com');
    assert.equal(u.port, 5061);
    assert.deepEqual([...u.params], [['transport', 'tcp'], ['lr', null], ['maddr', '239.255.255.1']]);
    assert.deepEqual([...u.headers], [['subject', 'project x'], ['priority', 'urgent']]);
    assert.equal(formatUri(u), 'sips:alice:secret@atlanta.example.com:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
  });

  test('host only, IPv4, IPv6 reference with and without port', () => {
    assert.deepEqual(parseUri('sip:example.com'), { scheme: 'sip', host: 'example.com', params: new Map(), headers: new Map() });
    assert.equal(parseUri('sip:192.0.2.4:5060').host, '192.0.2.4');
    const v6 = parseUri('sip:bob@[::1]:5060');
    assert.equal(v6.host, '::1');
    assert.equal(v6.port, 5060);
    assert.equal(formatUri(v6), 'sip:bob@[::1]:5060');
    assert.equal(formatUri(parseUri('sip:[2001:db8::1]')), 'sip:[2001:db8::1]');
  });

  test('scheme and parameter names are case-insensitive; user=phone', () => {
    const u = parseUri('SIP:+15551234567@Gateway.Example.COM;User=phone');
    assert.equal(u.scheme, 'sip');
    assert.equal(u.user, '+15551234567');
    assert.equal(u.host, 'Gateway.Example.COM');
    assert.equal(u.params.get('user'), 'phone');
  });

  test('%-escapes are decoded once and re-encoded only where the grammar needs it', () => {
    const u = parseUri('sip:%61lice%20smith@example.com;p=a%3Bb');
    assert.equal(u.user, 'alice smith');
    assert.equal(u.params.get('p'), 'a;b');
    assert.equal(formatUri(u), 'sip:alice%20smith@example.com;p=a%3Bb');
    assert.equal(parseUri('sip:j%C3%BCrgen@example.com').user, 'jürgen');
    assert.equal(formatUri(parseUri('sip:j%C3%BCrgen@example.com')), 'sip:j%C3%BCrgen@example.com');
  });

  test('tel URIs (RFC 3966) keep visual separators in the number', () => {
    const t = parseUri('tel:+1-201-555-0123;ext=77');
    assert.equal(t.scheme, 'tel');
    assert.equal(t.user, '+1-201-555-0123');
    assert.equal(t.host, '');
    assert.equal(t.params.get('ext'), '77');
    assert.equal(formatUri(t), 'tel:+1-201-555-0123;ext=77');
    assert.equal(parseUri('tel:7042;phone-context=example.com').params.get('phone-context'), 'example.com');
  });

  test('junk is a SipParseError 400; unknown schemes are 416', () => {
    for (const bad of ['', 'sip:', 'sip:@host', 'sip:host:99999', 'sip:host:port', 'sip:[::1', 'sip:a b@host', 'sip:host;;lr', 'sip:host?x', 'nocolon', 'sip:user@']) {
      assertRejects(() => parseUri(bad), 400);
    }
    assertRejects(() => parseUri('mailto:bob@example.com'), 416);
    assertRejects(() => parseUri('http://example.com/'), 416);
  });
});

describe('uriEquals (RFC 3261 §19.1.4)', () => {
  const eq = (a: string, b: string) => uriEquals(parseUri(a), parseUri(b));

  test('the RFC examples of equivalent URIs', () => {
    assert.ok(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'));
    assert.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;security=on'));
    assert.ok(eq('sip:carol@chicago.com;newparam=5', 'sip:carol@chicago.com;security=on'));
    assert.ok(eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'));
    assert.ok(eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'));
  });

  test('the RFC examples of non-equivalent URIs', () => {
    assert.ok(!eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'));
    assert.ok(!eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:6000;transport=tcp'));
    assert.ok(!eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'));
    assert.ok(!eq('sip:bob@phone21.boxesbybob.com', 'sip:bob@192.0.2.4'));
  });

  test('equality is not transitive: both are equal to a third but not to each other', () => {
    assert.ok(!eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'));
  });

  test('sip and sips never match; user, ttl, method, maddr must match when either has them', () => {
    assert.ok(!eq('sip:a@example.com', 'sips:a@example.com'));
    assert.ok(!eq('sip:a@example.com;user=phone', 'sip:a@example.com'));
    assert.ok(!eq('sip:a@example.com;maddr=1.2.3.4', 'sip:a@example.com;maddr=1.2.3.5'));
    assert.ok(eq('sip:a@example.com;lr', 'sip:a@example.com'));
  });

  test('tel URIs compare without visual separators', () => {
    assert.ok(eq('tel:+1-201-555-0123', 'tel:+1.201.555.0123'));
    assert.ok(!eq('tel:+1-201-555-0123', 'tel:+1-201-555-0124'));
  });
});
