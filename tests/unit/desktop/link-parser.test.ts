import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findLinkInArgv, MAX_LINK_LENGTH, MAX_TARGET_LENGTH, parseLink } from '../../../electron/desktop/link-parser.ts';

function target(raw: string): string {
  const r = parseLink(raw);
  assert.ok(r.ok, `expected ${JSON.stringify(raw)} to parse, got ${r.ok ? '' : r.reason}`);
  return r.link.target;
}

function refused(raw: string): string {
  const r = parseLink(raw);
  assert.equal(r.ok, false, `expected ${JSON.stringify(raw)} to be refused, got ${r.ok ? r.link.target : ''}`);
  return r.ok ? '' : r.reason;
}

test('sip: links keep user, host, port and the transport/user params', () => {
  assert.equal(target('sip:alice@example.com'), 'sip:alice@example.com');
  assert.equal(target('SIP:Alice@Example.COM:5070;transport=TCP'), 'sip:Alice@example.com:5070;transport=tcp');
  assert.equal(target('sip:+15550100@pbx.example.com;user=phone'), 'sip:+15550100@pbx.example.com;user=phone');
  assert.equal(target('sip:example.com'), 'sip:example.com');
  assert.equal(target('sip:bob@[2001:db8::1]:5060'), 'sip:bob@[2001:db8::1]:5060');
});

test('sips: stays sips (no silent downgrade from TLS)', () => {
  assert.equal(target('sips:alice@example.com'), 'sips:alice@example.com');
});

test('junk is dropped: headers, other params, password, //, trailing slash, quotes, spaces', () => {
  assert.equal(target('sip:alice@example.com?subject=hi&priority=urgent'), 'sip:alice@example.com');
  assert.equal(target('sip:alice@example.com;maddr=evil.example;method=REGISTER;lr'), 'sip:alice@example.com');
  assert.equal(target('sip:alice:secret@example.com'), 'sip:alice@example.com');
  assert.equal(target('sip://alice@example.com/'), 'sip:alice@example.com');
  assert.equal(target('  "sip:alice@example.com"  '), 'sip:alice@example.com');
  assert.equal(target('tel:+1-555-0100/'), 'tel:+15550100');
  // Parameters of a callto: link are not ours to follow; what is left must still be a plain name.
  assert.equal(target('callto:alice;rm -rf'), 'alice');
});

test('tel: drops visual separators and keeps ext', () => {
  assert.equal(target('tel:+1-555-0100'), 'tel:+15550100');
  assert.equal(target('tel:+55 (48) 4567.8901'), 'tel:+554845678901');
  assert.equal(target('tel:+1-555-0100;ext=7;phone-context=example.com'), 'tel:+15550100;ext=7');
  assert.equal(target('tel:*97'), 'tel:*97');
  assert.equal(target('tel://+15550100'), 'tel:+15550100');
});

test('callto: numbers become tel:, addresses sip:, names stay names', () => {
  assert.equal(target('callto://+1555'), 'tel:+1555');
  assert.equal(target('callto:+1555'), 'tel:+1555');
  assert.equal(target('callto:%2B1%20555%200100'), 'tel:+15550100');
  assert.equal(target('callto:alice@example.com'), 'sip:alice@example.com');
  assert.equal(target('callto://alice.smith'), 'alice.smith');
});

test('URL-encoding is decoded once', () => {
  assert.equal(target('sip:alice%2Esmith@example.com'), 'sip:alice.smith@example.com');
  assert.equal(target('tel:%2B15550100'), 'tel:+15550100');
  // Double encoding stays encoded after one decode, and '%' is not a number character.
  refused('tel:%252B15550100');
  refused('sip:%ZZ@example.com');
});

test('other schemes and non-links are refused', () => {
  for (const raw of ['javascript:alert(1)', 'http://example.com', 'https://example.com/sip:alice@x', 'file:///etc/passwd', 'mailto:a@b', '--inspect=9229', 'alice@example.com', '', 'sip:', 'tel:', 'callto:']) {
    refused(raw);
  }
});

