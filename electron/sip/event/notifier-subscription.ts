/**
 * The notifier side of one subscription to us (RFC 6665 §4.2): a watcher
 * subscribed directly to this phone (peer to peer, or a server relaying).
 * It lives in the dialog the SUBSCRIBE's 2xx made; every state change is a
 * NOTIFY with Subscription-State (§4.2.2), sent one at a time (a change
 * while a NOTIFY is out is sent after it, with the then-current document).
 *
 *                  allow()                    block() / terminate(reason)
 *   pending ─────────────────▶ active ───────────────────────────┐
 *      │ ▲ SUBSCRIBE refresh     │ ▲ SUBSCRIBE refresh             │
 *      │ └───────────────────────┘ └──(200 + NOTIFY)               ▼
 *      └── block(), expiry, Expires: 0, NOTIFY 481/408 ──────▶ terminated
 *
 * Pending NOTIFYs carry no document (the watcher may not see it yet,
 * §4.2.1.3); terminated ones say why (rejected, timeout, noresource).
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import { createResponse, formatNameAddr } from '../message/index.ts';
import type { SipRequest } from '../message/index.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import type { UaAccount } from '../ua/account.ts';
import { fieldsAsHeaders, sendChallenged } from '../ua/challenged-request.ts';
import type { DialogOwner } from '../ua/dialog-owner.ts';
import type { UaContext } from '../ua/ua-context.ts';
import { expiresOf, formatEvent, formatSubscriptionState, parseEvent, sameEvent } from './event-headers.ts';
import type { EventHeader, TerminationReason } from './event-headers.ts';

export type NotifierState = 'pending' | 'active' | 'terminated';

const moves: Record<NotifierState, readonly NotifierState[]> = {
  pending: ['active', 'terminated'],
  active: ['terminated'],
  terminated: [],
};

/** The shortest and longest subscription we grant, seconds (RFC 6665 §4.2.1.1: we may shorten, and 423 below the minimum). */
export const MIN_SUBSCRIBE_EXPIRES = 60;
export const MAX_SUBSCRIBE_EXPIRES = 3_600;

export interface NotifierDocument {
  contentType: string;
  body: string;
}

export interface NotifierOptions {
  account: UaAccount;
  dialog: Dialog;
  event: EventHeader;
  /** Seconds granted. */
  expires: number;
  state: 'pending' | 'active';
  /** The watcher, for the owner's bookkeeping. */
  watcher: string;
  /** The current document to send while active. */
  document: () => NotifierDocument | undefined;
  onEnded: (sub: NotifierSubscription) => void;
}

export class NotifierSubscription implements DialogOwner {
  readonly account: UaAccount;
  readonly dialog: Dialog;
  readonly event: EventHeader;
  readonly watcher: string;
  #state: NotifierState;
  readonly #ctx: UaContext;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #document: () => NotifierDocument | undefined;
  readonly #onEnded: (sub: NotifierSubscription) => void;
  #expiry: TimerHandle | undefined;
  #expiresAt = 0;
  #sending = false;
  #again = false;
  #endReason: TerminationReason | undefined;

  constructor(ctx: UaContext, o: NotifierOptions) {
    this.#ctx = ctx;
    this.#clock = ctx.clock;
    this.#log = ctx.logger.child('notifier');
    this.account = o.account;
    this.dialog = o.dialog;
    this.event = o.event;
    this.watcher = o.watcher;
    this.#state = o.state;
    this.#document = o.document;
    this.#onEnded = o.onEnded;
    this.#arm(o.expires);
  }

  get state(): NotifierState {
    return this.#state;
  }

  /** Sends the first NOTIFY (§4.2.1.2: right after the 2xx). */
  start(): void {
    this.#send();
  }

