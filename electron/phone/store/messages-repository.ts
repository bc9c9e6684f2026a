/**
 * SIP MESSAGE conversations (RFC 3428). Incoming messages are stored as
 * 'received'; outgoing ones as 'sending' until the transaction's final answer
 * sets 'delivered' (2xx), 'stored' (202: kept by the server for later
 * delivery) or 'failed', with the answer's code and reason (text-message.ts).
 *
 * A conversation is the messages with one peer address, plus a row in
 * `conversations`: how far the user has read (`read_upto`, a message id) and
 * its state — 'request' (a stranger wrote first and we have not answered),
 * 'open', or 'blocked' (their messages are refused).
 */
import { MESSAGE_STATUSES, textMessageFieldsSchema, type MessageStatus, type TextMessage, type TextMessageFields, type TextMessageInput } from '../text-message.ts';
import type { CallDirection } from '../history-entry.ts';
import type { Row, Store } from './store.ts';
import { StoreError } from './store-error.ts';
import { likeContains, nullableString, plainInput, requireRowId, validate } from './validate.ts';

export const CONVERSATION_STATES = ['request', 'open', 'blocked'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

export interface MessageQuery {
  peerUri?: string;
  accountId?: string;
  /** Only messages whose text contains this (case-insensitive for ASCII). */
  text?: string;
  /** Default 200, at most 10000; newest first. */
  limit?: number;
  beforeId?: number;
}

export interface Conversation {
  peerUri: string;
  last: TextMessage;
  count: number;
  /** Received messages newer than the read marker. */
  unread: number;
  state: ConversationState;
}

export interface ConversationQuery {
  /** Only conversations whose peer address or some message text contains this. */
  search?: string;
  /** Default 500. */
  limit?: number;
}

const COLUMNS = 'id, direction, peer_uri, body, content_type, timestamp, account_id, status, local_alias, code, reason';

export class MessagesRepository {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Stores a message; its conversation is created in `state` when it has none yet (default 'open'). */
  add(input: TextMessageInput, state: ConversationState = 'open'): TextMessage {
    const raw = plainInput(input, 'message');
    const defaults = { contentType: 'text/plain', accountId: null, status: raw.direction === 'in' ? 'received' : 'sending', localAlias: null, code: null, reason: null };
    const m = validate(textMessageFieldsSchema, { ...defaults, ...raw }, 'message');
    return this.#store.transaction(() => {
      if (m.accountId !== null && !this.#store.get('SELECT 1 AS x FROM accounts WHERE id = ?', m.accountId)) {
        throw new StoreError('invalid', `message: accountId ${m.accountId} does not exist`, { issues: [{ path: 'accountId', message: 'does not exist' }] });
      }
      const result = this.#store.run(
        'INSERT INTO messages (direction, peer_uri, body, content_type, timestamp, account_id, status, local_alias, code, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        m.direction,
        m.peerUri,
        m.body,
        m.contentType,
        m.timestamp,
        m.accountId,
        m.status,
        m.localAlias,
        m.code,
        m.reason,
      );
      this.#store.run('INSERT OR IGNORE INTO conversations (peer_uri, state, read_upto) VALUES (?, ?, 0)', m.peerUri, state);
      // What we write ourselves is read, and answering a request accepts it.
      if (m.direction === 'out') this.#store.run("UPDATE conversations SET state = CASE state WHEN 'request' THEN 'open' ELSE state END WHERE peer_uri = ?", m.peerUri);
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
    if (query.text !== undefined) {
      where.push("body LIKE ? ESCAPE '\\'");
      params.push(likeContains(String(query.text)));
    }
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(requireRowId(query.beforeId, 'message query'));
    }
    const sql = `SELECT ${COLUMNS} FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.#store.all(sql, ...params, limit).map(fromRow);
  }

  /** One line per peer, most recent conversation first. */
  conversations(query: ConversationQuery = {}): Conversation[] {
    const limit = query.limit ?? 500;
    const params: (string | number)[] = [];
    let filter = '';
    if (query.search !== undefined && query.search !== '') {
      filter = "WHERE g.peer_uri LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages s WHERE s.peer_uri = g.peer_uri AND s.body LIKE ? ESCAPE '\\')";
      const like = likeContains(query.search);
      params.push(like, like);
    }
    const rows = this.#store.all(
      `SELECT ${COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}, g.n, coalesce(c.state, 'open') AS conv_state,
              (SELECT count(*) FROM messages u WHERE u.peer_uri = g.peer_uri AND u.direction = 'in' AND u.id > coalesce(c.read_upto, 0)) AS unread
         FROM (SELECT peer_uri, max(id) AS last_id, count(*) AS n FROM messages GROUP BY peer_uri) g
         JOIN messages m ON m.id = g.last_id
         LEFT JOIN conversations c ON c.peer_uri = g.peer_uri
         ${filter}
        ORDER BY m.id DESC LIMIT ?`,
      ...params,
      limit,
    );
    return rows.map((r) => ({ peerUri: String(r.peer_uri), last: fromRow(r), count: Number(r.n), unread: Number(r.unread), state: String(r.conv_state) as ConversationState }));
  }

  /** The conversation with `peerUri`, if there is one. */
  conversation(peerUri: string): Conversation | undefined {
    const row = this.#store.get(
      `SELECT ${COLUMNS.split(', ').map((c) => `m.${c}`).join(', ')}, (SELECT count(*) FROM messages WHERE peer_uri = ?1) AS n, coalesce(c.state, 'open') AS conv_state,
              (SELECT count(*) FROM messages u WHERE u.peer_uri = ?1 AND u.direction = 'in' AND u.id > coalesce(c.read_upto, 0)) AS unread
         FROM messages m LEFT JOIN conversations c ON c.peer_uri = m.peer_uri
        WHERE m.peer_uri = ?1 ORDER BY m.id DESC LIMIT 1`,
      String(peerUri),
    );
    return row ? { peerUri: String(row.peer_uri), last: fromRow(row), count: Number(row.n), unread: Number(row.unread), state: String(row.conv_state) as ConversationState } : undefined;
  }

  /** The state of the conversation with `peerUri`; undefined when there never was one. */
  stateOf(peerUri: string): ConversationState | undefined {
    const row = this.#store.get('SELECT state FROM conversations WHERE peer_uri = ?', String(peerUri));
    return row ? (String(row.state) as ConversationState) : undefined;
  }

  setState(peerUri: string, state: ConversationState): void {
    if (!CONVERSATION_STATES.includes(state)) throw new StoreError('invalid', `conversation state ${String(state)} is not one of ${CONVERSATION_STATES.join(', ')}`, { issues: [{ path: 'state', message: 'unknown' }] });
    this.#store.run('INSERT INTO conversations (peer_uri, state, read_upto) VALUES (?1, ?2, 0) ON CONFLICT (peer_uri) DO UPDATE SET state = ?2', String(peerUri), state);
  }

  /** Marks the conversation read up to its newest message; returns whether anything changed. */
  markRead(peerUri: string): boolean {
    return (
      Number(
        this.#store.run(
          'UPDATE conversations SET read_upto = (SELECT coalesce(max(id), 0) FROM messages WHERE peer_uri = ?1) WHERE peer_uri = ?1 AND read_upto < (SELECT coalesce(max(id), 0) FROM messages WHERE peer_uri = ?1)',
          String(peerUri),
        ).changes,
      ) > 0
    );
  }

  /** Received messages not read yet, in every conversation that is not blocked. */
  unreadTotal(): number {
    const row = this.#store.get(
      "SELECT count(*) AS n FROM messages m JOIN conversations c ON c.peer_uri = m.peer_uri WHERE m.direction = 'in' AND m.id > c.read_upto AND c.state != 'blocked'",
    );
    return Number(row?.n ?? 0);
  }

  /** Records the outcome of an outgoing message. */
  setOutcome(id: number, status: MessageStatus, answer: { code?: number; reason?: string } = {}): TextMessage {
    return this.#store.transaction(() => {
      const m = this.get(id);
      if (!m) throw new StoreError('not-found', `no message with id ${id}`);
      if (!MESSAGE_STATUSES.includes(status) || m.direction !== 'out' || status === 'received') {
        throw new StoreError('invalid', `message ${id}: status ${String(status)} is not possible for an ${m.direction === 'in' ? 'incoming' : 'outgoing'} message`, {
          issues: [{ path: 'status', message: 'not possible for this message' }],
        });
      }
      const code = answer.code ?? null;
      const reason = answer.reason !== undefined ? answer.reason.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200) : null;
      this.#store.run('UPDATE messages SET status = ?, code = ?, reason = ? WHERE id = ?', status, code, reason, id);
      return { ...m, status, code, reason };
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

  /**
   * Keeps at most `max` conversations in the 'request' state (strangers who
   * wrote and were never answered): the ones whose last message is oldest go
   * first, with their messages. Returns the peers removed.
   */
  trimRequests(max: number): string[] {
    return this.#store.transaction(() => {
      const gone = this.#store
        .all(
          `SELECT c.peer_uri FROM conversations c LEFT JOIN (SELECT peer_uri, max(id) AS last_id FROM messages GROUP BY peer_uri) g ON g.peer_uri = c.peer_uri
            WHERE c.state = 'request' ORDER BY coalesce(g.last_id, 0) DESC LIMIT -1 OFFSET ?`,
          max,
        )
        .map((r) => String(r.peer_uri));
      for (const peer of gone) {
        this.#store.run('DELETE FROM messages WHERE peer_uri = ?', peer);
        this.#store.run('DELETE FROM conversations WHERE peer_uri = ?', peer);
      }
      return gone;
    });
  }

  /** Deletes a whole conversation (its state too, unless blocked: a blocked peer stays blocked); returns how many messages it had. */
  removeConversation(peerUri: string): number {
    return this.#store.transaction(() => {
      this.#store.run("DELETE FROM conversations WHERE peer_uri = ? AND state != 'blocked'", String(peerUri));
      return Number(this.#store.run('DELETE FROM messages WHERE peer_uri = ?', String(peerUri)).changes);
    });
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
    localAlias: nullableString(r.local_alias),
    code: r.code === null || r.code === undefined ? null : Number(r.code),
    reason: nullableString(r.reason),
  };
  return { id: Number(r.id), ...m };
}
