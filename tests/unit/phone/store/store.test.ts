import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Store } from '../../../../electron/phone/store/store.ts';
import { CURRENT_SCHEMA_VERSION, MIGRATIONS, PARLEY_APPLICATION_ID } from '../../../../electron/phone/store/migrations.ts';
import { isStoreError } from '../../../../electron/phone/store/store-error.ts';
import { expectStoreError } from './expect-store-error.ts';
import { AccountsRepository } from '../../../../electron/phone/store/accounts-repository.ts';
import { ACCOUNT_DEFAULTS } from '../../../../electron/phone/account.ts';
import { HistoryRepository } from '../../../../electron/phone/store/history-repository.ts';
import { MessagesRepository } from '../../../../electron/phone/store/messages-repository.ts';
import { createLogger, type LogRecord } from '../../../../electron/common/logger.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

after(removeTempDirs);

function rawDb(dir: string): DatabaseSync {
  return new DatabaseSync(join(dir, 'parley.db'));
}

function pragma(store: Store, name: string): unknown {
  return Object.values(store.get(`PRAGMA ${name}`) ?? {})[0];
}

function tables(store: Store): string[] {
  return store.all("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((r) => String(r.name));
}


test('a fresh store is created at the current schema with WAL, foreign keys and FULL sync', () => {
  const dir = join(tempDir(), 'nested', 'data');
  const records: LogRecord[] = [];
  const store = Store.open(dir, { logger: createLogger((r) => records.push(r)) });
  try {
    assert.equal(store.path, join(dir, 'parley.db'));
    assert.equal(store.schemaVersion, CURRENT_SCHEMA_VERSION);
    assert.equal(CURRENT_SCHEMA_VERSION, MIGRATIONS.length);
    assert.equal(pragma(store, 'journal_mode'), 'wal');
    assert.equal(pragma(store, 'foreign_keys'), 1);
    assert.equal(pragma(store, 'synchronous'), 2); // FULL
    assert.equal(pragma(store, 'application_id'), PARLEY_APPLICATION_ID);
    assert.deepEqual(tables(store), ['account_aliases', 'accounts', 'contact_entries', 'contacts', 'conversations', 'history', 'messages', 'own_presence', 'settings', 'watcher_decisions', 'watches']);
    assert.deepEqual(
      records.filter((r) => r.message === 'schema migrated').map((r) => [r.data?.from, r.data?.to]),
      MIGRATIONS.map((_, i) => [i, i + 1]),
    );
  } finally {
    store.close();
  }
  assert.ok(existsSync(join(dir, 'parley.db')));
});

test('a transaction with fsync: false commits at synchronous NORMAL and leaves the store at FULL (also when it throws)', () => {
  const store = Store.open(tempDir());
  try {
    const seen = store.transaction(() => pragma(store, 'synchronous'), { fsync: false });
    assert.equal(seen, 1, 'NORMAL inside');
    assert.equal(pragma(store, 'synchronous'), 2, 'FULL again after');
    assert.throws(() => store.transaction(() => {
      throw new Error('boom');
    }, { fsync: false }), /boom/);
    assert.equal(pragma(store, 'synchronous'), 2, 'FULL again after a rollback');
    // Nested inside an fsynced transaction it is a savepoint of that one: the outer commit decides.
    assert.equal(store.transaction(() => store.transaction(() => pragma(store, 'synchronous'), { fsync: false })), 2);
  } finally {
    store.close();
  }
});

test('synchronous NORMAL can be chosen', () => {
  const store = Store.open(tempDir(), { synchronous: 'normal' });
  assert.equal(pragma(store, 'synchronous'), 1);
  store.close();
});

test('synchronous OFF (a throwaway folder) holds for the whole connection, WAL and migrations included', () => {
  const store = Store.open(tempDir(), { synchronous: 'off' });
  try {
    assert.equal(pragma(store, 'synchronous'), 0);
    assert.equal(pragma(store, 'journal_mode'), 'wal');
    assert.equal(store.schemaVersion, MIGRATIONS.length);
    // A write-behind commit ({ fsync: false }) leaves OFF as it is (it lowers only FULL).
    assert.equal(store.transaction(() => pragma(store, 'synchronous'), { fsync: false }), 0);
    assert.equal(pragma(store, 'synchronous'), 0);
  } finally {
    store.close();
  }
});

test('reopening keeps data and does not migrate again', () => {
  const dir = tempDir();
  let store = Store.open(dir);
  const id = new AccountsRepository(store).add({ aor: 'sip:johndoe@sipA.test' }).id;
  store.close();
  const records: LogRecord[] = [];
  store = Store.open(dir, { logger: createLogger((r) => records.push(r)) });
  assert.equal(new AccountsRepository(store).require(id).aor, 'sip:johndoe@sipA.test');
  assert.equal(records.filter((r) => r.message === 'schema migrated').length, 0);
  store.close();
});

test('a version 1 database is upgraded to the current schema with its data kept', () => {
  const dir = tempDir();
  let store = Store.open(dir, { migrations: MIGRATIONS.slice(0, 1) });
  assert.equal(store.schemaVersion, 1);
  assert.ok(!tables(store).includes('messages'));
  // Written as a version 1 build wrote it (the later columns did not exist).
  const account = { id: 'acc-v1', ...ACCOUNT_DEFAULTS, aor: 'sip:johndoe@sipA.test', aliases: ['sip:+554845678901@sipA.test', 'sip:45678901@sipA.test'], codecs: [...ACCOUNT_DEFAULTS.codecs] };
  store.run(
    `INSERT INTO accounts (id, display_name, aor, auth_user, secret_ref, registrar, outbound_proxy, transport, codecs, srtp, dtmf,
       auto_answer, enabled, identity_rules, register_expires, p_preferred_identity, position)
     VALUES (?, '', ?, NULL, NULL, NULL, NULL, 'udp', ?, 'off', 'rfc4733', 0, 1, '[]', 3600, 0, 0)`,
    account.id, account.aor, JSON.stringify(account.codecs),
  );
  account.aliases.forEach((uri, position) => store.run('INSERT INTO account_aliases (account_id, position, uri) VALUES (?, ?, ?)', account.id, position, uri));
  // Version 1 history has no call_id column: write it as a v1 build would have.
  store.run("INSERT INTO history (direction, peer_uri, started_at, account_id, result_code, reason) VALUES ('in', 'sip:bob@sipB.test', 1000, ?, 486, 'Busy Here')", account.id);
  store.run('INSERT INTO settings (key, value) VALUES (?, ?)', 'theme', '"dark"');
  store.close();

  store = Store.open(dir);
  try {
    assert.equal(store.schemaVersion, CURRENT_SCHEMA_VERSION);
    assert.deepEqual(new AccountsRepository(store).require(account.id), account);
    const history = new HistoryRepository(store);
    const [entry] = history.list();
    assert.equal(entry?.peerUri, 'sip:bob@sipB.test');
    assert.equal(entry?.resultCode, 486);
    assert.equal(entry?.callId, null);
    assert.equal(entry?.accountId, account.id);
    history.update(entry!.id, { callId: 'abc@host' });
    assert.equal(history.findByCallId('abc@host')?.id, entry!.id);
    const msg = new MessagesRepository(store).add({ direction: 'in', peerUri: 'sip:bob@sipB.test', body: 'hi', timestamp: 5 });
    assert.equal(msg.status, 'received');
    assert.equal(store.get('SELECT value FROM settings WHERE key = ?', 'theme')?.value, '"dark"');
  } finally {
    store.close();
  }
});

test('garbage in parley.db is "corrupt" and its bytes stay unchanged', () => {
  const dir = tempDir();
  const garbage = randomBytes(8192);
  writeFileSync(join(dir, 'parley.db'), garbage);
  expectStoreError(() => Store.open(dir), 'corrupt', undefined, /not a SQLite database.*has not been changed/);
  assert.deepEqual(readFileSync(join(dir, 'parley.db')), garbage);
  assert.deepEqual(readdirSync(dir), ['parley.db']);
});

test('a short text file is "corrupt" too, not adopted', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'parley.db'), 'hello\n');
  expectStoreError(() => Store.open(dir), 'corrupt');
  assert.equal(readFileSync(join(dir, 'parley.db'), 'utf8'), 'hello\n');
});

