/**
 * The UAC side of an INVITE (RFC 3261 §13.2) and of a re-INVITE (§14.1):
 * sends it through the transaction layer (with RFC 3263 failover), creates a
 * dialog per To tag (a forking proxy yields several early dialogs, and maybe
 * several 2xx, §13.2.2.4), ACKs every 2xx itself — a new transaction-less
 * request with the INVITE's CSeq number, resent for each retransmission of
 * that 2xx — cancels on request (§9.1), and on 491 to a re-INVITE retries
 * after the §14.1 back-off.
 */
import { isIP } from 'node:net';
import { createResponse, cseqOf, parseUri, toOf } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import { cancelRequest } from '../transaction/cancel-request.ts';
import { refusedLocally, synthesizeResponse } from '../transaction/synthesized-response.ts';
import type { ClientTransaction, TargetFailover } from '../transaction/target-failover.ts';
import type { TimerHandle } from '../../common/clock.ts';
import type { SendTarget } from '../transport/transport.ts';
import { Dialog } from './dialog.ts';
import type { RequestContent } from './dialog.ts';
import type { DialogContext } from './dialog-context.ts';
import { InsecureHopError } from './dialog-errors.ts';
import { glareBackoff } from './glare-backoff.ts';
import { literalTargets, nextHopUri, resolveNextHop, secureHops } from './next-hop.ts';

export interface OutgoingInviteHandler {
  /** A provisional response; `dialog` is the early dialog it created or belongs to (101-199 with a To tag). */
  onProvisional?(response: SipResponse, dialog: Dialog | undefined): void;
  /**
   * Content for the ACK of a 2xx (e.g. the answer to an offer in the 2xx), asked for before the ACK is sent.
   * Cheap and synchronous: the ACK waits for it.
   */
  ackContent?(dialog: Dialog, response: SipResponse): RequestContent;
  /**
   * A 2xx (once per dialog; retransmissions are ACKed silently). The dialog is
   * confirmed and its ACK has been handed to the transport already: whatever
   * the answer sets in motion (media, events) does not delay the ACK, and
   * with it the callee's "connected" and the first audio.
   */
  onAccepted?(dialog: Dialog, response: SipResponse): void;
  /** The final non-2xx (a server's, or a synthesized 408/503 for timeout/transport failure). */
  onRejected?(response: SipResponse): void;
  /** The ACK for a 2xx went out (a BYE that must follow the ACK, §15, waits for this). */
  onAcked?(dialog: Dialog): void;
  /** re-INVITE glare: a 491 came and the request will be sent again after `delayMs` (§14.1). */
  onGlareRetry?(delayMs: number, response: SipResponse): void;
}

export interface OutgoingInviteInit {
  /** The initial INVITE, fully built by the UA core (From tag, Call-ID, CSeq, Contact...). */
  request?: SipRequest;
  /** re-INVITE: the dialog and what to put in the request (built anew for a glare retry). */
  reinvite?: { dialog: Dialog; content: RequestContent };
  /** Resolved targets; default: RFC 3263 on the next hop via the context. */
  targets?: SendTarget[];
}

export class OutgoingInvite {
  readonly #ctx: DialogContext;
  readonly #handler: OutgoingInviteHandler;
  readonly #reinvite: OutgoingInviteInit['reinvite'];
  readonly #presetTargets: SendTarget[] | undefined;
  #request: SipRequest;
  #failover: TargetFailover | undefined;
  readonly #dialogs = new Map<string, Dialog>();
  #final: SipResponse | undefined;
  #accepted = false;
  #cancelRequested = false;
  #cancelSent = false;
  #cancelTimer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;

  constructor(ctx: DialogContext, init: OutgoingInviteInit, handler: OutgoingInviteHandler) {
    this.#ctx = ctx;
    this.#handler = handler;
    this.#reinvite = init.reinvite;
    this.#presetTargets = init.targets;
    if (init.reinvite) {
      this.#request = init.reinvite.dialog.createRequest('INVITE', init.reinvite.content);
      this.#dialogs.set(init.reinvite.dialog.id.remoteTag, init.reinvite.dialog);
    } else if (init.request) {
      this.#request = init.request;
    } else {
      throw new Error('OutgoingInvite: needs a request or a re-INVITE dialog');
    }
  }

  /** The INVITE of the current attempt (its branch changes on failover, its CSeq on a glare retry). */
  get request(): SipRequest {
    return this.#failover?.request ?? this.#request;
  }
  /** Every dialog this INVITE created (early or confirmed), by arrival; for a re-INVITE the one dialog. */
  get dialogs(): Dialog[] {
    return [...this.#dialogs.values()];
  }
  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }
  get isReinvite(): boolean {
    return this.#reinvite !== undefined;
  }

