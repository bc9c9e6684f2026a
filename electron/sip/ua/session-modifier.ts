/**
 * Changing a session (RFC 3261 §14, RFC 3264 §8, RFC 3311): our re-INVITE
 * or UPDATE with a new offer from the media hook (hold, resume), a session
 * refresh (RFC 4028 §7.4: UPDATE without a body, or a re-INVITE offering
 * the session unchanged), and the peer's re-INVITE or UPDATE answered
 * through the hook — a re-INVITE without an offer gets ours in the 2xx and
 * its answer in the ACK (§14.2). Glare (491) is retried after the §14.1
 * back-off (by the dialog layer for a re-INVITE, here for an UPDATE,
 * RFC 3311 §5.1); a 401/407 is answered on the one challenged-request path.
 * An UPDATE works in an early dialog too (RFC 3311 §5.1), a re-INVITE only
 * in a confirmed one.
 */
import type { Dialog } from '../dialog/dialog.ts';
import { glareBackoff } from '../dialog/glare-backoff.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import type { SipResponse } from '../message/index.ts';
import type { OutgoingInvite } from '../dialog/outgoing-invite.ts';
import { RequestPendingError } from '../dialog/dialog-errors.ts';
import type { UaAccount } from './account.ts';
import { SDP_CONTENT_TYPE } from './media-hook.ts';
import type { MediaHook } from './media-hook.ts';
import { contentType } from './capabilities.ts';
import { fieldsAsHeaders, sendChallenged } from './challenged-request.ts';
import type { Exchange } from './challenged-request.ts';
import { outcomeOf } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import type { UaContext } from './ua-context.ts';

export interface SessionModifierInit {
  ctx: UaContext;
  account: UaAccount;
  media: MediaHook;
  /** Our hold/resume re-INVITE finished. */
  onHold: (held: boolean, outcome: SipOutcome) => void;
  /** The peer's re-INVITE was answered (true) or refused (false). */
  onReoffer: (answered: boolean) => void;
  /** Offer/answer broke: the call should end. */
  fail: (detail: string) => void;
  /** Extra header fields for each re-INVITE / UPDATE of ours (Session-Expires, Min-SE). */
  headers?: () => [string, string][];
  /** A 2xx to a re-INVITE / UPDATE of ours (it refreshes the session, RFC 4028 §7.4). */
  modified?: (response: SipResponse) => void;
  /** We sent the initial INVITE (the §14.1 back-off is longer for the Call-ID's owner). */
  ownsCallId: boolean;
}

export type ModifyMethod = 'INVITE' | 'UPDATE';

/** UPDATE glare retries at most (RFC 3311 §5.1 with the §14.1 back-off). */
const MAX_UPDATE_GLARE = 3;

export class SessionModifier {
  readonly #init: SessionModifierInit;
  #held = false;
  #pending: OutgoingInvite | undefined;
  /** An offer of ours waits for its answer (re-INVITE or UPDATE): the peer's new offer gets 491. */
  #offering = false;
  #stopped = false;

  constructor(init: SessionModifierInit) {
    this.#init = init;
  }

  get held(): boolean {
    return this.#held;
  }

  /** An offer of ours is out without its answer yet (RFC 3311 §5.2: a new offer from the peer is 491). */
  get offering(): boolean {
    return this.#offering;
  }