test('a SQLite file with a damaged page fails quick_check: "corrupt", bytes unchanged', () => {
  const dir = tempDir();
  const store = Store.open(dir);
  const accounts = new AccountsRepository(store);
  for (let i = 0; i < 200; i++) accounts.add({ aor: `sip:user${i}@sipA.test`, displayName: `User number ${i} `.repeat(4).trim() });
  const root = Number(store.get("SELECT rootpage FROM sqlite_schema WHERE name = 'accounts'")?.rootpage);
  const pageSize = Number(store.get('PRAGMA page_size')?.page_size);
  store.close(); // checkpoints the WAL into the main file
  const path = join(dir, 'parley.db');
  const bytes = readFileSync(path);
  assert.ok(bytes.length >= pageSize * (root + 1));
  // Overwrite the accounts table's root b-tree page (its header and cell pointers) with 0xFF.
  bytes.fill(0xff, pageSize * (root - 1), pageSize * (root - 1) + 64);
  writeFileSync(path, bytes);
  const err = expectStoreError(() => Store.open(dir), 'corrupt');
  assert.match(err.message, /has not been changed|damaged/);
  assert.deepEqual(readFileSync(path), bytes);
});

test("another program's SQLite database is refused as not Parley's", () => {
  const dir = tempDir();
  const other = rawDb(dir);
  other.exec('CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES (\'keep me\')');
  other.close();
  const before = readFileSync(join(dir, 'parley.db'));
  expectStoreError(() => Store.open(dir), 'corrupt', undefined, /not a Parley database/);
  assert.deepEqual(readFileSync(join(dir, 'parley.db')), before);
});