  allow(): void {
    if (this.#state !== 'pending') return;
    this.#transition('active');
    this.#send();
  }

  block(): void {
    this.terminate('rejected');
  }

  /** The document changed: NOTIFY it (while active). */
  changed(): void {
    if (this.#state === 'active') this.#send();
  }

  terminate(reason: TerminationReason): void {
    if (this.#state === 'terminated') return;
    this.#endReason = reason;
    this.#transition('terminated');
    this.#clock.clearTimeout(this.#expiry);
    this.#send();
  }

  // --- DialogOwner ---

  onDialogRequest(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void {
    if (request.method !== 'SUBSCRIBE') {
      tx.respond(createResponse(request, 405, 'Method Not Allowed'));
      return;
    }
    const event = parseEvent(request);
    if (!event || !sameEvent(event, this.event)) {
      tx.respond(createResponse(request, 489, 'Bad Event'));
      return;
    }
    if (this.#state === 'terminated') {
      tx.respond(createResponse(request, 481, 'Subscription Does Not Exist'));
      return;
    }
    const asked = expiresOf(request) ?? MAX_SUBSCRIBE_EXPIRES;
    if (asked !== 0 && asked < MIN_SUBSCRIBE_EXPIRES) {
      const r = createResponse(request, 423, 'Interval Too Brief');
      r.headers.set('Min-Expires', String(MIN_SUBSCRIBE_EXPIRES));
      tx.respond(r);
      return;
    }
    dialog.refreshRemoteTarget(request);
    const granted = Math.min(asked, MAX_SUBSCRIBE_EXPIRES);
    const ok = createResponse(request, 200, 'OK');
    ok.headers.set('Expires', String(granted));
    if (dialog.localContact) ok.headers.set('Contact', formatNameAddr(dialog.localContact));
    tx.respond(ok);
    if (granted === 0) {
      // §4.2.1.3: an unsubscribe (or a fetch) is answered with a last NOTIFY.
      this.terminate('timeout');
      return;
    }
    this.#arm(granted);
    this.#send();
  }

  onReinvite(_dialog: Dialog, invite: IncomingInvite): void {
    invite.reject(405, 'Method Not Allowed');
  }

  onDialogEnded(): void {
    if (this.#state !== 'terminated') {
      this.#transition('terminated');
      this.#clock.clearTimeout(this.#expiry);
    }
    this.#onEnded(this);
  }

  // --- internals ---

  #transition(to: NotifierState): void {
    assertTransition('NotifierSubscription', moves, this.#state, to);
    this.#state = to;
  }

  #arm(expires: number): void {
    this.#clock.clearTimeout(this.#expiry);
    this.#expiresAt = this.#clock.now() + expires * 1000;
    this.#expiry = this.#clock.setTimeout(() => this.terminate('timeout'), expires * 1000);
  }

  #send(): void {
    if (this.#sending) {
      this.#again = true;
      return;
    }
    if (this.dialog.state === 'Terminated') return;
    this.#sending = true;
    const state = this.#state;
    const remaining = Math.max(0, Math.round((this.#expiresAt - this.#clock.now()) / 1000));
    const header = formatSubscriptionState(state === 'terminated' ? { state, reason: this.#endReason ?? 'timeout' } : { state, expires: remaining });
    const headers: [string, string][] = [['Event', formatEvent(this.event)], ['Subscription-State', header]];
    const doc = state === 'active' ? this.#document() : undefined;
    const content = doc ? { headers, body: Buffer.from(doc.body, 'utf8'), contentType: doc.contentType } : { headers };
    const dialogs = this.#ctx.dialogs;
    void sendChallenged(this.account.authenticator, (fields, previous) =>
      previous ? dialogs.resend(this.dialog, previous.request, fieldsAsHeaders(fields)) : dialogs.exchange(this.dialog, 'NOTIFY', content),
    )
      .then((done) => {
        const status = done.response.status;
        // §4.2.2: 481 (or a timeout) means the watcher is gone; the dialog manager ended the dialog on 481/408.
        if ((status === 481 || status === 408 || status >= 500) && this.#state !== 'terminated') {
          this.#endReason = 'giveup';
          this.#transition('terminated');
          this.#clock.clearTimeout(this.#expiry);
        }
      })
      .catch((err: unknown) => this.#log.debug('NOTIFY not sent', { error: String(err) }))
      .finally(() => {
        this.#sending = false;
        if (state === 'terminated' || this.#state === 'terminated') {
          if (this.#again && state !== 'terminated') {
            this.#again = false;
            this.#send();
            return;
          }
          if (this.dialog.state !== 'Terminated') this.#ctx.dialogs.release(this.dialog, 'subscription-ended');
          return;
        }
        if (this.#again) {
          this.#again = false;
          this.#send();
        }
      });
  }
}
