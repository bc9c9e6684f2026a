/**
 * RFC 4475 §3.1.1: messages every parser must accept, checked field by field.
 * Fixtures are the RFC's messages with CRLF line ends, <allOneLine> joined and
 * <hex> expanded (tests/fixtures/sip/torture/).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  callId,
  cseqOf,
  formatUri,
  fromOf,
  parseContacts,
  parseNameAddr,
  parseUri,
  parseVia,
  serializeMessage,
  toOf,
  topVia,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../../../electron/sip/message/index.ts';
import { fixture, receive } from './fixtures.ts';

function request(name: string): SipRequest {
  const m = receive(fixture(name));
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

function response(name: string): SipResponse {
  const m = receive(fixture(name));
  assert.equal(m.kind, 'response');
  return m as SipResponse;
}

function contacts(m: SipMessage) {
  const c = parseContacts(m.headers.getAll('Contact'));
  assert.notEqual(c, '*');
  return c as Exclude<typeof c, '*'>;
}

describe('RFC 4475 §3.1.1 valid messages', () => {
  test('3.1.1.1 wsinv: short tortuous INVITE (folding, LWS everywhere, compact forms, odd case)', () => {
    const m = request('wsinv');
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri, 'sip:vivekg@chair-dnrc.example.com;unknownparam');
    const ruri = parseUri(m.uri);
    assert.equal(ruri.params.get('unknownparam'), null);
    const to = toOf(m);
    assert.equal(to.uri.user, 'vivekg');
    assert.equal(to.uri.host, 'chair-dnrc.example.com');
    assert.equal(to.params.get('tag'), '1918181833n');
    const from = fromOf(m);
    assert.equal(from.displayName, 'J Rosenberg \\"');
    assert.equal(from.uri.user, 'jdrosen');
    assert.equal(from.params.get('tag'), '98asjd8');
    assert.equal(m.headers.get('max-forwards'), '0068');
    assert.equal(callId(m), 'wsinv.ndaksdj@192.0.2.1');
    assert.deepEqual(cseqOf(m), { seq: 9, method: 'INVITE' });
    const vias = m.headers.getAll('Via').map(parseVia);
    assert.deepEqual(vias.map((v) => v.transport), ['UDP', 'TCP', 'UDP']);
    assert.deepEqual(vias.map((v) => v.host), ['192.0.2.2', 'spindle.example.com', '192.168.255.111']);
    assert.deepEqual(vias.map((v) => v.params.get('branch')), ['390skdjuw', 'z9hG4bK9ikj8', 'z9hG4bK30239']);
    assert.equal(topVia(m).params.get('branch'), '390skdjuw');
    assert.equal(m.headers.has('Subject'), true);
    assert.equal(m.headers.get('subject'), '');
    assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.deepEqual(m.headers.getAll('UnknownHeaderWithUnusualValue'), [';;,,;;,;']);
    assert.equal(m.headers.get('Content-Type'), 'application/sdp');
    const route = parseNameAddr(m.headers.get('Route') ?? '');
    assert.equal(route.uri.host, 'services.example.com');
    assert.equal(route.uri.params.get('lr'), null);
    assert.equal(route.uri.params.get('unknownwith'), 'value');
    const [c] = contacts(m);
    assert.equal(c?.displayName, 'Quoted string ""');
    assert.equal(c?.params.get('newparam'), 'newvalue');
    assert.equal(c?.params.get('secondparam'), null);
    assert.equal(c?.params.get('q'), '0.33');
    assert.equal(m.headers.get('l'), '150');
    assert.equal(m.body.length, 150);
    assert.ok(m.body.toString().startsWith('v=0\r\n'));
  });

  test('3.1.1.2 intmeth: wide range of valid characters', () => {
    const m = request('intmeth');
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    const ruri = parseUri(m.uri);
    assert.equal(ruri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(ruri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(ruri.host, 'example.com');
    assert.equal(topVia(m).params.get('branch'), "z9hG4bK-.!%66*_+`'~");
    const to = toOf(m);
    assert.equal(to.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(to.uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    const from = fromOf(m);
    assert.equal(from.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(from.uri.user, 'mundane');
    assert.equal(from.params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(from.params.get('tag'), "_token~1'+`*%!-.");
    assert.equal(callId(m), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.deepEqual(cseqOf(m), { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" });
    assert.equal(m.headers.get('Max-Forwards'), '255');
    assert.equal(m.headers.get("extensionHeader-!.%*+_`'~"), '\ufeff大停電');
    assert.equal(m.body.length, 0);
  });

  test('3.1.1.3 esc01: valid use of %-escaping', () => {
    const m = request('esc01');
    const ruri = parseUri(m.uri);
    assert.equal(ruri.user, 'sips:user@example.com');
    assert.equal(ruri.host, 'example.net');
    assert.equal(toOf(m).uri.user, 'user');
    assert.equal(fromOf(m).uri.user, 'I have spaces');
    assert.equal(fromOf(m).params.get('tag'), '938');
    assert.equal(callId(m), 'esc01.239409asdfakjkn23onasd0-3234');
    const [c] = contacts(m);
    assert.equal(c?.uri.user, 'caller');
    // "n%61me=v%61lue%25%34%31" is name=value%41: unescaping is never recursive.
    assert.equal(c?.uri.params.get('lr'), null);
    assert.equal(c?.uri.params.get('name'), 'value%41');
    assert.equal(m.headers.get('Content-Type'), 'application/sdp');
    assert.equal(m.body.length, 150);
    // Escaped and unescaped forms are the same URI (RFC 3261 §19.1.4).
    assert.equal(formatUri(ruri), 'sip:sips%3Auser%40example.com@example.net');
  });

  test('3.1.1.4 escnull: escaped NULs in URIs are kept, not truncated', () => {
    const m = request('escnull');
    assert.equal(m.method, 'REGISTER');
    assert.equal(toOf(m).uri.user, 'null-\x00-null');
    assert.equal(fromOf(m).params.get('tag'), '839923423');
    const cs = contacts(m);
    assert.deepEqual(cs.map((c) => c.uri.user), ['\x00', '\x00\x00']);
    assert.equal(formatUri(cs[1]!.uri), 'sip:%00%00@host5.example.com');
  });

  test('3.1.1.5 esc02: % where it is not an escape', () => {
    const m = request('esc02');
    assert.equal(m.method, 'RE%47IST%45R');
    assert.equal(cseqOf(m).method, 'RE%47IST%45R');
    assert.equal(toOf(m).displayName, '%Z%45');
    assert.equal(fromOf(m).displayName, '%Z%45');
    assert.equal(topVia(m).params.get('branch'), 'z9hG4bK209%fzsnel234');
    // Two Contact values, not three: C%6Fntact is another (unknown) header.
    assert.deepEqual(contacts(m).map((c) => c.uri.user), ['alias1', 'alias3']);
    assert.equal(m.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
  });

  test('3.1.1.6 lwsdisp: no LWS between display name and <', () => {
    const m = request('lwsdisp');
    const from = fromOf(m);
    assert.equal(from.displayName, 'caller');
    assert.equal(from.uri.user, 'caller');
    assert.equal(from.params.get('tag'), '323');
  });

  test('3.1.1.7 longreq: long values and many Via values', () => {
    const m = request('longreq');
    const to = toOf(m);
    assert.equal(to.displayName, 'I have a user name of ' + 'extreme'.repeat(10) + ' proportion');
    assert.equal(to.uri.port, 6000);
    assert.equal(to.uri.params.get('unknownparam1'), 'very' + 'long'.repeat(20) + 'value');
    assert.equal(to.uri.params.get('longparam' + 'name'.repeat(25)), 'shortvalue');
    assert.equal(to.uri.params.get(('very' + 'long'.repeat(25) + 'ParameterNameWithNoValue').toLowerCase()), null);
    const from = fromOf(m);
    assert.equal(from.uri.user, 'amazinglylongcallername'.repeat(5));
    assert.equal(from.params.get('tag'), '12' + '982'.repeat(50) + '424');
    assert.equal(callId(m), 'longreq.one' + 'really'.repeat(20) + 'longcallid');
    const vias = m.headers.getAll('via');
    assert.equal(vias.length, 34);
    assert.equal(parseVia(vias[0]!).host, 'sip33.example.com');
    const last = parseVia(vias[33]!);
    assert.equal(last.params.get('received'), '192.0.2.5');
    assert.equal(last.params.get('branch'), 'very' + 'long'.repeat(50) + 'branchvalue');
    assert.equal(contacts(m)[0]?.uri.user, 'amazinglylongcallername'.repeat(5));
    assert.equal(m.body.length, 150);
  });

  test('3.1.1.8 dblreq: octets after the Content-Length in a datagram are ignored', () => {
    const m = request('dblreq');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.body.length, 0);
    assert.equal(callId(m), 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    assert.equal(contacts(m)[0]?.uri.host, 'host.example.com');
    assert.ok(!serializeMessage(m).toString().includes('INVITE'));
  });

  test('3.1.1.9 semiuri: semicolon in the user part of the Request-URI', () => {
    const m = request('semiuri');
    const ruri = parseUri(m.uri);
    assert.equal(ruri.user, 'user;par=u@example.net');
    assert.equal(ruri.host, 'example.com');
    assert.equal(ruri.params.size, 0);
    assert.deepEqual(m.headers.getAll('Accept'), [
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
  });

  test('3.1.1.10 transports: known and unknown Via transports', () => {
    const m = request('transports');
    const vias = m.headers.getAll('Via').map(parseVia);
    assert.deepEqual(vias.map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
    assert.deepEqual(vias.map((v) => v.host), ['t1', 't2', 't3', 't4', 't5'].map((h) => `${h}.example.com`));
    assert.equal(callId(m), 'transports.kijh4akdnaqjkwendsasfdj');
  });

  test('3.1.1.11 mpart01: multipart body with NULs framed by Content-Length', () => {
    const raw = fixture('mpart01');
    const m = request('mpart01');
    assert.equal(m.method, 'MESSAGE');
    assert.equal(m.body.length, 553);
    assert.ok(m.body.includes(0x00));
    assert.ok(m.body.toString('latin1').endsWith('--7a9cbec02ceef655--\r\n'));
    assert.equal(m.headers.get('Content-Type'), 'multipart/mixed;boundary=7a9cbec02ceef655');
    const via = topVia(m);
    assert.equal(via.port, 5070);
    assert.equal(via.params.get('rport'), null);
    assert.equal(m.headers.get('Date'), 'Sat, 15 Oct 2005 04:44:56 GMT');
    assert.deepEqual(serializeMessage(m), raw);
  });

  test('3.1.1.12 unreason: UTF-8 reason phrase', () => {
    const m = response('unreason');
    assert.equal(m.status, 200);
    assert.equal(m.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    assert.equal(cseqOf(m).seq, 35);
    assert.equal(toOf(m).params.get('tag'), '2229');
    assert.equal(m.body.length, 154);
    assert.deepEqual(serializeMessage(m), fixture('unreason'));
    // A rebuilt head writes the same UTF-8 reason phrase.
    m.headers.append('X-Touched', '1');
    const again = receive(serializeMessage(m)) as SipResponse;
    assert.equal(again.reason, m.reason);
  });

  test('3.1.1.13 noreason: empty reason phrase', () => {
    const m = response('noreason');
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
    assert.equal(topVia(m).params.get('branch'), 'z9hG4bK2398ndaoe');
  });

  test('every valid message serializes back to its own bytes and re-parses to the same fields', () => {
    for (const name of ['wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason']) {
      const raw = fixture(name);
      const m = receive(raw);
      const out = serializeMessage(m);
      assert.deepEqual(out, raw, name);
      // Force a rebuild and compare the typed view.
      m.headers.append('X-Rebuilt', 'yes');
      const again = receive(serializeMessage(m));
      assert.deepEqual(topVia(again), topVia(m), name);
      assert.deepEqual(fromOf(again), fromOf(m), name);
      assert.deepEqual(toOf(again), toOf(m), name);
      assert.deepEqual(cseqOf(again), cseqOf(m), name);
      assert.deepEqual(again.body, m.body, name);
      assert.equal(again.headers.get('x-rebuilt'), 'yes');
    }
  });
});