  /** The call ended: a glare retry waiting to go is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#pending?.abandonRetry();
  }

  /**
   * Our re-INVITE (or UPDATE) with the hook's new offer, its challenges
   * answered (challenged-request.ts). The answer is applied before the hold
   * state changes and 'hold' is reported: the state never runs ahead of the
   * media.
   */
  async modify(dialog: Dialog, hold: boolean, method: ModifyMethod = 'INVITE'): Promise<SipOutcome> {
    if ((method === 'INVITE' && dialog.inviteInProgress) || this.#pending || this.#offering) throw new RequestPendingError('a session change is already in progress');
    const { media } = this.#init;
    let done: Exchange;
    for (let attempt = 1; ; attempt++) {
      this.#offering = true;
      try {
        const offer = await media.createOffer({ hold });
        done = await this.#send(dialog, method, offer);
      } finally {
        this.#offering = false;
      }
      // RFC 3311 §5.1: UPDATE glare is retried after the §14.1 back-off with a fresh offer (the dialog layer does it for a re-INVITE).
      if (method !== 'UPDATE' || done.response.status !== 491 || attempt >= MAX_UPDATE_GLARE || this.#stopped) break;
      media.offerRejected?.();
      if (!(await this.#backOff(dialog))) break;
    }
    const result = outcomeOf(done.response);
    if (done.response.status >= 300) {
      media.offerRejected?.();
      this.#init.onHold(this.#held, result);
      return result;
    }
    try {
      await media.setAnswer(done.response.body.toString('utf8'));
    } catch (err) {
      this.#init.fail(`the answer to our ${method === 'UPDATE' ? 'UPDATE' : 're-INVITE'} is unusable: ${String(err)}`);
      return result;
    }
    this.#held = hold;
    this.#init.modified?.(done.response);
    this.#init.onHold(hold, result);
    return result;
  }

  /** The §14.1 back-off; false when the call or dialog ended meanwhile. */
  async #backOff(dialog: Dialog): Promise<boolean> {
    const { ctx } = this.#init;
    await new Promise<void>((resolve) => ctx.clock.setTimeout(resolve, glareBackoff(this.#init.ownsCallId, ctx.random)));
    return !this.#stopped && dialog.state !== 'Terminated';
  }

  /**
   * A session refresh (RFC 4028 §7.4): an UPDATE without a body (no new
   * offer/answer), or a re-INVITE offering the session as it is.
   */
  async refresh(dialog: Dialog, method: ModifyMethod): Promise<SipOutcome> {
    if (method === 'INVITE') return this.modify(dialog, this.#held, 'INVITE');
    if (this.#pending || this.#offering) throw new RequestPendingError('a session change is already in progress');
    const done = await this.#send(dialog, 'UPDATE', undefined);
    if (done.response.status < 300) this.#init.modified?.(done.response);
    return outcomeOf(done.response);
  }

  /** One re-INVITE or UPDATE with its challenges answered; resolves with its final answer. */
  async #send(dialog: Dialog, method: ModifyMethod, offer: string | undefined): Promise<Exchange> {
    const { ctx, account } = this.#init;
    const headers = this.#init.headers?.() ?? [];
    const content = (fields: [string, string][]) => ({
      ...(offer !== undefined ? { body: Buffer.from(offer), contentType: SDP_CONTENT_TYPE } : {}),
      headers: [...headers, ...fields],
    });
    if (method === 'INVITE') {
      return sendChallenged(account.authenticator, (fields) =>
        new Promise<Exchange>((resolve) => {
          const out = ctx.dialogs.reinvite(dialog, content(fieldsAsHeaders(fields)), {
            onAccepted: (_d, response) => resolve({ request: out.request, response }),
            onRejected: (response) => resolve({ request: out.request, response }),
          });
          this.#pending = out;
        }),
      ).finally(() => {
        this.#pending = undefined;
      });
    }
    return sendChallenged(account.authenticator, (fields, previous) =>
      previous ? ctx.dialogs.resend(dialog, previous.request, fieldsAsHeaders(fields)) : ctx.dialogs.exchange(dialog, 'UPDATE', content([])),
    );
  }

  /**
   * The peer's re-INVITE (the dialog checks already passed); `headers` go in
   * its 2xx (Session-Expires). Resolves true when it was accepted.
   */
  async answer(invite: IncomingInvite, headers: [string, string][] = []): Promise<boolean> {
    const { media } = this.#init;
    try {
      if (invite.request.body.length > 0) {
        if (contentType(invite.request) !== SDP_CONTENT_TYPE) {
          invite.reject(415, 'Unsupported Media Type', { headers: [['Accept', SDP_CONTENT_TYPE]] });
          return false;
        }
        const result = await media.answerOffer(invite.request.body.toString('utf8'));
        if (invite.state !== 'Pending' || this.#stopped) return false;
        if ('reject' in result) {
          invite.reject(488, 'Not Acceptable Here');
          this.#init.onReoffer(false);
          return false;
        }
        if ('busy' in result) {
          // RFC 3261 §14.2: a re-INVITE we cannot take now gets 500 with Retry-After; the call goes on as it was.
          invite.reject(500, 'Server Internal Error', { headers: [['Retry-After', '5']] });
          this.#init.onReoffer(false);
          return false;
        }
        invite.accept({ body: Buffer.from(result.answer), contentType: SDP_CONTENT_TYPE, headers });
        this.#init.onReoffer(true);
        return true;
      }
      // §14.2: no offer in the re-INVITE: ours goes in the 2xx, the answer comes in the ACK.
      const offer = await media.createOffer({ hold: this.#held });
      if (invite.state !== 'Pending' || this.#stopped) return false;
      invite.onAck = (ack) => {
        if (ack.body.length === 0) {
          this.#init.fail('the ACK carried no answer to our offer');
          return;
        }
        media.setAnswer(ack.body.toString('utf8')).catch((err: unknown) => this.#init.fail(`unusable answer in ACK: ${String(err)}`));
      };
      invite.accept({ body: Buffer.from(offer), contentType: SDP_CONTENT_TYPE, headers });
      this.#init.onReoffer(true);
      return true;
    } catch (err) {
      this.#init.ctx.logger.warn('re-INVITE not answered', { error: String(err) });
      if (invite.state === 'Pending') invite.reject(500, 'Server Internal Error');
      return false;
    }
  }

  /**
   * The peer's UPDATE with an offer (RFC 3311 §5.2), answered through the
   * hook: 491 while an offer of ours is out, 488 when nothing in it is
   * usable, 500 with Retry-After when there is no room now. The caller
   * sends the answer, then reports 'reoffer' (in that order on the wire).
   */
  async answerUpdate(offer: string): Promise<{ answer: string } | { status: number; reason: string; retryAfterS?: number }> {
    if (this.#offering || this.#pending) return { status: 491, reason: 'Request Pending' };
    const result = await this.#init.media.answerOffer(offer);
    if ('reject' in result) return { status: 488, reason: 'Not Acceptable Here' };
    if ('busy' in result) return { status: 500, reason: 'Server Internal Error', retryAfterS: 5 };
    return { answer: result.answer };
  }
}
