/**
 * Message waiting (RFC 3842): per account, the summary from NOTIFYs the
 * server sends unasked (§4.4, Asterisk-style) and from our subscription to
 * the account's own message-summary, announced as an `mwi` event; `mwi.dial`
 * calls the account's voicemail number, else the server's Message-Account.
 */
import type { MwiSnapshot } from '../api/presence-contract.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { CommandContext } from '../api/phone-api.ts';
import type { CallSnapshot, DialParams } from '../api/contract.ts';
import type { EventAgent } from '../sip/event/event-agent.ts';
import { MAX_SUMMARY_BYTES, MESSAGE_SUMMARY_TYPE, parseMessageSummary } from '../sip/event/message-summary.ts';
import type { MessageSummary } from '../sip/event/message-summary.ts';
import type { Subscription, SubscriptionView } from '../sip/event/subscription.ts';
import { parseUri } from '../sip/message/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import { toSubscriptionSnapshot } from './subscription-snapshot.ts';
import type { Account } from './account.ts';
import type { AccountService } from './account-service.ts';
import { DIRECT_ACCOUNT_ID } from './direct-account.ts';

export const MWI_EXPIRES_S = 3_600;

interface AccountMwi {
  summary?: MessageSummary;
  updatedAt?: number;
  sub?: Subscription;
  view?: SubscriptionView;
}

export interface MwiServiceDeps {
  agent: EventAgent;
  accounts: AccountService;
  events: EventBus;
  clock: Clock;
  now: () => number;
  logger: Logger;
  dial: (p: DialParams, c: CommandContext) => Promise<CallSnapshot>;
}

export class MwiService {
  readonly #d: MwiServiceDeps;
  readonly #log: Logger;
  readonly #state = new Map<string, AccountMwi>();

  constructor(deps: MwiServiceDeps) {
    this.#d = deps;
    this.#log = deps.logger.child('mwi');
    deps.agent.onUnsolicited('message-summary', (n) => {
      if (n.body.length > MAX_SUMMARY_BYTES) return;
      this.#summary(n.accountId, n.body);
    });
  }

  /** The account registered: subscribe to its message summary (RFC 3842 §4.1: the Request-URI is our own AOR). */
  accountReady(account: Account): void {
    if (account.id === DIRECT_ACCOUNT_ID) return;
    const entry = this.#entry(account.id);
    if (entry.sub) return;
    entry.view = { state: 'subscribing' };
    entry.sub = this.#d.agent.subscribe(account.id, parseUri(account.aor), { event: { package: 'message-summary' }, accept: [MESSAGE_SUMMARY_TYPE], expires: MWI_EXPIRES_S }, {
      onNotify: (n) => {
        if (n.body.length > 0 && n.body.length <= MAX_SUMMARY_BYTES) this.#summary(account.id, n.body);
      },
      onChange: (view) => {
        entry.view = view;
        this.#emit(account.id);
      },
    });
  }

  async accountGone(accountId: string): Promise<void> {
    const entry = this.#state.get(accountId);
    this.#state.delete(accountId);
    if (entry?.sub) await this.#d.agent.unsubscribe(entry.sub);
  }

  list(): MwiSnapshot[] {
    return [...this.#state.keys()].flatMap((id) => {
      const s = this.#snapshot(id);
      return s ? [s] : [];
    });
  }

  async dial(accountId: string, c: CommandContext): Promise<CallSnapshot> {
    const account = this.#d.accounts.require(accountId);
    const target = account.voicemail ?? this.#state.get(accountId)?.summary?.account;
    if (!target) throw new ApiError('unavailable', 'no voicemail number for this account: set one in the account, or wait for the server to name the mailbox');
    return this.#d.dial({ target, accountId }, c);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#state.keys()].map((id) => this.accountGone(id)));
  }

  #entry(accountId: string): AccountMwi {
    let e = this.#state.get(accountId);
    if (!e) {
      e = {};
      this.#state.set(accountId, e);
    }
    return e;
  }

  #summary(accountId: string, body: Buffer): void {
    if (!this.#d.accounts.get(accountId)) return;
    let summary: MessageSummary;
    try {
      summary = parseMessageSummary(body);
    } catch (e) {
      this.#log.info('message summary not understood', { accountId, error: String(e) });
      return;
    }
    const entry = this.#entry(accountId);
    entry.summary = summary;
    entry.updatedAt = this.#d.now();
    this.#emit(accountId);
  }

  #snapshot(accountId: string): MwiSnapshot | undefined {
    const e = this.#state.get(accountId);
    if (!e) return undefined;
    const account = this.#d.accounts.get(accountId);
    const s = e.summary;
    const snap: MwiSnapshot = {
      accountId,
      waiting: s?.waiting ?? false,
      newMessages: s?.newMessages ?? 0,
      oldMessages: s?.oldMessages ?? 0,
      urgentNew: s?.urgentNew ?? 0,
      urgentOld: s?.urgentOld ?? 0,
    };
    if (s?.account) snap.messageAccount = s.account;
    const voicemail = account?.voicemail ?? s?.account;
    if (voicemail) snap.voicemail = voicemail;
    if (e.view) snap.subscription = toSubscriptionSnapshot(e.view, this.#d.clock, this.#d.now);
    if (e.updatedAt !== undefined) snap.updatedAt = e.updatedAt;
    return snap;
  }


  #emit(accountId: string): void {
    const snap = this.#snapshot(accountId);
    if (snap) this.#d.events.emit('mwi', snap);
  }
}
