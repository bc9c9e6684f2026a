import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSipAddress, parseSipAddress, sameAddressText, userBase } from '../../../electron/phone/sip-address.ts';

test('parses the parts of a SIP URI and formats them back unchanged', () => {
  const cases: [string, object][] = [
    ['sip:alice@atlanta.com', { scheme: 'sip', user: 'alice', host: 'atlanta.com', port: null, params: '', headers: '' }],
    ['SIPS:Bob@Biloxi.COM:5061;transport=tls', { scheme: 'sips', user: 'Bob', host: 'Biloxi.COM', port: 5061, params: ';transport=tls', headers: '' }],
    ['sip:+1-212-555-1212;phone-context=x@gateway.com;user=phone', { scheme: 'sip', user: '+1-212-555-1212;phone-context=x', host: 'gateway.com', port: null, params: ';user=phone', headers: '' }],
    ['sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com', { scheme: 'sip', user: null, host: 'atlanta.com', port: null, params: ';method=REGISTER', headers: '?to=alice%40atlanta.com' }],
    ['sip:alice@[2001:db8::10]:5070', { scheme: 'sip', user: 'alice', host: '[2001:db8::10]', port: 5070, params: '', headers: '' }],
    ['sip:a@192.0.2.4;lr', { scheme: 'sip', user: 'a', host: '192.0.2.4', port: null, params: ';lr', headers: '' }],
  ];
  for (const [text, expected] of cases) {
    const p = parseSipAddress(text);
    assert.ok(p.ok, text);
    assert.deepEqual(p.value, expected, text);
    assert.equal(formatSipAddress(p.value), text.replace(/^SIPS/, 'sips'));
  }
});

test('refuses malformed URIs with a reason', () => {
  const cases: [string, RegExp][] = [
    ['alice@atlanta.com', /does not start with sip/],
    ['sip:', /no host/],
    ['sip:@a.com', /user part before "@" is empty/],
    ['sip:a@', /no host/],
    ['sip:a@b@c', /more than one "@"/],
    ['sip:a:pw@b.com', /password/],
    ['sip:a<b@c.com', /user part contains "<"/],
    ['sip:a@b.com:', /port number/],
    ['sip:a@b.com:65536', /port number/],
    ['sip:a@[::1', /unclosed/],
    ['sip:a@[::1]x', /unexpected/],
    ['sip:a@b.com;x=<', /parameter contains "<"/],
    ['sip:a@b.com?h', /not name=value/],
    ['sip:a@b.com?h=<', /header contains/],
    ['sip:a@.com', /not a valid host name/],
    ['sip:a@' + 'a'.repeat(64) + '.com', /not a valid host name/],
    ['sip:a@123', /host name or IPv4/],
    ['sip:' + 'a'.repeat(300), /too long/],
  ];
  for (const [text, reason] of cases) {
    const p = parseSipAddress(text);
    assert.equal(p.ok, false, text);
    if (!p.ok) assert.match(p.reason, reason, text);
  }
});

test('sameAddress: user exact after %-decoding, host case-insensitive, port significant, params ignored, sip = sips', () => {
  assert.ok(sameAddressText('sip:alice@Atlanta.COM', 'sip:alice@atlanta.com'));
  assert.ok(sameAddressText('sip:%61lice@atlanta.com', 'sip:alice@atlanta.com'));
  assert.ok(sameAddressText('sip:alice@atlanta.com;transport=tcp', 'sips:alice@atlanta.com'));
  assert.ok(sameAddressText('sip:alice@atlanta.com.', 'sip:alice@atlanta.com'));
  assert.ok(!sameAddressText('sip:Alice@atlanta.com', 'sip:alice@atlanta.com'));
  assert.ok(!sameAddressText('sip:alice@atlanta.com:5060', 'sip:alice@atlanta.com'));
  assert.ok(!sameAddressText('sip:alice@atlanta.com', 'sip:atlanta.com'));
  assert.ok(!sameAddressText('nonsense', 'nonsense'));
});

test('userBase drops telephone-subscriber parameters and decodes', () => {
  assert.equal(userBase('+1555;phone-context=x'), '+1555');
  assert.equal(userBase('%2B1555'), '+1555');
  assert.equal(userBase('100%'), '100%'); // malformed escape kept as written
});

import { isIPv4 as nodeIsIPv4, isIPv6 as nodeIsIPv6 } from 'node:net';
import { isIPv4 as ownIsIPv4, isIPv6 as ownIsIPv6 } from '../../../electron/api/sip-address-syntax.ts';

// The address rules run in the renderer too, without node:net: their IP checks must agree with Node's.
test('the IP literal checks agree with node:net', () => {
  const samples = [
    '127.0.0.1', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '0.0.0.0', '1.2.3.04',
    '::1', '::', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '::ffff:192.0.2.1', '1::2::3',
    'fe80::1%eth0', '2001:db8::12345', '2001:db8:0:0:0:0:2:1', '::ffff:1.2.3', 'g::1', '1:2:3:4:5:6:1.2.3.4', ':1', '1:',
  ];
  for (const s of samples) {
    assert.equal(ownIsIPv4(s), nodeIsIPv4(s), `isIPv4(${s})`);
    assert.equal(ownIsIPv6(s), nodeIsIPv6(s), `isIPv6(${s})`);
  }
});
