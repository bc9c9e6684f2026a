/**
 * Parley's database: one SQLite file (`parley.db`) in the user data folder,
 * opened with node:sqlite (no native addon, so the same code runs in Node and
 * in Electron's main process; docs/architecture.md §6).
 *
 * Opening is careful because the file holds a person's contacts and history:
 *   1. an existing non-empty file must start with the SQLite header, and is
 *      first examined over a READ-ONLY connection: `PRAGMA quick_check`, the
 *      application id and `PRAGMA user_version`. A damaged file, another
 *      program's database ('corrupt') or a newer schema ('too-new') is refused
 *      before anything could write to it; the bytes stay as they were.
 *   2. only then a read-write connection: WAL journal, foreign keys on, the
 *      chosen `synchronous` level, and the migrations (store/migrations.ts),
 *      each in its own IMMEDIATE transaction with its version bump.
 *
 * Durability (measured by tests/unit/phone/store/durability.test.ts): in WAL
 * mode a commit has been written to the -wal file with write(2) when the call
 * returns, so killing the process (even SIGKILL) loses nothing acknowledged,
 * at either synchronous level. The levels differ on power loss / OS crash:
 * NORMAL may lose the last commits (never corrupt), FULL fsyncs the WAL at
 * every commit. We default to FULL: a phone writes a few rows per call, so
 * one fsync per transaction costs nothing a person would notice — except on
 * the event loop that carries the calls: the history written behind them
 * commits with `{ fsync: false }` (NORMAL for that commit alone), which a
 * process crash loses nothing of either, and which the next FULL commit or
 * checkpoint makes durable on the disk too. A throwaway folder (a one-off
 * `parley register --aor …`, removed at exit) opens with OFF: no fsync at all
 * (the fresh database's schema steps alone cost ≈ 20 of them at start), and
 * a process crash still loses nothing a later start could read, because no
 * later start reads it.
 *
 * All SQLite errors leave as StoreError (store-error.ts). The API is
 * synchronous like DatabaseSync itself; writes of several rows go through
 * `transaction()` so they land whole or not at all.
 */
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementResultingChanges, type StatementSync } from 'node:sqlite';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { CURRENT_SCHEMA_VERSION, MIGRATIONS, PARLEY_APPLICATION_ID, type Migration } from './migrations.ts';
import { StoreError, fromSqliteError } from './store-error.ts';

export type SynchronousMode = 'full' | 'normal' | 'off';

export interface StoreOptions {
  /** File name inside the data folder; default 'parley.db'. */
  fileName?: string;
  /** How long to wait for another connection's lock before 'locked'; default 5000 ms. */
  busyTimeoutMs?: number;
  /** See the durability note above; default 'full'. */
  synchronous?: SynchronousMode;
  /** The schema steps; default MIGRATIONS. Tests pass a prefix to build old databases. */
  migrations?: readonly Migration[];
  logger?: Logger;
}

export type Row = Record<string, SQLOutputValue>;

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export const DEFAULT_DB_FILE = 'parley.db';

export class Store {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #log: Logger;
  readonly #synchronous: SynchronousMode;
  #savepoints = 0;

  /** Opens (creating if needed) the database in `dataDir`. Throws StoreError. */
  static open(dataDir: string, options: StoreOptions = {}): Store {
    return new Store(dataDir, options);
  }

