/**
 * The server's own small database (node:sqlite, one file, WAL): the
 * subscribers with their digest secrets and aliases, and the location table
 * (RFC 3261 §10.3) so that a restart keeps every binding that has not
 * expired. It is separate from the phone's store on purpose: the softphone
 * knows nothing of the server, and the server needs none of the phone's
 * tables.
 *
 * Passwords are never stored: only H(A1) = H(username:realm:password) for
 * MD5 and SHA-256 (RFC 7616 §3.4.2), which is all a digest verifier needs.
 * Changing the domain (the realm) therefore needs the passwords again.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { computeHa1 } from '../sip/auth/index.ts';

export interface SubscriberRecord {
  username: string;
  displayName?: string;
  realm: string;
  ha1Md5: string;
  ha1Sha256: string;
  aliases: string[];
}

/** One stored binding; the expiry is wall-clock time (ms since 1970) so it means the same after a restart. */
export interface StoredBinding {
  aor: string;
  /** The binding's key in its AOR: the contact URI, or "instance|reg-id" for RFC 5626 flows. */
  key: string;
  contact: string;
  q: number;
  expiresAt: number;
  callId: string;
  cseq: number;
  instance?: string;
  regId?: number;
  sourceProtocol: string;
  sourceAddress: string;
  sourcePort: number;
  userAgent?: string;
}

