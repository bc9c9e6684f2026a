import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDigestChallenge, newNonce, verifyDigest } from '../../../../electron/sip/auth/digest-verifier.ts';
import { parseChallenges } from '../../../../electron/sip/auth/auth-header-parser.ts';
import { digestHash } from '../../../../electron/sip/auth/digest-algorithm.ts';

// RFC 2617 §3.5's Authorization, checked by the server side.
const rfc2617 =
  'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

test('verifies the RFC 2617 example against the password and against a stored H(A1)', () => {
  const r = verifyDigest(rfc2617, { method: 'GET', lookup: () => ({ password: 'Circle Of Life' }) });
  assert.deepEqual(r, { ok: true, username: 'Mufasa', realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', algorithm: 'MD5', qop: 'auth', nc: 1 });
  const ha1 = digestHash('MD5', 'Mufasa:testrealm@host.com:Circle Of Life');
  assert.equal(verifyDigest(rfc2617, { method: 'GET', lookup: () => ({ ha1 }) }).ok, true);
});

test('refuses a wrong password, wrong method, wrong realm, wrong uri, unknown user', () => {
  const base = { method: 'GET', lookup: (u: string) => (u === 'Mufasa' ? { password: 'Circle Of Life' } : undefined) };
  const bad = (r: ReturnType<typeof verifyDigest>) => (r.ok ? 'ok' : r.reason);
  assert.equal(bad(verifyDigest(rfc2617, { ...base, lookup: () => ({ password: 'nope' }) })), 'bad-response');
  assert.equal(bad(verifyDigest(rfc2617, { ...base, method: 'POST' })), 'bad-response');
  assert.equal(bad(verifyDigest(rfc2617, { ...base, realm: 'other' })), 'wrong-realm');
  assert.equal(bad(verifyDigest(rfc2617, { ...base, requestUri: '/other' })), 'uri-mismatch');
  assert.equal(bad(verifyDigest(rfc2617.replace('"Mufasa"', '"Scar"'), base)), 'unknown-user');
  assert.equal(bad(verifyDigest('Digest username="x"', base)), 'malformed');
  assert.equal(bad(verifyDigest('Basic QWxh==', base)), 'malformed');
  assert.equal(bad(verifyDigest(rfc2617.replace('nc=00000001', 'nc=1'), base)), 'malformed');
  assert.equal(bad(verifyDigest(rfc2617 + ', algorithm=SHA-1', base)), 'unsupported-algorithm');
});

test('nonce policy: stale only after the response checks out; unknown nonces refused', () => {
  const lookup = () => ({ password: 'Circle Of Life' });
  const stale = verifyDigest(rfc2617, { method: 'GET', lookup, checkNonce: () => 'stale' });
  assert.equal(!stale.ok && stale.reason, 'stale-nonce');
  const staleWrong = verifyDigest(rfc2617, { method: 'GET', lookup: () => ({ password: 'x' }), checkNonce: () => 'stale' });
  assert.equal(!staleWrong.ok && staleWrong.reason, 'bad-response');
  const unknown = verifyDigest(rfc2617, { method: 'GET', lookup, checkNonce: () => 'unknown' });
  assert.equal(!unknown.ok && unknown.reason, 'unknown-nonce');
  let seen: [string, number | undefined] | undefined;
  verifyDigest(rfc2617, { method: 'GET', lookup, checkNonce: (n, nc) => ((seen = [n, nc]), 'ok') });
  assert.deepEqual(seen, ['dcd98b7102dd2f0e8b11d0f600bfb0c093', 1]);
});

test('createDigestChallenge writes a parseable challenge', () => {
  const text = createDigestChallenge({ realm: 'sipA.test', nonce: 'abc', algorithm: 'SHA-256', qop: ['auth', 'auth-int'], opaque: 'o', stale: true });
  assert.equal(text, 'Digest realm="sipA.test", nonce="abc", opaque="o", algorithm=SHA-256, qop="auth,auth-int", stale=true');
  const [c] = parseChallenges(text);
  assert.equal(c!.params.get('qop'), 'auth,auth-int');
  assert.equal(createDigestChallenge({ realm: 'r', nonce: 'n', qop: [], writeAlgorithm: false }), 'Digest realm="r", nonce="n"');
  assert.notEqual(newNonce(), newNonce());
  assert.match(newNonce(), /^[A-Za-z0-9_-]{32}$/);
});
