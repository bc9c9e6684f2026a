import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DigestAuthenticator } from '../../../../electron/sip/auth/digest-authenticator.ts';
import { Credentials } from '../../../../electron/sip/auth/credentials.ts';
import { RealmBinding } from '../../../../electron/sip/auth/realm-binding.ts';
import { request, TestDigestServer, withFields } from './digest-test-server.ts';

const secret = new Credentials({ default: { username: 'alice', password: 'wonderland-9' } });

function authenticator(binding: RealmBinding): DigestAuthenticator {
  return new DigestAuthenticator({ credentials: secret, realms: binding, cnonce: () => 'c0ffee' });
}

test('no configured or learned realm: the domain is answered, any other realm is refused in words', () => {
  const auth = authenticator(new RealmBinding({ domain: 'sipA.test' }));
  const home = new TestDigestServer('sipA.test', { alice: 'wonderland-9' });
  const invite = request('INVITE', 'sip:bob@sipA.test');
  const ok = auth.authorize(invite, home.challenge());
  assert.equal(ok.ok, true);

  const foreign = new TestDigestServer('evil.example', { alice: 'wonderland-9' }, 'proxy');
  const r = auth.authorize(request('INVITE', 'sip:bob@elsewhere.example'), foreign.challenge());
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.reason, 'foreign-realm');
  assert.match(r.ok ? '' : r.message, /asked for the password of another realm \(evil\.example\)/);
  assert.match(r.ok ? '' : r.message, /answers only "sipa\.test"/);
});

test('domain realm matches case-insensitively (a host name); configured realms exactly', () => {
  assert.deepEqual(new RealmBinding({ domain: 'SipA.Test' }).check('sipa.TEST', 'INVITE'), { allowed: true });
  const configured = new RealmBinding({ domain: 'sipA.test', configured: ['Provider Realm'] });
  assert.equal(configured.check('Provider Realm', 'INVITE').allowed, true);
  assert.equal(configured.check('provider realm', 'INVITE').allowed, false);
  // The domain is no longer enough once realms are configured.
  assert.equal(configured.check('sipA.test', 'REGISTER').allowed, false);
  assert.equal(configured.source, 'configured');
});

test('first registration: the registrar’s realm is answered on REGISTER and learned at the 2xx', () => {
  const learned: string[][] = [];
  const binding = new RealmBinding({ domain: 'sipA.test', onLearned: (r) => learned.push([...r]) });
  const auth = authenticator(binding);
  const registrar = new TestDigestServer('asterisk', { alice: 'wonderland-9' });

  // Before any registration an INVITE challenged by "asterisk" is not answered…
  const early = auth.authorize(request('INVITE', 'sip:bob@sipA.test'), registrar.challenge());
  assert.equal(early.ok ? '' : early.reason, 'foreign-realm');

  // …but the account's own REGISTER is (trust on first use), and only a 2xx binds it.
  const reg = request('REGISTER', 'sip:sipA.test');
  const answer = auth.authorize(reg, registrar.challenge());
  assert.ok(answer.ok);
  const retry = withFields(reg, answer.fields);
  assert.equal(registrar.handle(retry).status, 200);
  assert.deepEqual(learned, []);
  auth.succeeded(retry);
  assert.deepEqual(learned, [['asterisk']]);
  assert.deepEqual(binding.realms, ['asterisk']);
  assert.equal(binding.source, 'registrar');

  // Now the INVITE is answered for "asterisk", and the domain realm no longer is.
  assert.equal(auth.authorize(request('INVITE', 'sip:bob@sipA.test'), registrar.challenge()).ok, true);
  const domainNow = auth.authorize(request('INVITE', 'sip:bob@sipA.test'), new TestDigestServer('sipA.test', {}).challenge());
  assert.equal(domainNow.ok ? '' : domainNow.reason, 'foreign-realm');
  // A later REGISTER cannot introduce a new realm any more.
  const other = auth.authorize(request('REGISTER', 'sip:sipA.test'), new TestDigestServer('other', {}).challenge());
  assert.equal(other.ok ? '' : other.reason, 'foreign-realm');
});

test('a REGISTER refused after answering a new realm does not bind it', () => {
  const binding = new RealmBinding({ domain: 'sipA.test' });
  const auth = authenticator(binding);
  const registrar = new TestDigestServer('asterisk', { alice: 'another-password' });
  const reg = request('REGISTER', 'sip:sipA.test');
  const answer = auth.authorize(reg, registrar.challenge());
  assert.ok(answer.ok);
  // 401 again: wrong password; nothing is confirmed.
  const again = auth.authorize(withFields(reg, answer.fields), registrar.handle(withFields(reg, answer.fields)));
  assert.equal(again.ok ? '' : again.reason, 'rejected');
  assert.equal(binding.source, 'domain');
  // A 2xx to some other method never binds a realm either.
  binding.confirm('INVITE', ['asterisk']);
  assert.equal(binding.source, 'domain');
});

test('a learned realm read back from storage binds from the start', () => {
  const binding = new RealmBinding({ domain: 'sipA.test', learned: ['asterisk'] });
  assert.equal(binding.check('asterisk', 'INVITE').allowed, true);
  assert.equal(binding.check('sipA.test', 'INVITE').allowed, false);
});

test('one foreign realm among several in a 407 fails the whole answer (the request cannot succeed)', () => {
  const auth = authenticator(new RealmBinding({ domain: 'sipA.test' }));
  const a = new TestDigestServer('sipA.test', {}, 'proxy').challenge();
  const b = new TestDigestServer('evil.example', {}, 'proxy').challenge();
  const both = { status: 407, headers: { getAll: (n: string) => [...a.headers.getAll(n), ...b.headers.getAll(n)] } };
  const r = auth.authorize(request('INVITE', 'sip:bob@sipA.test'), both);
  assert.equal(r.ok ? '' : r.reason, 'foreign-realm');
});

test('a hostile realm is shown short and printable', () => {
  const long = `x${'y'.repeat(500)}\u0007`;
  const d = new RealmBinding({ domain: 'sipA.test' }).check(long, 'INVITE');
  assert.equal(d.allowed, false);
  const message = d.allowed ? '' : d.message;
  assert.ok(message.length < 250, message);
  assert.doesNotMatch(message, /\u0007/);
});