export class ServerStoreError extends Error {
  override name = 'ServerStoreError';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscribers (
  username TEXT PRIMARY KEY, display_name TEXT, realm TEXT NOT NULL, ha1_md5 TEXT NOT NULL, ha1_sha256 TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS aliases (
  alias TEXT PRIMARY KEY, username TEXT NOT NULL REFERENCES subscribers(username) ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bindings (
  aor TEXT NOT NULL, key TEXT NOT NULL, contact TEXT NOT NULL, q REAL NOT NULL, expires_at INTEGER NOT NULL,
  call_id TEXT NOT NULL, cseq INTEGER NOT NULL, instance TEXT, reg_id INTEGER,
  source_protocol TEXT NOT NULL, source_address TEXT NOT NULL, source_port INTEGER NOT NULL, user_agent TEXT,
  PRIMARY KEY (aor, key));
`;

export function hashSecrets(username: string, realm: string, password: string): { ha1Md5: string; ha1Sha256: string } {
  return {
    ha1Md5: computeHa1({ algorithm: 'MD5', username, realm, password, method: '', uri: '', nonce: '' }),
    ha1Sha256: computeHa1({ algorithm: 'SHA-256', username, realm, password, method: '', uri: '', nonce: '' }),
  };
}

export class ServerStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #stmts = new Map<string, StatementSync>();

  /** `path` is a file (created with its folder) or ':memory:'. */
  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new DatabaseSync(path);
    // NORMAL in WAL: a kill -9 loses nothing committed; a power cut may lose the last bindings,
    // which phones re-register anyway. One fsync per REGISTER would cap the registrar's rate.
    this.#db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;');
    this.#db.exec(SCHEMA);
  }

  #stmt(sql: string): StatementSync {
    let s = this.#stmts.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#stmts.set(sql, s);
    }
    return s;
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  /** The domain the subscribers were added for (their digest realm). */
  get domain(): string | undefined {
    const row = this.#stmt("SELECT value FROM settings WHERE key = 'domain'").get() as { value: string } | undefined;
    return row?.value;
  }

  set domain(value: string | undefined) {
    if (value === undefined) this.#stmt("DELETE FROM settings WHERE key = 'domain'").run();
    else this.#stmt("INSERT OR REPLACE INTO settings (key, value) VALUES ('domain', ?)").run(value);
  }

  /** Another setting of the server (the phone's Settings pane keeps enabled, exposure, port, mode here). */
  setting(key: string): string | undefined {
    const row = this.#stmt('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setSetting(key: string, value: string): void {
    this.#stmt('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(key, value);
  }

  // ── subscribers ─────────────────────────────────────────────────────────────

  /** Adds or replaces a subscriber; aliases are replaced too. Throws ServerStoreError when an alias belongs to someone else. */
  putSubscriber(s: { username: string; displayName?: string; realm: string; password: string; aliases?: readonly string[] }): void {
    const { ha1Md5, ha1Sha256 } = hashSecrets(s.username, s.realm, s.password);
    this.putSubscriberHashed({ username: s.username, displayName: s.displayName, realm: s.realm, ha1Md5, ha1Sha256, aliases: [...(s.aliases ?? [])] });
  }

  putSubscriberHashed(s: SubscriberRecord): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for (const alias of s.aliases) {
        const owner = this.#stmt('SELECT username FROM aliases WHERE alias = ?').get(alias) as { username: string } | undefined;
        if ((owner && owner.username !== s.username) || (alias !== s.username && this.#stmt('SELECT 1 FROM subscribers WHERE username = ?').get(alias))) {
          throw new ServerStoreError(`"${alias}" already names another subscriber`);
        }
      }
      this.#stmt('INSERT INTO subscribers (username, display_name, realm, ha1_md5, ha1_sha256) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT(username) DO UPDATE SET display_name = excluded.display_name, realm = excluded.realm, ha1_md5 = excluded.ha1_md5, ha1_sha256 = excluded.ha1_sha256')
        .run(s.username, s.displayName ?? null, s.realm, s.ha1Md5, s.ha1Sha256);
      this.#stmt('DELETE FROM aliases WHERE username = ?').run(s.username);
      for (const alias of s.aliases) if (alias !== s.username) this.#stmt('INSERT INTO aliases (alias, username) VALUES (?, ?)').run(alias, s.username);
      this.#db.exec('COMMIT');
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  removeSubscriber(username: string): boolean {
    return Number(this.#stmt('DELETE FROM subscribers WHERE username = ?').run(username).changes) > 0;
  }

  subscribers(): SubscriberRecord[] {
    const rows = this.#stmt('SELECT username, display_name, realm, ha1_md5, ha1_sha256 FROM subscribers ORDER BY username').all() as Array<{
      username: string; display_name: string | null; realm: string; ha1_md5: string; ha1_sha256: string;
    }>;
    const aliases = this.#stmt('SELECT alias, username FROM aliases ORDER BY rowid').all() as Array<{ alias: string; username: string }>;
    return rows.map((r) => ({
      username: r.username,
      ...(r.display_name !== null ? { displayName: r.display_name } : {}),
      realm: r.realm,
      ha1Md5: r.ha1_md5,
      ha1Sha256: r.ha1_sha256,
      aliases: aliases.filter((a) => a.username === r.username).map((a) => a.alias),
    }));
  }

  // ── location table ─────────────────────────────────────────────────────────

  putBinding(b: StoredBinding): void {
    this.#stmt('INSERT OR REPLACE INTO bindings (aor, key, contact, q, expires_at, call_id, cseq, instance, reg_id, source_protocol, source_address, source_port, user_agent) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(b.aor, b.key, b.contact, b.q, Math.round(b.expiresAt), b.callId, b.cseq, b.instance ?? null, b.regId ?? null,
        b.sourceProtocol, b.sourceAddress, b.sourcePort, b.userAgent ?? null);
  }

  removeBinding(aor: string, key: string): void {
    this.#stmt('DELETE FROM bindings WHERE aor = ? AND key = ?').run(aor, key);
  }

  removeBindingsOf(aor: string): void {
    this.#stmt('DELETE FROM bindings WHERE aor = ?').run(aor);
  }

  /** Bindings still valid at `now` (wall ms); expired rows are deleted on the way. */
  loadBindings(now: number): StoredBinding[] {
    this.#stmt('DELETE FROM bindings WHERE expires_at <= ?').run(now);
    const rows = this.#stmt('SELECT * FROM bindings ORDER BY aor, q DESC').all() as Array<Record<string, string | number | null>>;
    return rows.map((r) => ({
      aor: String(r.aor),
      key: String(r.key),
      contact: String(r.contact),
      q: Number(r.q),
      expiresAt: Number(r.expires_at),
      callId: String(r.call_id),
      cseq: Number(r.cseq),
      ...(r.instance !== null ? { instance: String(r.instance) } : {}),
      ...(r.reg_id !== null ? { regId: Number(r.reg_id) } : {}),
      sourceProtocol: String(r.source_protocol),
      sourceAddress: String(r.source_address),
      sourcePort: Number(r.source_port),
      ...(r.user_agent !== null ? { userAgent: String(r.user_agent) } : {}),
    }));
  }

  /** Groups several writes in one transaction (the bindings of one REGISTER land whole). */
  transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.#db.exec('COMMIT');
      return out;
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }
}