test('dangerous characters are refused, raw or encoded', () => {
  for (const raw of [
    'sip:alice@example.com<script>',
    'sip:"alice"@example.com',
    "sip:al'ice@example.com",
    'sip:alice%22@example.com',
    'sip:alice%0d%0aVia:%20x@example.com',
    'sip:alice\r\n@example.com',
    'sip:a\\b@example.com',
    'sip:alice@exa mple.com',
    'tel:+1555`id`',
    'tel:+1555$(id)',
    'callto:alice$(id)',
    'callto:al ice',
    'sip:alice@example.com|x',
  ]) {
    refused(raw);
  }
});

test('bidi overrides and invisible characters are refused (a link must not show one number and dial another)', () => {
  assert.match(refused('tel:+1555\u202e0100'), /invisible/);
  assert.match(refused('sip:alice\u200b@example.com'), /invisible/);
  assert.match(refused('tel:+1555%E2%80%AE0100'), /not a valid/);
  assert.match(refused('sip:ali%E2%80%8Bce@example.com'), /not a valid/);
});

test('bad hosts and ports are refused', () => {
  refused('sip:alice@-bad-.example');
  refused('sip:alice@example.com:0');
  refused('sip:alice@example.com:70000');
  refused('sip:alice@[not-ipv6]');
  refused('sip:alice@');
});

test('length is bounded in and out', () => {
  assert.match(refused(`sip:${'a'.repeat(MAX_LINK_LENGTH)}@example.com`), /too long/);
  const longUser = 'a'.repeat(MAX_TARGET_LENGTH);
  assert.match(refused(`sip:${longUser}@example.com`), /too long/);
  refused(`tel:+${'1'.repeat(40)}`);
});

test('findLinkInArgv skips the program, switches and junk; takes the first phone link', () => {
  assert.deepEqual(findLinkInArgv(['/opt/Parley/parley', '--hidden', 'sip:alice@example.com']), { scheme: 'sip', target: 'sip:alice@example.com' });
  assert.deepEqual(findLinkInArgv(['parley', '--allow-file-access-from-files', 'tel:+1-555-0100', 'sip:bob@x.example']), { scheme: 'tel', target: 'tel:+15550100' });
  assert.deepEqual(findLinkInArgv(['parley', 'javascript:alert(1)', 'callto://+1555']), { scheme: 'callto', target: 'tel:+1555' });
  assert.equal(findLinkInArgv(['parley', '--inspect', 'sip:"bad"@x']), undefined);
  assert.equal(findLinkInArgv(['parley', '.']), undefined);
  assert.equal(findLinkInArgv([1, null, {}] as unknown[]), undefined);
  assert.equal(findLinkInArgv(['parley', ...Array(100).fill('x'), 'sip:late@example.com']), undefined, 'only the first 64 arguments are looked at');
});

test('property: any accepted link yields a short target of safe characters and a phone scheme', () => {
  const pieces = fc.constantFrom('sip:', 'sips:', 'tel:', 'callto:', 'callto://', 'SIP:', 'x:', '');
  const chars = fc.string({ unit: fc.constantFrom(...'abc+123@.:;=?%/-_ ()"<>\\\u202e\u0000\r\nZ%2B%22%0d'.split('')), maxLength: 60 });
  fc.assert(
    fc.property(pieces, chars, (p, rest) => {
      const r = parseLink(p + rest);
      if (!r.ok) return true;
      assert.ok(r.link.target.length <= MAX_TARGET_LENGTH);
      assert.doesNotMatch(r.link.target, /["'<>`\\{}|^\s\u0000-\u001f\u202e]/);
      assert.ok(['sip', 'sips', 'tel', 'callto'].includes(r.link.scheme));
      if (r.link.scheme !== 'callto') assert.ok(r.link.target.startsWith(`${r.link.scheme}:`));
      return true;
    }),
    { numRuns: 2000 },
  );
});
