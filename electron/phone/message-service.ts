/**
 * Instant messages (SIP MESSAGE, RFC 3428), one conversation per peer address.
 *
 * Outgoing: stored as 'sending' and answered at once with that snapshot;
 * the transaction's final answer makes it 'delivered' (2xx), 'stored' (202:
 * a store-and-forward server such as Kamailio's msilo keeps it until the
 * peer registers) or 'failed' with the code and reason, announced with a
 * 'message' event (a MESSAGE over UDP may take Timer F, 32 s, to fail:
 * longer than a command should wait). The identity (From) is the one asked
 * for, else the account's identity rules, else its AOR (identity.ts).
 *
 * Incoming: checked before the 200 (admit: what the body is, message-content.ts;
 * a blocked peer gets 603), then stored and announced. A stranger's first
 * message opens a conversation in the 'request' state, shown apart until the
 * user answers or allows it; at most MAX_REQUESTS of those are kept (the
 * oldest go). A MESSAGE that arrives twice as two transactions (same
 * Call-ID, RFC 3428 §7) is kept once. isComposing indications (RFC 3994)
 * become 'message.composing' events and are not stored.
 */
import type { ComposingParams, ConversationsListParams, MessageSendParams, MessagesListParams } from '../api/commands.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { ConversationSnapshot, MessageSnapshot } from '../api/snapshots.ts';
import type { Clock } from '../common/clock.ts';
import type { CallRefusal, ReceivedMessage, UserAgent } from '../sip/ua/index.ts';
import type { Logger } from '../common/logger.ts';
import { accountDomain, type Account } from './account.ts';
import type { AccountService } from './account-service.ts';
import { ComposingSender } from './composing-sender.ts';
import type { ContactDirectory } from './contact-directory.ts';
import { normaliseDialString } from './dial-string.ts';
import { DIRECT_ACCOUNT_ID } from './direct-account.ts';
import { chooseIdentity } from './identity.ts';
import { COMPOSING_TYPE, composingXml } from './is-composing.ts';
import { KEEP_BYTES, KEEP_ROWS } from './message-admission.ts';
import { readMessageContent } from './message-content.ts';
import { hostKey, parseSipAddress } from './sip-address.ts';
import { toConversationSnapshot, toMessageSnapshot, type MessageExtras } from './snapshot-mappers.ts';
import type { PhoneStore } from './store/phone-store.ts';
import type { TextMessage } from './text-message.ts';

const RECENT_IDS = 200;
/** Conversations strangers opened that we never answered: the oldest beyond this are deleted. */
export const MAX_REQUESTS = 50;

/** The conversation key of an address: sip:user@host[:port], host in lower case, no parameters. */
export function conversationPeer(uri: string): string {
  const p = parseSipAddress(uri.trim());
  if (!p.ok) return uri.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 256);
  const a = p.value;
  return `${a.scheme}:${a.user !== null ? `${a.user}@` : ''}${hostKey(a.host)}${a.port !== null ? `:${a.port}` : ''}`;
}

export class MessageService {
  readonly #ua: UserAgent;
  readonly #accounts: AccountService;
  readonly #contacts: ContactDirectory;
  readonly #store: PhoneStore;
  readonly #events: EventBus;
  readonly #log: Logger;
  readonly #recent: string[] = [];
  readonly #composing: ComposingSender;
  /** Peer → account and identity of the last composing request (the sender's timers send 'idle' later). */
  readonly #composingFrom = new Map<string, { account: Account; target: string; identity: string }>();

  /** Wall-clock ms from the engine's clock (wall-time.ts). */
  readonly #now: () => number;

  constructor(deps: { ua: UserAgent; accounts: AccountService; contacts: ContactDirectory; store: PhoneStore; events: EventBus; logger: Logger; now: () => number; clock: Clock }) {
    this.#now = deps.now;
    this.#ua = deps.ua;
    this.#accounts = deps.accounts;
    this.#contacts = deps.contacts;
    this.#store = deps.store;
    this.#events = deps.events;
    this.#log = deps.logger.child('messages');
    this.#composing = new ComposingSender(deps.clock, (peer, active) => this.#sendComposing(peer, active));
    this.#ua.on('message', (m) => this.#received(m));
  }

  close(): void {
    this.#composing.close();
  }

