/**
 * What outgoing and incoming calls share once a dialog exists (RFC 3261
 * §12–§15): the state machine's common end (active → ending → ended), BYE
 * either way, hold/resume and the peer's re-INVITEs and UPDATEs (RFC 3311,
 * early dialogs too) through the media hook (session-modifier.ts), the
 * session timer (RFC 4028, session-timer.ts), DTMF by INFO, blind transfer
 * by REFER with its NOTIFYs (RFC 3515), MESSAGE and OPTIONS inside the
 * dialog. PRACK (RFC 3262) goes to the subclass (the UAS matches it).
 *
 * The state union and its transition table belong to each direction
 * (OutgoingCall, IncomingCall); both end in 'active' → 'ending' → 'ended'.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { DialogEndReason } from '../dialog/dialog-context.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import { createResponse, formatUri } from '../message/index.ts';
import type { NameAddr, SipRequest, SipResponse, SipUri } from '../message/index.ts';
import type { TransportProtocol } from '../transport/transport.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { UaAccount } from './account.ts';
import { parseAddress } from './account.ts';
import type { CallEnd, CallEvents } from './call-events.ts';
import { fieldsAsHeaders, sendChallenged } from './challenged-request.ts';
import { addCapabilities, contentType, methodNotAllowed, unsupportedRequire } from './capabilities.ts';
import type { DialogOwner } from './dialog-owner.ts';
import { DTMF_RELAY_TYPE, formatDtmfRelay, isDtmfDigit, parseDtmfRelay } from './dtmf-info.ts';
import { Emitter } from './emitter.ts';
import type { MediaHook } from './media-hook.ts';
import { SDP_CONTENT_TYPE } from './media-hook.ts';
import { ReceivedRefer } from './received-refer.ts';
import { withReplaces, type ReplacedDialog, type ReplacesTarget } from './replaces.ts';
import { SessionModifier } from './session-modifier.ts';
import { DEFAULT_SESSION_EXPIRES_S, MIN_SE_S, allowsMethod, answerTimerRequest, requestTimerHeaders, timerFromAnswer } from './session-expires.ts';
import type { SessionInterval } from './session-expires.ts';
import { SessionTimer } from './session-timer.ts';
import type { SipMessage } from '../message/index.ts';
import { outcome, outcomeOf } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import { SIPFRAG_TYPE, parseSipfragStatus } from './sipfrag.ts';
import { familyOf } from './target-resolver.ts';
import type { UaContext } from './ua-context.ts';
import { CallStateError, InvalidDtmfError } from './ua-errors.ts';

type Shared = 'active' | 'ending' | 'ended';

export interface CallParty {
  uri: string;
  displayName?: string;
}

export abstract class Call<S extends string> extends Emitter<CallEvents<S>> implements DialogOwner {
  /** The Call-ID: unique per call, stable across auth retries and redirects. */
  readonly id: string;
  abstract readonly direction: 'outgoing' | 'incoming';
  readonly account: UaAccount;
  /** Our address in this call: the identity presented (outgoing) or the alias called (incoming). */
  readonly localIdentity: string;
  readonly remote: CallParty;
  readonly startedAt: number;
  answeredAt: number | undefined;
  endedAt: number | undefined;
  earlyMedia = false;
  protected readonly ctx: UaContext;
  protected readonly media: MediaHook;
  protected dialog: Dialog | undefined;
  readonly #moves: Readonly<Record<S, readonly S[]>>;
  readonly #modifier: SessionModifier;
  readonly #timer: SessionTimer;
  /** The peer's Allow lists UPDATE: session refreshes go as UPDATE without a body (RFC 4028 §7.4). */
  #peerAllowsUpdate = false;
  #state: S;
  #end: CallEnd | undefined;
  #transferPending = false;

  protected constructor(init: {
    ctx: UaContext; account: UaAccount; id: string; localIdentity: string; remote: CallParty; media: MediaHook;
    initial: S; moves: Readonly<Record<S, readonly S[]>>; ownsCallId: boolean;
  }) {
    super();
    this.setEmitLogger(init.ctx.logger);
    this.ctx = init.ctx;
    this.account = init.account;
    this.id = init.id;
    this.localIdentity = init.localIdentity;
    this.remote = init.remote;
    this.media = init.media;
    this.#state = init.initial;
    this.#moves = init.moves;
    this.startedAt = init.ctx.clock.now();
    this.#modifier = new SessionModifier({
      ctx: init.ctx, account: init.account, media: init.media,
      onHold: (held, result) => this.emit('hold', { held, outcome: result }),
      onReoffer: (answered) => this.emit('reoffer', { answered }),
      fail: (detail) => void this.#endWithBye('media-failed', detail),
      headers: () => this.#refreshHeaders(),
      modified: (response) => this.#timer.refreshed(timerFromAnswer(response)),
      ownsCallId: init.ownsCallId,
    });
    this.#timer = new SessionTimer({
      clock: init.ctx.clock,
      logger: init.ctx.logger,
      refresh: () => this.#refreshSession(),
      expire: (detail) => {
        if (this.#state === shared<S>('active')) void this.bye('session-expired', detail);
      },
    });
  }

  /** The session interval in force (RFC 4028) and whether we refresh it; undefined without a session timer. */
  get sessionInterval(): SessionInterval | undefined {
    return this.#timer.interval;
  }

  get state(): S {
    return this.#state;
  }
  /** We hold the call (our last hold re-INVITE succeeded). */
  get held(): boolean {
    return this.#modifier.held;
  }
  get end(): CallEnd | undefined {
    return this.#end;
  }
  get isEnded(): boolean {
    return this.#end !== undefined;
  }
  /** The dialog's identifiers, for diagnostics. */
  get dialogId(): Dialog['id'] | undefined {
    return this.dialog?.id;
  }

  /** Ends the call: CANCEL or decline before the answer, BYE after. */
  abstract hangup(): Promise<void>;

  /**
   * This call's dialog with these tags, as RFC 3891 §3 judges it (replaces.ts):
   * 'none' when it has no such dialog. `localTag` is ours, `remoteTag` the peer's.
   */
  replaceable(localTag: string, remoteTag: string): ReplacedDialog {
    const dialog = this.earlyDialogs().find((d) => d.id.localTag === localTag && d.id.remoteTag === remoteTag)
      ?? (this.dialog && this.dialog.id.localTag === localTag && this.dialog.id.remoteTag === remoteTag ? this.dialog : undefined);
    if (!dialog) return { kind: 'none' };
    if (this.isEnded || dialog.state === 'Terminated' || this.#state === shared<S>('ending')) return { kind: 'ended' };
    if (dialog.state === 'Early') return { kind: 'early', initiatedHere: this.direction === 'outgoing' };
    return { kind: 'confirmed' };
  }

  /**
   * The dialog to name in a Replaces header sent to the peer of this call
   * (RFC 5589 §7.1, attended transfer): its tags as the peer has them.
   */
  replacesForPeer(earlyOnly = false): ReplacesTarget {
    const dialog = this.#confirmed('transfer');
    return { callId: dialog.id.callId, toTag: dialog.id.remoteTag, fromTag: dialog.id.localTag, earlyOnly };
  }

  /** The call's early dialogs (a call we place may have several forks ringing). */
  protected earlyDialogs(): readonly Dialog[] {
    return this.dialog && this.dialog.state === 'Early' ? [this.dialog] : [];
  }

  /** §14.1: re-INVITE with the hook's held offer; resolves with the answer to it. */
  async hold(): Promise<SipOutcome> {
    return this.#modifier.modify(this.#confirmed('hold'), true);
  }

  async resume(): Promise<SipOutcome> {
    return this.#modifier.modify(this.#confirmed('resume'), false);
  }

  /**
   * The account's Contact as it is now, when it is not the one this call's
   * dialog carries (our address moved: another network, a new NAT mapping);
   * undefined when it did not move or there is no confirmed dialog.
   */
  movedContact(): NameAddr | undefined {
    const dialog = this.dialog;
    const current = dialog?.localContact;
    if (!dialog || !current || dialog.state !== 'Confirmed') return undefined;
    const transport = current.uri.params.get('transport')?.toLowerCase();
    const protocol: TransportProtocol = transport === 'tcp' || transport === 'tls' ? transport : 'udp';
    const now = this.ctx.contact(this.account, protocol, familyOf(current.uri.host));
    const same = now.uri.host.toLowerCase() === current.uri.host.toLowerCase() && (now.uri.port ?? 5060) === (current.uri.port ?? 5060);
    return same ? undefined : { ...current, uri: { ...current.uri, host: now.uri.host, port: now.uri.port } };
  }

  /**
   * Our address changed mid-call (network-change.ts): a re-INVITE — a target
   * refresh (RFC 3261 §12.2.1.1) with the Contact as it is now — carrying the
   * media hook's new offer (its new address; with ICE, new candidates and
   * credentials: an ICE restart, RFC 8445 §9). The hold state stays.
   */
  async readdress(): Promise<SipOutcome> {
    const dialog = this.#confirmed('readdress');
    const moved = this.movedContact();
    if (moved) dialog.localContact = moved;
    return this.#modifier.modify(dialog, this.#modifier.held, 'INVITE');
  }

  /**
   * UPDATE with a new offer (RFC 3311): holds or resumes the session in an
   * early dialog once its first offer/answer is done, or in a confirmed one.
   */
  async update(hold: boolean): Promise<SipOutcome> {
    const dialog = this.sessionDialog();
    if (!dialog || this.isEnded || this.#state === shared<S>('ending') || this.offerPending(dialog) !== undefined) {
      throw new CallStateError('update', this.#state);
    }
    return this.#modifier.modify(dialog, hold, 'UPDATE');
  }

  /** DTMF by INFO (application/dtmf-relay), one request per digit, in order; stops at the first failure. */
  async sendDtmf(digits: string, durationMs = 160): Promise<SipOutcome> {
    const tones = [...digits];
    if (tones.length === 0 || !tones.every(isDtmfDigit)) throw new InvalidDtmfError(`not DTMF digits: ${JSON.stringify(digits)}`);
    let last: SipOutcome | undefined;
    for (const digit of tones) {
      const response = await this.#request('INFO', { body: Buffer.from(formatDtmfRelay({ digit, durationMs })), contentType: DTMF_RELAY_TYPE });
      last = outcomeOf(response);
      if (response.status >= 300) break;
    }
    return last!;
  }

  /**
   * Blind transfer (RFC 3515): REFER the peer to `target`; progress arrives
   * as 'transfer' events. Attended transfer (RFC 5589 §7) passes the other
   * call: the peer is REFERred to that call's remote target with a Replaces
   * naming its dialog, so the peer's INVITE takes that call's place.
   */
  async transfer(target: string | Call<string>): Promise<SipOutcome> {
    const uri = typeof target === 'string' ? parseAddress(target, this.account.aor.host) : withReplaces(target.#referTarget(), target.replacesForPeer());
    const me = parseAddress(this.localIdentity, this.account.aor.host);
    // RFC 3515 §2.4.4: the first NOTIFY may overtake the 202; it must find the subscription already there.
    this.#transferPending = true;
    let response: SipResponse;
    try {
      response = await this.#request('REFER', { headers: [['Refer-To', `<${formatUri(uri)}>`], ['Referred-By', `<${formatUri(me)}>`]] });
    } catch (err) {
      this.#transferPending = false;
      throw err;
    }
    const result = outcomeOf(response);
    if (response.status >= 300) this.#transferPending = false;
    this.emit('transfer', { phase: response.status < 300 ? 'accepted' : 'failed', outcome: result });
    return result;
  }

  /** An instant message inside the dialog (RFC 3428 §4 allows it). */
  async sendMessage(text: string, type = 'text/plain'): Promise<SipOutcome> {
    return outcomeOf(await this.#request('MESSAGE', { body: Buffer.from(text), contentType: type }));
  }

  // --- DialogOwner ---

  onDialogRequest(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void {
    const refused = methodNotAllowed(request) ?? unsupportedRequire(request);
    if (refused) {
      tx.respond(refused);
      return;
    }
    const body = request.body.toString('utf8');
    switch (request.method) {
      case 'INFO': {
        const type = contentType(request);
        if (request.body.length > 0 && type !== DTMF_RELAY_TYPE) {
          const r = createResponse(request, 415, 'Unsupported Media Type');
          r.headers.set('Accept', DTMF_RELAY_TYPE);
          tx.respond(r);
          return;
        }
        tx.respond(createResponse(request, 200, 'OK'));
        const tone = request.body.length > 0 ? parseDtmfRelay(body) : undefined;
        if (tone) this.emit('dtmf', tone);
        return;
      }
      case 'NOTIFY':
        this.#notifyReceived(request, tx, body);
        return;
      case 'REFER':
        this.#referReceived(dialog, request, tx);
        return;
      case 'MESSAGE':
        tx.respond(createResponse(request, 200, 'OK'));
        this.emit('message', { contentType: contentType(request) ?? 'text/plain', body });
        return;
      case 'PRACK':
        this.prackReceived(request, tx);
        return;
      case 'UPDATE':
        void this.#updateReceived(dialog, request, tx);
        return;
      case 'OPTIONS':
        tx.respond(addCapabilities(createResponse(request, 200, 'OK')));
        return;
      default:
        tx.respond(createResponse(request, 500, 'Unexpected Request In Dialog'));
    }
  }

  onReinvite(dialog: Dialog, invite: IncomingInvite): void {
    const refused = unsupportedRequire(invite.request);
    if (refused) {
      invite.reject(420, undefined, { headers: [['Unsupported', refused.headers.getAll('Unsupported').join(', ')]] });
      return;
    }
    if (dialog !== this.dialog || this.#state !== 'active') {
      invite.reject(491, 'Request Pending');
      return;
    }
    const timer = answerTimerRequest(invite.request, this.#timer.interval?.seconds ?? DEFAULT_SESSION_EXPIRES_S);
    if ('tooSmall' in timer) {
      invite.reject(422, 'Session Interval Too Small', { headers: [['Min-SE', String(timer.tooSmall)]] });
      return;
    }
    this.notePeerAllow(invite.request);
    void this.#modifier.answer(invite, timer.headers).then((accepted) => {
      if (accepted) this.#timer.refreshed(timer.interval);
    });
  }

  onDialogEnded(dialog: Dialog, reason: DialogEndReason): void {
    if (dialog !== this.dialog || this.isEnded) return;
    // Our session refresh got 408/481: the session timer ends the call and says so (RFC 4028 §10).
    if (reason === 'remote-gone' && this.#timer.state === 'refreshing') return;
    if (reason === 'bye-received') this.finish({ cause: 'remote-hangup', by: 'remote' });
    else if (reason === 'ack-timeout') this.finish({ cause: 'timeout', by: 'local', outcome: outcome(408, 'No ACK', 'timeout'), detail: 'no ACK for our 2xx' });
    else if (reason === 'remote-gone') this.finish({ cause: 'network', by: 'remote', detail: 'the dialog no longer exists at the peer' });
    else if (reason === 'closed') this.finish({ cause: 'network', by: 'local', detail: 'the user agent closed' });
    // bye-sent (our hangup), rejected / cancelled / not-answered (the INVITE's own paths) end the call elsewhere.
  }

  // --- for the subclasses ---

  /**
   * RFC 3311 §5.2: whose offer is waiting for its answer in this dialog —
   * 'ours' (a new offer from the peer gets 491), 'theirs' (500 with
   * Retry-After) — or undefined when offer/answer is complete.
   */
  protected offerPending(dialog: Dialog): 'ours' | 'theirs' | undefined {
    if (this.#modifier.offering || dialog.inviteInProgress === 'outgoing') return 'ours';
    if (dialog.inviteInProgress === 'incoming') return 'theirs';
    return undefined;
  }

  /** The dialog whose session we have: the confirmed one, or (a caller before the answer) the early one whose media plays. */
  protected sessionDialog(): Dialog | undefined {
    return this.dialog;
  }

  /** RFC 3262 §4: a PRACK; only a UAS that sent a reliable provisional expects one. */
  protected prackReceived(request: SipRequest, tx: ServerTransaction): void {
    tx.respond(createResponse(request, 481, 'Call/Transaction Does Not Exist'));
  }

  /** The session interval agreed in the INVITE's 2xx (RFC 4028 §7.2, §9) starts; undefined: no session timer. */
  protected startSessionTimer(interval: SessionInterval | undefined): void {
    if (interval) this.#timer.refreshed(interval);
  }

  /** Remembers whether the peer takes UPDATE (its Allow in the INVITE, an 18x or the 2xx). */
  protected notePeerAllow(message: SipMessage): void {
    if (message.headers.has('Allow')) this.#peerAllowsUpdate = allowsMethod(message, 'UPDATE');
  }

  /** A request in one of the call's dialogs (early ones included), its challenges answered (challenged-request.ts). */
  protected async sendInDialog(dialog: Dialog, method: string, content: { body?: Buffer; contentType?: string; headers?: [string, string][] }): Promise<SipResponse> {
    const { dialogs } = this.ctx;
    const done = await sendChallenged(this.account.authenticator, (fields, previous) =>
      previous ? dialogs.resend(dialog, previous.request, fieldsAsHeaders(fields)) : dialogs.exchange(dialog, method, content),
    );
    return done.response;
  }

  protected transition(to: S, result?: SipOutcome): void {
    assertTransition(`${this.direction} call`, this.#moves, this.#state, to);
    const previous = this.#state;
    this.#state = to;
    this.ctx.logger.debug('call state', { callId: this.id, state: to, previous, status: result?.status });
    this.emit('state', result ? { callId: this.id, state: to, previous, outcome: result } : { callId: this.id, state: to, previous });
  }

  protected setDialog(dialog: Dialog): void {
    this.dialog = dialog;
    this.ctx.bindDialog(dialog, this);
  }

  /** The call is over: state 'ended', the media released, the UA told. Idempotent. */
  protected finish(end: CallEnd): void {
    if (this.#end) return;
    this.#end = end;
    this.endedAt = this.ctx.clock.now();
    this.#modifier.stop();
    this.#timer.stop();
    this.transition(shared<S>('ended'), end.outcome);
    try {
      this.media.close?.();
    } catch (err) {
      this.ctx.logger.warn('media close failed', { callId: this.id, error: String(err) });
    }
    this.ctx.logger.info('call ended', { callId: this.id, cause: end.cause, by: end.by, status: end.outcome?.status });
    this.emit('ended', end);
    this.ctx.callEnded(this);
  }

  /** BYE (§15.1.1), state 'ending' until its answer, then 'ended'. */
  protected async bye(cause: CallEnd['cause'] = 'local-hangup', detail?: string): Promise<void> {
    const dialog = this.dialog;
    if (!dialog || this.isEnded || this.#state === shared<S>('ending')) return;
    this.transition(shared<S>('ending'));
    let response: SipResponse | undefined;
    // A refresh that failed with 408/481 or a timeout ended the dialog; RFC 4028 §10 still wants the BYE.
    const afterRefresh = cause === 'session-expired';
    if (dialog.state !== 'Terminated' || afterRefresh) {
      const { dialogs } = this.ctx;
      try {
        const done = await sendChallenged(this.account.authenticator, (fields, previous) =>
          previous ? dialogs.resend(dialog, previous.request, fieldsAsHeaders(fields)) : afterRefresh ? dialogs.byeAfterRefreshFailure(dialog) : dialogs.byeExchange(dialog),
        );
        response = done.response;
      } catch (err) {
        this.ctx.logger.warn('BYE failed', { callId: this.id, error: String(err) });
      }
    }
    // A 481 says the peer had already ended the dialog: its BYE crossed ours (both hung up at once, as
    // transferor and transferee do after a transfer, RFC 5589 §6) — the call ended, nothing failed.
    const crossed = response?.status === 481;
    this.finish({ cause, by: 'local', outcome: response && !crossed ? outcomeOf(response) : undefined, detail });
  }

  /**
   * The peer is gone (the media heard nothing from it for too long): BYE, and
   * the call ends now rather than when the BYE's answer comes — a dead peer
   * behind a proxy makes that answer a 408 some 32 s later, and RFC 3261
   * §15.1.1 ends the session once the BYE is sent anyway.
   */
  endSilentPeer(detail: string): void {
    this.#endForMedia('media-timeout', detail);
  }

  /**
   * The media cannot be made safe (DTLS-SRTP failed, or the peer's
   * certificate does not match its SDP fingerprint): BYE, and the call ends
   * as 'media-failed' with the words. A call not yet answered is cancelled.
   */
  endMediaFailure(detail: string): void {
    if (this.#state !== shared<S>('active')) {
      void this.hangup().catch((err: unknown) => this.ctx.logger.info('hang-up after a media failure failed', { callId: this.id, error: String(err) }));
      return;
    }
    this.#endForMedia('media-failed', detail);
  }

  #endForMedia(cause: 'media-timeout' | 'media-failed', detail: string): void {
    const dialog = this.dialog;
    if (this.#state !== shared<S>('active') || !dialog) return;
    this.transition(shared<S>('ending'));
    if (dialog.state !== 'Terminated') {
      this.ctx.dialogs.bye(dialog).catch((err: unknown) => this.ctx.logger.info('BYE after a media failure failed', { callId: this.id, error: String(err) }));
    }
    this.finish({ cause, by: 'local', detail });
  }

  async #endWithBye(cause: CallEnd['cause'], detail: string): Promise<void> {
    if (this.#state === shared<S>('active')) await this.bye(cause, detail);
  }

  /** Where a transferee should send its INVITE to reach this call's peer: the peer's Contact (its remote target), else its address. */
  #referTarget(): SipUri {
    const dialog = this.#confirmed('transfer');
    const target = dialog.remoteTarget;
    return target ? { ...target, headers: new Map() } : parseAddress(this.remote.uri, this.account.aor.host);
  }

  #confirmed(what: string): Dialog {
    if (this.#state !== shared<S>('active') || !this.dialog) throw new CallStateError(what, this.#state);
    return this.dialog;
  }

  /** A non-INVITE request in the confirmed dialog, its challenges answered (§22.2, challenged-request.ts). */
  #request(method: string, content: { body?: Buffer; contentType?: string; headers?: [string, string][] }): Promise<SipResponse> {
    return this.sendInDialog(this.#confirmed(method), method, content);
  }

  /** RFC 4028 §7.4: our refresh, as UPDATE when the peer allows it, else as a re-INVITE. */
  #refreshSession(): Promise<SipOutcome> {
    const dialog = this.#confirmed('refresh');
    return this.#modifier.refresh(dialog, this.#peerAllowsUpdate ? 'UPDATE' : 'INVITE');
  }

  /** Session-Expires and Min-SE for a re-INVITE or UPDATE of ours: the interval in force, refreshed by whoever refreshes it. */
  #refreshHeaders(): [string, string][] {
    const interval = this.#timer.interval;
    if (!interval) return [];
    // In a request of ours we are the UAC of the transaction (RFC 4028 §7.4).
    return requestTimerHeaders(interval.seconds, MIN_SE_S, interval.local ? 'uac' : 'uas');
  }

  /** RFC 3311 §5.2: the peer's UPDATE, in an early or confirmed dialog. */
  async #updateReceived(dialog: Dialog, request: SipRequest, tx: ServerTransaction): Promise<void> {
    const timer = answerTimerRequest(request, this.#timer.interval?.seconds ?? DEFAULT_SESSION_EXPIRES_S);
    if ('tooSmall' in timer) {
      const r = createResponse(request, 422, 'Session Interval Too Small');
      r.headers.set('Min-SE', String(timer.tooSmall));
      tx.respond(r);
      return;
    }
    this.notePeerAllow(request);
    const confirmed = dialog.state === 'Confirmed';
    const ok = createResponse(request, 200, 'OK');
    if (confirmed) for (const [name, value] of timer.headers) ok.headers.append(name, value);
    if (request.body.length === 0) {
      tx.respond(ok);
      if (confirmed) this.#timer.refreshed(timer.interval);
      return;
    }
    if (contentType(request) !== SDP_CONTENT_TYPE) {
      const r = createResponse(request, 415, 'Unsupported Media Type');
      r.headers.set('Accept', SDP_CONTENT_TYPE);
      tx.respond(r);
      return;
    }
    const pending = this.offerPending(dialog);
    if (pending) {
      const r = pending === 'ours' ? createResponse(request, 491, 'Request Pending') : createResponse(request, 500, 'Server Internal Error');
      if (pending === 'theirs') r.headers.set('Retry-After', String(Math.floor(this.ctx.random() * 11)));
      tx.respond(r);
      return;
    }
    let result: Awaited<ReturnType<SessionModifier['answerUpdate']>>;
    try {
      result = await this.#modifier.answerUpdate(request.body.toString('utf8'));
    } catch (err) {
      this.ctx.logger.warn('UPDATE not answered', { callId: this.id, error: String(err) });
      result = { status: 500, reason: 'Server Internal Error' };
    }
    if ('answer' in result) {
      ok.body = Buffer.from(result.answer);
      ok.headers.set('Content-Type', SDP_CONTENT_TYPE);
      tx.respond(ok);
      if (confirmed) this.#timer.refreshed(timer.interval);
      this.emit('reoffer', { answered: true });
      return;
    }
    const r = createResponse(request, result.status, result.reason);
    if (result.retryAfterS !== undefined) r.headers.set('Retry-After', String(result.retryAfterS));
    tx.respond(r);
    if (result.status !== 491) this.emit('reoffer', { answered: false });
  }

  #notifyReceived(request: SipRequest, tx: ServerTransaction, body: string): void {
    const event = request.headers.get('Event') ?? '';
    if (!/^refer\b/i.test(event.trim()) || !this.#transferPending) {
      tx.respond(createResponse(request, 481, 'Subscription Does Not Exist'));
      return;
    }
    tx.respond(createResponse(request, 200, 'OK'));
    const frag = contentType(request) === SIPFRAG_TYPE ? parseSipfragStatus(body) : undefined;
    const terminated = /^\s*terminated/i.test(request.headers.get('Subscription-State') ?? '');
    if (frag && frag.status >= 200) {
      this.#transferPending = false;
      this.emit('transfer', { phase: frag.status < 300 ? 'succeeded' : 'failed', outcome: outcome(frag.status, frag.reason) });
    } else if (frag) {
      this.emit('transfer', { phase: 'progress', outcome: outcome(frag.status, frag.reason) });
    }
    if (terminated && this.#transferPending) {
      this.#transferPending = false;
      this.emit('transfer', { phase: 'failed' });
    }
  }

  #referReceived(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void {
    let refer: ReceivedRefer;
    try {
      refer = new ReceivedRefer(request, tx, this.ctx.dialogs, dialog);
    } catch {
      tx.respond(createResponse(request, 400, 'Missing Refer-To'));
      return;
    }
    if (this.listenerCount('refer') === 0) {
      refer.reject(603, 'Decline');
      return;
    }
    this.emit('refer', refer);
  }
}

function shared<S extends string>(state: Shared): S {
  return state as unknown as S;
}
