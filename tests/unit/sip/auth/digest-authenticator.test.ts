import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestAuthenticator } from '../../../../electron/sip/auth/digest-authenticator.ts';
import type { AuthorizeResult, AuthSuccess } from '../../../../electron/sip/auth/digest-authenticator.ts';
import { Credentials } from '../../../../electron/sip/auth/credentials.ts';
import { parseCredentials } from '../../../../electron/sip/auth/auth-header-parser.ts';
import { verifyDigest } from '../../../../electron/sip/auth/digest-verifier.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { request, response, TestDigestServer, withFields } from './digest-test-server.ts';
import type { TestRequest } from './digest-test-server.ts';

function ok(r: AuthorizeResult): AuthSuccess {
  assert.equal(r.ok, true, r.ok ? '' : `${r.reason}: ${r.message}`);
  return r as AuthSuccess;
}

function paramsOf(value: string): Map<string, string> {
  return parseCredentials(value).params;
}

const bob = new Credentials({ default: { username: 'bob', password: 'zanzibar' } });

test('RFC 2617 §3.5: answers the example challenge with the RFC response', () => {
  const auth = new DigestAuthenticator({
    credentials: new Credentials({ realms: { 'testrealm@host.com': { username: 'Mufasa', password: 'Circle Of Life' } } }),
    cnonce: () => '0a4f113b',
  });
  const r = ok(
    auth.authorize(
      request('GET', '/dir/index.html'),
      response(401, [
        [
          'WWW-Authenticate',
          'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
        ],
      ]),
    ),
  );
  assert.equal(r.fields.length, 1);
  assert.equal(r.fields[0]!.name, 'Authorization');
  const p = paramsOf(r.fields[0]!.value);
  assert.equal(p.get('response'), '6629fae49393a05397450978507c4ef1');
  assert.equal(p.get('username'), 'Mufasa');
  assert.equal(p.get('uri'), '/dir/index.html');
  assert.equal(p.get('qop'), 'auth');
  assert.equal(p.get('nc'), '00000001');
  assert.equal(p.get('cnonce'), '0a4f113b');
  assert.equal(p.get('opaque'), '5ccc069c403ebaf9f0171e9517f40e41');
  // qop and nc are tokens, not quoted-strings (RFC 3261 §25.1 grammar).
  assert.match(r.fields[0]!.value, /qop=auth, nc=00000001/);
});

const rfc7616Challenges: Array<[string, string]> = [
  [
    'WWW-Authenticate',
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  ],
  [
    'WWW-Authenticate',
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  ],
];
const mufasa = new Credentials({ default: { username: 'Mufasa', password: 'Circle of Life' } });
const rfcCnonce = () => 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

