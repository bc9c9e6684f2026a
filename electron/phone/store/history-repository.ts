/**
 * Call history. A call is added when it starts and updated as it is answered
 * and ends (by id, or found again by its SIP Call-ID), so the list survives a
 * crash mid-call. Every `add` is its own committed transaction before it
 * returns: the durability test kills a writer with SIGKILL and finds every
 * acknowledged row.
 */
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

const COLUMNS = 'id, direction, peer_uri, peer_name, contact_id, local_alias, account_id, call_id, started_at, answered_at, ended_at, result_code, reason, quality, forwarded_by, forwarded_to, recordings';

export class HistoryRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  add(input: HistoryInput): HistoryEntry {
    return this.addMany([input])[0]!;
  }

  /** All or none, in one transaction (an import, or tests). */
  addMany(inputs: readonly HistoryInput[]): HistoryEntry[] {
    if (!Array.isArray(inputs)) throw new StoreError('invalid', 'history: expected a list', { issues: [{ path: '', message: 'expected a list' }] });
    const what = (i: number) => (inputs.length === 1 ? 'history entry' : `history entry ${i}`);
    const entries = inputs.map((input, i) => validate(historyFieldsSchema, { ...HISTORY_DEFAULTS, ...plainInput(input, what(i)) }, what(i)));
    return this.#store.transaction(() =>
      entries.map((h, i) => {
        this.#checkReferences(h, what(i));
        const result = this.#store.run(
          `INSERT INTO history (direction, peer_uri, peer_name, contact_id, local_alias, account_id, call_id, started_at, answered_at, ended_at, result_code, reason, quality, forwarded_by, forwarded_to, recordings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ...this.#values(h),
        );
        return { id: Number(result.lastInsertRowid), ...h };
      }),
    );
  }

  update(id: number, patch: HistoryPatch): HistoryEntry {
    return this.#store.transaction(() => {
      const { id: _, ...current } = this.require(id);
      const h = validate(historyFieldsSchema, { ...current, ...plainInput(patch, 'history entry') }, 'history entry');
      this.#checkReferences(h, 'history entry');
      this.#store.run(
        `UPDATE history SET direction = ?, peer_uri = ?, peer_name = ?, contact_id = ?, local_alias = ?, account_id = ?, call_id = ?,
           started_at = ?, answered_at = ?, ended_at = ?, result_code = ?, reason = ?, quality = ?, forwarded_by = ?, forwarded_to = ?, recordings = ? WHERE id = ?`,
        ...this.#values(h),
        id,
      );
      return { id, ...h };
    });
  }

  get(id: number): HistoryEntry | undefined {
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
    const row = this.#store.get(`SELECT ${COLUMNS} FROM history WHERE call_id = ? ORDER BY id DESC LIMIT 1`, String(callId));
    return row ? fromRow(row) : undefined;
  }

  /** Newest first. */
  list(query: HistoryQuery = {}): HistoryEntry[] {
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
    return Number(this.#store.get('SELECT count(*) AS n FROM history')?.n ?? 0);
  }

  remove(id: number): void {
    requireRowId(id, 'history entry');
    if (this.#store.run('DELETE FROM history WHERE id = ?', id).changes === 0) throw new StoreError('not-found', `no history entry with id ${id}`);
  }

  /** Removes the listed entries (all or none); returns how many there were. */
  removeMany(ids: readonly number[]): number {
    ids.forEach((id) => requireRowId(id, 'history entry'));
    return this.#store.transaction(() => ids.reduce((n, id) => n + Number(this.#store.run('DELETE FROM history WHERE id = ?', id).changes), 0));
  }

  clear(): number {
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
