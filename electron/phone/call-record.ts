/**
 * One call as the phone keeps it: the SIP call and its media session joined,
 * plus what only the phone knows (the contact the caller resolved to, the
 * client that answered, the history row), and its API snapshot.
 *
 * The API's call state is derived, not stored twice: the SIP call's state,
 * refined by hold — ours ('held', RFC 3264 §8.4 a=sendonly) before the peer's
 * ('remote-held', its sendonly/inactive offer).
 *
 *   SIP outgoing: dialing → ringing → early → active ; cancelling, ending → ending
 *   SIP incoming: incoming → early → connecting → active → ending → ended
 */
import type { CallSnapshot, CallState, Direction, IncomingCallSnapshot } from '../api/snapshots.ts';
import type { MediaSession } from '../media/session/media-session.ts';
import type { MediaSessionStats } from '../media/session/media-session-options.ts';
import type { IncomingCall } from '../sip/ua/incoming-call.ts';
import type { OutgoingCall } from '../sip/ua/outgoing-call.ts';
import type { SipOutcome } from '../sip/ua/sip-outcome.ts';
import type { ResolvedCaller } from './contact-directory.ts';
import { describeSecurity } from './call-security.ts';
import type { Account } from './account.ts';


/** Why a call whose peer went silent (no RTP, no RTCP) was ended, in words. */
export const PEER_SILENT = 'the other side stopped sending audio';

export type SipCall = OutgoingCall | IncomingCall;

const SIP_TO_API: Record<string, CallState> = {
  dialing: 'dialing',
  ringing: 'ringing',
  early: 'early',
  incoming: 'incoming',
  connecting: 'connecting',
  active: 'active',
  cancelling: 'ending',
  ending: 'ending',
  ended: 'ended',
};

export interface CallRecordInit {
  id: string;
  direction: Direction;
  accountId: string;
  sip: SipCall;
  session: MediaSession;
  remote: { uri: string; displayName?: string };
  localIdentity: string;
  startedAt: number;
  caller?: ResolvedCaller;
  calledAlias?: string;
  /** The account's transport and servers, for the words on what protects the call. */
  account?: Pick<Account, 'transport' | 'srtp' | 'sdesInClear' | 'outboundProxy' | 'registrar' | 'aor'>;
}

export class CallRecord {
  readonly id: string;
  readonly direction: Direction;
  readonly accountId: string;
  readonly sip: SipCall;
  readonly session: MediaSession;
  readonly remote: { uri: string; displayName?: string };
  readonly localIdentity: string;
  readonly startedAt: number;
  readonly caller: ResolvedCaller | undefined;
  readonly calledAlias: string | undefined;
  readonly #account: CallRecordInit['account'];
  answeredAt: number | undefined;
  endedAt: number | undefined;
  outcome: SipOutcome | undefined;
  /** The client (CommandContext.client) whose audio the call uses. */
  client: string | undefined;
  historyId: number | undefined;
  /** Statistics as they were when the call ended (or last sent). */
  lastStats: MediaSessionStats | undefined;
  /** Devices were opened for the call. */
  audioOpen = false;
  /** The call has been shown to the hosts ('call' / 'call.incoming' sent). */
  announced = false;

  constructor(init: CallRecordInit) {
    this.id = init.id;
    this.direction = init.direction;
    this.accountId = init.accountId;
    this.#account = init.account;
    this.sip = init.sip;
    this.session = init.session;
    this.remote = init.remote;
    this.localIdentity = init.localIdentity;
    this.startedAt = init.startedAt;
    this.caller = init.caller;
    this.calledAlias = init.calledAlias;
  }

  get ended(): boolean {
    return this.sip.isEnded;
  }

  /** Connected, whether held or not. */
  get established(): boolean {
    return this.sip.state === 'active';
  }

  get held(): boolean {
    return this.sip.held;
  }

  get state(): CallState {
    const s = SIP_TO_API[this.sip.state] ?? 'ended';
    if (s !== 'active') return s;
    if (this.sip.held) return 'held';
    if (this.session.remoteHold) return 'remote-held';
    return 'active';
  }

  snapshot(): CallSnapshot {
    const remote: CallSnapshot['remote'] = { uri: this.remote.uri };
    if (this.remote.displayName !== undefined) remote.displayName = this.remote.displayName;
    if (this.caller?.contactId !== undefined) remote.contactId = this.caller.contactId;
    else if (this.caller) remote.contactId = this.caller.contact.id;
    if (this.caller) remote.contactName = this.caller.name;
    const s: CallSnapshot = {
      id: this.id,
      accountId: this.accountId,
      direction: this.direction,
      state: this.state,
      remote,
      localIdentity: this.localIdentity,
      startedAt: this.startedAt,
      muted: this.session.muted,
      held: this.sip.held,
      earlyMedia: this.sip.earlyMedia,
      srtp: this.session.negotiated?.srtp !== undefined,
    };
    if (this.answeredAt !== undefined) s.answeredAt = this.answeredAt;
    if (this.endedAt !== undefined) s.endedAt = this.endedAt;
    if (this.outcome) {
      s.code = this.outcome.status;
      s.reason = this.outcome.reason;
      s.words = this.outcome.words;
      // The UA's own reason beside the server's answer, e.g. "asked for the password of another realm (x)".
      const detail = this.sip.end?.detail;
      if (detail && s.words) s.words = `${s.words} (${detail})`;
    }
    if (this.sip.id) s.sipCallId = this.sip.id;
    const end = this.sip.end;
    if (end?.cause === 'media-failed') s.failure = end.detail ?? 'the media could not be set up';
    if (end?.cause === 'media-timeout') s.failure = end.detail ?? PEER_SILENT;
    const negotiated = this.session.negotiated;
    const codec = negotiated?.codec;
    if (codec) s.codec = `${codec.name}/${codec.clockRate}`;
    if (negotiated) s.security = describeSecurity(this.#account, negotiated.srtp?.suite);
    return s;
  }

  incomingSnapshot(): IncomingCallSnapshot {
    const s: IncomingCallSnapshot = { ...this.snapshot(), calledAlias: this.calledAlias ?? this.localIdentity };
    if (this.caller) s.contact = this.caller.contact;
    return s;
  }
}