  async send(p: MessageSendParams): Promise<MessageSnapshot> {
    const { account, target, identity } = this.#route(p);
    const peer = conversationPeer(target);
    this.#composing.sent(peer);
    const stored = this.#store.messages.add({
      direction: 'out',
      peerUri: peer,
      body: p.body,
      timestamp: this.#now(),
      accountId: account.id === DIRECT_ACCOUNT_ID ? null : account.id,
      localAlias: identity,
    });
    this.#changed(peer);
    this.#ua
      .sendMessage(account.id, target, p.body, { identity })
      .then((result) => {
        const status = result.outcome.status;
        const state = status === 202 ? 'stored' : status >= 200 && status < 300 ? 'delivered' : 'failed';
        this.#announce(this.#store.messages.setOutcome(stored.id, state, { code: status, reason: result.outcome.reason }), state === 'failed' ? { words: result.outcome.words } : {});
      })
      .catch((e: unknown) => {
        this.#log.warn('MESSAGE not sent', { error: String(e) });
        try {
          this.#announce(this.#store.messages.setOutcome(stored.id, 'failed'), { words: 'the message could not be sent' });
        } catch (inner) {
          this.#log.error('message status not stored', { error: String(inner) });
        }
      });
    return toMessageSnapshot(stored, this.#who(peer));
  }

  /** RFC 3994: the user is typing to `target` (active) or stopped. */
  composing(p: ComposingParams): void {
    const { account, target, identity } = this.#route(p);
    const peer = conversationPeer(target);
    if (this.#store.messages.stateOf(peer) === 'blocked') return;
    if (p.active) {
      this.#composingFrom.set(peer, { account, target, identity });
      this.#composing.typing(peer);
    } else this.#composing.stopped(peer);
  }

  list(p: MessagesListParams): MessageSnapshot[] {
    const rows = this.#store.messages.list({
      limit: p.limit ?? 200,
      ...(p.peer !== undefined ? { peerUri: conversationPeer(p.peer) } : {}),
      ...(p.query !== undefined && p.query !== '' ? { text: p.query } : {}),
    });
    const kept = p.before !== undefined ? rows.filter((m) => m.timestamp < p.before!) : rows;
    return kept.map((m) => toMessageSnapshot(m, this.#who(m.peerUri)));
  }

  conversations(p: ConversationsListParams): ConversationSnapshot[] {
    return this.#store.messages
      .conversations({ ...(p.query !== undefined ? { search: p.query } : {}), limit: p.limit ?? 500 })
      .map((c) => toConversationSnapshot(c, this.#who(c.peerUri)));
  }

  read(peerText: string): ConversationSnapshot | null {
    const peer = conversationPeer(peerText);
    if (this.#store.messages.markRead(peer)) return this.#changed(peer) ?? null;
    const c = this.#store.messages.conversation(peer);
    return c ? toConversationSnapshot(c, this.#who(peer)) : null;
  }

  remove(peerText: string): void {
    const peer = conversationPeer(peerText);
    if (this.#store.messages.removeConversation(peer) === 0) throw new ApiError('not-found', `no conversation with ${peer}`);
    this.#removed(peer);
  }

  allow(peerText: string): void {
    const peer = conversationPeer(peerText);
    this.#store.messages.setState(peer, 'open');
    this.#changed(peer);
  }

  block(peerText: string): void {
    const peer = conversationPeer(peerText);
    this.#store.messages.setState(peer, 'blocked');
    this.#composing.sent(peer);
    this.#changed(peer);
  }

  /**
   * Asked by the UA before a MESSAGE is answered: what the body is (415/400
   * for what we cannot show), and whether the sender is blocked (603). The
   * rate limits come after (message-admission.ts).
   */
  admit(m: ReceivedMessage): CallRefusal | undefined {
    const content = readMessageContent(m.contentType, m.bodyBytes);
    if (content.kind === 'refused') return { status: content.status, reason: content.reason };
    if (this.#store.messages.stateOf(conversationPeer(m.from.uri)) === 'blocked') return { status: 603, reason: 'Decline' };
    return undefined;
  }

  /** A MESSAGE inside a call (RFC 3428 §4): stored like any other, from the call's peer to our address in it. */
  inDialog(call: { accountId: string; localIdentity: string; remote: { uri: string; displayName?: string }; sip: { id: string } }, m: { contentType: string; body: string }): void {
    const from = call.remote.displayName !== undefined ? { uri: call.remote.uri, displayName: call.remote.displayName } : { uri: call.remote.uri };
    const bodyBytes = Buffer.from(m.body);
    const received = { accountId: call.accountId, alias: call.localIdentity, from, to: call.localIdentity, contentType: m.contentType, body: m.body, bodyBytes, callId: `${call.sip.id}/${this.#now()}/${Math.random()}` };
    if (this.admit(received) === undefined) this.#received(received);
  }

  #route(p: { accountId?: string; target: string; identity?: string }): { account: Account; target: string; identity: string } {
    const account = p.accountId !== undefined ? this.#accounts.require(p.accountId) : this.#accounts.defaultAccount();
    if (!account) throw new ApiError('unavailable', 'no account to send from');
    if (!account.enabled) throw new ApiError('unavailable', `the account ${account.displayName || account.aor} is disabled`);
    if (!this.#ua.account(account.id)) throw new ApiError('unavailable', 'the account is not ready yet; try again in a moment');
    const dialled = normaliseDialString(p.target, { domain: accountDomain(account) });
    if (!dialled.ok) throw new ApiError('bad-request', `cannot send to "${p.target}": ${dialled.reason}`, { issues: [{ path: 'target', message: dialled.reason }] });
    const identity = chooseIdentity(account, dialled.target, p.identity);
    if (!identity.ok) throw new ApiError('not-allowed', identity.reason);
    return { account, target: dialled.target, identity: identity.identity };
  }

  #sendComposing(peer: string, active: boolean): void {
    const route = this.#composingFrom.get(peer);
    if (!route) return;
    if (!active) this.#composingFrom.delete(peer);
    this.#ua
      .sendMessage(route.account.id, route.target, composingXml(active), { identity: route.identity, contentType: COMPOSING_TYPE })
      .then((r) => {
        if (r.outcome.status >= 300) this.#log.debug('isComposing refused', { status: r.outcome.status });
      })
      .catch((e: unknown) => this.#log.debug('isComposing not sent', { error: String(e) }));
  }

  #received(m: ReceivedMessage): void {
    const content = readMessageContent(m.contentType, m.bodyBytes);
    if (content.kind === 'refused' || content.kind === 'receipt') return;
    const peer = conversationPeer(m.from.uri);
    const known = this.#accounts.get(m.accountId);
    const accountId = known && known.id !== DIRECT_ACCOUNT_ID ? known.id : undefined;
    if (content.kind === 'composing') {
      const who = this.#who(peer, m.from.displayName);
      this.#events.emit('message.composing', {
        peer,
        active: content.state.active,
        ...(who.peerName !== undefined ? { peerName: who.peerName } : {}),
        ...(accountId !== undefined ? { accountId } : {}),
        ...(content.state.active ? { expiresAt: this.#now() + content.state.refreshS * 1000 } : {}),
      });
      return;
    }
    if (this.#recent.includes(m.callId)) return;
    this.#recent.push(m.callId);
    if (this.#recent.length > RECENT_IDS) this.#recent.shift();
    try {
      const extras = this.#who(peer, m.from.displayName);
      const stored = this.#store.messages.add(
        {
          direction: 'in',
          peerUri: peer,
          body: content.text,
          contentType: content.contentType,
          timestamp: this.#now(),
          accountId: accountId ?? null,
          localAlias: m.alias.slice(0, 1024),
        },
        extras.contactId !== undefined ? 'open' : 'request',
      );
      // The message ends the peer's typing (RFC 3994 §3).
      this.#events.emit('message.composing', { peer, active: false, ...(accountId !== undefined ? { accountId } : {}) });
      this.#announce(stored, {}, m.from.displayName);
      // Storage quota (message-admission.ts): the oldest received messages go first; so do unanswered strangers.
      const trimmed = this.#store.messages.trimReceived(KEEP_ROWS, KEEP_BYTES);
      if (trimmed > 0) this.#log.info('oldest received messages removed (storage quota)', { removed: trimmed });
      for (const gone of this.#store.messages.trimRequests(MAX_REQUESTS)) this.#removed(gone);
    } catch (e) {
      this.#log.error('received message not stored', { error: String(e) });
    }
  }

  /** A 'message' event for `m`, then a 'conversation' event for its conversation. */
  #announce(m: TextMessage, extra: MessageExtras, displayName?: string): void {
    this.#events.emit('message', toMessageSnapshot(m, { ...this.#who(m.peerUri, displayName), ...extra }));
    this.#changed(m.peerUri, displayName);
  }

  #changed(peer: string, displayName?: string): ConversationSnapshot | undefined {
    const c = this.#store.messages.conversation(peer);
    if (!c) return undefined;
    const snapshot = toConversationSnapshot(c, this.#who(peer, displayName));
    this.#events.emit('conversation', snapshot);
    return snapshot;
  }

  #removed(peer: string): void {
    this.#events.emit('conversation', {
      peer,
      last: { id: '0', direction: 'in', peer, body: '', contentType: 'text/plain', timestamp: this.#now(), status: 'received' },
      count: 0,
      unread: 0,
      state: this.#store.messages.stateOf(peer) ?? 'open',
      removed: true,
    });
  }

  /** The contact the peer resolves to; else the display name it sent (clipped, controls dropped). */
  #who(peer: string, displayName?: string): MessageExtras {
    const extras: MessageExtras = {};
    const who = this.#contacts.resolve(peer);
    if (who) {
      extras.peerName = who.name;
      if (who.contactId) extras.contactId = who.contactId;
    } else if (displayName) {
      const name = displayName.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').trim().slice(0, 80);
      if (name !== '') extras.peerName = name;
    }
    return extras;
  }
}
