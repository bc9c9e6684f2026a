import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '../../../electron/api/errors.ts';
import { FileSecretStore } from '../../../electron/phone/store/file-secret-store.ts';
import { ENCRYPTED_SECRETS_FILE, SafeStorageSecretStore, type SafeStorageLike } from '../../../electron/desktop/safe-storage-secret-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'parley-safe-'));
  dirs.push(d);
  return d;
}

/** A stand-in for Electron's safeStorage: a keyed XOR with a tag, enough to show nothing is stored in clear. */
class FakeSafeStorage implements SafeStorageLike {
  available = true;
  backend: string | undefined;
  key = 0x5a;
  encryptions = 0;
  isEncryptionAvailable() {
    return this.available;
  }
  encryptString(plain: string): Buffer {
    if (!this.available) throw new Error('Encryption is not available.');
    this.encryptions++;
    const body = Buffer.from(plain, 'utf8').map((b) => b ^ this.key);
    return Buffer.concat([Buffer.from('v10'), Buffer.from([this.key]), body]);
  }
  decryptString(sealed: Buffer): string {
    if (sealed.subarray(0, 3).toString() !== 'v10' || sealed[3] !== this.key) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(sealed.subarray(4).map((b) => b ^ this.key)).toString('utf8');
  }
  getSelectedStorageBackend?(): string;
}

function linuxSafe(backend: string): FakeSafeStorage {
  const s = new FakeSafeStorage();
  s.getSelectedStorageBackend = () => backend;
  return s;
}

test('set/get/delete round-trip, and the file holds no plain text', async () => {
  const dir = tempDir();
  const safe = new FakeSafeStorage();
  const { store, status } = await SafeStorageSecretStore.open(dir, safe);
  assert.deepEqual(status, { encryption: 'available', migrated: 0, plainTextFileLeft: false });
  await store.set('parley/account/a1', 'hunter2-ünïcødé');
  await store.set('parley/account/a2', 'other');
  assert.equal(await store.get('parley/account/a1'), 'hunter2-ünïcødé');
  assert.equal(await store.get('parley/account/none'), undefined);
  const text = readFileSync(join(dir, ENCRYPTED_SECRETS_FILE), 'utf8');
  assert.doesNotMatch(text, /hunter2|other/);
  assert.equal(JSON.parse(text).version, 1);
  if (process.platform !== 'win32') assert.equal(statSync(join(dir, ENCRYPTED_SECRETS_FILE)).mode & 0o777, 0o600);
  await store.delete('parley/account/a1');
  await store.delete('parley/account/a1');
  assert.equal(await store.get('parley/account/a1'), undefined);
  assert.equal(await store.get('parley/account/a2'), 'other');
  // A fresh store over the same file reads what the first wrote.
  const again = await SafeStorageSecretStore.open(dir, safe);
  assert.equal(await again.store.get('parley/account/a2'), 'other');
});

test('concurrent sets do not lose each other', async () => {
  const { store } = await SafeStorageSecretStore.open(tempDir(), new FakeSafeStorage());
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`ref-${i}`, `value-${i}`)));
  for (let i = 0; i < 20; i++) assert.equal(await store.get(`ref-${i}`), `value-${i}`);
});

test('without encryption: set refuses with a message for the user, nothing is written', async () => {
  const dir = tempDir();
  const safe = new FakeSafeStorage();
  safe.available = false;
  const { store, status } = await SafeStorageSecretStore.open(dir, safe);
  assert.equal(status.encryption, 'unavailable');
  assert.equal(store.encryptionAvailable, false);
  await assert.rejects(store.set('parley/account/a1', 'pw'), (e: unknown) => e instanceof ApiError && e.code === 'unavailable' && /does not store passwords in plain text/.test(e.message));
  assert.equal(existsSync(join(dir, ENCRYPTED_SECRETS_FILE)), false);
  assert.equal(await store.get('parley/account/a1'), undefined);
});

test("Linux 'basic_text' (a key every Chromium shares) counts as no encryption", async () => {
  const { store, status } = await SafeStorageSecretStore.open(tempDir(), linuxSafe('basic_text'));
  assert.deepEqual(status, { encryption: 'unavailable', backend: 'basic_text', migrated: 0, plainTextFileLeft: false });
  await assert.rejects(store.set('r', 'v'), ApiError);
  const ok = await SafeStorageSecretStore.open(tempDir(), linuxSafe('gnome_libsecret'));
  assert.equal(ok.status.encryption, 'available');
  assert.equal(ok.status.backend, 'gnome_libsecret');
});

test("migration: the CLI's plain secrets.json is encrypted, checked, then overwritten and deleted", async () => {
  const dir = tempDir();
  const cli = new FileSecretStore(dir);
  await cli.set('parley/account/a1', 'from-cli');
  await cli.set('parley/account/a2', 'also-cli');
  const safe = new FakeSafeStorage();
  const { store, status } = await SafeStorageSecretStore.open(dir, safe);
  assert.equal(status.migrated, 2);
  assert.equal(status.plainTextFileLeft, false);
  assert.equal(existsSync(cli.path), false, 'the plain-text file is gone');
  assert.equal(await store.get('parley/account/a1'), 'from-cli');
  assert.equal(await store.get('parley/account/a2'), 'also-cli');
  assert.doesNotMatch(readFileSync(store.path, 'utf8'), /from-cli|also-cli/);
  // Nothing left to migrate on the next start.
  const next = await SafeStorageSecretStore.open(dir, safe);
  assert.equal(next.status.migrated, 0);
});

