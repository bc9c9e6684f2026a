/**
 * What the INVITE usages (OutgoingInvite, IncomingInvite) need from the
 * DialogManager that owns them: the transaction layer, time, target
 * resolution, and the dialog table. Declared here so they do not import the
 * manager (imports flow one way).
 */
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { NameAddr, SipRequest, SipUri } from '../message/index.ts';
import type { TimerConfig } from '../transaction/timers.ts';
import type { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { SendTarget } from '../transport/transport.ts';
import type { Dialog } from './dialog.ts';

/** Why a dialog ended, as reported to the layer above. */
export type DialogEndReason =
  | 'bye-sent'
  | 'bye-received'
  /** The INVITE got a non-2xx final response (early dialogs of a UAC; the UAS's early dialog). */
  | 'rejected'
  | 'cancelled'
  /** UAC, §13.2.2.4: 64*T1 after the first 2xx, early dialogs that got no 2xx end. */
  | 'not-answered'
  /** UAS, §13.3.1.4: no ACK for the 2xx within 64*T1; a BYE was sent. */
  | 'ack-timeout'
  /** §12.2.1.2: a request in the dialog got 481 or 408. */
  | 'remote-gone'
  /** RFC 6665 §4.4.1: the subscription the dialog carried ended. */
  | 'subscription-ended'
  | 'closed';

/** A UAS 2xx waiting for its ACK (§13.3.1.4). */
export interface AwaitingAck {
  readonly seq: number;
  ackReceived(ack: SipRequest): void;
  /** The dialog ended: stop retransmitting. */
  stop(): void;
}

/** A UAS initial INVITE not answered yet: a BYE on its early dialog answers it 487 (§15.1.2). */
export interface PendingInvite {
  readonly state: string;
  reject(status: number, reason?: string): void;
}

export interface DialogContext {
  readonly layer: TransactionLayer;
  readonly clock: Clock;
  readonly timers: TimerConfig;
  readonly logger: Logger;
  readonly random: () => number;
  readonly retryOnGlare: boolean;
  /** RFC 3263: transport targets for a next-hop URI, in order. */
  resolve(uri: SipUri): Promise<SendTarget[]>;
  /** The Contact for responses that create a dialog (§12.1.1). */
  contactFor(request: SipRequest): NameAddr | undefined;
  register(dialog: Dialog, pending?: PendingInvite): void;
  end(dialog: Dialog, reason: DialogEndReason): void;
  /** Ends the dialog with a BYE (§13.3.1.4 ACK timeout). */
  bye(dialog: Dialog, reason: DialogEndReason): void;
  awaitAck(dialog: Dialog, waiter: AwaitingAck): void;
  stopAwaitingAck(dialog: Dialog): void;
}
