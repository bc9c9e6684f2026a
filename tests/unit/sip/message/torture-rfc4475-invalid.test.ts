/**
 * RFC 4475 §3.1.2 (invalid messages), §3.2 (transaction layer), §3.3
 * (application layer) and §3.4 (RFC 2543 compatibility). Each invalid
 * message must be rejected with the status the RFC asks for, with a reason
 * naming the defect, and with `request` set when a response can be built;
 * where the RFC allows an element to be liberal we accept and say so.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createResponse,
  fromOf,
  parseAuthHeader,
  parseContacts,
  parseTokenList,
  parseUri,
  parseVia,
  serializeMessage,
  toOf,
  topVia,
  type SipRequest,
} from '../../../../electron/sip/message/index.ts';
import { assertRejects, fixture, receive } from './fixtures.ts';

const parse = (name: string) => () => receive(fixture(name));

describe('RFC 4475 §3.1.2 invalid messages', () => {
  test('3.1.2.1 badinv01: extraneous ;;,;,, in Via is a 400 naming Via, answerable', () => {
    const e = assertRejects(parse('badinv01'), 400, /Via/);
    assert.equal(e.request?.method, 'INVITE');
    // The response copies what it can (RFC 3261 §8.2.6.2).
    const r = createResponse(e.request as SipRequest, e.status, e.reason);
    assert.match(serializeMessage(r).toString(), /^SIP\/2\.0 400 Bad Request - malformed Via/);
  });

  test('3.1.2.2 clerr: Content-Length larger than the datagram is a 400', () => {
    const e = assertRejects(parse('clerr'), 400, /Content-Length/);
    assert.equal(e.request?.headers.get('call-id'), 'clerr.0ha0isndaksdjweiafasdk3');
  });

  test('3.1.2.3 ncl: negative Content-Length is a 400', () => {
    assertRejects(parse('ncl'), 400, /Content-Length/);
    const five = fixture('ncl').toString('latin1').replace('Content-Length: -999', 'Content-Length: five');
    assertRejects(() => receive(Buffer.from(five, 'latin1')), 400, /Content-Length/);
  });

  test('3.1.2.4 scalar02: CSeq beyond 2**32-1 is a 400 (Max-Forwards 300 would be too)', () => {
    assertRejects(parse('scalar02'), 400, /CSeq/);
    const onlyMf = fixture('scalar02').toString().replace('36893488147419103232', '5');
    assertRejects(() => receive(onlyMf), 400, /Max-Forwards/);
  });

  test('3.1.2.5 scalarlg: a response with an out-of-range CSeq is rejected (dropped)', () => {
    const e = assertRejects(parse('scalarlg'), 400, /CSeq/);
    assert.equal(e.request, undefined);
  });

  test('3.1.2.6 quotbal: unterminated quoted display name is a 400 naming To', () => {
    const e = assertRejects(parse('quotbal'), 400, /To.*unterminated/);
    assert.ok(e.request);
  });

  test('3.1.2.7 ltgtruri: <> around the Request-URI is a 400', () => {
    assertRejects(parse('ltgtruri'), 400, /Request-URI/);
  });

  test('3.1.2.8 lwsruri: LWS inside the Request-URI is a 400', () => {
    assertRejects(parse('lwsruri'), 400, /Request-Line/);
  });

  test('3.1.2.9 lwsstart: several SP between Request-Line elements is a 400', () => {
    assertRejects(parse('lwsstart'), 400, /Request-Line/);
  });

  test('3.1.2.10 trws: SP after the SIP-Version is a 400', () => {
    assertRejects(parse('trws'), 400, /Request-Line/);
  });

  test('3.1.2.11 escruri: escaped headers in the Request-URI are a 400', () => {
    assertRejects(parse('escruri'), 400, /Request-URI.*headers/);
  });

  test('3.1.2.12 baddate: a non-GMT Date is accepted (we do not interpret Date) and kept verbatim', () => {
    const m = receive(fixture('baddate'));
    assert.equal(m.headers.get('Date'), 'Fri, 01 Jan 2010 16:00:00 EST');
    assert.deepEqual(m.headers.getAll('Date'), ['Fri, 01 Jan 2010 16:00:00 EST']);
  });

  test('3.1.2.13 regbadct: Contact URI with ? outside <> is accepted by the parser, rejected by parseContacts', () => {
    const m = receive(fixture('regbadct'));
    assertRejects(() => parseContacts(m.headers.getAll('Contact')), 400, /Contact.*<>/);
  });

  test('3.1.2.14 badaspec: LWS inside <> in To is accepted (liberal), display names with commas quoted', () => {
    const m = receive(fixture('badaspec'));
    assert.equal(toOf(m).uri.user, 't.watson');
    assert.equal(toOf(m).displayName, 'Watson, Thomas');
    assert.equal(fromOf(m).displayName, 'Bell, Alexander');
  });

  test('3.1.2.15 baddn: unquoted display name with a comma is a 400', () => {
    assertRejects(parse('baddn'), 400, /From.*display name/);
  });

  test('3.1.2.16 badvers: SIP/7.0 is a 505, answerable', () => {
    const e = assertRejects(parse('badvers'), 505, /version/);
    assert.equal(e.request?.method, 'OPTIONS');
  });

  test('3.1.2.17 mismatch01: CSeq method differing from the Request-Line is a 400', () => {
    assertRejects(parse('mismatch01'), 400, /CSeq method/);
  });

  test('3.1.2.18 mismatch02: unknown method with mismatching CSeq is a 400 (RFC allows 400 or 501)', () => {
    const e = assertRejects(parse('mismatch02'), 400, /CSeq method/);
    assert.equal(e.request?.method, 'NEWMETHOD');
  });

  test('3.1.2.19 bigcode: status code above 699 is rejected', () => {
    const e = assertRejects(parse('bigcode'), 400, /Status-Line/);
    assert.equal(e.request, undefined);
  });
});

describe('RFC 4475 §3.2–3.4 transaction, application and compatibility tests', () => {
  test('3.2.1 badbranch: bare magic cookie branch parses', () => {
    const m = receive(fixture('badbranch'));
    assert.equal(topVia(m).params.get('branch'), 'z9hG4bK');
  });

  test('3.3.1 insuf: missing Call-ID/From/To is a 400 without a request to answer from', () => {
    const e = assertRejects(parse('insuf'), 400, /missing/);
    assert.equal(e.request, undefined);
  });

  test('3.3.2 unkscm: unknown Request-URI scheme parses; the URI layer answers 416', () => {
    const m = receive(fixture('unkscm')) as SipRequest;
    assert.equal(m.uri, 'nobodyKnowsThisScheme:totallyopaquecontent');
    assertRejects(() => parseUri(m.uri), 416);
  });

  test('3.3.3 novelsc: novel scheme with // parses', () => {
    const m = receive(fixture('novelsc')) as SipRequest;
    assert.equal(m.uri, 'soap.beep://192.0.2.103:3002');
  });

  test('3.3.4 unksm2: unknown schemes in From/To are answered 416', () => {
    const e = assertRejects(parse('unksm2'), 416, /scheme/);
    assert.equal(e.request?.method, 'REGISTER');
  });

  test('3.3.5 bext01: unknown Require / Proxy-Require options are listed', () => {
    const m = receive(fixture('bext01'));
    assert.deepEqual(parseTokenList(m.headers.getAll('Require')), ['nothingSupportsThis', 'nothingSupportsThisEither']);
    assert.deepEqual(parseTokenList(m.headers.getAll('Proxy-Require')), ['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
  });

  test('3.3.6 invut: unknown body type is framed and kept', () => {
    const m = receive(fixture('invut'));
    assert.equal(m.headers.get('Content-Type'), 'application/unknownformat');
    assert.equal(m.body.toString(), '<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n');
  });

  test('3.3.7 regaut01: unknown authorization scheme parses', () => {
    const m = receive(fixture('regaut01'));
    const a = parseAuthHeader(m.headers.get('Authorization') ?? '');
    assert.equal(a.scheme, 'NoOneKnowsThisScheme');
    assert.equal(a.params.get('opaque-data'), 'here');
  });

  test('3.3.8 multi01: several values in single-value headers is a 400', () => {
    assertRejects(parse('multi01'), 400, /more than one/);
  });

  test('3.3.9 mcl01: two different Content-Lengths is a 400', () => {
    assertRejects(parse('mcl01'), 400, /Content-Length/);
  });

  test('3.3.10 bcast: response whose second Via is a broadcast address parses', () => {
    const m = receive(fixture('bcast'));
    assert.equal(parseVia(m.headers.getAll('Via')[1] ?? '').host, '255.255.255.255');
  });

  test('3.3.11 zeromf: Max-Forwards 0 parses (the proxy answers 483)', () => {
    const m = receive(fixture('zeromf'));
    assert.equal(m.headers.get('Max-Forwards'), '0');
  });

  test('3.3.12 cparam01: addr-spec Contact parameters belong to the header', () => {
    const m = receive(fixture('cparam01'));
    const [c] = parseContacts(m.headers.getAll('Contact')) as Exclude<ReturnType<typeof parseContacts>, '*'>;
    assert.equal(c?.params.get('unknownparam'), null);
    assert.equal(c?.uri.params.size, 0);
    assert.equal(c?.uri.user, '+19725552222');
  });

  test('3.3.13 cparam02: name-addr Contact parameters inside <> belong to the URI', () => {
    const m = receive(fixture('cparam02'));
    const [c] = parseContacts(m.headers.getAll('Contact')) as Exclude<ReturnType<typeof parseContacts>, '*'>;
    assert.equal(c?.uri.params.get('unknownparam'), null);
    assert.equal(c?.params.size, 0);
  });

  test('3.3.14 regescrt: escaped Route header in a Contact URI is unescaped', () => {
    const m = receive(fixture('regescrt'));
    const [c] = parseContacts(m.headers.getAll('m')) as Exclude<ReturnType<typeof parseContacts>, '*'>;
    assert.equal(c?.uri.headers.get('Route'), '<sip:sip.example.com>');
  });

  test('3.3.15 sdp01: Accept of an unknown type parses with its SDP body', () => {
    const m = receive(fixture('sdp01'));
    assert.equal(m.headers.get('Accept'), 'text/nobodyKnowsThis');
    assert.equal(m.body.length, 150);
  });

  test('3.4.1 inv2543: RFC 2543 INVITE (no branch, no tag, no Content-Length) parses; body is the rest', () => {
    const m = receive(fixture('inv2543'));
    assert.equal(topVia(m).params.has('branch'), false);
    assert.equal(fromOf(m).params.has('tag'), false);
    // addr-spec form: ;user=phone is a header parameter, not a URI one (RFC 3261 §20.10).
    assert.equal(toOf(m).params.get('user'), 'phone');
    assert.equal(fromOf(m).uri.params.get('user'), 'phone');
    assert.ok(m.body.toString().endsWith('m=audio 49217 RTP/AVP 0\r\n'));
    assert.equal(m.headers.has('Content-Length'), false);
    // Sending it again states the length.
    assert.match(serializeMessage(m).toString(), new RegExp(`Content-Length: ${m.body.length}\r\n`));
  });
});