  constructor(dataDir: string, options: StoreOptions = {}) {
    const migrations = options.migrations ?? MIGRATIONS;
    const timeout = options.busyTimeoutMs ?? 5000;
    this.#log = (options.logger ?? nullLogger).child('store');
    this.#synchronous = options.synchronous ?? 'full';
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new StoreError('io', `cannot create the data folder ${dataDir}: ${(e as Error).message}`, { cause: e });
    }
    this.path = join(dataDir, options.fileName ?? DEFAULT_DB_FILE);
    examineExisting(this.path, migrations.length, timeout);
    keepPrivate(dataDir, this.path, this.#log);

    let db: DatabaseSync;
    try {
      db = new DatabaseSync(this.path, { timeout, enableForeignKeyConstraints: true });
    } catch (e) {
      throw fromSqliteError(e, `cannot open ${this.path}`);
    }
    this.#db = db;
    try {
      // The level first: switching a new file to WAL writes (and, but for OFF, syncs) it.
      db.exec(`PRAGMA synchronous = ${this.#synchronous.toUpperCase()}`);
      const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
      if (mode !== 'wal') throw new StoreError('io', `cannot switch ${this.path} to WAL (journal mode is ${String(mode)})`);
      db.exec('PRAGMA foreign_keys = ON');
      this.#migrate(migrations);
    } catch (e) {
      db.close();
      throw fromSqliteError(e, `cannot open ${this.path}`);
    }
  }

  /** `PRAGMA user_version`: how many migration steps this file has had. */
  get schemaVersion(): number {
    return Number(this.get('PRAGMA user_version')?.user_version ?? 0);
  }

  get isOpen(): boolean {
    return this.#db.isOpen;
  }

  /**
   * `PRAGMA data_version`: changes when another connection (another process:
   * `parley accounts add` beside a running `parley web`) committed since the
   * last read. Our own commits leave it as it is. Repositories that keep what
   * they read (accounts, settings) drop it when this moves; reading it is a
   * few microseconds, no table is touched.
   */
  dataVersion(): number {
    return Number(this.get('PRAGMA data_version')?.data_version ?? 0);
  }

  run(sql: string, ...params: SQLInputValue[]): StatementResultingChanges {
    return this.#guard(sql, () => this.#statement(sql).run(...params));
  }

  get(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.#guard(sql, () => this.#statement(sql).get(...params));
  }

