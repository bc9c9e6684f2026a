/**
 * What the presence features keep across restarts: the watched addresses
 * (the BLF keys and presence watches, in the user's order), the decisions
 * about people who asked to watch us, and the status the user picked.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from './store.ts';
import { nullableString } from './validate.ts';

export interface StoredWatch {
  id: string;
  accountId: string;
  target: string;
  presence: boolean;
  line: boolean;
}

export type OwnStatus = 'available' | 'away' | 'busy' | 'dnd' | 'offline';
const STATUSES: readonly OwnStatus[] = ['available', 'away', 'busy', 'dnd', 'offline'];

/** At most this many watches are kept (≥ 500 watched lines is the goal). */
export const MAX_WATCHES = 1_000;

export class PresenceRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  watches(): StoredWatch[] {
    return this.#store.all('SELECT id, account_id, target, presence, line FROM watches ORDER BY position, id').map(storedWatch);
  }

  /** By the UNIQUE (account_id, target) index: adding the 500th watch does not read the other 499. */
  findWatch(accountId: string, target: string): StoredWatch | undefined {
    const r = this.#store.get('SELECT id, account_id, target, presence, line FROM watches WHERE account_id = ? AND target = ?', accountId, target);
    return r && storedWatch(r);
  }

  /** Adds a watch (or widens an existing one to what is asked); the watch as stored. */
  addWatch(w: Omit<StoredWatch, 'id'>): StoredWatch {
    return this.#store.transaction(() => {
      const existing = this.findWatch(w.accountId, w.target);
      if (existing) {
        const merged = { ...existing, presence: existing.presence || w.presence, line: existing.line || w.line };
        this.#store.run('UPDATE watches SET presence = ?, line = ? WHERE id = ?', merged.presence ? 1 : 0, merged.line ? 1 : 0, existing.id);
        return merged;
      }
      const count = Number(this.#store.get('SELECT count(*) AS n FROM watches')?.n ?? 0);
      if (count >= MAX_WATCHES) throw new RangeError(`at most ${MAX_WATCHES} watched addresses`);
      const id = randomUUID();
      const position = Number(this.#store.get('SELECT coalesce(max(position), -1) + 1 AS p FROM watches')?.p ?? 0);
      this.#store.run('INSERT INTO watches (id, account_id, target, presence, line, position) VALUES (?, ?, ?, ?, ?, ?)', id, w.accountId, w.target, w.presence ? 1 : 0, w.line ? 1 : 0, position);
      return { id, ...w };
    });
  }

  removeWatch(id: string): boolean {
    return Number(this.#store.run('DELETE FROM watches WHERE id = ?', id).changes) > 0;
  }

  removeAccount(accountId: string): void {
    this.#store.transaction(() => {
      this.#store.run('DELETE FROM watches WHERE account_id = ?', accountId);
      this.#store.run('DELETE FROM watcher_decisions WHERE account_id = ?', accountId);
    });
  }

  decision(accountId: string, watcher: string): 'allow' | 'block' | undefined {
    const v = this.#store.get('SELECT decision FROM watcher_decisions WHERE account_id = ? AND watcher = ?', accountId, watcher)?.decision;
    return v === 'allow' || v === 'block' ? v : undefined;
  }

  decide(accountId: string, watcher: string, decision: 'allow' | 'block', at: number): void {
    this.#store.run(
      'INSERT INTO watcher_decisions (account_id, watcher, decision, decided_at) VALUES (?, ?, ?, ?) ON CONFLICT (account_id, watcher) DO UPDATE SET decision = excluded.decision, decided_at = excluded.decided_at',
      accountId, watcher, decision, at,
    );
  }

  ownStatus(): { status: OwnStatus; note: string | null } {
    const r = this.#store.get('SELECT status, note FROM own_presence WHERE id = 1');
    const status = STATUSES.find((s) => s === r?.status) ?? 'available';
    return { status, note: r ? nullableString(r.note) : null };
  }

  setOwnStatus(status: OwnStatus, note: string | null): void {
    this.#store.run('INSERT INTO own_presence (id, status, note) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, note = excluded.note', status, note);
  }
}

function storedWatch(r: Record<string, unknown>): StoredWatch {
  return { id: String(r.id), accountId: String(r.account_id), target: String(r.target), presence: r.presence === 1, line: r.line === 1 };
}
