/**
 * The UAS side of an INVITE (RFC 3261 §13.3) or re-INVITE (§14.2): the layer
 * above answers it with `progress`, `accept` or `reject`; this class adds the
 * To tag, Contact and Record-Route the dialog needs (§12.1.1), creates the
 * early/confirmed dialog, retransmits the 2xx until the ACK arrives
 * (§13.3.1.4) and ends the session with a BYE if it never does. A CANCEL
 * (matched by the DialogManager, §9.2) answers a pending INVITE with 487.
 *
 * Reliable provisionals (RFC 3262 §3): `progress(…, { reliable: true })`
 * adds `Require: 100rel` and an RSeq (random start, +1 each) and hands the
 * response to a ReliableProvisional (reliable-provisional.ts) that
 * retransmits it until `prack()` matches its RAck. One is outstanding at a
 * time: a second waits in order for the first one's PRACK. `acknowledged()`
 * resolves once no unacknowledged one carries SDP — a 2xx must wait for that.
 */
import { InviteNotPendingError } from './dialog-errors.ts';
import { createResponse, cseqOf, formatNameAddr, newTag, toOf } from '../message/index.ts';
import type { NameAddr, SipRequest, SipResponse } from '../message/index.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import { Dialog } from './dialog.ts';
import type { RequestContent } from './dialog.ts';
import type { DialogContext } from './dialog-context.ts';
import { SuccessRetransmitter } from './success-retransmitter.ts';
import { ReliableProvisional } from './reliable-provisional.ts';
import type { RAck } from './reliable-provisional.ts';

export type IncomingInviteState = 'Pending' | 'Accepted' | 'Confirmed' | 'Rejected' | 'Cancelled';

export interface ResponseContent extends RequestContent {
  /** Overrides the manager's Contact for this response. */
  contact?: NameAddr;
  /** A provisional sent reliably (RFC 3262): Require: 100rel, RSeq, retransmitted until PRACKed. */
  reliable?: boolean;
}

export class IncomingInvite {
  readonly request: SipRequest;
  readonly tx: InviteServerTransaction;
  /** For a re-INVITE: the dialog it arrived in. */
  readonly isReinvite: boolean;
  /** The ACK for our 2xx arrived (it may carry the answer, §13.3.1.4). */
  onAck: ((ack: SipRequest, dialog: Dialog) => void) | undefined;
  /** A CANCEL ended the INVITE before we answered it; 487 has been sent. */
  onCancel: (() => void) | undefined;
  /** The ACK never came: the dialog was ended with a BYE. */
  onAckTimeout: (() => void) | undefined;
  /** RFC 3262 §3: a reliable provisional was never PRACKed within 64*T1 (the layer above rejects the INVITE 5xx). */
  onPrackTimeout: (() => void) | undefined;
  #state: IncomingInviteState = 'Pending';
  #dialog: Dialog | undefined;
  readonly #localTag: string;
  readonly #ctx: DialogContext;
  #retransmitter: SuccessRetransmitter | undefined;
  #rseq: number | undefined;
  #reliable: ReliableProvisional | undefined;
  /** Reliable provisionals waiting for the PRACK of the one before (§3: one outstanding at a time). */
  readonly #queued: (() => void)[] = [];
  readonly #ackWaiters: ((ok: boolean) => void)[] = [];
  #sdpAcknowledged = false;

  constructor(ctx: DialogContext, request: SipRequest, tx: InviteServerTransaction, dialog?: Dialog) {
    this.#ctx = ctx;
    this.request = request;
    this.tx = tx;
    this.isReinvite = dialog !== undefined;
    this.#dialog = dialog;
    this.#localTag = dialog ? dialog.id.localTag : newTag();
    if (dialog) dialog.inviteInProgress = 'incoming';
  }

  get state(): IncomingInviteState {
    return this.#state;
  }
  get dialog(): Dialog | undefined {
    return this.#dialog;
  }

