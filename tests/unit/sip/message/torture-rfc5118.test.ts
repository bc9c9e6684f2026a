/** RFC 5118 (SIP torture tests for IPv6), §4.1–4.10. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatUri,
  parseContacts,
  parseUri,
  parseVia,
  serializeMessage,
  toOf,
  topVia,
  type SipRequest,
} from '../../../../electron/sip/message/index.ts';
import { assertRejects, fixture, receive } from './fixtures.ts';

const request = (name: string) => receive(fixture(name)) as SipRequest;

describe('RFC 5118 IPv6 torture tests', () => {
  test('4.1 ipv6-good: IPv6 references in Request-URI, Via and Contact', () => {
    const m = request('ipv6-good');
    const ruri = parseUri(m.uri);
    assert.equal(ruri.host, '2001:db8::10');
    assert.equal(ruri.port, undefined);
    assert.equal(formatUri(ruri), 'sip:[2001:db8::10]');
    assert.equal(topVia(m).host, '2001:db8::9:1');
    const [c] = parseContacts(m.headers.getAll('Contact')) as Exclude<ReturnType<typeof parseContacts>, '*'>;
    assert.equal(c?.displayName, 'Caller');
    assert.equal(c?.uri.host, '2001:db8::1');
    assert.deepEqual(serializeMessage(m), fixture('ipv6-good'));
  });

  test('4.2 ipv6-bad: IPv6 address without brackets in the Request-URI is a 400', () => {
    assertRejects(() => receive(fixture('ipv6-bad')), 400, /Request-URI/);
  });

  test('4.3 port-ambiguous: [2001:db8::10:5070] is an address with no port', () => {
    const ruri = parseUri(request('port-ambiguous').uri);
    assert.equal(ruri.host, '2001:db8::10:5070');
    assert.equal(ruri.port, undefined);
  });

  test('4.4 port-unambiguous: [2001:db8::10]:5070 has port 5070', () => {
    const ruri = parseUri(request('port-unambiguous').uri);
    assert.equal(ruri.host, '2001:db8::10');
    assert.equal(ruri.port, 5070);
  });

  test('4.5 via-received-param with and without IPv6 delimiters', () => {
    assert.equal(topVia(request('via-received-param-with-delim')).params.get('received'), '[2001:db8::9:255]');
    const v = topVia(request('via-received-param-no-delim'));
    assert.equal(v.params.get('received'), '2001:db8::9:255');
    assert.equal(v.params.get('branch'), 'z9hG4bKas3');
  });

  test('4.6 ipv6-in-sdp: body framed, To host IPv6', () => {
    const m = request('ipv6-in-sdp');
    assert.equal(toOf(m).uri.host, '2001:db8::10');
    assert.match(m.body.toString(), /c=IN IP6 2001:db8::20\r\n/);
    assert.equal(m.body.length, Number(m.headers.get('Content-Length')));
  });

  test('4.7 mult-ip-in-header: IPv4 and IPv6 Vias with ports and received', () => {
    const vias = request('mult-ip-in-header').headers.getAll('Via').map(parseVia);
    assert.deepEqual(vias.map((v) => [v.host, v.port, v.transport]), [
      ['2001:db8::9:1', 6050, 'UDP'],
      ['192.0.2.1', undefined, 'UDP'],
      ['2001:db8::9:255', undefined, 'TCP'],
    ]);
    assert.equal(vias[2]?.params.get('received'), '192.0.2.200');
  });

  test('4.8 mult-ip-in-sdp parses', () => {
    const m = request('mult-ip-in-sdp');
    assert.match(m.body.toString(), /c=IN IP6 2001:db8::1\r\n/);
  });

  test('4.9 ipv4-mapped-ipv6: mapped addresses in Via and Contact', () => {
    const m = request('ipv4-mapped-ipv6');
    const v = topVia(m);
    assert.equal(v.host, '::ffff:192.0.2.10');
    assert.equal(v.port, 19823);
    const [c] = parseContacts(m.headers.getAll('Contact')) as Exclude<ReturnType<typeof parseContacts>, '*'>;
    assert.equal(c?.uri.host, '::ffff:192.0.2.2');
    assert.equal(c?.displayName, 'T. desk phone');
  });

  test('4.10 IPv6 reference with 3 colons (RFC 3261 ABNF bug) accepted, 2 colons too', () => {
    assert.equal(toOf(request('ipv6-bug-abnf-3-colons')).uri.host, '2001:db8:::192.0.2.1');
    assert.equal(parseUri(request('ipv6-correct-abnf-2-colons').uri).host, '2001:db8::192.0.2.1');
  });
});