test('migration: a plain file written later (by the CLI) wins over the encrypted value', async () => {
  const dir = tempDir();
  const safe = new FakeSafeStorage();
  const first = await SafeStorageSecretStore.open(dir, safe);
  await first.store.set('parley/account/a1', 'old');
  await first.store.set('parley/account/keep', 'kept');
  await new FileSecretStore(dir).set('parley/account/a1', 'new-from-cli');
  const { store, status } = await SafeStorageSecretStore.open(dir, safe);
  assert.equal(status.migrated, 1);
  assert.equal(await store.get('parley/account/a1'), 'new-from-cli');
  assert.equal(await store.get('parley/account/keep'), 'kept');
});

test('migration waits while encryption is unavailable, and leaves a non-secrets file alone', async () => {
  const dir = tempDir();
  await new FileSecretStore(dir).set('parley/account/a1', 'pw');
  const safe = new FakeSafeStorage();
  safe.available = false;
  const { status } = await SafeStorageSecretStore.open(dir, safe);
  assert.equal(status.plainTextFileLeft, true);
  assert.equal(status.migrated, 0);
  assert.ok(existsSync(join(dir, 'secrets.json')));

  const dir2 = tempDir();
  writeFileSync(join(dir2, 'secrets.json'), '{"not":"ours"}');
  const second = await SafeStorageSecretStore.open(dir2, new FakeSafeStorage());
  assert.equal(second.status.plainTextFileLeft, true);
  assert.equal(readFileSync(join(dir2, 'secrets.json'), 'utf8'), '{"not":"ours"}');
});

test('a value that no longer decrypts (keychain reset) reads as absent, not as an error', async () => {
  const dir = tempDir();
  const safe = new FakeSafeStorage();
  const { store } = await SafeStorageSecretStore.open(dir, safe);
  await store.set('r', 'v');
  safe.key = 0x33;
  assert.equal(await store.get('r'), undefined);
});

test('a damaged encrypted file is an error and is not replaced', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, ENCRYPTED_SECRETS_FILE), '{ broken');
  const { store } = await SafeStorageSecretStore.open(dir, new FakeSafeStorage());
  await assert.rejects(store.set('r', 'v'), /not valid JSON/);
  assert.equal(readFileSync(join(dir, ENCRYPTED_SECRETS_FILE), 'utf8'), '{ broken');
});

test('the async API (Electron 45) is preferred and re-encryption requests are honoured', async () => {
  const dir = tempDir();
  const inner = new FakeSafeStorage();
  let asyncCalls = 0;
  let rotate = false;
  const safe: SafeStorageLike = {
    isEncryptionAvailable: () => {
      throw new Error('the deprecated sync check must not be used when the async one exists');
    },
    encryptString: () => {
      throw new Error('sync encrypt must not be used');
    },
    decryptString: () => {
      throw new Error('sync decrypt must not be used');
    },
    isAsyncEncryptionAvailable: async () => true,
    encryptStringAsync: async (p) => {
      asyncCalls++;
      return inner.encryptString(p);
    },
    decryptStringAsync: async (b) => ({ result: inner.decryptString(b), shouldReEncrypt: rotate }),
  };
  const { store } = await SafeStorageSecretStore.open(dir, safe);
  await store.set('r', 'v');
  assert.equal(asyncCalls, 1);
  rotate = true;
  assert.equal(await store.get('r'), 'v');
  assert.equal(asyncCalls, 2, 're-encrypted after a key rotation');
});

test('bad references and values are refused like every SecretStore', async () => {
  const { store } = await SafeStorageSecretStore.open(tempDir(), new FakeSafeStorage());
  assert.throws(() => store.set('', 'v'), TypeError);
  assert.throws(() => store.set('r', 'x'.repeat(5000)), TypeError);
  assert.throws(() => store.get(42 as unknown as string), TypeError);
});

test('Electron 45 on Linux without a keyring: async encryption "available", the backend known only after it → refused', async () => {
  const { control, keyring, safeStorage } = await import('./fake-electron.ts');
  control.ready();
  keyring.state.backendGuess = 'gnome_libsecret';
  keyring.state.backend = 'basic_text';
  keyring.state.initialised = false;
  try {
    assert.equal(safeStorage.getSelectedStorageBackend(), 'gnome_libsecret', 'the start-up guess');
    const dir = tempDir();
    const { store, status } = await SafeStorageSecretStore.open(dir, safeStorage);
    assert.equal(status.encryption, 'unavailable');
    assert.equal(status.backend, 'basic_text');
    await assert.rejects(store.set('parley/account/a1', 'pw'), (e: unknown) => e instanceof ApiError && e.code === 'unavailable');
    assert.equal(existsSync(join(dir, ENCRYPTED_SECRETS_FILE)), false);
  } finally {
    keyring.state.backend = 'gnome_libsecret';
    keyring.state.initialised = false;
  }
});

test('a locked keyring holds open() until it is unlocked (so the shell opens the store behind its engine gate)', async () => {
  const { control, keyring, safeStorage } = await import('./fake-electron.ts');
  control.ready();
  keyring.state.keyringLocked = true;
  keyring.state.initialised = false;
  const opening = SafeStorageSecretStore.open(tempDir(), safeStorage);
  let opened = false;
  void opening.then(() => (opened = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(opened, false, 'still waiting for the keyring');
  keyring.unlock();
  const { status } = await opening;
  assert.equal(status.encryption, 'available');
  assert.equal(status.backend, 'gnome_libsecret');
});