test('a database from a newer schema is "too-new" and left as it was', () => {
  const dir = tempDir();
  Store.open(dir).close();
  const raw = rawDb(dir);
  raw.exec('PRAGMA user_version = 999');
  raw.close();
  const before = readFileSync(join(dir, 'parley.db'));
  const err = expectStoreError(() => Store.open(dir), 'too-new', undefined, /schema version 999/);
  assert.match(err.message, new RegExp(`up to ${CURRENT_SCHEMA_VERSION}`));
  assert.deepEqual(readFileSync(join(dir, 'parley.db')), before);
  const again = rawDb(dir);
  assert.equal(again.prepare('PRAGMA user_version').get()?.user_version, 999);
  again.close();
});

test('a version newer than this build knows, but older than the full list, is too-new for the old build', () => {
  const dir = tempDir();
  Store.open(dir).close(); // current version
  expectStoreError(() => Store.open(dir, { migrations: MIGRATIONS.slice(0, 1) }), 'too-new');
});

test('an empty parley.db is a new database', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'parley.db'), '');
  const store = Store.open(dir);
  assert.equal(store.schemaVersion, CURRENT_SCHEMA_VERSION);
  store.close();
});

test('a database held exclusively by another connection is "locked" at open', () => {
  const dir = tempDir();
  Store.open(dir).close();
  const holder = rawDb(dir);
  holder.exec('PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; INSERT INTO settings VALUES (\'x\', \'1\'); COMMIT');
  try {
    const t0 = performance.now();
    expectStoreError(() => Store.open(dir, { busyTimeoutMs: 50 }), 'locked', undefined, /in use by another process/);
    assert.ok(performance.now() - t0 < 3000);
  } finally {
    holder.close();
  }
  Store.open(dir).close();
});

