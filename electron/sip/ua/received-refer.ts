/**
 * A REFER we received in a call (RFC 3515): the peer asks us to call
 * `referTo` (a blind transfer). The layer above decides; accepting answers
 * 202 and opens the implicit subscription, whose NOTIFYs (message/sipfrag,
 * RFC 3420) report how our call to the new target goes (§2.4.5). The final
 * NOTIFY terminates the subscription.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { DialogManager } from '../dialog/dialog-manager.ts';
import { createResponse, cseqOf, formatUri, parseNameAddr } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import { SIPFRAG_TYPE, formatSipfrag } from './sipfrag.ts';

export type ReceivedReferState = 'pending' | 'accepted' | 'rejected' | 'terminated';

/** How long the implicit subscription lasts unless a final NOTIFY ends it sooner (RFC 3515 §2.4.4 leaves it to us). */
const SUBSCRIPTION_SECONDS = 60;

export class ReceivedRefer {
  /** The URI to call, as the Refer-To header gives it (RFC 3515 §2.1). */
  readonly referTo: string;
  readonly referredBy: string | undefined;
  readonly #request: SipRequest;
  readonly #tx: ServerTransaction;
  readonly #dialogs: DialogManager;
  readonly #dialog: Dialog;
  #state: ReceivedReferState = 'pending';

  constructor(request: SipRequest, tx: ServerTransaction, dialogs: DialogManager, dialog: Dialog) {
    this.#request = request;
    this.#tx = tx;
    this.#dialogs = dialogs;
    this.#dialog = dialog;
    const referTo = request.headers.get('Refer-To');
    if (referTo === undefined) throw new Error('REFER without Refer-To');
    this.referTo = uriText(referTo);
    const by = request.headers.get('Referred-By');
    this.referredBy = by === undefined ? undefined : uriText(by);
  }

  get state(): ReceivedReferState {
    return this.#state;
  }

  /** 202 Accepted, then the first NOTIFY ("100 Trying", §2.4.5). */
  accept(): Promise<SipResponse | undefined> {
    if (this.#state !== 'pending') throw new Error(`ReceivedRefer.accept: already ${this.#state}`);
    this.#state = 'accepted';
    this.#tx.respond(createResponse(this.#request, 202, 'Accepted'));
    return this.notify(100, 'Trying');
  }

  reject(status = 603, reason?: string): void {
    if (this.#state !== 'pending') throw new Error(`ReceivedRefer.reject: already ${this.#state}`);
    this.#state = 'rejected';
    this.#tx.respond(createResponse(this.#request, status, reason));
  }

  /** Reports the status of our call to the new target; a final one (≥ 200) ends the subscription. */
  async notify(status: number, reason: string): Promise<SipResponse | undefined> {
    if (this.#state !== 'accepted') return undefined;
    const final = status >= 200;
    if (final) this.#state = 'terminated';
    if (this.#dialog.state === 'Terminated') return undefined;
    return this.#dialogs.request(this.#dialog, 'NOTIFY', {
      body: Buffer.from(formatSipfrag(status, reason)),
      contentType: `${SIPFRAG_TYPE};version=2.0`,
      headers: [
        ['Event', `refer;id=${cseqOf(this.#request).seq}`],
        ['Subscription-State', final ? 'terminated;reason=noresource' : `active;expires=${SUBSCRIPTION_SECONDS}`],
      ],
    });
  }
}

function uriText(value: string): string {
  try {
    return formatUri(parseNameAddr(value).uri);
  } catch {
    return value.trim();
  }
}
