import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthParseError, formatAuthValue, parseChallenges, parseCredentials } from '../../../../electron/sip/auth/auth-header-parser.ts';
import { readDigestChallenges } from '../../../../electron/sip/auth/digest-challenge.ts';

test('parses a SIP Digest challenge (RFC 3261 §22.4 example)', () => {
  const [c, ...rest] = parseChallenges(
    'Digest realm="atlanta.com",\r\n domain="sip:ss1.carrier.com", qop="auth",\r\n nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=MD5',
  );
  assert.equal(rest.length, 0);
  assert.equal(c!.scheme, 'Digest');
  assert.equal(c!.params.get('realm'), 'atlanta.com');
  assert.equal(c!.params.get('domain'), 'sip:ss1.carrier.com');
  assert.equal(c!.params.get('nonce'), 'f84f1cec41e6cbe5aea9c8e88d359');
  assert.equal(c!.params.get('opaque'), '');
  assert.equal(c!.params.get('stale'), 'FALSE');
  assert.equal(c!.params.get('algorithm'), 'MD5');
});

test('parameter names are case-insensitive; quoted-pair is unescaped; first duplicate wins', () => {
  const [c] = parseChallenges('digest REALM="a \\"quoted\\" \\\\ realm", Nonce=abc/def==, nonce="second"');
  assert.equal(c!.params.get('realm'), 'a "quoted" \\ realm');
  assert.equal(c!.params.get('nonce'), 'abc/def==');
});

test('several challenges in one field value, with token68 and schemes without params', () => {
  const list = parseChallenges('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, Negotiate, Digest realm="r", nonce="n", algorithm=SHA-256, Digest realm="r", nonce="m"');
  assert.deepEqual(
    list.map((c) => c.scheme),
    ['Basic', 'Negotiate', 'Digest', 'Digest'],
  );
  assert.equal(list[0]!.token68, 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.equal(list[2]!.params.get('algorithm'), 'SHA-256');
  assert.equal(list[3]!.params.get('nonce'), 'm');
});

test('rejects junk', () => {
  assert.throws(() => parseChallenges('Digest realm="unterminated'), AuthParseError);
  assert.throws(() => parseChallenges('Digest realm="r" nonce="n"'), AuthParseError);
  assert.throws(() => parseCredentials('Digest a=1, Digest b=2'), AuthParseError);
});

test('readDigestChallenges: qop list, stale, userhash, unknown algorithm kept as undefined', () => {
  const { challenges, problems, otherSchemes } = readDigestChallenges([
    'Digest realm="r", nonce="n1", qop="auth, auth-int", stale=true, userhash=true',
    'Digest realm="r", nonce="n2", algorithm=SHA-1',
    'Digest nonce="missing realm"',
    'Bearer xyz',
    'Digest realm="broken',
  ]);
  assert.equal(challenges.length, 2);
  assert.deepEqual(challenges[0]!.qop, ['auth', 'auth-int']);
  assert.equal(challenges[0]!.stale, true);
  assert.equal(challenges[0]!.userhash, true);
  assert.equal(challenges[0]!.algorithm, 'MD5');
  assert.equal(challenges[1]!.algorithm, undefined);
  assert.equal(challenges[1]!.algorithmToken, 'SHA-1');
  assert.equal(problems.length, 2);
  assert.deepEqual(otherSchemes, ['Bearer']);
});

test('formatAuthValue quotes the named params and escapes them', () => {
  const text = formatAuthValue('Digest', [['username', 'a"b'], ['qop', 'auth'], ['nc', '00000001']], new Set(['username']));
  assert.equal(text, 'Digest username="a\\"b", qop=auth, nc=00000001');
  assert.equal(parseCredentials(text).params.get('username'), 'a"b');
});
