import { after, beforeEach, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../../../electron/phone/store/store.ts';
import { AccountsRepository } from '../../../../electron/phone/store/accounts-repository.ts';
import { HistoryRepository } from '../../../../electron/phone/store/history-repository.ts';
import { MemorySecretStore } from '../../../../electron/phone/store/secret-store.ts';
import { ACCOUNT_DEFAULTS, accountAddresses, accountDomain, type AccountInput } from '../../../../electron/phone/account.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { expectStoreError, expectStoreErrorAsync } from './expect-store-error.ts';

after(removeTempDirs);

let dir: string;
let store: Store;
let secrets: MemorySecretStore;
let accounts: AccountsRepository;

beforeEach(() => {
  dir = tempDir();
  store = Store.open(dir);
  secrets = new MemorySecretStore();
  accounts = new AccountsRepository(store, secrets);
});
afterEach(() => store.close());

const john: AccountInput = {
  displayName: 'John Doe',
  aor: 'sip:johndoe@sipA.test',
  aliases: ['sip:+554845678901@sipA.test', 'sip:45678901@sipA.test'],
  authUser: 'jd',
  registrar: 'sip:registrar.sipA.test',
  outboundProxy: 'sip:proxy.sipA.test:5070;lr',
  transport: 'tls',
  codecs: ['PCMA', 'opus'],
  srtp: 'mandatory',
  dtmf: 'info',
  autoAnswer: true,
  identityRules: [{ match: { prefix: '+' }, identity: 'sip:+554845678901@sipA.test' }, { match: { minDigits: 8, maxDigits: 8 }, identity: 'sip:45678901@sipA.test' }],
  registerExpires: 600,
  stunServer: 'stun.sipA.test:3478',
  turnServer: 'john@turn.sipA.test',
  pPreferredIdentity: true,
};

test('add fills defaults and get/list read the same account back', () => {
  const a = accounts.add({ aor: 'sip:alice@sipA.test' });
  assert.match(a.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(a, { id: a.id, aor: 'sip:alice@sipA.test', ...ACCOUNT_DEFAULTS });
  assert.deepEqual(accounts.get(a.id), a);
  assert.deepEqual(accounts.list(), [a]);
  assert.equal(accounts.get('no-such-id'), undefined);
});

test('every field round-trips, aliases keep their order', () => {
  const a = accounts.add(john);
  const back = accounts.require(a.id);
  assert.deepEqual(back, { id: a.id, secretRef: null, enabled: true, authRealms: [], learnedRealms: [], tlsCaFile: null, tlsPin: null, sdesInClear: false, voicemail: null, pickupCode: null, privacy: 'none', turnSecretRef: null, ...john });
  assert.deepEqual(accountAddresses(back), ['sip:johndoe@sipA.test', 'sip:+554845678901@sipA.test', 'sip:45678901@sipA.test']);
  assert.equal(accountDomain(back), 'sipA.test');
});

test('list keeps insertion order and reorder changes it', () => {
  const a = accounts.add({ aor: 'sip:a@sipA.test' });
  const b = accounts.add({ aor: 'sip:b@sipA.test' });
  const c = accounts.add({ aor: 'sip:c@sipA.test' });
  assert.deepEqual(accounts.list().map((x) => x.id), [a.id, b.id, c.id]);
  accounts.reorder([c.id, a.id, b.id]);
  assert.deepEqual(accounts.list().map((x) => x.id), [c.id, a.id, b.id]);
  expectStoreError(() => accounts.reorder([a.id, b.id]), 'invalid');
  expectStoreError(() => accounts.reorder([a.id, a.id, b.id]), 'invalid');
  expectStoreError(() => accounts.reorder([a.id, b.id, 'x']), 'invalid');
  assert.deepEqual(accounts.list().map((x) => x.id), [c.id, a.id, b.id]);
});

test('update applies a patch, replaces aliases in the new order, and keeps the rest', () => {
  const a = accounts.add(john);
  const u = accounts.update(a.id, { aliases: ['sip:45678901@sipA.test', 'sip:+554845678901@sipA.test', 'sip:jd@sipA.test'], enabled: false });
  assert.deepEqual(u.aliases, ['sip:45678901@sipA.test', 'sip:+554845678901@sipA.test', 'sip:jd@sipA.test']);
  assert.equal(u.enabled, false);
  assert.deepEqual(accounts.require(a.id), u);
  assert.equal(u.transport, 'tls');
});

test('invalid input is refused with the field named, and nothing is written', () => {
  const cases: [unknown, string][] = [
    [{ aor: 'johndoe@sipA.test' }, 'aor'],
    [{ aor: 'sip:sipA.test' }, 'aor'], // no user part
    [{ aor: 'sip:john doe@sipA.test' }, 'aor'],
    [{ aor: 'sip:john@sipA.test?subject=x' }, 'aor'],
    [{ aor: 'sip:john@sipA.test', aliases: ['sip:john@SIPA.test'] }, 'aliases.0'],
    [{ aor: 'sip:john@sipA.test', aliases: ['sip:x@sipA.test', 'sip:x@sipA.test'] }, 'aliases.1'],
    [{ aor: 'sip:john@sipA.test', aliases: ['nope'] }, 'aliases.0'],
    [{ aor: 'sip:john@sipA.test', transport: 'sctp' }, 'transport'],
    [{ aor: 'sip:john@sipA.test', srtp: 'maybe' }, 'srtp'],
    [{ aor: 'sip:john@sipA.test', dtmf: 'inband' }, 'dtmf'],
    [{ aor: 'sip:john@sipA.test', codecs: [] }, 'codecs'],
    [{ aor: 'sip:john@sipA.test', codecs: ['opus', 'OPUS'] }, 'codecs'],
    [{ aor: 'sip:john@sipA.test', codecs: ['op us'] }, 'codecs.0'],
    [{ aor: 'sip:john@sipA.test', registerExpires: 5 }, 'registerExpires'],
    [{ aor: 'sip:john@sipA.test', registerExpires: 60.5 }, 'registerExpires'],
    [{ aor: 'sip:john@sipA.test', registrar: 'registrar' }, 'registrar'],
    [{ aor: 'sip:john@sipA.test', outboundProxy: 'sip:proxy:99999' }, 'outboundProxy'],
    [{ aor: 'sip:john@sipA.test', displayName: 'a\nb' }, 'displayName'],
    [{ aor: 'sip:john@sipA.test', authUser: '' }, 'authUser'],
    [{ aor: 'sip:john@sipA.test', autoAnswer: 'yes' }, 'autoAnswer'],
    [{ aor: 'sip:john@sipA.test', identityRules: [{ match: { prefix: '+' }, identity: 'sip:other@sipA.test' }] }, 'identityRules.0.identity'],
    [{ aor: 'sip:john@sipA.test', identityRules: [{ match: {}, identity: 'sip:john@sipA.test' }] }, 'identityRules.0.match'],
    [{ aor: 'sip:john@sipA.test', identityRules: [{ match: { regex: '(' }, identity: 'sip:john@sipA.test' }] }, 'identityRules.0.match.regex'],
    [{ aor: 'sip:john@sipA.test', identityRules: [{ match: { minDigits: 9, maxDigits: 3 }, identity: 'sip:john@sipA.test' }] }, 'identityRules.0.match'],
    [{ aor: 'sip:john@sipA.test', password: 'secret' }, ''],
    [{ aor: 'sip:john@sipA.test', id: 'chosen' }, ''],
  ];
  for (const [input, path] of cases) {
    expectStoreError(() => accounts.add(input as AccountInput), 'invalid', path);
  }
  expectStoreError(() => accounts.add(null as unknown as AccountInput), 'invalid');
  assert.deepEqual(accounts.list(), []);
});

test('the error message says what is wrong in words', () => {
  const e = expectStoreError(() => accounts.add({ aor: 'sip:john@' }), 'invalid', 'aor');
  assert.match(e.message, /aor the address has no host/);
});

test('an invalid update leaves the stored account unchanged', () => {
  const a = accounts.add(john);
  // Dropping the alias that a dialling rule names is refused.
  expectStoreError(() => accounts.update(a.id, { aliases: ['sip:45678901@sipA.test'] }), 'invalid', 'identityRules.0.identity');
  expectStoreError(() => accounts.update(a.id, { id: 'x' } as never), 'invalid');
  assert.deepEqual(accounts.require(a.id), { ...a });
});

test('missing ids are not-found; bad ids are invalid', () => {
  expectStoreError(() => accounts.require('nope'), 'not-found');
  expectStoreError(() => accounts.update('nope', { enabled: false }), 'not-found');
  expectStoreError(() => accounts.remove('nope'), 'not-found');
  expectStoreError(() => accounts.get('' as string), 'invalid');
  expectStoreError(() => accounts.get(42 as unknown as string), 'invalid');
});

test('remove deletes the aliases with the account; history keeps the call without the account', () => {
  const a = accounts.add(john);
  const history = new HistoryRepository(store);
  const h = history.add({ direction: 'out', peerUri: 'sip:bob@sipB.test', startedAt: 1, accountId: a.id, localAlias: 'sip:+554845678901@sipA.test' });
  assert.deepEqual(accounts.remove(a.id), a);
  assert.equal(accounts.get(a.id), undefined);
  assert.equal(store.get('SELECT count(*) AS n FROM account_aliases')?.n, 0);
  const kept = history.require(h.id);
  assert.equal(kept.accountId, null);
  assert.equal(kept.localAlias, 'sip:+554845678901@sipA.test');
});

test('passwords go to the SecretStore; the database holds only the reference', async () => {
  const a = accounts.add(john);
  const password = 'Tr0ub4dor&3-unique-marker';
  const withRef = await accounts.setPassword(a.id, password);
  assert.equal(withRef.secretRef, `parley/account/${a.id}`);
  assert.equal(await accounts.getPassword(a.id), password);
  assert.equal(await secrets.get(withRef.secretRef!), password);
  // Not in any file of the data folder (database, WAL, shared memory).
  for (const name of readdirSync(dir)) {
    assert.ok(!readFileSync(join(dir, name)).includes(password), `password found in ${name}`);
  }
  // Changing it keeps the reference.
  await accounts.setPassword(a.id, 'second');
  assert.equal(accounts.require(a.id).secretRef, withRef.secretRef);
  assert.equal(await accounts.getPassword(a.id), 'second');
  // Forgetting it clears both.
  const cleared = await accounts.setPassword(a.id, null);
  assert.equal(cleared.secretRef, null);
  assert.equal(secrets.size, 0);
  assert.equal(await accounts.getPassword(a.id), undefined);
});

test('removeWithSecret deletes the password too', async () => {
  const a = accounts.add({ aor: 'sip:a@sipA.test' });
  await accounts.setPassword(a.id, 'pw');
  assert.equal(secrets.size, 1);
  await accounts.removeWithSecret(a.id);
  assert.equal(secrets.size, 0);
  await expectStoreErrorAsync(() => accounts.setPassword(a.id, 'pw'), 'not-found');
  await expectStoreErrorAsync(() => accounts.setPassword(accounts.add({ aor: 'sip:b@sipA.test' }).id, 'x'.repeat(5000)), 'invalid');
});

test('without a SecretStore, password methods are a programming error', async () => {
  const plain = new AccountsRepository(store);
  const a = plain.add({ aor: 'sip:a@sipA.test' });
  await assert.rejects(() => plain.setPassword(a.id, 'x'), /without a SecretStore/);
});

test('what is read is kept, and read again when another connection (another process) writes', async () => {
  accounts.add(john);
  const first = accounts.list();
  assert.equal(accounts.get(first[0]!.id), first[0], 'a second read is the same object: nothing was read from the file');
  assert.throws(() => (first[0]!.aliases as string[]).push('sip:x@sipA.test'), TypeError, 'the kept account is frozen');
  const other = Store.open(dir);
  try {
    const elsewhere = new AccountsRepository(other, secrets);
    elsewhere.update(first[0]!.id, { displayName: 'Changed elsewhere' });
    elsewhere.add({ ...john, aor: 'sip:second@sipA.test', aliases: [], identityRules: [] });
  } finally {
    other.close();
  }
  // Another process's commit lands between our turns of the event loop, which is when it is looked for.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(accounts.get(first[0]!.id)?.displayName, 'Changed elsewhere');
  assert.deepEqual(accounts.list().map((a) => a.aor), ['sip:johndoe@sipA.test', 'sip:second@sipA.test']);
  // Our own write is seen at once (data_version does not move for it).
  accounts.update(first[0]!.id, { displayName: 'Mine' });
  assert.equal(accounts.get(first[0]!.id)?.displayName, 'Mine');
});
