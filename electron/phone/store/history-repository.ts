/**
 * Call history. A call is added when it starts and updated as it is answered
 * and ends (by id, or found again by its SIP Call-ID), so the list survives a
 * crash mid-call. Every `add` is its own committed transaction before it
 * returns: the durability test kills a writer with SIGKILL and finds every
 * acknowledged row.
 *
 * The phone's calls write behind (`addLater` / `updateLater`): a commit
 * (an fsync with synchronous=FULL: 1.5 ms median, tens of ms at worst) must
 * not sit between the user's Call button and the INVITE, nor between an
 * INVITE and its answer. Their rows are written WRITE_BEHIND_MS later, all
 * waiting rows in one transaction (a short call's start, answer and end
 * become one INSERT), at once when MAX_WAITING rows wait, before any read or
 * other write here (so every reader sees them), and on close. That commit is
 * not fsynced (store.ts, `fsync: false`): it still blocks the event loop —
 * the calls' — but for a write(2), not for the disk. A crash of the process
 * loses at most the last WRITE_BEHIND_MS of call changes, a clean shutdown
 * none; a power loss may lose the rows written since the last fsynced commit
 * or checkpoint (the file is never corrupted).
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { systemClock } from '../../common/clock.ts';
import { HISTORY_DEFAULTS, historyFieldsSchema, type CallDirection, type HistoryEntry, type HistoryFields, type HistoryInput, type HistoryPatch } from '../history-entry.ts';
import type { Row, Store } from './store.ts';
import { StoreError } from './store-error.ts';
import { nullableNumber, nullableString, plainInput, readJson, requireRowId, validate } from './validate.ts';

export interface HistoryQuery {
  /** At most this many entries (default 200, at most 10000). */
  limit?: number;
  /** Only entries older than this id (paging: pass the last id of the previous page). */
  beforeId?: number;
  accountId?: string;
  contactId?: string;
  direction?: CallDirection;
  /** Only incoming calls that ended unanswered. */
  missedOnly?: boolean;
}

/** How long a call's history change waits to be written with others. */
export const WRITE_BEHIND_MS = 100;
/** Rows waiting that make the writer write at once (the bound on what waits in memory). */
export const MAX_WAITING = 256;

/** A row written later (addLater): its id once it is in the file. */
export interface LaterRow {
  readonly id: number | undefined;
}

interface WaitingRow extends LaterRow {
  id: number | undefined;
  /** Removed by the user (history.remove, history.clear) after it was written: later changes are dropped. */
  dropped: boolean;
  /** The row as it will be written (validated when written). */
  fields: Record<string, unknown>;
  /** Told the row as written, after the commit. */
  written: ((entry: HistoryEntry) => void)[];
}

export interface HistoryRepositoryOptions {
  /** Schedules the write-behind; the system clock by default. */
  clock?: Clock;
  /** A row written behind could not be written (its call goes on; the caller of addLater has returned long ago). */
  onWriteError?: (error: unknown) => void;
}

