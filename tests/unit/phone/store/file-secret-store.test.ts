import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSecretStore } from '../../../../electron/phone/store/file-secret-store.ts';
import { MemorySecretStore, type SecretStore } from '../../../../electron/phone/store/secret-store.ts';
import { createLogger, type LogRecord } from '../../../../electron/common/logger.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { expectStoreErrorAsync } from './expect-store-error.ts';

after(removeTempDirs);

const posix = process.platform !== 'win32';

async function contract(store: SecretStore): Promise<void> {
  assert.equal(await store.get('a'), undefined);
  await store.set('a', 'one');
  await store.set('b', 'two "quoted" \n ünïcode');
  assert.equal(await store.get('a'), 'one');
  assert.equal(await store.get('b'), 'two "quoted" \n ünïcode');
  await store.set('a', 'uno');
  assert.equal(await store.get('a'), 'uno');
  await store.delete('a');
  await store.delete('never-there');
  assert.equal(await store.get('a'), undefined);
  assert.equal(await store.get('b'), 'two "quoted" \n ünïcode');
  // Names of Object.prototype are just names.
  assert.equal(await store.get('constructor'), undefined);
  assert.equal(await store.get('__proto__'), undefined);
  await assert.rejects(async () => store.set('', 'x'), TypeError);
  await assert.rejects(async () => store.get(42 as unknown as string), TypeError);
  await assert.rejects(async () => store.set('c', 7 as unknown as string), TypeError);
}

test('MemorySecretStore keeps the SecretStore contract', async () => {
  await contract(new MemorySecretStore());
});

test('FileSecretStore keeps the SecretStore contract and persists across instances', async () => {
  const dir = tempDir();
  await contract(new FileSecretStore(dir));
  const again = new FileSecretStore(dir);
  assert.equal(await again.get('b'), 'two "quoted" \n ünïcode');
  const json = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as unknown;
  assert.deepEqual(json, { version: 1, secrets: { b: 'two "quoted" \n ünïcode' } });
  assert.deepEqual(readdirSync(dir), ['secrets.json']); // no temporary files left
});

test('the secrets file is created with mode 0600', { skip: !posix }, async () => {
  const dir = tempDir();
  const store = new FileSecretStore(dir);
  const old = process.umask(0o000); // even with a permissive umask
  try {
    await store.set('pw', 'x');
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(store.path).mode & 0o777, 0o600);
});

test('a secrets file readable by others is tightened to 0600 with a warning', { skip: !posix }, async () => {
  const dir = tempDir();
  const path = join(dir, 'secrets.json');
  writeFileSync(path, JSON.stringify({ version: 1, secrets: { a: 'x' } }));
  chmodSync(path, 0o644);
  const records: LogRecord[] = [];
  const store = new FileSecretStore(dir, { logger: createLogger((r) => records.push(r)) });
  assert.equal(await store.get('a'), 'x');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(records.filter((r) => r.level === 'warn').length, 1);
  assert.ok(!JSON.stringify(records).includes('"x"'), 'the secret value must not be logged');
});

test('a damaged secrets file is "corrupt", never replaced, and the error does not quote it', async () => {
  const dir = tempDir();
  const path = join(dir, 'secrets.json');
  const content = '{"version":1,"secrets":{"a":"hunter2"'; // truncated
  writeFileSync(path, content, { mode: 0o600 });
  const store = new FileSecretStore(dir);
  const e = await expectStoreErrorAsync(() => store.set('b', 'y'), 'corrupt');
  assert.ok(!e.message.includes('hunter2'));
  await expectStoreErrorAsync(() => store.get('a'), 'corrupt');
  assert.equal(readFileSync(path, 'utf8'), content);

  writeFileSync(path, JSON.stringify({ version: 2, secrets: {} }));
  await expectStoreErrorAsync(() => store.get('a'), 'corrupt');
  writeFileSync(path, JSON.stringify({ version: 1, secrets: { a: 5 } }));
  await expectStoreErrorAsync(() => store.get('a'), 'corrupt');
});

test('concurrent sets are serialised: none is lost', async () => {
  const dir = tempDir();
  const store = new FileSecretStore(dir);
  await Promise.all(Array.from({ length: 25 }, (_, i) => store.set(`k${i}`, `v${i}`)));
  const back = new FileSecretStore(dir);
  for (let i = 0; i < 25; i++) assert.equal(await back.get(`k${i}`), `v${i}`);
});

test('a failed operation does not block the ones after it', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'secrets.json'), 'not json', { mode: 0o600 });
  const store = new FileSecretStore(dir);
  const first = store.get('a');
  const second = store.set('b', 'x'); // queued behind the failing read
  await expectStoreErrorAsync(() => first, 'corrupt');
  await expectStoreErrorAsync(() => second, 'corrupt');
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ version: 1, secrets: { a: 'ok' } }), { mode: 0o600 });
  assert.equal(await store.get('a'), 'ok');
});
