/**
 * Instant messages (SIP MESSAGE, RFC 3428). Outgoing: stored as 'pending',
 * answered at once with that snapshot, and moved to 'sent' (2xx) or 'failed'
 * when the transaction ends, announced with a 'message' event carrying the
 * code and words (a MESSAGE over UDP may take Timer F, 32 s, to fail: longer
 * than a command should wait). Incoming: stored and announced; a MESSAGE
 * that arrives twice as two transactions (same Call-ID, RFC 3428 §7) is kept
 * once.
 */
import type { MessageSendParams } from '../api/commands.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { MessageSnapshot } from '../api/snapshots.ts';
import type { ReceivedMessage, UserAgent } from '../sip/ua/index.ts';
import type { Logger } from '../shared/logger.ts';
import { accountDomain } from './account.ts';
import type { AccountService } from './account-service.ts';
import type { ContactDirectory } from './contact-directory.ts';
import { normaliseDialString } from './dial-string.ts';
import { DIRECT_ACCOUNT_ID } from './direct-account.ts';
import { chooseIdentity } from './identity.ts';
import { toMessageSnapshot, type MessageExtras } from './snapshot-mappers.ts';
import type { PhoneStore } from './store/phone-store.ts';
import { MAX_MESSAGE_BODY } from './text-message.ts';
import { KEEP_BYTES, KEEP_ROWS } from './message-admission.ts';

const RECENT_IDS = 200;

export class MessageService {
  readonly #ua: UserAgent;
  readonly #accounts: AccountService;
  readonly #contacts: ContactDirectory;
  readonly #store: PhoneStore;
  readonly #events: EventBus;
  readonly #log: Logger;
  readonly #recent: string[] = [];

  /** Wall-clock ms from the engine's clock (wall-time.ts). */
  readonly #now: () => number;

  constructor(deps: { ua: UserAgent; accounts: AccountService; contacts: ContactDirectory; store: PhoneStore; events: EventBus; logger: Logger; now: () => number }) {
    this.#now = deps.now;
    this.#ua = deps.ua;
    this.#accounts = deps.accounts;
    this.#contacts = deps.contacts;
    this.#store = deps.store;
    this.#events = deps.events;
    this.#log = deps.logger.child('messages');
    this.#ua.on('message', (m) => this.#received(m));
  }

  async send(p: MessageSendParams): Promise<MessageSnapshot> {
    const account = p.accountId !== undefined ? this.#accounts.require(p.accountId) : this.#accounts.defaultAccount();
    if (!account) throw new ApiError('unavailable', 'no account to send from');
    if (!account.enabled) throw new ApiError('unavailable', `the account ${account.displayName || account.aor} is disabled`);
    if (!this.#ua.account(account.id)) throw new ApiError('unavailable', 'the account is not ready yet; try again in a moment');
    const dialled = normaliseDialString(p.target, { domain: accountDomain(account) });
    if (!dialled.ok) throw new ApiError('bad-request', `cannot send to "${p.target}": ${dialled.reason}`, { issues: [{ path: 'target', message: dialled.reason }] });
    const identity = chooseIdentity(account, dialled.target);
    const localAlias = identity.ok ? identity.identity : account.aor;
    const stored = this.#store.messages.add({
      direction: 'out',
      peerUri: dialled.target,
      body: p.body,
      timestamp: this.#now(),
      accountId: account.id === DIRECT_ACCOUNT_ID ? null : account.id,
    });
    const extras = this.#who(dialled.target, localAlias);
    this.#ua
      .sendMessage(account.id, dialled.target, p.body, { identity: localAlias })
      .then((result) => {
        const ok = result.outcome.status >= 200 && result.outcome.status < 300;
        const updated = this.#store.messages.setStatus(stored.id, ok ? 'sent' : 'failed');
        this.#events.emit('message', toMessageSnapshot(updated, { ...extras, code: result.outcome.status, reason: result.outcome.reason, words: result.outcome.words }));
      })
      .catch((e: unknown) => {
        this.#log.warn('MESSAGE not sent', { error: String(e) });
        try {
          const updated = this.#store.messages.setStatus(stored.id, 'failed');
          this.#events.emit('message', toMessageSnapshot(updated, { ...extras, words: 'the message could not be sent' }));
        } catch (inner) {
          this.#log.error('message status not stored', { error: String(inner) });
        }
      });
    return toMessageSnapshot(stored, extras);
  }

  /** A MESSAGE inside a call (RFC 3428 §4): stored like any other, from the call's peer to our address in it. */
  inDialog(call: { accountId: string; localIdentity: string; remote: { uri: string; displayName?: string }; sip: { id: string } }, m: { contentType: string; body: string }): void {
    const from = call.remote.displayName !== undefined ? { uri: call.remote.uri, displayName: call.remote.displayName } : { uri: call.remote.uri };
    this.#received({ accountId: call.accountId, alias: call.localIdentity, from, to: call.localIdentity, contentType: m.contentType, body: m.body, callId: `${call.sip.id}/${this.#now()}/${Math.random()}` });
  }

  #received(m: ReceivedMessage): void {
    if (this.#recent.includes(m.callId)) return;
    this.#recent.push(m.callId);
    if (this.#recent.length > RECENT_IDS) this.#recent.shift();
    try {
      const known = this.#accounts.get(m.accountId);
      const stored = this.#store.messages.add({
        direction: 'in',
        peerUri: m.from.uri.slice(0, 1024),
        body: m.body.slice(0, MAX_MESSAGE_BODY),
        contentType: m.contentType,
        timestamp: this.#now(),
        accountId: known && known.id !== DIRECT_ACCOUNT_ID ? known.id : null,
      });
      const extras = this.#who(m.from.uri, m.alias);
      if (extras.peerName === undefined && m.from.displayName) extras.peerName = m.from.displayName;
      this.#events.emit('message', toMessageSnapshot(stored, extras));
      // Storage quota (message-admission.ts): the oldest received messages go first.
      const trimmed = this.#store.messages.trimReceived(KEEP_ROWS, KEEP_BYTES);
      if (trimmed > 0) this.#log.info('oldest received messages removed (storage quota)', { removed: trimmed });
    } catch (e) {
      this.#log.error('received message not stored', { error: String(e) });
    }
  }

  #who(peer: string, localAlias: string): MessageExtras {
    const extras: MessageExtras = { localAlias };
    const who = this.#contacts.resolve(peer);
    if (who) {
      extras.peerName = who.name;
      if (who.contactId) extras.contactId = who.contactId;
    }
    return extras;
  }
}