  async start(): Promise<void> {
    if (this.#reinvite) this.#reinvite.dialog.inviteInProgress = 'outgoing';
    let targets: SendTarget[];
    try {
      targets = this.#presetTargets ?? (await resolveNextHop(this.#request, (uri) => this.#ctx.resolve(uri)));
      if (targets.length === 0) throw new Error('no targets');
    } catch (err) {
      this.#ctx.logger.warn('INVITE target resolution failed', { error: String(err) });
      this.#finish(err instanceof InsecureHopError ? refusedLocally(this.#request, err.message) : synthesizeResponse(this.#request, 'transport'));
      return;
    }
    if (this.#cancelRequested) {
      this.#finish(createResponse(this.#request, 487, 'Request Terminated'));
      return;
    }
    this.#failover = this.#ctx.layer.sendRequest(this.#request, targets, {
      onResponse: (response, tx) => this.#onResponse(response, tx),
    });
  }

  /**
   * §9.1: cancel the INVITE. Nothing happens once a final response came; before
   * any provisional response the CANCEL waits for one. If no final response
   * arrives within 64*T1 of the CANCEL, the INVITE is given up (408).
   */
  cancel(): void {
    if (this.#final || this.#cancelRequested) return;
    this.#cancelRequested = true;
    this.#failover?.stopFailover();
    if (this.#failover?.transaction.provisionalReceived) this.#sendCancel();
  }

  /** Stops a pending glare retry (the session modification is no longer wanted). */
  abandonRetry(): void {
    this.#ctx.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #sendCancel(): void {
    if (this.#cancelSent || !this.#failover) return;
    this.#cancelSent = true;
    const tx = this.#failover.transaction;
    this.#ctx.layer.createClientTransaction(cancelRequest(this.#failover.request), tx.target, { onResponse: () => {} });
    this.#cancelTimer = this.#ctx.clock.setTimeout(() => {
      if (this.#final) return;
      tx.abort();
      this.#finish(synthesizeResponse(this.#failover?.request ?? this.#request, 'timeout'));
    }, 64 * this.#ctx.timers.T1);
  }

  #onResponse(response: SipResponse, tx: ClientTransaction): void {
    const s = response.status;
    if (s < 200) {
      if (this.#final) return;
      const dialog = s > 100 && !this.#reinvite ? this.#earlyDialog(response, tx) : undefined;
      if (this.#cancelRequested) this.#sendCancel();
      this.#handler.onProvisional?.(response, dialog ?? (this.#reinvite ? this.#reinvite.dialog : undefined));
      return;
    }
    if (s < 300) {
      this.#onSuccess(response, tx);
      return;
    }
    if (this.#final) return;
    this.#finish(response);
  }

  #earlyDialog(response: SipResponse, tx: ClientTransaction): Dialog | undefined {
    const tag = toTag(response);
    if (tag === undefined) return undefined;
    const known = this.#dialogs.get(tag);
    if (known) {
      if (known.state === 'Early') known.refreshRemoteTarget(response);
      return known;
    }
    const dialog = Dialog.fromUacResponse(this.request, response, tx.target.protocol === 'tls', this.#ctx.random);
    this.#dialogs.set(tag, dialog);
    this.#ctx.register(dialog);
    return dialog;
  }

  #onSuccess(response: SipResponse, tx: ClientTransaction): void {
    const seq = cseqOf(response).seq;
    let dialog: Dialog | undefined;
    if (this.#reinvite) {
      dialog = this.#reinvite.dialog;
    } else {
      const tag = toTag(response) ?? '';
      dialog = this.#dialogs.get(tag);
      if (!dialog) {
        dialog = Dialog.fromUacResponse(this.request, response, tx.target.protocol === 'tls', this.#ctx.random);
        this.#dialogs.set(tag, dialog);
        this.#ctx.register(dialog);
      }
    }
    if (dialog.lastAck?.seq === seq) {
      this.#resendAck(dialog);
      return;
    }
    if (!this.#accepted) {
      this.#accepted = true;
      this.#final = response;
      this.#ctx.clock.clearTimeout(this.#cancelTimer);
      if (this.#reinvite) this.#reinvite.dialog.inviteInProgress = undefined;
      // §13.2.2.4: 64*T1 after the first 2xx (Timer M, RFC 6026) early dialogs without a 2xx are over.
      tx.onTerminated(() => {
        for (const d of this.#dialogs.values()) if (d.state === 'Early') this.#ctx.end(d, 'not-answered');
      });
    }
    if (dialog.state === 'Terminated') {
      // A 2xx on a dialog that already ended (e.g. BYE sent on a fork): still ACK it (§13.2.2.4).
      this.#ack(dialog, {});
      return;
    }
    if (this.#reinvite) dialog.refreshRemoteTarget(response);
    else dialog.confirmWith(response);
    this.#ack(dialog, this.#handler.ackContent?.(dialog, response) ?? {});
    this.#handler.onAccepted?.(dialog, response);
  }

  #ack(dialog: Dialog, content: RequestContent): void {
    let ack: SipRequest;
    try {
      ack = dialog.state === 'Terminated' ? this.#ackAfterEnd(dialog) : dialog.createAck(this.request, content);
    } catch (err) {
      this.#ctx.logger.warn('cannot build ACK', { error: String(err) });
      return;
    }
    const entry: NonNullable<Dialog['lastAck']> = { seq: cseqOf(ack).seq, request: ack };
    dialog.lastAck = entry;
    const send = (targets: SendTarget[]) => {
      if (targets.length === 0) throw new Error('no targets for ACK');
      entry.target = targets[0];
      return this.#ctx.layer.sendAck(ack, targets[0]);
    };
    const hop = nextHopUri(ack);
    // A numeric next hop (the proxy's Record-Route, the peer's Contact: nearly always) needs no RFC 3263 lookup:
    // the ACK leaves now, before the answer is applied and the call announced, not a few promise turns later.
    let sent: Promise<unknown>;
    if (isIP(hop.host) !== 0) {
      try {
        sent = send(secureHops(parseUri(ack.uri), hop, literalTargets(hop)));
      } catch (err) {
        sent = Promise.reject(err);
      }
    } else sent = resolveNextHop(ack, (uri) => this.#ctx.resolve(uri)).then(send);
    sent.catch((err: unknown) => this.#ctx.logger.warn('ACK not sent', { error: String(err) })).then(() => this.#handler.onAcked?.(dialog));
  }

  /** A dialog that ended before its 2xx came (BYE already sent): build the ACK as if it were still open. */
  #ackAfterEnd(dialog: Dialog): SipRequest {
    const clone = new Dialog({
      role: 'uac',
      state: 'Confirmed',
      id: dialog.id,
      localParty: dialog.localParty,
      remoteParty: dialog.remoteParty,
      remoteTarget: dialog.remoteTarget,
      routeSet: [...dialog.routeSet],
      localSeq: dialog.localSeq,
      remoteSeq: dialog.remoteSeq,
      secure: dialog.secure,
    });
    return clone.createAck(this.request);
  }

  #resendAck(dialog: Dialog): void {
    const last = dialog.lastAck;
    if (!last?.target) return;
    this.#ctx.layer.sendAck(last.request, last.target).catch((err: unknown) => this.#ctx.logger.warn('ACK resend failed', { error: String(err) }));
  }

  #finish(response: SipResponse): void {
    this.#final = response;
    this.#ctx.clock.clearTimeout(this.#cancelTimer);
    if (this.#reinvite) {
      const dialog = this.#reinvite.dialog;
      dialog.inviteInProgress = undefined;
      if (response.status === 491 && this.#ctx.retryOnGlare && dialog.state === 'Confirmed') {
        this.#scheduleGlareRetry(response);
        return;
      }
      if (response.status === 481 || response.status === 408) this.#ctx.end(dialog, 'remote-gone');
    } else {
      for (const d of this.#dialogs.values()) if (d.state === 'Early') this.#ctx.end(d, this.#cancelRequested ? 'cancelled' : 'rejected');
    }
    this.#handler.onRejected?.(response);
  }

  /**
   * §14.1: wait 2.1–4 s if we own the Call-ID (we sent the initial INVITE),
   * else 0–2 s, then send a new re-INVITE. While waiting the dialog has no
   * INVITE of ours in progress, so the peer's retry (sooner, from the other
   * range) is accepted instead of drawing another 491.
   */
  #scheduleGlareRetry(response: SipResponse): void {
    const reinvite = this.#reinvite;
    if (!reinvite) return;
    const delay = glareBackoff(reinvite.dialog.role === 'uac', this.#ctx.random);
    this.#retryTimer = this.#ctx.clock.setTimeout(() => this.#retryAfterGlare(), delay);
    this.#handler.onGlareRetry?.(delay, response);
  }

  #retryAfterGlare(): void {
    const reinvite = this.#reinvite;
    this.#retryTimer = undefined;
    if (!reinvite || reinvite.dialog.state !== 'Confirmed') return;
    if (reinvite.dialog.inviteInProgress) {
      // The peer's re-INVITE is being handled: back off again rather than collide.
      this.#retryTimer = this.#ctx.clock.setTimeout(() => this.#retryAfterGlare(), glareBackoff(reinvite.dialog.role === 'uac', this.#ctx.random));
      return;
    }
    this.#final = undefined;
    this.#accepted = false;
    this.#failover = undefined;
    this.#request = reinvite.dialog.createRequest('INVITE', reinvite.content);
    void this.start();
  }
}

function toTag(response: SipResponse): string | undefined {
  return toOf(response).params.get('tag') ?? undefined;
}