test('RFC 7616 §3.9.1: picks SHA-256 over MD5 and gives the RFC response', () => {
  for (const order of [rfc7616Challenges, [...rfc7616Challenges].reverse()]) {
    const auth = new DigestAuthenticator({ credentials: mufasa, cnonce: rfcCnonce });
    const r = ok(auth.authorize(request('GET', '/dir/index.html'), response(401, order)));
    const p = paramsOf(r.fields[0]!.value);
    assert.equal(p.get('algorithm'), 'SHA-256');
    assert.equal(p.get('response'), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    assert.equal(p.get('opaque'), 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS');
  }
});

test('RFC 7616 §3.9.1: the MD5 challenge alone gives the RFC MD5 response', () => {
  const auth = new DigestAuthenticator({ credentials: mufasa, cnonce: rfcCnonce });
  const r = ok(auth.authorize(request('GET', '/dir/index.html'), response(401, [rfc7616Challenges[1]!])));
  const p = paramsOf(r.fields[0]!.value);
  assert.equal(p.get('algorithm'), 'MD5');
  assert.equal(p.get('response'), '8ca523f5e9506fed4657c9700eebdbec');
});

test('strongest of several: SHA-512-256 > SHA-256 > MD5; unknown algorithms ignored', () => {
  const ch = (alg: string) => ['WWW-Authenticate', `Digest realm="r", nonce="n-${alg}", qop="auth", algorithm=${alg}`] as [string, string];
  const auth = new DigestAuthenticator({ credentials: bob });
  const r = ok(auth.authorize(request('REGISTER', 'sip:r'), response(401, [ch('MD5'), ch('SHA-1'), ch('SHA-512-256'), ch('SHA-256')])));
  assert.equal(paramsOf(r.fields[0]!.value).get('algorithm'), 'SHA-512-256');
  assert.equal(paramsOf(r.fields[0]!.value).get('nonce'), 'n-SHA-512-256');
  const r2 = ok(new DigestAuthenticator({ credentials: bob }).authorize(request('REGISTER', 'sip:r'), response(401, [ch('MD5'), ch('SHA-256-sess')])));
  assert.equal(paramsOf(r2.fields[0]!.value).get('algorithm'), 'SHA-256-sess');
  const r3 = new DigestAuthenticator({ credentials: bob }).authorize(request('REGISTER', 'sip:r'), response(401, [ch('SHA-1'), ch('HMAC-foo')]));
  assert.equal(r3.ok, false);
  assert.equal(!r3.ok && r3.reason, 'unsupported-algorithm');
});

test('401 → Authorization, 407 → Proxy-Authorization; other statuses and schemes are typed failures', () => {
  const auth = new DigestAuthenticator({ credentials: bob });
  const www = ok(auth.authorize(request('INVITE', 'sip:alice@a.test'), response(401, [['WWW-Authenticate', 'Digest realm="a.test", nonce="x"']])));
  assert.equal(www.fields[0]!.name, 'Authorization');
  const proxy = ok(auth.authorize(request('INVITE', 'sip:alice@a.test'), response(407, [['Proxy-Authenticate', 'Digest realm="p.test", nonce="y"']])));
  assert.equal(proxy.fields[0]!.name, 'Proxy-Authorization');
  // A 407's WWW-Authenticate is not what a 407 asks for.
  const wrongHeader = auth.authorize(request('INVITE', 'sip:a'), response(407, [['WWW-Authenticate', 'Digest realm="a", nonce="x"']]));
  assert.equal(!wrongHeader.ok && wrongHeader.reason, 'no-challenge');
  const notChallenge = auth.authorize(request('INVITE', 'sip:a'), response(403));
  assert.equal(!notChallenge.ok && notChallenge.reason, 'not-a-challenge');
  const basic = auth.authorize(request('INVITE', 'sip:a'), response(401, [['WWW-Authenticate', 'Basic realm="x"']]));
  assert.equal(!basic.ok && basic.reason, 'unsupported-algorithm');
});

test('credentials are chosen by realm, with a default; no match → no-credentials', () => {
  const creds = new Credentials({ realms: { 'a.test': { username: 'alice', password: 'pa' } } });
  const auth = new DigestAuthenticator({ credentials: creds });
  const ra = ok(auth.authorize(request('REGISTER', 'sip:a.test'), response(401, [['WWW-Authenticate', 'Digest realm="a.test", nonce="1"']])));
  assert.equal(paramsOf(ra.fields[0]!.value).get('username'), 'alice');
  const rb = auth.authorize(request('REGISTER', 'sip:b.test'), response(401, [['WWW-Authenticate', 'Digest realm="b.test", nonce="2"']]));
  assert.equal(rb.ok, false);
  assert.equal(!rb.ok && rb.reason, 'no-credentials');
  assert.equal(!rb.ok && rb.realm, 'b.test');
  creds.setDefault({ username: 'dflt', password: 'pd' });
  const rc = ok(auth.authorize(request('REGISTER', 'sip:b.test'), response(401, [['WWW-Authenticate', 'Digest realm="b.test", nonce="2"']])));
  assert.equal(paramsOf(rc.fields[0]!.value).get('username'), 'dflt');
  // Two realms in one challenge, credentials for one: answered, the other reported as skipped.
  const two = ok(
    new DigestAuthenticator({ credentials: new Credentials({ realms: { 'a.test': { username: 'alice', password: 'pa' } } }) }).authorize(
      request('INVITE', 'sip:x@a.test'),
      response(407, [['Proxy-Authenticate', 'Digest realm="a.test", nonce="1"'], ['Proxy-Authenticate', 'Digest realm="z.test", nonce="2"']]),
    ),
  );
  assert.deepEqual(two.realms, ['a.test']);
  assert.deepEqual(two.skipped.map((f) => [f.reason, f.realm]), [['no-credentials', 'z.test']]);
  // A plain function works as the lookup too.
  const fn = new DigestAuthenticator({ credentials: (realm) => (realm === 'f' ? { username: 'fu', password: 'fp' } : undefined) });
  assert.equal(ok(fn.authorize(request('X', 'sip:f'), response(401, [['WWW-Authenticate', 'Digest realm="f", nonce="3"']]))).realms[0], 'f');
});

/** Sends `req` through `server`, answering challenges like a UA would, at most `limit` sends. */
function exchange(auth: DigestAuthenticator, server: TestDigestServer, first: TestRequest, limit = 10) {
  let req = first;
  const sent: TestRequest[] = [];
  for (let i = 0; i < limit; i++) {
    sent.push(req);
    const res = server.handle(req);
    if (res.status === 200) return { final: 'ok' as const, sent };
    const answer = auth.authorize(req, res);
    if (!answer.ok) return { final: answer, sent };
    req = withFields(req, answer.fields);
  }
  throw new Error('authentication looped');
}

test('against a server: 401 then 200; the next request is pre-authorized with nc incrementing', () => {
  const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
  const auth = new DigestAuthenticator({ credentials: bob });
  const first = exchange(auth, server, request('REGISTER', 'sip:sipA.test'));
  assert.equal(first.final, 'ok');
  assert.equal(first.sent.length, 2);
  assert.equal(auth.nonceCount('sipA.test'), 1);
  const cnonce1 = paramsOf(first.sent[1]!.headers.getAll('Authorization')[0]!).get('cnonce');
  for (const expected of ['00000002', '00000003', '00000004']) {
    const req = request('REGISTER', 'sip:sipA.test');
    const fields = auth.preauthorize(req);
    assert.equal(fields.length, 1);
    const p = paramsOf(fields[0]!.value);
    assert.equal(p.get('nc'), expected);
    assert.equal(p.get('cnonce'), cnonce1, 'cnonce stays with the nonce (keeps -sess H(A1) valid)');
    assert.equal(server.handle(withFields(req, fields)).status, 200, `pre-authorized nc=${expected} accepted`);
  }
  assert.equal(server.challenges, 1, 'only the first request was challenged');
  assert.equal(server.accepted, 4);
});

test('stale=true is answered silently with the new nonce and nc restarting at 1', () => {
  const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
  const auth = new DigestAuthenticator({ credentials: bob });
  assert.equal(exchange(auth, server, request('REGISTER', 'sip:sipA.test')).final, 'ok');
  for (const n of server.nonces.keys()) server.expired.add(n);
  const req = request('REGISTER', 'sip:sipA.test');
  const pre = withFields(req, auth.preauthorize(req));
  const res = server.handle(pre);
  assert.equal(res.status, 401);
  assert.match(res.headers.getAll('WWW-Authenticate')[0]!, /stale=true/);
  const answer = ok(auth.authorize(pre, res));
  assert.equal(answer.stale, true);
  const p = paramsOf(answer.fields[0]!.value);
  assert.equal(p.get('nc'), '00000001');
  assert.notEqual(p.get('nonce'), paramsOf(pre.headers.getAll('Authorization')[0]!).get('nonce'));
  assert.equal(server.handle(withFields(pre, answer.fields)).status, 200);
});

test('stale=true right after our fresh answer is still retried, but the same nonce again is rejected', () => {
  const auth = new DigestAuthenticator({ credentials: bob });
  const ch = (nonce: string, stale: boolean) =>
    response(401, [['WWW-Authenticate', `Digest realm="r", nonce="${nonce}", qop="auth"${stale ? ', stale=true' : ''}`]]);
  const r1 = request('REGISTER', 'sip:r');
  const a1 = ok(auth.authorize(r1, ch('n1', false)));
  const r2 = withFields(r1, a1.fields);
  const a2 = ok(auth.authorize(r2, ch('n2', true)));
  assert.equal(a2.stale, true);
  const r3 = withFields(r2, a2.fields);
  const a3 = auth.authorize(r3, ch('n2', true));
  assert.equal(!a3.ok && a3.reason, 'rejected');
});

test('a server that always says stale (new nonce each time) is given up after maxStaleRetries', () => {
  const auth = new DigestAuthenticator({ credentials: bob, maxStaleRetries: 3 });
  let req = request('REGISTER', 'sip:r');
  let n = 0;
  const results: AuthorizeResult[] = [];
  for (let i = 0; i < 10; i++) {
    const r = auth.authorize(req, response(401, [['WWW-Authenticate', `Digest realm="r", nonce="n${n++}", qop="auth", stale=${i > 0}`]]));
    results.push(r);
    if (!r.ok) break;
    req = withFields(req, r.fields);
  }
  // fresh answer + 3 stale answers, then 'rejected'.
  assert.equal(results.length, 5);
  const last = results.at(-1)!;
  assert.equal(!last.ok && last.reason, 'rejected');
});

test('wrong password: exactly one retry, then a clear "authentication failed" and no cached nonce', () => {
  const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
  const auth = new DigestAuthenticator({ credentials: new Credentials({ default: { username: 'bob', password: 'WRONG' } }) });
  const result = exchange(auth, server, request('REGISTER', 'sip:sipA.test'));
  assert.equal(result.sent.length, 2, 'one original request + one retry');
  assert.notEqual(result.final, 'ok');
  const failure = result.final as Exclude<typeof result.final, 'ok'>;
  assert.equal(failure.ok, false);
  assert.equal(failure.reason, 'rejected');
  assert.equal(failure.realm, 'sipA.test');
  assert.match(failure.message, /authentication failed/);
  assert.deepEqual(auth.preauthorize(request('REGISTER', 'sip:sipA.test')), []);
});

test('a re-challenge with the same nonce (not stale) is rejected, even from a 407', () => {
  const auth = new DigestAuthenticator({ credentials: bob });
  const res = response(407, [['Proxy-Authenticate', 'Digest realm="p", nonce="same", qop="auth"']]);
  const r1 = request('INVITE', 'sip:x@p');
  const a1 = ok(auth.authorize(r1, res));
  const a2 = auth.authorize(withFields(r1, a1.fields), res);
  assert.equal(!a2.ok && a2.reason, 'rejected');
});

test('a pre-authorized request whose nonce the server dropped (no stale flag) is answered once', () => {
  const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
  const auth = new DigestAuthenticator({ credentials: bob });
  assert.equal(exchange(auth, server, request('REGISTER', 'sip:sipA.test')).final, 'ok');
  server.nonces.clear(); // e.g. the registrar restarted: our nonce is unknown, and it says nothing about stale
  const req = request('REGISTER', 'sip:sipA.test');
  const result = exchange(auth, server, withFields(req, auth.preauthorize(req)));
  assert.equal(result.final, 'ok');
  assert.equal(result.sent.length, 2);
});

test('qop=auth-int covers the body; preferAuthInt picks it when both are offered', () => {
  const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
  server.qop = ['auth-int'];
  const auth = new DigestAuthenticator({ credentials: bob });
  const invite = request('INVITE', 'sip:alice@sipA.test', [], 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n');
  const result = exchange(auth, server, invite);
  assert.equal(result.final, 'ok');
  const answered = result.sent[1]!;
  assert.equal(paramsOf(answered.headers.getAll('Authorization')[0]!).get('qop'), 'auth-int');
  // The same credentials on a different body fail: the body is covered.
  const tampered = { ...answered, body: Buffer.from('v=0\r\no=evil\r\n') };
  const check = verifyDigest(answered.headers.getAll('Authorization')[0]!, {
    method: 'INVITE',
    body: tampered.body,
    lookup: () => ({ password: 'zanzibar' }),
    checkNonce: () => 'ok',
  });
  assert.equal(!check.ok && check.reason, 'bad-response');

  const both = response(401, [['WWW-Authenticate', 'Digest realm="r", nonce="n", qop="auth,auth-int"']]);
  const plain = ok(new DigestAuthenticator({ credentials: bob }).authorize(invite, both));
  assert.equal(paramsOf(plain.fields[0]!.value).get('qop'), 'auth');
  const integ = ok(new DigestAuthenticator({ credentials: bob, preferAuthInt: true }).authorize(invite, both));
  assert.equal(paramsOf(integ.fields[0]!.value).get('qop'), 'auth-int');
});

test('every algorithm and the RFC 2069 (no qop) form round-trip with the server check', () => {
  for (const algorithm of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const) {
    for (const qop of [['auth'], ['auth-int'], []] as const) {
      const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
      server.algorithms = [algorithm];
      server.qop = [...qop];
      const auth = new DigestAuthenticator({ credentials: bob });
      const result = exchange(auth, server, request('MESSAGE', 'sip:alice@sipA.test', [], 'hello'));
      assert.equal(result.final, 'ok', `${algorithm} qop=${qop.join() || 'none'}`);
      const p = paramsOf(result.sent[1]!.headers.getAll('Authorization')[0]!);
      assert.equal(p.get('algorithm'), algorithm);
      assert.equal(p.get('nc'), qop.length ? '00000001' : undefined);
      assert.equal(p.has('cnonce'), qop.length > 0 || algorithm.endsWith('-sess'));
    }
  }
});

test('userhash=true sends H(username:realm) and the server maps it back', () => {
  const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
  server.userhash = true;
  server.algorithms = ['SHA-256'];
  const auth = new DigestAuthenticator({ credentials: bob });
  const result = exchange(auth, server, request('REGISTER', 'sip:sipA.test'));
  assert.equal(result.final, 'ok');
  const p = paramsOf(result.sent[1]!.headers.getAll('Authorization')[0]!);
  assert.equal(p.get('userhash'), 'true');
  assert.match(p.get('username')!, /^[0-9a-f]{64}$/);
});

test('two proxies challenge (407 with two realms), then the registrar (401): the retry answers all three', () => {
  const p1 = new TestDigestServer('proxy1', { bob: 'zanzibar' }, 'proxy');
  const p2 = new TestDigestServer('proxy2', { bob: 'zanzibar' }, 'proxy');
  const reg = new TestDigestServer('registrar', { bob: 'zanzibar' });
  const auth = new DigestAuthenticator({ credentials: bob });
  const r0 = request('INVITE', 'sip:alice@registrar');
  const c1 = p1.challenge();
  const c2 = p2.challenge();
  const both = response(407, [...c1.headers.fields, ...c2.headers.fields]);
  const a1 = ok(auth.authorize(r0, both));
  assert.deepEqual(a1.realms, ['proxy1', 'proxy2']);
  const r1 = withFields(r0, a1.fields);
  assert.equal(p1.handle(r1).status, 200);
  assert.equal(p2.handle(r1).status, 200);
  const a2 = ok(auth.authorize(r1, reg.challenge()));
  assert.deepEqual(a2.realms, ['registrar']);
  assert.equal(a2.fields.length, 3);
  const r2 = withFields(r1, a2.fields);
  // Proxies see a fresh nc on their nonce (no replay), the registrar its first answer.
  assert.deepEqual(r2.headers.getAll('Proxy-Authorization').map((v) => paramsOf(v).get('nc')), ['00000002', '00000002']);
  assert.equal(p1.handle(r2).status, 200);
  assert.equal(p2.handle(r2).status, 200);
  assert.equal(reg.handle(r2).status, 200);
});

test('cached nonces expire for pre-authorization after nonceMaxAgeMs', () => {
  const clock = new FakeClock();
  const server = new TestDigestServer('sipA.test', { bob: 'zanzibar' });
  const auth = new DigestAuthenticator({ credentials: bob, clock, nonceMaxAgeMs: 60_000 });
  assert.equal(exchange(auth, server, request('REGISTER', 'sip:sipA.test')).final, 'ok');
  clock.advance(59_000);
  assert.equal(auth.preauthorize(request('REGISTER', 'sip:sipA.test')).length, 1);
  clock.advance(2_000);
  assert.equal(auth.preauthorize(request('REGISTER', 'sip:sipA.test')).length, 0);
});

test('preauthorize can be limited to realms; forget drops the cache', () => {
  const auth = new DigestAuthenticator({ credentials: bob });
  ok(auth.authorize(request('R', 'sip:a'), response(401, [['WWW-Authenticate', 'Digest realm="a", nonce="1", qop=auth']])));
  ok(auth.authorize(request('R', 'sip:b'), response(401, [['WWW-Authenticate', 'Digest realm="b", nonce="2", qop=auth']])));
  assert.deepEqual(auth.preauthorize(request('R', 'sip:a'), { realms: ['a'] }).map((f) => f.realm), ['a']);
  assert.deepEqual(auth.preauthorize(request('R', 'sip:a')).map((f) => f.realm).sort(), ['a', 'b']);
  auth.forget('a');
  assert.deepEqual(auth.preauthorize(request('R', 'sip:a')).map((f) => f.realm), ['b']);
  auth.forget();
  assert.deepEqual(auth.preauthorize(request('R', 'sip:a')), []);
});
