import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDigestChallenge, DigestVerifier, newNonce, verifyDigest } from '../../../../electron/sip/auth/digest-verifier.ts';
import { computeDigestResponse } from '../../../../electron/sip/auth/digest-response.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { parseChallenges } from '../../../../electron/sip/auth/auth-header-parser.ts';
import { digestHash } from '../../../../electron/sip/auth/digest-algorithm.ts';

// RFC 2617 §3.5's Authorization, checked by the server side.
const rfc2617 =
  'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

test('verifies the RFC 2617 example against the password and against a stored H(A1)', () => {
  const r = verifyDigest(rfc2617, { method: 'GET', lookup: () => ({ password: 'Circle Of Life' }), checkNonce: () => 'ok' });
  assert.deepEqual(r, { ok: true, username: 'Mufasa', realm: 'testrealm@host.com', nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', algorithm: 'MD5', qop: 'auth', nc: 1 });
  const ha1 = digestHash('MD5', 'Mufasa:testrealm@host.com:Circle Of Life');
  assert.equal(verifyDigest(rfc2617, { method: 'GET', lookup: () => ({ ha1 }), checkNonce: () => 'ok' }).ok, true);
});

test('refuses a wrong password, wrong method, wrong realm, wrong uri, unknown user', () => {
  const base = { method: 'GET', lookup: (u: string) => (u === 'Mufasa' ? { password: 'Circle Of Life' } : undefined), checkNonce: () => 'ok' as const };
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

// A server's verifier: nonces issued, expired and counted (RFC 7616 §3.3, §3.4, §5.5).
function credentials(nonce: string, opts: { nc?: number; qop?: boolean; password?: string; realm?: string } = {}): string {
  const qop = opts.qop === false ? undefined : ('auth' as const);
  const nc = qop ? (opts.nc ?? 1).toString(16).padStart(8, '0') : undefined;
  const realm = opts.realm ?? 'sipA.test';
  const response = computeDigestResponse({ algorithm: 'MD5', username: 'johndoe', realm, password: opts.password ?? 'secret', method: 'REGISTER', uri: 'sip:sipA.test', nonce, qop, nc, cnonce: 'c1' });
  const base = `Digest username="johndoe", realm="${realm}", nonce="${nonce}", uri="sip:sipA.test", response="${response}", algorithm=MD5`;
  return qop ? `${base}, qop=auth, nc=${nc}, cnonce="c1"` : base;
}

function newVerifier(opts: { lifetimeMs?: number; maxTracked?: number } = {}) {
  const clock = new FakeClock();
  const v = new DigestVerifier({ realm: 'sipA.test', clock, lookup: (u) => (u === 'johndoe' ? { password: 'secret' } : undefined), ...opts });
  const nonceOf = (challenge: string) => parseChallenges(challenge)[0]!.params.get('nonce')!;
  const check = (value: string) => {
    const r = v.verify(value, { method: 'REGISTER', requestUri: 'sip:sipA.test' });
    return r.ok ? 'ok' : r.reason;
  };
  return { clock, v, nonceOf, check };
}

test('verifyDigest refuses every nonce when the caller gives no nonce policy', () => {
  const r = verifyDigest(rfc2617, { method: 'GET', lookup: () => ({ password: 'Circle Of Life' }) } as unknown as Parameters<typeof verifyDigest>[1]);
  assert.equal(r.ok, false);
});

test('DigestVerifier: a nonce it issued is accepted; a replay of the same credentials is refused', () => {
  const { v, nonceOf, check } = newVerifier();
  const nonce = nonceOf(v.challenge());
  assert.equal(check(credentials(nonce)), 'ok');
  assert.equal(check(credentials(nonce)), 'unknown-nonce', 'the same Authorization again (nc=1 replayed)');
  assert.equal(check(credentials(nonce, { nc: 2 })), 'ok', 'the next nonce-count is fine');
  assert.equal(check(credentials(nonce, { nc: 2 })), 'unknown-nonce');
});

test('DigestVerifier: nonces never issued (made up, from another server, tampered) are refused', () => {
  const { v, nonceOf, check } = newVerifier();
  assert.equal(check(credentials('dcd98b7102dd2f0e8b11d0f600bfb0c093')), 'unknown-nonce');
  const other = newVerifier();
  assert.equal(check(credentials(other.nonceOf(other.v.challenge()))), 'unknown-nonce', 'issued by another verifier (other key)');
  const mine = nonceOf(v.challenge());
  const tampered = (mine[0] === 'A' ? 'B' : 'A') + mine.slice(1);
  assert.equal(check(credentials(tampered)), 'unknown-nonce');
  assert.equal(check(credentials(mine, { password: 'wrong' })), 'bad-response', 'a wrong password does not use up the nonce');
  assert.equal(check(credentials(mine)), 'ok');
});

test('DigestVerifier: an expired nonce is stale (right password) and a fresh challenge says stale=true', () => {
  const { v, clock, nonceOf, check } = newVerifier({ lifetimeMs: 300_000 });
  const nonce = nonceOf(v.challenge());
  clock.advance(299_000);
  assert.equal(check(credentials(nonce)), 'ok');
  clock.advance(2_000);
  assert.equal(check(credentials(nonce, { nc: 2 })), 'stale-nonce');
  assert.equal(check(credentials(nonce, { nc: 3, password: 'x' })), 'bad-response');
  assert.match(v.challenge({ stale: true }), /stale=true/);
  assert.equal(v.nonces.tracked, 0, 'expired nonces are forgotten');
});

test('DigestVerifier: nonce-counts may arrive out of order within a window, each once; qop-less nonces are single-use', () => {
  const { v, nonceOf, check } = newVerifier();
  const nonce = nonceOf(v.challenge());
  assert.equal(check(credentials(nonce, { nc: 5 })), 'ok');
  assert.equal(check(credentials(nonce, { nc: 3 })), 'ok', 'a late request');
  assert.equal(check(credentials(nonce, { nc: 3 })), 'unknown-nonce');
  assert.equal(check(credentials(nonce, { nc: 200 })), 'ok');
  assert.equal(check(credentials(nonce, { nc: 100 })), 'unknown-nonce', 'too far behind to tell');
  const plain = nonceOf(v.challenge());
  assert.equal(check(credentials(plain, { qop: false })), 'ok');
  assert.equal(check(credentials(plain, { qop: false })), 'unknown-nonce');
});

test('DigestVerifier: challenges cost no memory; forgetting a tracked nonce never re-opens its replay', () => {
  const { v, clock, nonceOf, check } = newVerifier({ maxTracked: 2 });
  for (let i = 0; i < 10_000; i++) v.challenge();
  assert.equal(v.nonces.tracked, 0);
  const nonces = [0, 1, 2].map(() => {
    clock.advance(10);
    return nonceOf(v.challenge());
  });
  for (const n of nonces) assert.equal(check(credentials(n)), 'ok');
  assert.equal(v.nonces.tracked, 2);
  assert.equal(check(credentials(nonces[0]!)), 'stale-nonce', 'forgotten: stale, not accepted again');
  assert.equal(check(credentials(nonces[2]!)), 'unknown-nonce');
});
