/**
 * The subscriber side of one event subscription (RFC 6665 §4.1): a
 * SUBSCRIBE to a target for one package, the dialogs its NOTIFYs create
 * (a forked SUBSCRIBE may create several, §4.1.2.4 — each is a subscription
 * of its own, kept and refreshed separately, at most MAX_FORKS), refreshes
 * before expiry, resubscription after termination with back-off, and the
 * unsubscribe (Expires: 0, §4.1.2.3). Every request of ours meets digest
 * challenges on the one challenged-request path (ua/challenged-request.ts).
 *
 *            start()                 NOTIFY active|pending (or 2xx, then NOTIFY)
 *   idle ─────────────▶ subscribing ──────────────────────────▶ subscribed ◀─┐
 *                          │   ▲ │                                  │  │     │ refresh 2xx
 *       non-2xx, timeout,  │   │ │ 489, 403, 404, auth failure,     │  └─────┘ (per dialog)
 *       Timer N, NOTIFY    │   │ │ NOTIFY terminated;rejected|      │
 *       terminated;        │   │ │ noresource|invariant             │ last dialog ended
 *       probation|giveup   ▼   │ ▼                                  │ (terminated, 481,
 *                       waiting  failed ◀───────────────────────────┤  refresh failed)
 *                        │  ▲  (restart() → subscribing)            ▼
 *                        │  └──────────────────────────────── waiting / subscribing
 *       stop() from any state ──▶ unsubscribing ──▶ closed
 *
 * In `subscribing` an attempt first waits for its turn: at most
 * SUBSCRIBES_IN_FLIGHT out-of-dialog SUBSCRIBEs of the UA are out at once
 * (subscribe-window.ts), so 1,000 subscriptions start a few at a time; the
 * unsubscribes of `stop()` take the same turns, so they end a few at a time.
 * `waiting` retries after the server's retry-after or the RFC 5626 §4.5
 * back-off (refresh-policy.ts); `deactivated`/`timeout` resubscribe at once
 * (§4.1.3). Timer N (64×T1) ends an attempt that gets no NOTIFY. A NOTIFY
 * refused as out of order (500) refreshes its fork at once (subscribed →
 * subscribed), at most once per RESYNC_GAP_MS, to be sent the current state.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { compactNameAddr } from '../dialog/compact-address.ts';
import { Dialog } from '../dialog/dialog.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import { routeSetFromRecordRoute } from '../dialog/route-set.ts';
import { createResponse, cseqOf, fromOf, parseContacts, toOf } from '../message/index.ts';
import type { NameAddr, SipRequest, SipResponse, SipUri } from '../message/index.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import type { UaAccount } from '../ua/account.ts';
import { fieldsAsHeaders, sendChallenged, sendOutsideDialog } from '../ua/challenged-request.ts';
import type { DialogOwner } from '../ua/dialog-owner.ts';
import { refreshDelayMs, retryDelayMs, parseRetryAfter } from '../ua/refresh-policy.ts';
import type { RetryPolicy } from '../ua/refresh-policy.ts';
import { buildRequest } from '../ua/request-builder.ts';
import { statusInWords } from '../ua/status-reason.ts';
import { familyOf } from '../ua/target-resolver.ts';
import type { UaContext } from '../ua/ua-context.ts';
import { bodyType, expiresOf, formatEvent, minExpiresOf, parseEvent, parseSubscriptionState, sameEvent } from './event-headers.ts';
import type { EventHeader, SubscriptionStateValue } from './event-headers.ts';

export type SubscriberState = 'idle' | 'subscribing' | 'subscribed' | 'waiting' | 'failed' | 'unsubscribing' | 'closed';

const moves: Record<SubscriberState, readonly SubscriberState[]> = {
  idle: ['subscribing', 'unsubscribing', 'closed'],
  subscribing: ['subscribing', 'subscribed', 'waiting', 'failed', 'unsubscribing', 'closed'],
  subscribed: ['subscribing', 'subscribed', 'waiting', 'failed', 'unsubscribing', 'closed'],
  waiting: ['subscribing', 'unsubscribing', 'closed'],
  failed: ['subscribing', 'unsubscribing', 'closed'],
  unsubscribing: ['closed'],
  closed: [],
};

/** Forked subscriptions kept per SUBSCRIBE (§4.1.2.4); NOTIFYs of further forks are answered 481. */
export const MAX_FORKS = 4;
/** How many 423s (Min-Expires) one attempt follows. */
const MAX_INTERVAL_RETRIES = 2;

