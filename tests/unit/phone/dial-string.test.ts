import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_DIAL_LENGTH, normaliseDialString, type DialKind } from '../../../electron/phone/dial-string.ts';
import { parseSipAddress } from '../../../electron/phone/sip-address.ts';

const domain = 'sipA.test';

function ok(input: string, target: string, kind: DialKind, options = {}): void {
  const r = normaliseDialString(input, { domain, ...options });
  assert.deepEqual(r, { ok: true, target, kind }, `input ${JSON.stringify(input)}`);
}

function bad(input: string, reason: RegExp, options = {}): void {
  const r = normaliseDialString(input, { domain, ...options });
  assert.equal(r.ok, false, `input ${JSON.stringify(input)} should be refused, got ${JSON.stringify(r)}`);
  if (!r.ok) assert.match(r.reason, reason, `input ${JSON.stringify(input)}`);
}

test('numbers: separators dropped, completed with the domain and user=phone', () => {
  ok('+55 (48) 4567-8901', 'sip:+554845678901@sipA.test;user=phone', 'number');
  ok('+554845678901', 'sip:+554845678901@sipA.test;user=phone', 'number');
  ok('(+55) 48 4567 8901', 'sip:+554845678901@sipA.test;user=phone', 'number');
  ok('4567.8901', 'sip:45678901@sipA.test;user=phone', 'number');
  ok('045 6789-01', 'sip:045678901@sipA.test;user=phone', 'number');
  ok('  100  ', 'sip:100@sipA.test;user=phone', 'number');
  ok('100\n', 'sip:100@sipA.test;user=phone', 'number'); // pasted with a newline
  ok('\t0800 123 4567 ', 'sip:08001234567@sipA.test;user=phone', 'number');
  ok('1-800-555-0199', 'sip:18005550199@sipA.test;user=phone', 'number');
});

test('feature codes keep * and escape # (RFC 3261 §25.1 has no raw # in a user part)', () => {
  ok('*97', 'sip:*97@sipA.test;user=phone', 'number');
  ok('*72 4567', 'sip:*724567@sipA.test;user=phone', 'number');
  ok('#31#123', 'sip:%2331%23123@sipA.test;user=phone', 'number');
});

test('user=phone can be left out, and the domain may carry a port', () => {
  ok('123', 'sip:123@sipA.test:5070', 'number', { domain: 'sipA.test:5070', userPhone: false });
});

test('sip: and sips: addresses pass through after validation', () => {
  ok('sip:alice@example.com', 'sip:alice@example.com', 'sip');
  ok('sip:Alice@Example.COM;transport=tcp', 'sip:Alice@Example.COM;transport=tcp', 'sip');
  ok('SIPS:bob@b.test:5061', 'sips:bob@b.test:5061', 'sip');
  ok('sip:+554845678901@sipA.test;user=phone', 'sip:+554845678901@sipA.test;user=phone', 'sip');
  ok('sip:a@[2001:db8::1]:5060', 'sip:a@[2001:db8::1]:5060', 'sip');
  ok('sip:a@192.0.2.7', 'sip:a@192.0.2.7', 'sip');
  ok('sip:proxy.example.com', 'sip:proxy.example.com', 'sip'); // host-only URIs are valid SIP URIs
  ok('sip:a%40b@x.test', 'sip:a%40b@x.test', 'sip');
  ok('sip:a@x.test;lr;maddr=192.0.2.1', 'sip:a@x.test;lr;maddr=192.0.2.1', 'sip');
});

test('a pasted name-addr gives the address inside the brackets', () => {
  ok('"Bob" <sip:bob@x.test>', 'sip:bob@x.test', 'sip');
  ok('Bob Smith <sips:bob@x.test>', 'sips:bob@x.test', 'sip');
  ok('<tel:+1-555-0100>', 'sip:+15550100@sipA.test;user=phone', 'tel');
  bad('Bob <>', /brackets are empty/);
  bad('alice<', /unbalanced/);
  bad('<<sip:a@b.test>>', /unbalanced/);
});

test('tel: becomes sip:…;user=phone (RFC 3261 §19.1.6) or is kept', () => {
  ok('tel:+1-555-0100', 'sip:+15550100@sipA.test;user=phone', 'tel');
  ok('TEL:+1.555.0100', 'sip:+15550100@sipA.test;user=phone', 'tel');
  ok('tel:+1-555', 'sip:+1555@sipA.test;user=phone', 'tel');
  ok('tel:+1-555-0100;ext=7', 'sip:+15550100;ext=7@sipA.test;user=phone', 'tel');
  ok('tel:1234;phone-context=+1555', 'sip:1234;phone-context=+1555@sipA.test;user=phone', 'tel');
  ok('tel:7042;phone-context=example.com', 'sip:7042;phone-context=example.com@sipA.test;user=phone', 'tel');
  ok('tel:*97', 'sip:*97@sipA.test;user=phone', 'tel');
  ok('tel:+1-555', 'tel:+1555', 'tel', { tel: 'keep' });
  ok('tel:+1-555-0100;ext=7', 'tel:+15550100;ext=7', 'tel', { tel: 'keep', domain: undefined });
});