test('a write while another process holds the write lock is "locked", and works after', () => {
  const dir = tempDir();
  const store = Store.open(dir, { busyTimeoutMs: 50 });
  const accounts = new AccountsRepository(store);
  const holder = rawDb(dir);
  holder.exec('BEGIN IMMEDIATE');
  try {
    expectStoreError(() => accounts.add({ aor: 'sip:a@sipA.test' }), 'locked');
    assert.deepEqual(accounts.list(), []); // readers are not blocked in WAL mode
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
  accounts.add({ aor: 'sip:a@sipA.test' });
  assert.equal(accounts.list().length, 1);
  store.close();
});

test('a failing migration step is rolled back and the version kept', () => {
  const dir = tempDir();
  const bad = [...MIGRATIONS, { description: 'broken step', sql: 'CREATE TABLE half_done (a INTEGER); INSERT INTO no_such_table VALUES (1);' }];
  const err = expectStoreError(() => Store.open(dir, { migrations: bad }), 'migration', undefined, new RegExp(`step ${MIGRATIONS.length + 1} \\(broken step\\).*rolled back`));
  assert.ok(err.cause);
  const store = Store.open(dir);
  assert.equal(store.schemaVersion, CURRENT_SCHEMA_VERSION);
  assert.ok(!tables(store).includes('half_done'));
  store.close();
});

test('transaction commits on return and rolls back on throw', () => {
  const store = Store.open(tempDir());
  store.transaction(() => {
    store.run("INSERT INTO settings VALUES ('a', '1')");
    store.run("INSERT INTO settings VALUES ('b', '2')");
  });
  assert.throws(
    () =>
      store.transaction(() => {
        store.run("INSERT INTO settings VALUES ('c', '3')");
        store.run("INSERT INTO settings VALUES ('d', '4')");
        throw new Error('boom');
      }),
    /boom/,
  );
  assert.deepEqual(store.all('SELECT key FROM settings ORDER BY key').map((r) => r.key), ['a', 'b']);
  store.close();
});

test('a constraint failure halfway through a transaction leaves nothing', () => {
  const store = Store.open(tempDir());
  const err = (() => {
    try {
      store.transaction(() => {
        store.run("INSERT INTO settings VALUES ('x', '1')");
        store.run("INSERT INTO settings VALUES ('x', '2')"); // duplicate key
      });
    } catch (e) {
      return e;
    }
  })();
  assert.ok(isStoreError(err, 'conflict'), String(err));
  assert.equal(store.all('SELECT key FROM settings').length, 0);
  store.close();
});

test('nested transactions are savepoints: the inner one can fail alone', () => {
  const store = Store.open(tempDir());
  store.transaction(() => {
    store.run("INSERT INTO settings VALUES ('outer', '1')");
    assert.throws(() =>
      store.transaction(() => {
        store.run("INSERT INTO settings VALUES ('inner', '1')");
        throw new Error('inner fails');
      }),
    );
    store.transaction(() => store.run("INSERT INTO settings VALUES ('inner2', '1')"));
  });
  assert.deepEqual(store.all('SELECT key FROM settings ORDER BY key').map((r) => r.key), ['inner2', 'outer']);
  store.close();
});

test('an async transaction callback is refused and rolled back', () => {
  const store = Store.open(tempDir());
  assert.throws(
    () =>
      store.transaction(() => {
        store.run("INSERT INTO settings VALUES ('a', '1')");
        return Promise.resolve();
      }),
    TypeError,
  );
  assert.equal(store.all('SELECT key FROM settings').length, 0);
  store.close();
});

test('SQL errors surface as StoreError, and close is idempotent', () => {
  const store = Store.open(tempDir());
  expectStoreError(() => store.run('INSERT INTO nowhere VALUES (1)'), 'io', undefined, /no such table/);
  store.close();
  store.close();
  assert.equal(store.isOpen, false);
});

test('a data folder that cannot be created is an io error', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'file'), 'x');
  expectStoreError(() => Store.open(join(dir, 'file', 'sub')), 'io', undefined, /data folder/);
});

test('the data is the user\'s alone: folder 0700, database, -wal and -shm 0600, even under a lax umask; older open modes are tightened', { skip: process.platform === 'win32' }, () => {
  const old = process.umask(0o022);
  try {
    const dir = join(tempDir(), 'private', 'data');
    const store = Store.open(dir);
    store.run('CREATE TABLE IF NOT EXISTS t (x)');
    store.run('INSERT INTO t VALUES (1)');
    const mode = (p: string) => statSync(p).mode & 0o777;
    assert.equal(mode(dir), 0o700);
    for (const f of ['parley.db', 'parley.db-wal', 'parley.db-shm']) assert.equal(mode(join(dir, f)), 0o600, f);
    store.close();

    // A folder and files left open by an older version are closed up, and the log says so.
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'parley.db'), 0o644);
    const records: LogRecord[] = [];
    const again = Store.open(dir, { logger: createLogger((r) => records.push(r)) });
    assert.equal(mode(dir), 0o700);
    assert.equal(mode(join(dir, 'parley.db')), 0o600);
    assert.ok(records.some((r) => r.level === 'warn' && /permissions tightened/.test(r.message)));
    again.close();
  } finally {
    process.umask(old);
  }
});