/** What the owner sees of the subscription (sip-level; the phone maps it to its snapshot). */
export interface SubscriptionView {
  state: 'subscribing' | 'pending' | 'active' | 'retrying' | 'terminated';
  reason?: string;
  code?: number;
  /** Clock ms (the injected clock) of the next attempt, while retrying. */
  retryAt?: number;
  /** Clock ms at which the soonest-expiring dialog lapses. */
  expiresAt?: number;
}

export interface ReceivedNotify {
  body: Buffer;
  contentType: string | undefined;
  /** Which fork it came from (its dialog's remote tag). */
  fork: string;
  state: SubscriptionStateValue;
  /** The fork's subscription ended with this NOTIFY. */
  ended: boolean;
}

export interface SubscriptionHandler {
  onNotify(notify: ReceivedNotify): void;
  onChange(view: SubscriptionView): void;
}

export interface SubscriptionOptions {
  event: EventHeader;
  /** Accept header: the body types we read. */
  accept: readonly string[];
  /** Expires asked for, seconds. */
  expires: number;
  identity?: string;
  retry?: RetryPolicy;
  /** Extra header fields of the SUBSCRIBE (e.g. Supported). */
  headers?: readonly [string, string][];
}

/** How the EventAgent knows which subscription a NOTIFY without a dialog belongs to. */
export interface SubscriptionRegistry {
  expect(callId: string, fromTag: string, subscription: Subscription): void;
  forget(callId: string, fromTag: string): void;
  /** Waits for a turn to send an out-of-dialog SUBSCRIBE (subscribe-window.ts); the function it gives ends the turn. */
  turn(): Promise<() => void>;
}

interface Attempt {
  callId: string;
  fromTag: string;
  cseq: number;
  /** Our From (with its tag) and Contact as the SUBSCRIBE carried them, for the dialogs its NOTIFYs create (not the whole request: it would be kept for the subscription's life). */
  local?: { from: NameAddr; contact: NameAddr | undefined };
}

/** One logger per UA for all its subscriptions (a child logger is a handful of closures; 1,000 subscriptions are common). */
const loggers = new WeakMap<Logger, Logger>();
function subscriptionLogger(parent: Logger): Logger {
  let log = loggers.get(parent);
  if (!log) {
    log = parent.child('subscription');
    loggers.set(parent, log);
  }
  return log;
}

interface Fork {
  dialog: Dialog;
  state: 'pending' | 'active';
  expiresAt: number | undefined;
  refresh: TimerHandle | undefined;
  refreshing: boolean;
  /** Clock ms of the last refresh sent because a NOTIFY was refused as out of order. */
  resyncAt?: number;
}

/** At most one state-asking refresh per fork in this time, whatever a notifier sends. */
export const RESYNC_GAP_MS = 2_000;

export class Subscription implements DialogOwner {
  readonly account: UaAccount;
  readonly target: SipUri;
  readonly options: SubscriptionOptions;
  #state: SubscriberState = 'idle';
  readonly #ctx: UaContext;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #handler: SubscriptionHandler;
  readonly #registry: SubscriptionRegistry;
  readonly #forks = new Map<string, Fork>();
  /** Remote tags of forks that ended: their late NOTIFYs are 481, not new forks (made when the first ends). */
  #ended: Set<string> | undefined;
  #attempt: Attempt | undefined;
  #timerN: TimerHandle | undefined;
  #retry: TimerHandle | undefined;
  #failures = 0;
  #view: SubscriptionView = { state: 'subscribing' };
  #expires: number;