test('user@host[:port] gets the sip: scheme', () => {
  ok('alice@b.test', 'sip:alice@b.test', 'sip');
  ok('alice@b.test:5070', 'sip:alice@b.test:5070', 'sip');
  ok('+1 (555) 0100@b.test', 'sip:+15550100@b.test', 'sip');
  ok('alice@[::1]', 'sip:alice@[::1]', 'sip');
  bad('@b.test', /user part before "@" is empty/);
  bad('al ice@b.test', /user part contains a space/);
  bad('alice@', /no host/);
  bad('alice@b.test:0', /port number/);
  bad('alice@b.test:70000', /port number/);
  bad('alice@b_c.test', /host contains "_"/);
});

test('bare names are completed with the domain', () => {
  ok('alice', 'sip:alice@sipA.test', 'name');
  ok('john.doe', 'sip:john.doe@sipA.test', 'name');
  ok('O\'Brien', "sip:O'Brien@sipA.test", 'name');
  ok('1800FLOWERS', 'sip:1800FLOWERS@sipA.test', 'name');
  ok('josé', 'sip:jos%C3%A9@sipA.test', 'name');
  bad('alice smith', /contains spaces/);
  bad('alice/bob', /"\/" is not allowed/);
  bad('a;b', /";" is not allowed/);
  bad('~~~', /no letters or digits/);
});

test('without a domain, bare numbers and names cannot be completed', () => {
  for (const input of ['alice', '123', 'tel:+1555']) {
    const r = normaliseDialString(input);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.reason, /no account domain/);
  }
  ok('sip:a@b.test', 'sip:a@b.test', 'sip', { domain: undefined });
  bad('123', /account domain "bad domain" is not valid/, { domain: 'bad domain' });
});

test('junk is refused with a reason', () => {
  bad('', /empty/);
  bad('    ', /empty/);
  bad('\n\t', /empty/);
  bad('12\u000734', /control character \(U\+0007\)/);
  bad('sip:a@b.test\u0000', /control character \(U\+0000\)/);
  bad('alice\u0085', /control character/);
  bad('\u202e1234', /invisible formatting character \(U\+202E\)/);
  bad('12\u200b34', /invisible/);
  bad('sip:', /no host/);
  bad('sips:', /no host/);
  bad('sip:alice@', /no host/);
  bad('sip:@x.test', /user part before "@" is empty/);
  bad('sip:a@b@c', /more than one "@"/);
  bad('sip:a:secret@b.test', /password/);
  bad('sip:a b@x.test', /space/);
  bad('sip:a%zz@x.test', /%XX/);
  bad('sip:a@x.test;=1', /empty parameter/);
  bad('sip:a@x.test;tag=', /empty value/);
  bad('sip:a@x.test?subject=hi', /headers/);
  bad('sip:a@1.2.3', /host name or IPv4/);
  bad('sip:a@[::g]', /IPv6/);
  bad('sip:a@-x.test', /not a valid host name/);
  bad('sip:a@x.test:abc', /port number/);
  bad('http://example.com', /"http:" addresses cannot be dialled/);
  bad('mailto:a@b.test', /"mailto:"/);
  bad('host:5060', /"host:"/);
  bad('tel:', /no number/);
  bad('tel://123', /tel:\+number/);
  bad('tel:+1 555', /space/);
  bad('tel:+1+555', /"\+"/);
  bad('tel:+1-555;ext=', /parameter "ext=" is not valid/);
  bad('tel:---', /no digits/);
  bad('1+2', /"\+" may only appear at the start/);
  bad('()', /no digits/);
  bad('---', /no digits/);
  bad('1'.repeat(33), /too long \(33 digits/);
  bad('x'.repeat(MAX_DIAL_LENGTH + 1), /too long/);
  bad(`sip:${'a'.repeat(250)}@x.test`, /too long/);
  bad(42 as unknown as string, /not text/);
});

test('property: never throws; every accepted sip target parses as a SIP URI without headers', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.stringMatching(/^(sips?:|tel:)?[+a-z0-9@.:;=\-() #*%]{0,40}$/)), (input) => {
      const r = normaliseDialString(input, { domain });
      if (!r.ok) {
        assert.ok(r.reason.length > 0);
        return;
      }
      const parsed = parseSipAddress(r.target);
      assert.ok(parsed.ok, `${JSON.stringify(input)} → ${r.target}`);
      assert.equal(parsed.value.headers, '');
      assert.ok(!/[\s\u0000-\u001f]/.test(r.target));
    }),
    { numRuns: 3000 },
  );
});

test('property: any digits with separators dial the same number as the bare digits', () => {
  fc.assert(
    fc.property(fc.boolean(), fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom('', ' ', '-', '.', '')), { minLength: 1, maxLength: 15 }), (plus, parts) => {
      const digits = parts.map(([d]) => d).join('');
      const typed = (plus ? '+' : '') + parts.map(([d, sep]) => `${d}${sep}`).join('');
      const r = normaliseDialString(typed, { domain });
      assert.deepEqual(r, { ok: true, target: `sip:${plus ? '+' : ''}${digits}@sipA.test;user=phone`, kind: 'number' });
    }),
  );
});