const COLUMNS = 'id, direction, peer_uri, peer_name, contact_id, local_alias, account_id, call_id, started_at, answered_at, ended_at, result_code, reason, quality, forwarded_by, forwarded_to, recordings';
const INSERT = `INSERT INTO history (direction, peer_uri, peer_name, contact_id, local_alias, account_id, call_id, started_at, answered_at, ended_at, result_code, reason, quality, forwarded_by, forwarded_to, recordings)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const UPDATE = `UPDATE history SET direction = ?, peer_uri = ?, peer_name = ?, contact_id = ?, local_alias = ?, account_id = ?, call_id = ?,
  started_at = ?, answered_at = ?, ended_at = ?, result_code = ?, reason = ?, quality = ?, forwarded_by = ?, forwarded_to = ?, recordings = ? WHERE id = ?`;

export class HistoryRepository {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #onWriteError: (error: unknown) => void;
  /** Rows to write, in the order they were first changed. */
  readonly #waiting = new Set<WaitingRow>();
  #timer: TimerHandle | undefined;

  constructor(store: Store, options: HistoryRepositoryOptions = {}) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#onWriteError = options.onWriteError ?? (() => undefined);
  }

  add(input: HistoryInput): HistoryEntry {
    return this.addMany([input])[0]!;
  }

  /**
   * A row written behind (see above); `written` is told the row once it is
   * in the file. Input errors surface when it is written, through
   * onWriteError: the caller builds the row itself.
   */
  addLater(input: HistoryInput, written?: (entry: HistoryEntry) => void): LaterRow {
    const row: WaitingRow = { id: undefined, dropped: false, fields: { ...HISTORY_DEFAULTS, ...plainInput(input, 'history entry') }, written: written ? [written] : [] };
    this.#wait(row);
    return row;
  }

  /**
   * Changes a row added with addLater, behind as well; `written` is told the row as written. The patch may be
   * computed from the row as it stands (with what still waits), e.g. to add to its recordings.
   */
  updateLater(later: LaterRow, patch: HistoryPatch | ((current: Readonly<Partial<HistoryFields>>) => HistoryPatch), written?: (entry: HistoryEntry) => void): void {
    const row = later as WaitingRow;
    if (row.dropped) return;
    const change = typeof patch === 'function' ? patch(row.fields as Partial<HistoryFields>) : patch;
    row.fields = { ...row.fields, ...plainInput(change, 'history entry') };
    if (written) row.written.push(written);
    this.#wait(row);
  }

  /** How many rows wait to be written. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Writes every waiting row now, in one transaction; a row that cannot be written is reported and dropped. */
  flush(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.size === 0) return;
    const rows = [...this.#waiting];
    this.#waiting.clear();
    const done: [WaitingRow, HistoryEntry][] = [];
    try {
      this.#store.transaction(
        () => {
          for (const row of rows) {
            try {
              const entry = this.#store.transaction(() => this.#writeRow(row));
              if (entry) done.push([row, entry]);
            } catch (e) {
              this.#onWriteError(e);
            }
          }
        },
        { fsync: false },
      );
    } catch (e) {
      this.#onWriteError(e);
      return;
    }
    for (const [row, entry] of done) {
      const told = row.written.splice(0);
      for (const tell of told) tell(entry);
    }
  }

  #wait(row: WaitingRow): void {
    this.#waiting.add(row);
    if (this.#waiting.size >= MAX_WAITING) this.flush();
    else this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, WRITE_BEHIND_MS);
  }

  /** One waiting row, inserted or updated; a contact or account removed meanwhile is cleared, as ON DELETE SET NULL would. */
  #writeRow(row: WaitingRow): HistoryEntry | undefined {
    const h = validate(historyFieldsSchema, row.fields, 'history entry');
    if (h.contactId !== null && !this.#store.get('SELECT 1 AS x FROM contacts WHERE id = ?', h.contactId)) h.contactId = null;
    if (h.accountId !== null && !this.#store.get('SELECT 1 AS x FROM accounts WHERE id = ?', h.accountId)) h.accountId = null;
    if (row.id === undefined) {
      const result = this.#store.run(
        INSERT,
        ...this.#values(h),
      );
      row.id = Number(result.lastInsertRowid);
    } else {
      const result = this.#store.run(
        UPDATE,
        ...this.#values(h),
        row.id,
      );
      // Removed meanwhile (history.remove, history.clear): the user does not want it back.
      if (result.changes === 0) {
        row.dropped = true;
        return undefined;
      }
    }
    return { id: row.id, ...h };
  }

  /** All or none, in one transaction (an import, or tests). */
  addMany(inputs: readonly HistoryInput[]): HistoryEntry[] {
    this.flush();
    if (!Array.isArray(inputs)) throw new StoreError('invalid', 'history: expected a list', { issues: [{ path: '', message: 'expected a list' }] });
    const what = (i: number) => (inputs.length === 1 ? 'history entry' : `history entry ${i}`);
    const entries = inputs.map((input, i) => validate(historyFieldsSchema, { ...HISTORY_DEFAULTS, ...plainInput(input, what(i)) }, what(i)));
    return this.#store.transaction(() =>
      entries.map((h, i) => {
        this.#checkReferences(h, what(i));
        const result = this.#store.run(
          INSERT,
          ...this.#values(h),
        );
        return { id: Number(result.lastInsertRowid), ...h };
      }),
    );
  }

  update(id: number, patch: HistoryPatch): HistoryEntry {
    this.flush();
    return this.#store.transaction(() => {
      const { id: _, ...current } = this.require(id);
      const h = validate(historyFieldsSchema, { ...current, ...plainInput(patch, 'history entry') }, 'history entry');
      this.#checkReferences(h, 'history entry');
      this.#store.run(
        UPDATE,
        ...this.#values(h),
        id,
      );
      return { id, ...h };
    });
  }

  get(id: number): HistoryEntry | undefined {
    this.flush();
    requireRowId(id, 'history entry');
    const row = this.#store.get(`SELECT ${COLUMNS} FROM history WHERE id = ?`, id);
    return row ? fromRow(row) : undefined;
  }

  require(id: number): HistoryEntry {
    const entry = this.get(id);
    if (!entry) throw new StoreError('not-found', `no history entry with id ${id}`);
    return entry;
  }

  /** The newest entry with this SIP Call-ID. */
  findByCallId(callId: string): HistoryEntry | undefined {
    this.flush();
    const row = this.#store.get(`SELECT ${COLUMNS} FROM history WHERE call_id = ? ORDER BY id DESC LIMIT 1`, String(callId));
    return row ? fromRow(row) : undefined;
  }

  /** Newest first. */
  list(query: HistoryQuery = {}): HistoryEntry[] {
    this.flush();
    const limit = query.limit ?? 200;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new StoreError('invalid', 'history query: limit must be an integer from 1 to 10000', { issues: [{ path: 'limit', message: 'must be an integer from 1 to 10000' }] });
    }
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(requireRowId(query.beforeId, 'history query'));
    }
    if (query.accountId !== undefined) {
      where.push('account_id = ?');
      params.push(String(query.accountId));
    }
    if (query.contactId !== undefined) {
      where.push('contact_id = ?');
      params.push(String(query.contactId));
    }
    if (query.direction !== undefined) {
      where.push('direction = ?');
      params.push(query.direction);
    }
    if (query.missedOnly) where.push("direction = 'in' AND answered_at IS NULL AND ended_at IS NOT NULL");
    const sql = `SELECT ${COLUMNS} FROM history ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.#store.all(sql, ...params, limit).map(fromRow);
  }

  count(): number {
    this.flush();
    return Number(this.#store.get('SELECT count(*) AS n FROM history')?.n ?? 0);
  }

  remove(id: number): void {
    this.flush();
    requireRowId(id, 'history entry');
    if (this.#store.run('DELETE FROM history WHERE id = ?', id).changes === 0) throw new StoreError('not-found', `no history entry with id ${id}`);
  }

  /** Removes the listed entries (all or none); returns how many there were. */
  removeMany(ids: readonly number[]): number {
    this.flush();
    ids.forEach((id) => requireRowId(id, 'history entry'));
    return this.#store.transaction(() => ids.reduce((n, id) => n + Number(this.#store.run('DELETE FROM history WHERE id = ?', id).changes), 0));
  }

  clear(): number {
    this.flush();
    return Number(this.#store.run('DELETE FROM history').changes);
  }

  /** Clear references are refused with a field name rather than a bare "FOREIGN KEY constraint failed". */
  #checkReferences(h: HistoryFields, what: string): void {
    if (h.contactId !== null && !this.#store.get('SELECT 1 AS x FROM contacts WHERE id = ?', h.contactId)) {
      throw new StoreError('invalid', `${what}: contactId ${h.contactId} does not exist`, { issues: [{ path: 'contactId', message: 'does not exist' }] });
    }
    if (h.accountId !== null && !this.#store.get('SELECT 1 AS x FROM accounts WHERE id = ?', h.accountId)) {
      throw new StoreError('invalid', `${what}: accountId ${h.accountId} does not exist`, { issues: [{ path: 'accountId', message: 'does not exist' }] });
    }
  }

  #values(h: HistoryFields): (string | number | null)[] {
    return [
      h.direction,
      h.peerUri,
      h.peerName,
      h.contactId,
      h.localAlias,
      h.accountId,
      h.callId,
      h.startedAt,
      h.answeredAt,
      h.endedAt,
      h.resultCode,
      h.reason,
      h.quality === null ? null : JSON.stringify(h.quality),
      h.forwardedBy,
      h.forwardedTo,
      h.recordings.length === 0 ? null : JSON.stringify(h.recordings),
    ];
  }
}

function fromRow(r: Row): HistoryEntry {
  return {
    id: Number(r.id),
    direction: String(r.direction) as CallDirection,
    peerUri: String(r.peer_uri),
    peerName: nullableString(r.peer_name),
    contactId: nullableString(r.contact_id),
    localAlias: nullableString(r.local_alias),
    accountId: nullableString(r.account_id),
    callId: nullableString(r.call_id),
    startedAt: Number(r.started_at),
    answeredAt: nullableNumber(r.answered_at),
    endedAt: nullableNumber(r.ended_at),
    resultCode: nullableNumber(r.result_code),
    reason: nullableString(r.reason),
    quality: r.quality === null ? null : (readJson(r.quality, `history entry ${String(r.id)}`) as HistoryEntry['quality']),
    forwardedBy: nullableString(r.forwarded_by),
    forwardedTo: nullableString(r.forwarded_to),
    recordings: r.recordings === null ? [] : (readJson(r.recordings, `history entry ${String(r.id)}`) as string[]),
  };
}
