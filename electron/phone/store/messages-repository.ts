/**
 * SIP MESSAGE conversations (RFC 3428). Incoming messages are stored as
 * 'received'; outgoing ones as 'pending' until the transaction's final answer
 * sets 'sent' or 'failed'.
 */
import { MESSAGE_STATUSES, textMessageFieldsSchema, type MessageStatus, type TextMessage, type TextMessageFields, type TextMessageInput } from '../text-message.ts';
import type { CallDirection } from '../history-entry.ts';
import type { Row, Store } from './store.ts';
import { StoreError } from './store-error.ts';
import { nullableString, plainInput, requireRowId, validate } from './validate.ts';

export interface MessageQuery {
  peerUri?: string;
  accountId?: string;
  /** Default 200, at most 10000; newest first. */
  limit?: number;
  beforeId?: number;
}

export interface Conversation {
  peerUri: string;
  last: TextMessage;
  count: number;
}

const COLUMNS = 'id, direction, peer_uri, body, content_type, timestamp, account_id, status';

export class MessagesRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  add(input: TextMessageInput): TextMessage {
    const raw = plainInput(input, 'message');
    const defaults = { contentType: 'text/plain', accountId: null, status: raw.direction === 'in' ? 'received' : 'pending' };
    const m = validate(textMessageFieldsSchema, { ...defaults, ...raw }, 'message');
    return this.#store.transaction(() => {
      if (m.accountId !== null && !this.#store.get('SELECT 1 AS x FROM accounts WHERE id = ?', m.accountId)) {
        throw new StoreError('invalid', `message: accountId ${m.accountId} does not exist`, { issues: [{ path: 'accountId', message: 'does not exist' }] });
      }
      const result = this.#store.run(
        'INSERT INTO messages (direction, peer_uri, body, content_type, timestamp, account_id, status) VALUES (?, ?, ?, ?, ?, ?, ?)',
        m.direction,
        m.peerUri,
        m.body,
        m.contentType,
        m.timestamp,
        m.accountId,
        m.status,
      );
      return { id: Number(result.lastInsertRowid), ...m };
    });
  }

  get(id: number): TextMessage | undefined {
    requireRowId(id, 'message');
    const row = this.#store.get(`SELECT ${COLUMNS} FROM messages WHERE id = ?`, id);
    return row ? fromRow(row) : undefined;
  }

  /** Newest first. */
  list(query: MessageQuery = {}): TextMessage[] {
    const limit = query.limit ?? 200;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
      throw new StoreError('invalid', 'message query: limit must be an integer from 1 to 10000', { issues: [{ path: 'limit', message: 'must be an integer from 1 to 10000' }] });
    }
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.peerUri !== undefined) {
      where.push('peer_uri = ?');
      params.push(String(query.peerUri));
    }
    if (query.accountId !== undefined) {
      where.push('account_id = ?');
      params.push(String(query.accountId));
    }
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(requireRowId(query.beforeId, 'message query'));
    }
    const sql = `SELECT ${COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.#store.all(sql, ...params, limit).map(fromRow);
  }

  /** One line per peer, most recent conversation first. */
  conversations(): Conversation[] {
    const rows = this.#store.all(
      `SELECT ${COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}, g.n
         FROM (SELECT peer_uri, max(id) AS last_id, count(*) AS n FROM messages GROUP BY peer_uri) g
         JOIN messages m ON m.id = g.last_id
        ORDER BY m.id DESC`,
    );
    return rows.map((r) => ({ peerUri: String(r.peer_uri), last: fromRow(r), count: Number(r.n) }));
  }

  /** Records the outcome of an outgoing message. */
  setStatus(id: number, status: MessageStatus): TextMessage {
    return this.#store.transaction(() => {
      const m = this.get(id);
      if (!m) throw new StoreError('not-found', `no message with id ${id}`);
      if (!MESSAGE_STATUSES.includes(status) || m.direction !== 'out' || status === 'received') {
        throw new StoreError('invalid', `message ${id}: status ${String(status)} is not possible for an ${m.direction === 'in' ? 'incoming' : 'outgoing'} message`, {
          issues: [{ path: 'status', message: 'not possible for this message' }],
        });
      }
      this.#store.run('UPDATE messages SET status = ? WHERE id = ?', status, id);
      return { ...m, status };
    });
  }

  remove(id: number): void {
    requireRowId(id, 'message');
    if (this.#store.run('DELETE FROM messages WHERE id = ?', id).changes === 0) throw new StoreError('not-found', `no message with id ${id}`);
  }

  /**
   * Keeps at most `maxRows` received messages and `maxBytes` of their text,
   * the newest; older received ones are deleted first (what we sent is never
   * touched). Returns how many were deleted.
   */
  trimReceived(maxRows: number, maxBytes: number): number {
    return this.#store.transaction(() => {
      const byCount = Number(this.#store.run("DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE direction = 'in' ORDER BY id DESC LIMIT -1 OFFSET ?)", maxRows).changes);
      const byBytes = Number(
        this.#store.run(
          "DELETE FROM messages WHERE id IN (SELECT id FROM (SELECT id, SUM(length(CAST(body AS BLOB))) OVER (ORDER BY id DESC) AS total FROM messages WHERE direction = 'in') WHERE total > ?)",
          maxBytes,
        ).changes,
      );
      return byCount + byBytes;
    });
  }

  /** Deletes a whole conversation; returns how many messages it had. */
  removeConversation(peerUri: string): number {
    return Number(this.#store.run('DELETE FROM messages WHERE peer_uri = ?', String(peerUri)).changes);
  }
}

function fromRow(r: Row): TextMessage {
  const m: TextMessageFields = {
    direction: String(r.direction) as CallDirection,
    peerUri: String(r.peer_uri),
    body: String(r.body),
    contentType: String(r.content_type),
    timestamp: Number(r.timestamp),
    accountId: nullableString(r.account_id),
    status: String(r.status) as MessageStatus,
  };
  return { id: Number(r.id), ...m };
}
