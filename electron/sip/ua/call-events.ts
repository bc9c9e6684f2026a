/**
 * What a call tells the layer above (OutgoingCall and IncomingCall alike):
 * state changes with the SIP answer behind them, how it ended, DTMF and
 * messages received in the dialog, hold results, transfer progress.
 */
import type { SipOutcome } from './sip-outcome.ts';
import type { ReceivedRefer } from './received-refer.ts';

/** Why a call ended. */
export type CallEndCause =
  /** We sent BYE. */
  | 'local-hangup'
  /** The peer sent BYE. */
  | 'remote-hangup'
  /** CANCEL, sent by us (outgoing) or by the caller (incoming). */
  | 'cancelled'
  /** The INVITE got a final non-2xx (outgoing), or we declined it (incoming). */
  | 'rejected'
  /** No answer in time: INVITE timeout, or no ACK for our 2xx. */
  | 'timeout'
  /** Offer/answer failed (no usable SDP answer). */
  | 'media-failed'
  /** The media layer heard nothing from the peer for too long (it vanished): we sent BYE. */
  | 'media-timeout'
  /** The dialog vanished (481/408 to a request in it) or the transport failed. */
  | 'network'
  /** RFC 4028: the session was not refreshed in time (ours failed, or the peer's never came): we sent BYE. */
  | 'session-expired';

export interface CallEnd {
  cause: CallEndCause;
  /** Who ended it. */
  by: 'local' | 'remote';
  /** The SIP answer that explains the end (486 for busy, 487 for cancelled…), if one does. */
  outcome?: SipOutcome;
  /** More words for the expert, e.g. "redirect loop: sip:a@b was already tried". */
  detail?: string;
}

export interface CallStateChange<S extends string> {
  callId: string;
  state: S;
  previous: S;
  outcome?: SipOutcome;
}

export interface ProvisionalInfo {
  status: number;
  reason: string;
  /** The 18x carried an SDP answer: early media flows (RFC 3960). */
  earlyMedia: boolean;
}

export interface TransferProgress {
  /** 'accepted': 202 to our REFER; 'progress': a NOTIFY; 'failed': REFER refused or the transfer failed. */
  phase: 'accepted' | 'progress' | 'succeeded' | 'failed';
  /** The status the transferee reported (sipfrag) or the REFER's answer. */
  outcome?: SipOutcome;
}

export interface ReceivedDtmf {
  digit: string;
  durationMs: number;
}

export interface DialogMessage {
  contentType: string;
  body: string;
}

export interface CallEvents<S extends string> {
  state: CallStateChange<S>;
  ended: CallEnd;
  /** A provisional response (outgoing calls). */
  progress: ProvisionalInfo;
  /** A 3xx was followed: the INVITE goes to `target` now (RFC 3261 §8.1.3.4). */
  redirected: { target: string; outcome: SipOutcome };
  /** Our hold / resume re-INVITE finished (`held` is the state now). */
  hold: { held: boolean; outcome: SipOutcome };
  /** The peer sent a new offer (re-INVITE) and we answered it. */
  reoffer: { answered: boolean };
  dtmf: ReceivedDtmf;
  message: DialogMessage;
  transfer: TransferProgress;
  /** The peer asks us to call someone else (RFC 3515); accept or reject it. Unheard: 603. */
  refer: ReceivedRefer;
}
