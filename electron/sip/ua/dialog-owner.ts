/**
 * The UA core's side of a dialog: the call that owns it gets the requests
 * the DialogManager hands up for it (RFC 3261 §12.2.2) and its end.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { DialogEndReason } from '../dialog/dialog-context.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import type { SipRequest } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';

export interface DialogOwner {
  onDialogRequest(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void;
  onReinvite(dialog: Dialog, invite: IncomingInvite): void;
  onDialogEnded(dialog: Dialog, reason: DialogEndReason): void;
  /** A request of the dialog was refused with 500 as out of order (RFC 3261 §12.2.2). */
  onOutOfOrder?(dialog: Dialog, request: SipRequest): void;
}
