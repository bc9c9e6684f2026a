/**
 * A call we receive (the UAS side, RFC 3261 §13.3). The UserAgent asks the
 * media hook for an answer to the offer before it announces the call, so a
 * call whose offer cannot be answered is refused with 488 without ringing
 * anyone. 100 Trying is sent by the INVITE server transaction when the core
 * is slower than 200 ms (§17.2.1); ring() sends 180, startEarlyMedia() 183
 * with the answer; accept() the 2xx (with the answer, or with our offer when
 * the INVITE had none, whose answer then comes in the ACK, §13.2.1);
 * decline() 486 / 603 / any failure; redirect() 302 with the new target in
 * Contact (§8.3, call forwarding); a CANCEL is answered 487 by the dialog
 * layer (§9.2).
 *
 * RFC 3262: when the caller requires 100rel every 18x goes reliably; when it
 * only supports it, the 183 with our answer does (so the answer is
 * delivered and UPDATE becomes possible, RFC 3311 §5.1). The 2xx waits for
 * the PRACK of a reliable 18x that carried SDP, and then carries no SDP of
 * its own (the answer was given). RFC 4028 §9: the INVITE's Session-Expires
 * is refused with 422 below our Min-SE, else granted in the 2xx with the
 * refresher chosen (session-expires.ts), and the timer runs from the 2xx.
 *
 *   incoming ── startEarlyMedia() ──▶ early
 *      │  accept()                      │ accept()
 *      └──────────────▶ connecting ◀────┘
 *                          │ ACK
 *                          ▼
 *   active ── hangup() ──▶ ending ── BYE answered ──▶ ended
 *   incoming / early ── decline(), redirect(), CANCEL, BYE on the early dialog ──▶ ended
 *   connecting ── no ACK (64*T1): BYE sent ──▶ ended
 *   connecting ── ACK (with the answer to our offer applied first) ──▶ active
 *   active ── BYE received, dialog gone ──▶ ended
 */
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import { formatUri, fromOf, toOf } from '../message/index.ts';
import type { NameAddr, SipRequest } from '../message/index.ts';
import type { UaAccount } from './account.ts';
import { Call } from './call.ts';
import type { CallParty } from './call.ts';
import { contentType, dialogCapabilityHeaders } from './capabilities.ts';
import type { Dialog } from '../dialog/dialog.ts';
import { parseRAck } from '../dialog/reliable-provisional.ts';
import { createResponse } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import { answerTimerRequest, supportsOption } from './session-expires.ts';
import { callerIdentity } from './caller-identity.ts';
import type { CallerIdentity } from './caller-identity.ts';
import type { SessionInterval } from './session-expires.ts';
import { SDP_CONTENT_TYPE } from './media-hook.ts';
import type { MediaHook } from './media-hook.ts';
import { outcome } from './sip-outcome.ts';
import { CallStateError } from './ua-errors.ts';
import { familyOf } from './target-resolver.ts';
import type { UaContext } from './ua-context.ts';

export type IncomingCallState = 'incoming' | 'early' | 'connecting' | 'active' | 'ending' | 'ended';