  all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.#guard(sql, () => this.#statement(sql).all(...params));
  }

  /**
   * Runs `fn` in a transaction: BEGIN IMMEDIATE (take the write lock up front,
   * so a busy database fails at the start, not halfway), COMMIT on return,
   * ROLLBACK on throw. Nested calls become savepoints. `fn` must be
   * synchronous: a Promise would commit before its work was done.
   * `fsync: false`: this commit is written to the WAL but not fsynced
   * (synchronous=NORMAL for it; see the durability note above).
   */
  transaction<T>(fn: () => T, options: { fsync?: boolean } = {}): T {
    const db = this.#db;
    if (options.fsync === false && this.#synchronous === 'full' && !db.isTransaction) {
      db.exec('PRAGMA synchronous = NORMAL');
      try {
        return this.transaction(fn);
      } finally {
        db.exec('PRAGMA synchronous = FULL');
      }
    }
    if (db.isTransaction) {
      const name = `parley_sp${++this.#savepoints}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const result = fn();
        refuseThenable(result);
        db.exec(`RELEASE ${name}`);
        return result;
      } catch (e) {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
        throw e;
      } finally {
        this.#savepoints--;
      }
    }
    this.#guard('BEGIN', () => db.exec('BEGIN IMMEDIATE'));
    try {
      const result = fn();
      refuseThenable(result);
      this.#guard('COMMIT', () => db.exec('COMMIT'));
      return result;
    } catch (e) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw fromSqliteError(e, 'transaction');
    }
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
    this.#statements.clear();
  }

  #statement(sql: string): StatementSync {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  #guard<T>(sql: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw fromSqliteError(e, `database ${sql.trim().split(/\s+/, 1)[0]!.toLowerCase()}`);
    }
  }

  #migrate(migrations: readonly Migration[]): void {
    const target = migrations.length;
    for (;;) {
      const version = this.schemaVersion;
      if (version > target) throw tooNew(this.path, version, target);
      if (version === target) return;
      const step = migrations[version]!;
      try {
        this.transaction(() => {
          // Re-read under the write lock: another process may have migrated meanwhile.
          if (this.schemaVersion !== version) return;
          this.#db.exec(step.sql);
          this.#db.exec(`PRAGMA user_version = ${version + 1}`);
        });
      } catch (e) {
        const mapped = fromSqliteError(e, 'migration');
        if (mapped instanceof StoreError && mapped.code === 'locked') throw mapped;
        throw new StoreError('migration', `schema step ${version + 1} (${step.description}) failed and was rolled back: ${(e as Error).message}`, { cause: e });
      }
      this.#log.info('schema migrated', { from: version, to: version + 1, step: step.description });
    }
  }
}

function refuseThenable(value: unknown): void {
  if (typeof (value as { then?: unknown } | null)?.then === 'function') {
    throw new TypeError('Store.transaction: the callback must be synchronous (it returned a Promise)');
  }
}

function tooNew(path: string, found: number, supported: number): StoreError {
  return new StoreError(
    'too-new',
    `${path} was written by a newer Parley (schema version ${found}; this version understands up to ${supported}). ` +
      'Update Parley; the file has not been changed.',
  );
}

/**
 * Checks an existing file without writing to it. A missing or empty file is a
 * new database (SQLite itself treats a zero-length file so).
 */
function examineExisting(path: string, supported: number, timeout: number): void {
  let size: number;
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (!st.isFile()) throw new StoreError('io', `${path} is not a file`);
    size = st.size;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError('io', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (size === 0) return;

  const header = Buffer.alloc(SQLITE_HEADER.length);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, header, 0, header.length, 0);
  } catch (e) {
    throw new StoreError('io', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (size < 512 || !header.equals(SQLITE_HEADER)) {
    throw new StoreError('corrupt', `${path} is not a SQLite database (wrong header); the file has not been changed`);
  }

  let ro: DatabaseSync | undefined;
  try {
    ro = new DatabaseSync(path, { readOnly: true, timeout });
    const check = ro.prepare('PRAGMA quick_check(20)').all().map((r) => String(r.quick_check));
    if (check.length !== 1 || check[0] !== 'ok') {
      throw new StoreError('corrupt', `${path} failed the integrity check (${check.slice(0, 3).join('; ')}); the file has not been changed`);
    }
    const appId = Number(ro.prepare('PRAGMA application_id').get()?.application_id ?? 0);
    const version = Number(ro.prepare('PRAGMA user_version').get()?.user_version ?? 0);
    const tables = Number(ro.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get()?.n ?? 0);
    if (appId !== PARLEY_APPLICATION_ID && (appId !== 0 || version !== 0 || tables !== 0)) {
      throw new StoreError('corrupt', `${path} is not a Parley database (application id ${appId}, ${tables} tables); the file has not been changed`);
    }
    if (version > supported) throw tooNew(path, version, supported);
  } catch (e) {
    throw fromSqliteError(e, `cannot open ${path}`);
  } finally {
    ro?.close();
  }
}

export { CURRENT_SCHEMA_VERSION };

/**
 * Accounts, history and messages are the user's alone: the data folder is
 * 0700 and the database 0600 (with its -wal and -shm, which SQLite creates
 * with the database file's mode). A database is created empty with that mode
 * before SQLite opens it, so it never exists readable by others; an older
 * folder or file that is more open is tightened, and the log says so. POSIX
 * modes do not apply on Windows, where the profile folder's ACL does.
 */
function keepPrivate(dataDir: string, dbPath: string, log: Logger): void {
  if (process.platform === 'win32') return;
  const tighten = (path: string, mode: number) => {
    try {
      const st = statSync(path);
      if ((st.mode & 0o077) === 0) return;
      chmodSync(path, mode);
      log.warn('data readable by other users; permissions tightened', { path, was: (st.mode & 0o777).toString(8), now: mode.toString(8) });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('cannot check the permissions of the data', { path, error: String(e) });
    }
  };
  tighten(dataDir, 0o700);
  if (dbPath === ':memory:') return;
  if (!existsSync(dbPath)) {
    try {
      closeSync(openSync(dbPath, 'wx', 0o600));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError('io', `cannot create ${dbPath}: ${(e as Error).message}`, { cause: e });
    }
  }
  for (const path of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) tighten(path, 0o600);
}
