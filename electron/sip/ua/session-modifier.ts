/**
 * Changing an established session (RFC 3261 §14, RFC 3264 §8): our
 * re-INVITE with a new offer from the media hook (hold, resume), and the
 * peer's re-INVITE answered through the hook — with its offer in the INVITE,
 * or without one (we offer in the 2xx, the answer comes in the ACK, §14.2).
 * Glare (491) is retried by the dialog layer after the §14.1 back-off; a
 * 401/407 is answered on the one challenged-request path.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
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
}

export class SessionModifier {
  readonly #init: SessionModifierInit;
  #held = false;
  #pending: OutgoingInvite | undefined;
  #stopped = false;

  constructor(init: SessionModifierInit) {
    this.#init = init;
  }

  get held(): boolean {
    return this.#held;
  }

  /** The call ended: a glare retry waiting to go is dropped. */
  stop(): void {
    this.#stopped = true;
    this.#pending?.abandonRetry();
  }

  /**
   * Our re-INVITE with the hook's new offer, its challenges answered
   * (challenged-request.ts). The answer is applied before the hold state
   * changes and 'hold' is reported: the state never runs ahead of the media.
   */
  async modify(dialog: Dialog, hold: boolean): Promise<SipOutcome> {
    if (dialog.inviteInProgress || this.#pending) throw new RequestPendingError('a re-INVITE is already in progress');
    const { ctx, media, account } = this.#init;
    const offer = await media.createOffer({ hold });
    const done = await sendChallenged(account.authenticator, (fields) =>
      new Promise<Exchange>((resolve) => {
        const out = ctx.dialogs.reinvite(dialog, { body: Buffer.from(offer), contentType: SDP_CONTENT_TYPE, headers: fieldsAsHeaders(fields) }, {
          onAccepted: (_d, response) => resolve({ request: out.request, response }),
          onRejected: (response) => resolve({ request: out.request, response }),
        });
        this.#pending = out;
      }),
    ).finally(() => {
      this.#pending = undefined;
    });
    const result = outcomeOf(done.response);
    if (done.response.status >= 300) {
      media.offerRejected?.();
      this.#init.onHold(this.#held, result);
      return result;
    }
    try {
      await media.setAnswer(done.response.body.toString('utf8'));
    } catch (err) {
      this.#init.fail(`the answer to our re-INVITE is unusable: ${String(err)}`);
      return result;
    }
    this.#held = hold;
    this.#init.onHold(hold, result);
    return result;
  }

  /** The peer's re-INVITE (the dialog checks already passed). */
  async answer(invite: IncomingInvite): Promise<void> {
    const { media } = this.#init;
    try {
      if (invite.request.body.length > 0) {
        if (contentType(invite.request) !== SDP_CONTENT_TYPE) {
          invite.reject(415, 'Unsupported Media Type', { headers: [['Accept', SDP_CONTENT_TYPE]] });
          return;
        }
        const result = await media.answerOffer(invite.request.body.toString('utf8'));
        if (invite.state !== 'Pending' || this.#stopped) return;
        if ('reject' in result) {
          invite.reject(488, 'Not Acceptable Here');
          this.#init.onReoffer(false);
          return;
        }
        if ('busy' in result) {
          // RFC 3261 §14.2: a re-INVITE we cannot take now gets 500 with Retry-After; the call goes on as it was.
          invite.reject(500, 'Server Internal Error', { headers: [['Retry-After', '5']] });
          this.#init.onReoffer(false);
          return;
        }
        invite.accept({ body: Buffer.from(result.answer), contentType: SDP_CONTENT_TYPE });
        this.#init.onReoffer(true);
        return;
      }
      // §14.2: no offer in the re-INVITE: ours goes in the 2xx, the answer comes in the ACK.
      const offer = await media.createOffer({ hold: this.#held });
      if (invite.state !== 'Pending' || this.#stopped) return;
      invite.onAck = (ack) => {
        if (ack.body.length === 0) {
          this.#init.fail('the ACK carried no answer to our offer');
          return;
        }
        media.setAnswer(ack.body.toString('utf8')).catch((err: unknown) => this.#init.fail(`unusable answer in ACK: ${String(err)}`));
      };
      invite.accept({ body: Buffer.from(offer), contentType: SDP_CONTENT_TYPE });
      this.#init.onReoffer(true);
    } catch (err) {
      this.#init.ctx.logger.warn('re-INVITE not answered', { error: String(err) });
      if (invite.state === 'Pending') invite.reject(500, 'Server Internal Error');
    }
  }
}