const moves: Record<IncomingCallState, readonly IncomingCallState[]> = {
  incoming: ['early', 'connecting', 'ended'],
  early: ['connecting', 'ended'],
  connecting: ['active', 'ending', 'ended'],
  active: ['ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

/** Retry-After on a 486 for lack of room: long enough for a flood to pass, short enough for a person to redial. */
const DEFAULT_RETRY_AFTER_S = 30;

export class IncomingCall extends Call<IncomingCallState> {
  readonly direction = 'incoming' as const;
  /** The INVITE as received (for caller-ID headers such as P-Asserted-Identity, Subject...). */
  readonly request: SipRequest;
  /** Which of the account's addresses was called. */
  readonly calledAlias: string;
  /** The asserted identity (from the account's server only), privacy and forwarding (caller-identity.ts). */
  readonly identity: CallerIdentity;
  /**
   * The call this one replaces (RFC 3891: an INVITE with Replaces the UA
   * judged acceptable, replaces.ts). The layer above answers it without
   * ringing and ends the replaced call once this one is connected.
   */
  replaces: Call<string> | undefined;
  readonly #invite: IncomingInvite;
  readonly #contact: NameAddr;
  /** Our answer to the INVITE's offer, prepared before the call was announced. */
  #answer: string | undefined;
  #offeredIn2xx = false;
  #hangupAfterAck = false;
  /** RFC 3262: the caller requires reliable provisionals, or only supports them. */
  readonly #rel100: 'required' | 'supported' | 'none';
  /** RFC 4028: the session interval granted in our 2xx and its headers. */
  #timer: { interval: SessionInterval | undefined; headers: [string, string][] } = { interval: undefined, headers: [] };

  constructor(ctx: UaContext, account: UaAccount, invite: IncomingInvite, calledAlias: string, media: MediaHook, trusted = false) {
    const from = fromOf(invite.request);
    const remote = from.displayName !== undefined ? { uri: formatUri(from.uri), displayName: from.displayName } : { uri: formatUri(from.uri) };
    super({ ctx, account, media, id: invite.tx.request.headers.get('Call-ID') ?? '', localIdentity: calledAlias, remote, initial: 'incoming', moves, ownsCallId: false });
    this.request = invite.request;
    const requires = invite.request.headers.getAll('Require').some((v) => /(^|,)\s*100rel\s*(,|$)/i.test(v));
    this.#rel100 = requires ? 'required' : supportsOption(invite.request, '100rel') ? 'supported' : 'none';
    this.notePeerAllow(invite.request);
    this.identity = callerIdentity(invite.request, trusted);
    this.calledAlias = calledAlias;
    this.#invite = invite;
    const local = invite.tx.incoming.local;
    this.#contact = ctx.contact(account, local.protocol, familyOf(local.address), /^sips:/i.test(invite.request.uri));
    invite.onCancel = () => this.finish({ cause: 'cancelled', by: 'remote', outcome: outcome(487, 'Request Terminated') });
    invite.onAck = (ack) => void this.#acked(ack);
    invite.onAckTimeout = () => this.finish({ cause: 'timeout', by: 'local', outcome: outcome(408, 'No ACK', 'timeout'), detail: 'no ACK for our 2xx' });
    invite.onPrackTimeout = () => {
      // RFC 3262 §3: a reliable provisional never PRACKed within 64*T1: the INVITE is rejected with a 5xx.
      if (this.#invite.state !== 'Pending' || this.isEnded) return;
      this.#invite.reject(500, 'Provisional Response Not Acknowledged');
      this.finish({ cause: 'timeout', by: 'local', outcome: outcome(500, 'Provisional Response Not Acknowledged'), detail: 'the caller never acknowledged our reliable provisional response (no PRACK)' });
    };
  }

  /** Whether the caller requires or supports reliable provisionals (RFC 3262). */
  get reliableProvisionals(): 'required' | 'supported' | 'none' {
    return this.#rel100;
  }

  /** Who calls: the identity the account's server asserted, else the From. */
  get caller(): CallParty {
    return this.identity.asserted ?? this.remote;
  }

  /** Where the INVITE came from (the packet's source address and port). */
  get source(): { address: string; port: number } {
    const s = this.#invite.tx.incoming.source;
    return { address: s.address, port: s.port };
  }

  /** The address the caller dialled (To), which proxies leave as it was (§16.6). */
  get dialled(): string {
    return formatUri(toOf(this.request).uri);
  }

  /**
   * Answers the offer through the media hook before the call is announced.
   * False when the call was refused (415 / 488) or cancelled meanwhile.
   */
  async prepare(): Promise<boolean> {
    const request = this.#invite.request;
    const timer = answerTimerRequest(request);
    if ('tooSmall' in timer) {
      // RFC 4028 §9: 422 with our Min-SE, so the caller can ask again for at least that long.
      this.#refuse(422, 'Session Interval Too Small', [['Min-SE', String(timer.tooSmall)]]);
      return false;
    }
    this.#timer = timer;
    if (request.body.length > 0) {
      if (contentType(request) !== SDP_CONTENT_TYPE) {
        this.#refuse(415, 'Unsupported Media Type', [['Accept', SDP_CONTENT_TYPE]]);
        return false;
      }
      let result;
      try {
        result = await this.media.answerOffer(request.body.toString('utf8'));
      } catch (err) {
        this.ctx.logger.warn('answerOffer failed', { callId: this.id, error: String(err) });
        result = { reject: 488 as const };
      }
      if (this.#invite.state !== 'Pending' || this.isEnded) return false;
      if ('reject' in result) {
        this.#refuse(488, 'Not Acceptable Here', []);
        return false;
      }
      if ('busy' in result) {
        // RFC 3261 §21.4.24: busy here, try again later (§20.33 Retry-After); the phrase says why.
        this.#refuse(486, 'Busy Here (too many calls)', [['Retry-After', String(result.retryAfterS ?? DEFAULT_RETRY_AFTER_S)]]);
        this.ctx.logger.info('call refused: too many calls', { callId: this.id, why: result.busy });
        return false;
      }
      this.#answer = result.answer;
    }
    return this.#invite.state === 'Pending';
  }

  /** Early media can start: still ringing, and the INVITE had an offer we answered. */
  get canSendEarlyMedia(): boolean {
    return this.state === 'incoming' && this.#invite.state === 'Pending' && this.#answer !== undefined;
  }

  /** 180 Ringing (creates the early dialog, §12.1.1). */
  ring(): void {
    if (this.state !== 'incoming' || this.#invite.state !== 'Pending') return;
    this.#invite.progress(180, { contact: this.#contact, headers: dialogCapabilityHeaders(), reliable: this.#rel100 === 'required' });
    this.#bindEarly();
  }

  /** 183 Session Progress with our answer: early media (RFC 3960), e.g. for an announcement. */
  startEarlyMedia(): void {
    if (this.state !== 'incoming' || this.#invite.state !== 'Pending') return;
    if (this.#answer === undefined) throw new CallStateError('early media', 'without an offer in its INVITE');
    this.#invite.progress(183, {
      contact: this.#contact, headers: dialogCapabilityHeaders(), body: Buffer.from(this.#answer), contentType: SDP_CONTENT_TYPE, reliable: this.#rel100 !== 'none',
    });
    this.#bindEarly();
    this.earlyMedia = true;
    this.transition('early');
  }

  /** 200 OK with the answer (or, for an INVITE without offer, with our offer). */
  async accept(): Promise<void> {
    // A CANCEL may have ended the call a moment before the user answered: nothing to do then.
    if (this.isEnded) return;
    if (this.state !== 'incoming' && this.state !== 'early') throw new CallStateError('accept', this.state);
    // RFC 3262 §3: no 2xx while a reliable 18x with SDP waits for its PRACK.
    if (!(await this.#invite.acknowledged()) || this.#invite.state !== 'Pending' || this.isEnded) return;
    let body = this.#invite.answerAcknowledged ? undefined : this.#answer;
    if (body === undefined && !this.#invite.answerAcknowledged) {
      body = await this.media.createOffer();
      this.#offeredIn2xx = true;
      if (this.#invite.state !== 'Pending' || this.isEnded) return;
    }
    const headers = [...dialogCapabilityHeaders(), ...this.#timer.headers];
    const dialog = this.#invite.accept(body === undefined
      ? { contact: this.#contact, headers }
      : { contact: this.#contact, headers, body: Buffer.from(body), contentType: SDP_CONTENT_TYPE });
    this.setDialog(dialog);
    this.answeredAt = this.ctx.clock.now();
    this.startSessionTimer(this.#timer.interval);
    this.transition('connecting');
  }

  /** A final failure: 486 Busy Here, 603 Decline (the default), 480, 404... */
  decline(status = 603, reason?: string): void {
    if (this.isEnded) return;
    if (this.state !== 'incoming' && this.state !== 'early') throw new CallStateError('decline', this.state);
    if (status < 300 || status > 699) throw new Error(`decline: ${status} is not a failure`);
    this.#invite.reject(status, reason);
    this.finish({ cause: 'rejected', by: 'local', outcome: outcome(status, reason ?? this.#invite.tx.finalResponse?.reason ?? '') });
  }

  /**
   * 302 Moved Temporarily (RFC 3261 §8.3, §21.3.3): the caller should try
   * `target` instead (our call forwarding); `headers` say why (Diversion,
   * RFC 5806). The caller's UA or proxy places the new call.
   */
  redirect(target: string, headers: [string, string][] = []): void {
    if (this.isEnded) return;
    if (this.state !== 'incoming' && this.state !== 'early') throw new CallStateError('redirect', this.state);
    this.#invite.reject(302, 'Moved Temporarily', { headers: [['Contact', `<${target}>`], ...headers] });
    this.finish({ cause: 'rejected', by: 'local', outcome: outcome(302, 'Moved Temporarily'), detail: `forwarded to ${target}` });
  }

  hangup(): Promise<void> {
    if (this.state === 'incoming' || this.state === 'early') {
      this.decline(603);
      return Promise.resolve();
    }
    if (this.state === 'connecting') {
      // §15: no BYE before the ACK for our 2xx (or its timeout) arrives.
      this.#hangupAfterAck = true;
      return Promise.resolve();
    }
    return this.bye();
  }

  /** The ACK: with an offer of ours in the 2xx, its answer is applied first, then the call is 'active'. */
  async #acked(ack: SipRequest): Promise<void> {
    if (this.isEnded || this.state !== 'connecting') return;
    if (this.#hangupAfterAck) {
      void this.bye();
      return;
    }
    if (this.#offeredIn2xx) {
      if (ack.body.length === 0) {
        void this.bye('media-failed', 'the ACK carried no answer to our offer');
        return;
      }
      try {
        await this.media.setAnswer(ack.body.toString('utf8'));
      } catch (err) {
        void this.bye('media-failed', `unusable answer in ACK: ${String(err)}`);
        return;
      }
      if (this.isEnded || this.state !== 'connecting') return;
    }
    this.transition('active');
  }

  protected override prackReceived(request: SipRequest, tx: ServerTransaction): void {
    const rack = parseRAck(request.headers.get('RAck'));
    if (!rack || this.#invite.state !== 'Pending' || !this.#invite.prack(rack)) {
      tx.respond(createResponse(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    // An offer in the PRACK (RFC 3262 §5) is not taken: our 18x carried the answer, a new offer belongs in an UPDATE.
    if (request.body.length > 0) this.ctx.logger.info('offer in PRACK ignored', { callId: this.id });
    tx.respond(createResponse(request, 200, 'OK'));
  }

  protected override offerPending(dialog: Dialog): 'ours' | 'theirs' | undefined {
    // RFC 3311 §5.2: before our answer is PRACKed (or in the 2xx) the INVITE's offer is still open.
    if (dialog.state === 'Early' && !this.#invite.answerAcknowledged) return 'theirs';
    if (this.state === 'connecting' && this.#offeredIn2xx) return 'ours';
    return super.offerPending(dialog);
  }

  #bindEarly(): void {
    const dialog = this.#invite.dialog;
    if (dialog && !this.dialog) this.setDialog(dialog);
  }

  #refuse(status: number, reason: string, headers: [string, string][]): void {
    this.#invite.reject(status, reason, { headers });
    this.finish({ cause: status === 488 ? 'media-failed' : 'rejected', by: 'local', outcome: outcome(status, reason) });
  }
}
