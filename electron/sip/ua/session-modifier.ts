/**
 * Changing an established session (RFC 3261 §14, RFC 3264 §8): our
 * re-INVITE with a new offer from the media hook (hold, resume), and the
 * peer's re-INVITE answered through the hook — with its offer in the INVITE,
 * or without one (we offer in the 2xx, the answer comes in the ACK, §14.2).
 * Glare (491) is retried by the dialog layer after the §14.1 back-off; one
 * 401/407 is answered with credentials.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import type { OutgoingInvite } from '../dialog/outgoing-invite.ts';
import type { Account } from './account.ts';
import { SDP_CONTENT_TYPE } from './media-hook.ts';
import type { MediaHook } from './media-hook.ts';
import { contentType } from './capabilities.ts';
import { outcomeOf } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import type { UaContext } from './ua-context.ts';

export interface SessionModifierInit {
  ctx: UaContext;
  account: Account;
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

  async modify(dialog: Dialog, hold: boolean): Promise<SipOutcome> {
    if (dialog.inviteInProgress || this.#pending) throw new Error('a re-INVITE is already in progress');
    const { ctx, media, account } = this.#init;
    const offer = await media.createOffer({ hold });
    return new Promise<SipOutcome>((resolve, reject) => {
      let authTried = false;
      const send = (extra: [string, string][]) => {
        const out = ctx.dialogs.reinvite(dialog, { body: Buffer.from(offer), contentType: SDP_CONTENT_TYPE, headers: extra }, {
          onAccepted: (_d, response) => {
            this.#pending = undefined;
            const result = outcomeOf(response);
            this.#held = hold;
            media.setAnswer(response.body.toString('utf8')).catch((err: unknown) => this.#init.fail(`the answer to our re-INVITE is unusable: ${String(err)}`));
            this.#init.onHold(hold, result);
            resolve(result);
          },
          onRejected: (response) => {
            this.#pending = undefined;
            if ((response.status === 401 || response.status === 407) && !authTried && dialog.state === 'Confirmed') {
              authTried = true;
              const answer = account.authenticator.authorize(out.request, response);
              if (answer.ok) {
                send(answer.fields.map((f): [string, string] => [f.name, f.value]));
                return;
              }
            }
            media.offerRejected?.();
            const result = outcomeOf(response);
            this.#init.onHold(this.#held, result);
            resolve(result);
          },
        });
        this.#pending = out;
      };
      try {
        send([]);
      } catch (err) {
        this.#pending = undefined;
        reject(err);
      }
    });
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