  constructor(ctx: UaContext, account: UaAccount, target: SipUri, options: SubscriptionOptions, handler: SubscriptionHandler, registry: SubscriptionRegistry) {
    this.#ctx = ctx;
    this.#clock = ctx.clock;
    this.#log = subscriptionLogger(ctx.logger);
    this.account = account;
    this.target = target;
    this.options = options;
    this.#handler = handler;
    this.#registry = registry;
    this.#expires = options.expires;
  }

  get state(): SubscriberState {
    return this.#state;
  }
  get view(): SubscriptionView {
    return { ...this.#view };
  }
  get forkCount(): number {
    return this.#forks.size;
  }

  start(): void {
    if (this.#state !== 'idle') return;
    void this.#subscribe();
  }

  /**
   * Re-establishes the subscription (after re-registration or a network
   * change, our Contact may have changed): each fork is refreshed with the
   * current Contact; without forks a new SUBSCRIBE goes at once.
   */
  restart(): void {
    if (this.#state === 'closed' || this.#state === 'unsubscribing' || this.#state === 'idle') return;
    this.#failures = 0;
    if (this.#forks.size === 0) {
      if (this.#state !== 'subscribing') void this.#subscribe();
      return;
    }
    for (const fork of this.#forks.values()) void this.#refresh(fork, this.#expires, true);
  }

  /**
   * Unsubscribes every fork (Expires: 0) and ends; resolves once the answers
   * are in (or timed out). Each unsubscribe waits for its turn in the UA's
   * window like a new SUBSCRIBE: a phone that stops with 1,000 subscriptions
   * sent them all at once, and Kamailio (out of shared memory for the burst)
   * refused most with 500 — those subscriptions then stayed on the server for
   * their hour, and its NOTIFYs to the exited phone were retransmitted for
   * 32 s: the server refused the restarted phone's SUBSCRIBEs meanwhile.
   */
  async stop(): Promise<void> {
    if (this.#state === 'closed' || this.#state === 'unsubscribing') return;
    this.#transition('unsubscribing');
    this.#clearTimers();
    const forks = [...this.#forks.values()];
    await Promise.allSettled(
      forks.map(async (f) => {
        const leave = await this.#registry.turn();
        try {
          // Disposed while waiting (the UA closes): nothing more is sent.
          if (this.#state === 'unsubscribing') await this.#refresh(f, 0, false);
        } finally {
          leave();
        }
      }),
    );
    // dispose() may have closed it while the unsubscribes waited for their turns.
    if ((this.#state as SubscriberState) !== 'closed') this.#close();
  }

  /** Ends without sending anything (the UA closes). */
  dispose(): void {
    if (this.#state === 'closed') return;
    if (this.#state !== 'unsubscribing') this.#transition('unsubscribing');
    this.#close();
  }

  /** A NOTIFY that names this subscription's Call-ID and From tag but no dialog we know (RFC 6665 §4.1.2.4). */
  notifyWithoutDialog(request: SipRequest, tx: ServerTransaction): void {
    const remoteTag = fromOf(request).params.get('tag') ?? '';
    if (this.#state === 'closed' || this.#state === 'unsubscribing' || this.#ended?.has(remoteTag) === true || remoteTag === '') {
      tx.respond(createResponse(request, 481, 'Subscription Does Not Exist'));
      return;
    }
    if (this.#forks.size >= MAX_FORKS) {
      tx.respond(createResponse(request, 481, 'Subscription Does Not Exist'));
      return;
    }
    const dialog = this.#dialogFromNotify(request);
    if (!dialog) {
      tx.respond(createResponse(request, 400, 'Missing Contact'));
      return;
    }
    this.#ctx.dialogs.adopt(dialog);
    this.#ctx.bindDialog(dialog, this);
    this.#forks.set(remoteTag, { dialog, state: 'pending', expiresAt: undefined, refresh: undefined, refreshing: false });
    this.#notify(dialog, request, tx);
  }

  // --- DialogOwner ---

  onDialogRequest(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void {
    if (request.method !== 'NOTIFY') {
      tx.respond(createResponse(request, 405, 'Method Not Allowed'));
      return;
    }
    this.#notify(dialog, request, tx);
  }

  onReinvite(_dialog: Dialog, invite: IncomingInvite): void {
    invite.reject(405, 'Method Not Allowed');
  }

  /**
   * A NOTIFY refused as out of order (500): the notifier's NOTIFYs crossed,
   * and the one we refused may carry the newer state (Kamailio builds two
   * NOTIFYs of one subscription in two workers; the one built first can
   * leave second with the higher CSeq). A refresh makes the notifier send
   * its current state (RFC 6665 §4.2.1.2) instead of leaving a stale one
   * shown until the next change.
   */
  onOutOfOrder(dialog: Dialog, request: SipRequest): void {
    if (request.method !== 'NOTIFY' || this.#state !== 'subscribed') return;
    const fork = this.#forks.get(dialog.id.remoteTag);
    if (!fork || fork.dialog !== dialog) return;
    const now = this.#clock.now();
    if (fork.resyncAt !== undefined && now - fork.resyncAt < RESYNC_GAP_MS) return;
    fork.resyncAt = now;
    void this.#refresh(fork, this.#expires, false);
  }

  onDialogEnded(dialog: Dialog): void {
    const tag = dialog.id.remoteTag;
    const fork = this.#forks.get(tag);
    if (!fork || fork.dialog !== dialog) return;
    this.#dropFork(tag, false);
    if (this.#forks.size === 0 && (this.#state === 'subscribed' || this.#state === 'subscribing')) this.#wait(undefined, undefined, 'the subscription was lost');
  }

  // --- internals ---

  #stopped(): boolean {
    return this.#state === 'unsubscribing' || this.#state === 'closed';
  }

  #transition(to: SubscriberState): void {
    assertTransition('Subscription', moves, this.#state, to);
    this.#state = to;
  }

  #setView(view: SubscriptionView): void {
    this.#view = view;
    this.#handler.onChange({ ...view });
  }

  /** The state the owner sees, from the forks. */
  #refreshView(): void {
    if (this.#state !== 'subscribed') return;
    const forks = [...this.#forks.values()];
    const active = forks.some((f) => f.state === 'active');
    const expiries = forks.map((f) => f.expiresAt).filter((e): e is number => e !== undefined);
    const view: SubscriptionView = { state: active ? 'active' : 'pending' };
    if (expiries.length > 0) view.expiresAt = Math.min(...expiries);
    if (!active) view.reason = 'waiting for the other side to allow it';
    this.#setView(view);
  }

  async #subscribe(intervalRetries = 0): Promise<void> {
    this.#transition('subscribing');
    this.#clearRetry();
    if (this.#attempt) this.#registry.forget(this.#attempt.callId, this.#attempt.fromTag);
    const attempt: Attempt = { callId: randomUUID(), fromTag: randomUUID().slice(0, 8), cseq: 1 };
    this.#attempt = attempt;
    this.#registry.expect(attempt.callId, attempt.fromTag, this);
    if (this.#view.state !== 'subscribing') this.#setView({ state: 'subscribing' });
    const leave = await this.#registry.turn();
    try {
      if (this.#attempt !== attempt || this.#state !== 'subscribing') return;
      await this.#send(attempt, intervalRetries);
    } finally {
      leave();
    }
  }

  /** One attempt's SUBSCRIBE, sent in its turn, and what its final answer means. */
  async #send(attempt: Attempt, intervalRetries: number): Promise<void> {
    const account = this.account;
    let targets;
    try {
      targets = await this.#ctx.resolver.resolve(account.outboundProxy ?? this.target, account.transport, this.target);
      if (targets.length === 0) throw new Error('no address');
    } catch (err) {
      if (this.#attempt !== attempt || this.#state !== 'subscribing') return;
      this.#log.info('SUBSCRIBE target not resolved', { error: String(err) });
      this.#wait(undefined, 503, 'the server could not be found');
      return;
    }
    if (this.#attempt !== attempt || this.#state !== 'subscribing') return;
    const first = targets[0]!;
    const request = buildRequest({
      method: 'SUBSCRIBE',
      requestUri: this.target,
      from: account.identity(this.options.identity),
      fromTag: attempt.fromTag,
      to: { uri: { ...this.target, params: new Map(), headers: new Map() }, params: new Map() },
      callId: attempt.callId,
      cseq: attempt.cseq,
      routes: account.routeSet(),
      contact: this.#ctx.contact(account, first.protocol, familyOf(first.address), this.target.scheme === 'sips'),
      headers: [
        ['Event', formatEvent(this.options.event)],
        ['Expires', String(this.#expires)],
        ['Accept', this.options.accept.join(', ')],
        ...(this.options.headers ?? []),
      ],
      userAgent: this.#ctx.userAgent,
    });
    const contact = contactOf(request);
    attempt.local = { from: compactNameAddr(fromOf(request)), contact: contact && compactNameAddr(contact) };
    // Timer N (§4.1.2.4): an attempt without any NOTIFY within 64×T1 has failed.
    this.#clock.clearTimeout(this.#timerN);
    this.#timerN = this.#clock.setTimeout(() => this.#timerNFired(attempt), 64 * this.#ctx.layer.context.timers.T1);
    const done = await sendOutsideDialog(this.#ctx.layer, request, targets, account.authenticator, () => ++attempt.cseq);
    const response = done.response;
    if (this.#attempt !== attempt) return;
    if (this.#stopped()) {
      // Stopped while the SUBSCRIBE was out: end the subscription it may have made.
      if (response.status < 300) this.#unsubscribeLate(done.request, response);
      return;
    }
    const status = response.status;
    if (status >= 200 && status < 300) {
      this.#failures = 0;
      const granted = expiresOf(response);
      const tag = toOf(response).params.get('tag') ?? '';
      const fork = this.#forks.get(tag);
      if (fork && granted !== undefined) this.#schedule(fork, granted);
      // Without a NOTIFY yet the state stays 'subscribing' until one comes (or Timer N).
      return;
    }
    this.#clock.clearTimeout(this.#timerN);
    if (this.#forks.size > 0) return; // a fork's NOTIFY made a subscription: a failure elsewhere does not matter
    if (done.authFailure) {
      this.#fail(status, done.authFailure.message);
      return;
    }
    if (status === 423 && intervalRetries < MAX_INTERVAL_RETRIES) {
      const min = minExpiresOf(response);
      if (min !== undefined && min > this.#expires) {
        this.#expires = min;
        void this.#subscribe(intervalRetries + 1);
        return;
      }
    }
    if ([400, 403, 404, 405, 410, 416, 420, 484, 488, 489, 501, 603, 604, 606].includes(status)) {
      this.#fail(status, statusInWords(status));
      return;
    }
    this.#wait(parseRetryAfter(response.headers.get('Retry-After')), status, statusInWords(status));
  }

  #timerNFired(attempt: Attempt): void {
    this.#timerN = undefined;
    if (this.#attempt !== attempt || this.#state !== 'subscribing' || this.#forks.size > 0) return;
    this.#wait(undefined, 408, 'no NOTIFY came after the SUBSCRIBE');
  }

  get attempt(): { callId: string; fromTag: string } | undefined {
    return this.#attempt;
  }

  #dialogFromNotify(request: SipRequest): Dialog | undefined {
    const attempt = this.#attempt;
    if (!attempt?.local) return undefined;
    let contact: NameAddr | undefined;
    try {
      const list = parseContacts(request.headers.getAll('Contact'));
      contact = list === '*' ? undefined : list[0];
    } catch {
      contact = undefined;
    }
    if (!contact) return undefined;
    const ours = attempt.local.from;
    const notifier = fromOf(request);
    return new Dialog({
      role: 'uac',
      state: 'Confirmed',
      id: { callId: attempt.callId, localTag: attempt.fromTag, remoteTag: notifier.params.get('tag') ?? '' },
      localParty: ours,
      remoteParty: notifier,
      remoteTarget: contact.uri,
      // §4.1.2.4: the subscriber's route set comes from the NOTIFY's Record-Route, as a UAS builds it.
      routeSet: routeSetFromRecordRoute(request, 'uas'),
      localSeq: attempt.cseq,
      remoteSeq: cseqOf(request).seq,
      secure: false,
      localContact: attempt.local.contact,
      random: this.#ctx.random,
    });
  }

  #notify(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void {
    const tag = dialog.id.remoteTag;
    const fork = this.#forks.get(tag);
    const event = parseEvent(request);
    if (!fork || this.#state === 'closed' || this.#state === 'unsubscribing') {
      tx.respond(createResponse(request, 481, 'Subscription Does Not Exist'));
      return;
    }
    if (!event || !sameEvent(event, this.options.event)) {
      tx.respond(createResponse(request, 489, 'Bad Event'));
      return;
    }
    const sub = parseSubscriptionState(request);
    if (!sub) {
      tx.respond(createResponse(request, 400, 'Missing Subscription-State'));
      return;
    }
    dialog.refreshRemoteTarget(request);
    tx.respond(createResponse(request, 200, 'OK'));
    this.#clock.clearTimeout(this.#timerN);
    this.#timerN = undefined;
    const ended = sub.state === 'terminated';
    if (!ended) {
      fork.state = sub.state === 'active' ? 'active' : 'pending';
      if (sub.expires !== undefined) this.#schedule(fork, sub.expires);
      if (fork.state === 'active') this.#failures = 0;
      if (this.#state === 'subscribing' || this.#state === 'subscribed') this.#transition('subscribed');
    }
    if (request.body.length > 0 || !ended) {
      this.#handler.onNotify({ body: request.body, contentType: bodyType(request), fork: tag, state: sub.state, ended });
    }
    if (!ended) {
      this.#refreshView();
      return;
    }
    this.#dropFork(tag, true);
    if (this.#forks.size > 0) {
      this.#refreshView();
      return;
    }
    // §4.1.3: what the reason asks of the subscriber.
    const reason = sub.reason;
    if (reason === 'rejected') this.#fail(undefined, 'not allowed to watch');
    else if (reason === 'noresource') this.#fail(undefined, 'no such address to watch');
    else if (reason === 'invariant') this.#fail(undefined, 'the address cannot be watched');
    else if (reason === 'deactivated' || reason === 'timeout') void this.#subscribe();
    else this.#wait(sub.retryAfter, undefined, reason === 'probation' || reason === 'giveup' ? 'the server asked us to come back later' : 'the subscription ended');
  }

  #schedule(fork: Fork, expires: number): void {
    this.#clock.clearTimeout(fork.refresh);
    const now = this.#clock.now();
    fork.expiresAt = now + expires * 1000;
    fork.refresh = this.#clock.setTimeout(() => void this.#refresh(fork, this.#expires, false), refreshDelayMs(expires));
  }

  /** In-dialog SUBSCRIBE: a refresh, or with expires 0 the unsubscribe (§4.1.2.2, §4.1.2.3). */
  async #refresh(fork: Fork, expires: number, newContact: boolean): Promise<void> {
    if (fork.refreshing && expires !== 0) return;
    fork.refreshing = true;
    this.#clock.clearTimeout(fork.refresh);
    fork.refresh = undefined;
    const dialog = fork.dialog;
    if (dialog.state === 'Terminated') return;
    if (newContact) {
      const proto = this.account.transport;
      dialog.localContact = this.#ctx.contact(this.account, proto, familyOf(dialog.remoteTarget.host.replace(/^\[|\]$/g, '')));
    }
    const headers: [string, string][] = [
      ['Event', formatEvent(this.options.event)],
      ['Expires', String(expires)],
      ['Accept', this.options.accept.join(', ')],
    ];
    let response: SipResponse;
    try {
      const done = await sendChallenged(this.account.authenticator, (fields, previous) =>
        previous ? this.#ctx.dialogs.resend(dialog, previous.request, fieldsAsHeaders(fields)) : this.#ctx.dialogs.exchange(dialog, 'SUBSCRIBE', { headers }),
      );
      response = done.response;
    } catch (err) {
      this.#log.debug('refresh not sent', { error: String(err) });
      fork.refreshing = false;
      return;
    }
    fork.refreshing = false;
    if (expires === 0) {
      this.#dropFork(dialog.id.remoteTag, true);
      return;
    }
    if (this.#forks.get(dialog.id.remoteTag) !== fork) return;
    if (response.status >= 200 && response.status < 300) {
      this.#schedule(fork, expiresOf(response) ?? this.#expires);
      this.#refreshView();
      return;
    }
    // 481 (the notifier forgot us), 408, anything else: this fork is over; start again when none is left.
    this.#dropFork(dialog.id.remoteTag, true);
    if (this.#forks.size > 0) {
      this.#refreshView();
      return;
    }
    if (response.status === 481) void this.#subscribe();
    else this.#wait(parseRetryAfter(response.headers.get('Retry-After')), response.status, statusInWords(response.status));
  }

  #dropFork(tag: string, release: boolean): void {
    const fork = this.#forks.get(tag);
    if (!fork) return;
    this.#clock.clearTimeout(fork.refresh);
    this.#forks.delete(tag);
    this.#ended ??= new Set();
    this.#ended.add(tag);
    if (this.#ended.size > 64) this.#ended.delete(this.#ended.values().next().value!);
    if (release && fork.dialog.state !== 'Terminated') this.#ctx.dialogs.release(fork.dialog, 'subscription-ended');
  }

  #unsubscribeLate(request: SipRequest, response: SipResponse): void {
    if (response.status >= 300) return;
    const dialog = Dialog.fromUacResponse(request, response, false, this.#ctx.random);
    this.#ctx.dialogs.adopt(dialog);
    void this.#ctx.dialogs
      .exchange(dialog, 'SUBSCRIBE', { headers: [['Event', formatEvent(this.options.event)], ['Expires', '0']] })
      .catch(() => undefined)
      .finally(() => this.#ctx.dialogs.release(dialog, 'subscription-ended'));
  }

  /** Tries again later: after `retryAfterS` (server) or the back-off. */
  #wait(retryAfterS: number | undefined, code: number | undefined, reason: string): void {
    if (this.#state === 'closed' || this.#state === 'unsubscribing') return;
    for (const tag of [...this.#forks.keys()]) this.#dropFork(tag, true);
    this.#clock.clearTimeout(this.#timerN);
    this.#timerN = undefined;
    this.#failures++;
    const delay = retryDelayMs(this.#failures, retryAfterS, this.options.retry ?? SUBSCRIBE_RETRY, this.#ctx.random);
    this.#transition('waiting');
    this.#clearRetry();
    this.#retry = this.#clock.setTimeout(() => {
      this.#retry = undefined;
      if (this.#state === 'waiting') void this.#subscribe();
    }, delay);
    const view: SubscriptionView = { state: 'retrying', reason, retryAt: this.#clock.now() + delay };
    if (code !== undefined) view.code = code;
    this.#setView(view);
  }

  #fail(code: number | undefined, reason: string): void {
    if (this.#state === 'closed' || this.#state === 'unsubscribing') return;
    for (const tag of [...this.#forks.keys()]) this.#dropFork(tag, true);
    this.#clearTimers();
    this.#transition('failed');
    const view: SubscriptionView = { state: 'terminated', reason };
    if (code !== undefined) view.code = code;
    this.#setView(view);
  }

  #close(): void {
    this.#clearTimers();
    for (const tag of [...this.#forks.keys()]) this.#dropFork(tag, true);
    if (this.#attempt) this.#registry.forget(this.#attempt.callId, this.#attempt.fromTag);
    this.#transition('closed');
  }

  #clearRetry(): void {
    this.#clock.clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #clearTimers(): void {
    this.#clearRetry();
    this.#clock.clearTimeout(this.#timerN);
    this.#timerN = undefined;
    for (const f of this.#forks.values()) {
      this.#clock.clearTimeout(f.refresh);
      f.refresh = undefined;
    }
  }
}

/** Back-off of a failed subscription: 30 s base, at most 30 min (RFC 5626 §4.5's shape, refresh-policy.ts). */
export const SUBSCRIBE_RETRY: RetryPolicy = { baseMs: 15_000, maxMs: 1_800_000 };

function contactOf(request: SipRequest): NameAddr | undefined {
  try {
    const list = parseContacts(request.headers.getAll('Contact'));
    return list === '*' ? undefined : list[0];
  } catch {
    return undefined;
  }
}