  /**
   * A provisional response (default 180). 101-199 create the early dialog
   * (§12.1.1); 100 carries no tag. A reliable one (`content.reliable`) waits
   * behind an unacknowledged one and goes out when that one is PRACKed.
   */
  progress(status = 180, content: ResponseContent = {}, reason?: string): void {
    if (status < 100 || status > 199) throw new Error(`IncomingInvite.progress: ${status} is not provisional`);
    this.#mustBePending('progress');
    if (content.reliable && status > 100) {
      if (this.#reliable?.state === 'unacknowledged') this.#queued.push(() => this.#sendReliable(status, content, reason));
      else this.#sendReliable(status, content, reason);
      return;
    }
    this.#sendProvisional(this.#response(status, reason, content));
  }

  /** RFC 3262 §4: a PRACK in the early dialog. True when its RAck names our outstanding (or last) reliable provisional. */
  prack(rack: RAck): boolean {
    const current = this.#reliable;
    if (!current || !current.acknowledge(rack)) return false;
    this.#settleWaiters();
    const next = this.#queued.shift();
    if (next && this.#state === 'Pending') next();
    return true;
  }

  /** Resolves true once no unacknowledged reliable provisional carries SDP (a 2xx may go, §3); false if one was never PRACKed. */
  acknowledged(): Promise<boolean> {
    const r = this.#reliable;
    if (!r || !r.withSdp || r.state === 'acknowledged') return Promise.resolve(true);
    if (r.state !== 'unacknowledged') return Promise.resolve(false);
    return new Promise((resolve) => this.#ackWaiters.push(resolve));
  }

  /** Whether the peer has PRACKed a reliable provisional of ours that carried SDP (our answer reached it reliably). */
  get answerAcknowledged(): boolean {
    return this.#sdpAcknowledged;
  }

  #sendReliable(status: number, content: ResponseContent, reason: string | undefined): void {
    if (this.#state !== 'Pending') return;
    this.#rseq = this.#rseq === undefined ? 1 + Math.floor(this.#ctx.random() * 0x7fffffff) : this.#rseq + 1;
    const response = this.#response(status, reason, content);
    response.headers.append('Require', '100rel');
    response.headers.set('RSeq', String(this.#rseq));
    this.#sendProvisional(response);
    const reliable = new ReliableProvisional({
      clock: this.#ctx.clock,
      timers: this.#ctx.timers,
      rseq: this.#rseq,
      cseq: cseqOf(this.request).seq,
      withSdp: response.body.length > 0,
      retransmit: () => {
        if (this.tx.state === 'Proceeding') this.tx.respond(response);
      },
      onGiveUp: () => {
        this.#settleWaiters();
        this.#ctx.logger.warn('no PRACK for a reliable provisional within 64*T1', { callId: this.request.headers.get('Call-ID') });
        this.onPrackTimeout?.();
      },
    });
    this.#reliable = reliable;
    reliable.start();
  }

  #sendProvisional(response: SipResponse): void {
    if (!this.#dialog && response.status > 100) {
      this.#dialog = Dialog.fromUasResponse(this.request, response, this.tx.incoming.source.protocol === 'tls', this.#ctx.random);
      this.#ctx.register(this.#dialog, this);
    }
    this.tx.respond(response);
  }

  #settleWaiters(): void {
    const r = this.#reliable;
    if (!r || r.state === 'unacknowledged') return;
    if (r.state === 'acknowledged' && r.withSdp) this.#sdpAcknowledged = true;
    for (const w of this.#ackWaiters.splice(0)) w(r.state === 'acknowledged');
  }

  /** A final response goes out: no provisional is retransmitted or sent after it. */
  #stopProvisionals(): void {
    this.#queued.length = 0;
    this.#reliable?.stop();
    this.#settleWaiters();
  }

  /** 2xx (default 200): confirms the dialog and retransmits until the ACK comes (§13.3.1.4). */
  accept(content: ResponseContent = {}, status = 200): Dialog {
    if (status < 200 || status > 299) throw new Error(`IncomingInvite.accept: ${status} is not 2xx`);
    this.#mustBePending('accept');
    this.#stopProvisionals();
    const response = this.#response(status, undefined, content);
    let dialog = this.#dialog;
    if (!dialog) {
      dialog = Dialog.fromUasResponse(this.request, response, this.tx.incoming.source.protocol === 'tls', this.#ctx.random);
      this.#dialog = dialog;
      this.#ctx.register(dialog);
    } else {
      dialog.confirm();
      if (content.contact) dialog.localContact = content.contact;
    }
    dialog.inviteInProgress = undefined;
    this.#state = 'Accepted';
    this.tx.respond(response);
    const seq = cseqOf(response).seq;
    this.#retransmitter = new SuccessRetransmitter({
      clock: this.#ctx.clock,
      timers: this.#ctx.timers,
      retransmit: () => this.#retransmit(response),
      onGiveUp: () => this.#ackTimeout(),
    });
    this.#ctx.awaitAck(dialog, { seq, ackReceived: (ack) => this.#ackReceived(ack), stop: () => this.stop() });
    this.#retransmitter.start();
    return dialog;
  }

  /** A final non-2xx. The early dialog of an initial INVITE ends; a re-INVITE's dialog stays (§14.2). */
  reject(status: number, reason?: string, content: ResponseContent = {}): void {
    if (status < 300 || status > 699) throw new Error(`IncomingInvite.reject: ${status} is not a failure`);
    this.#mustBePending('reject');
    this.#finishWith(status, reason, content, 'Rejected');
  }

  /** Number of 2xx retransmissions so far (tests, diagnostics). */
  get retransmissions(): number {
    return this.#retransmitter?.retransmissions ?? 0;
  }

  /** §9.2: the DialogManager matched a CANCEL to this INVITE. */
  cancelled(): void {
    if (this.#state !== 'Pending') return;
    this.#finishWith(487, 'Request Terminated', {}, 'Cancelled');
    this.onCancel?.();
  }

  /** The session ended some other way (BYE, shutdown): stop waiting for the ACK. */
  stop(): void {
    this.#retransmitter?.stop();
  }

  #finishWith(status: number, reason: string | undefined, content: ResponseContent, state: 'Rejected' | 'Cancelled'): void {
    this.#state = state;
    this.#stopProvisionals();
    this.tx.respond(this.#response(status, reason, content));
    const dialog = this.#dialog;
    if (!dialog) return;
    dialog.inviteInProgress = undefined;
    if (!this.isReinvite && dialog.state === 'Early') this.#ctx.end(dialog, state === 'Cancelled' ? 'cancelled' : 'rejected');
  }

  #ackReceived(ack: SipRequest): void {
    if (this.#state !== 'Accepted' || !this.#dialog) return;
    this.#state = 'Confirmed';
    this.#retransmitter?.stop();
    this.#ctx.stopAwaitingAck(this.#dialog);
    this.onAck?.(ack, this.#dialog);
  }

  #ackTimeout(): void {
    const dialog = this.#dialog;
    if (this.#state !== 'Accepted' || !dialog) return;
    this.#ctx.stopAwaitingAck(dialog);
    this.#ctx.logger.warn('no ACK for 2xx within 64*T1: ending the dialog with BYE', { callId: dialog.id.callId });
    this.onAckTimeout?.();
    if (dialog.state === 'Confirmed') this.#ctx.bye(dialog, 'ack-timeout');
  }

  #retransmit(response: SipResponse): void {
    // RFC 6026: the transaction passes 2xx through while Accepted; after Timer L the core sends them itself.
    if (this.tx.state === 'Accepted') this.tx.respond(response);
    else this.#ctx.layer.sendStatelessResponse(response, this.tx.incoming).catch(() => {});
  }

  #mustBePending(what: string): void {
    if (this.#state !== 'Pending') throw new InviteNotPendingError(`IncomingInvite.${what}: already ${this.#state}`);
  }

  /** §8.2.6.2 + §12.1.1: To tag, Record-Route copied (initial INVITE), Contact on 101-299. */
  #response(status: number, reason: string | undefined, content: ResponseContent): SipResponse {
    const response = createResponse(this.request, status, reason);
    const h = response.headers;
    if (status > 100) {
      const to = toOf(response);
      if (!to.params.has('tag')) {
        h.set('To', formatNameAddr({ ...to, params: new Map(to.params).set('tag', this.#localTag) }));
      }
    }
    if (status > 100 && status < 300) {
      if (!this.isReinvite) for (const rr of this.request.headers.getAll('Record-Route')) h.append('Record-Route', rr);
      const contact = content.contact ?? this.#dialog?.localContact ?? this.#ctx.contactFor(this.request);
      if (contact) h.append('Contact', formatNameAddr(contact));
    }
    for (const [name, value] of content.headers ?? []) h.append(name, value);
    if (content.body && content.body.length > 0) {
      response.body = content.body;
      if (content.contentType) h.set('Content-Type', content.contentType);
    }
    return response;
  }
}
