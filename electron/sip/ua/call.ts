/**
 * What outgoing and incoming calls share once a dialog exists (RFC 3261
 * §12–§15): the state machine's common end (active → ending → ended), BYE
 * either way, hold/resume and the peer's re-INVITEs through the media hook
 * (session-modifier.ts), DTMF by INFO, blind transfer by REFER with its
 * NOTIFYs (RFC 3515), MESSAGE and OPTIONS inside the dialog.
 *
 * The state union and its transition table belong to each direction
 * (OutgoingCall, IncomingCall); both end in 'active' → 'ending' → 'ended'.
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { DialogEndReason } from '../dialog/dialog-context.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import { createResponse, formatUri } from '../message/index.ts';
import type { SipRequest, SipResponse, SipUri } from '../message/index.ts';
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
import { ReceivedRefer } from './received-refer.ts';
import { withReplaces, type ReplacedDialog, type ReplacesTarget } from './replaces.ts';
import { SessionModifier } from './session-modifier.ts';
import { outcome, outcomeOf } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import { SIPFRAG_TYPE, parseSipfragStatus } from './sipfrag.ts';
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
  #state: S;
  #end: CallEnd | undefined;
  #transferPending = false;

  protected constructor(init: {
    ctx: UaContext; account: UaAccount; id: string; localIdentity: string; remote: CallParty; media: MediaHook;
    initial: S; moves: Readonly<Record<S, readonly S[]>>;
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
    });
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
    void this.#modifier.answer(invite);
  }

  onDialogEnded(dialog: Dialog, reason: DialogEndReason): void {
    if (dialog !== this.dialog || this.isEnded) return;
    if (reason === 'bye-received') this.finish({ cause: 'remote-hangup', by: 'remote' });
    else if (reason === 'ack-timeout') this.finish({ cause: 'timeout', by: 'local', outcome: outcome(408, 'No ACK', 'timeout'), detail: 'no ACK for our 2xx' });
    else if (reason === 'remote-gone') this.finish({ cause: 'network', by: 'remote', detail: 'the dialog no longer exists at the peer' });
    else if (reason === 'closed') this.finish({ cause: 'network', by: 'local', detail: 'the user agent closed' });
    // bye-sent (our hangup), rejected / cancelled / not-answered (the INVITE's own paths) end the call elsewhere.
  }

  // --- for the subclasses ---

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
    if (dialog.state !== 'Terminated') {
      const { dialogs } = this.ctx;
      try {
        const done = await sendChallenged(this.account.authenticator, (fields, previous) =>
          previous ? dialogs.resend(dialog, previous.request, fieldsAsHeaders(fields)) : dialogs.byeExchange(dialog),
        );
        response = done.response;
      } catch (err) {
        this.ctx.logger.warn('BYE failed', { callId: this.id, error: String(err) });
      }
    }
    this.finish({ cause, by: 'local', outcome: response ? outcomeOf(response) : undefined, detail });
  }

  /**
   * The peer is gone (the media heard nothing from it for too long): BYE, and
   * the call ends now rather than when the BYE's answer comes — a dead peer
   * behind a proxy makes that answer a 408 some 32 s later, and RFC 3261
   * §15.1.1 ends the session once the BYE is sent anyway.
   */
  endSilentPeer(detail: string): void {
    const dialog = this.dialog;
    if (this.#state !== shared<S>('active') || !dialog) return;
    this.transition(shared<S>('ending'));
    if (dialog.state !== 'Terminated') {
      this.ctx.dialogs.bye(dialog).catch((err: unknown) => this.ctx.logger.info('BYE to a silent peer failed', { callId: this.id, error: String(err) }));
    }
    this.finish({ cause: 'media-timeout', by: 'local', detail });
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

  /** A non-INVITE request in the dialog, its challenges answered (§22.2, challenged-request.ts). */
  async #request(method: string, content: { body?: Buffer; contentType?: string; headers?: [string, string][] }): Promise<SipResponse> {
    const dialog = this.#confirmed(method);
    const { dialogs } = this.ctx;
    const done = await sendChallenged(this.account.authenticator, (fields, previous) =>
      previous ? dialogs.resend(dialog, previous.request, fieldsAsHeaders(fields)) : dialogs.exchange(dialog, method, content),
    );
    return done.response;
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
