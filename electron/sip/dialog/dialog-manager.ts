/**
 * The dialog layer (RFC 3261 §12–§15) on top of the transaction layer: it is
 * the transaction layer's user, keeps the table of dialogs, and sorts what
 * arrives:
 *  - a request with a To tag belongs to a dialog (§12.2.2): none matches ->
 *    481; CSeq lower than the remote sequence number -> 500; BYE -> 200 and
 *    the dialog ends (§15.1.2); re-INVITE while our own INVITE is pending ->
 *    491, while another incoming one is pending -> 500 with Retry-After (§14.2);
 *  - a CANCEL is matched to its INVITE server transaction (§9.2): 200 and a
 *    487 for the INVITE, or 481;
 *  - a Request-URI that is not sip: or sips: -> 416 (§8.2.2.1);
 *  - an ACK for a 2xx stops that 2xx's retransmissions (§13.3.1.4);
 *  - a stray 2xx (after Timer M) is ACKed again from the dialog (§13.2.2.4).
 * Everything else goes to the DialogManagerUser (the UA core). Bodies are
 * opaque: offer/answer is the user's job.
 */
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { createResponse, cseqOf, SipRequest } from '../message/index.ts';
import type { NameAddr, SipResponse, SipUri } from '../message/index.ts';
import { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import { refusedLocally } from '../transaction/synthesized-response.ts';
import type { ServerTransaction, TransactionLayer, TransactionLayerUser } from '../transaction/transaction-layer.ts';
import type { IncomingMessage, SendTarget } from '../transport/transport.ts';
import { Dialog, TARGET_REFRESH_METHODS } from './dialog.ts';
import type { RequestContent } from './dialog.ts';
import type { AwaitingAck, DialogContext, DialogEndReason, PendingInvite } from './dialog-context.ts';
import { DialogTerminatedError, DialogUsageError, InsecureHopError, RequestPendingError } from './dialog-errors.ts';
import { dialogKey, idOfIncomingRequest, idOfIncomingResponse } from './dialog-id.ts';
import type { DialogId } from './dialog-id.ts';
import { IncomingInvite } from './incoming-invite.ts';
import { literalTargets, resolveNextHop } from './next-hop.ts';
import { OutgoingInvite } from './outgoing-invite.ts';
import type { OutgoingInviteHandler } from './outgoing-invite.ts';

const SIP_REQUEST_URI = /^sips?:/i;

/** A request of a dialog as sent, and its final response (408/503 synthesized on timeout/transport failure). */
export interface DialogExchange {
  request: SipRequest;
  response: SipResponse;
}

export interface DialogManagerUser {
  /** A new INVITE outside any dialog: answer it with progress/accept/reject. */
  onInvite(invite: IncomingInvite): void;
  /** Any other request outside a dialog (OPTIONS, MESSAGE, SUBSCRIBE, REFER...): answer through `tx.respond`. */
  onRequest(request: SipRequest, tx: ServerTransaction): void;
  /** A re-INVITE that passed the dialog checks. Without this handler it is refused with 488. */
  onReinvite?(dialog: Dialog, invite: IncomingInvite): void;
  /** Another request inside a dialog (UPDATE, INFO, NOTIFY, REFER, MESSAGE, OPTIONS...). Without this handler: 501. */
  onDialogRequest?(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void;
  /**
   * A request with a To tag that matches no dialog (RFC 6665 §4.1.2.4: a
   * NOTIFY creates the subscriber's dialog, and may come before the
   * SUBSCRIBE's 2xx or from a fork). True when the user answered it;
   * otherwise it is 481.
   */
  onOrphanRequest?(request: SipRequest, tx: ServerTransaction): boolean;
  /** A dialog ended (after the BYE was answered, for a received BYE). */
  onDialogTerminated?(dialog: Dialog, reason: DialogEndReason): void;
  /**
   * A request of the dialog was refused as out of order (500, §12.2.2): a
   * notifier whose NOTIFYs crossed on the way may have told us something
   * we could not take, and its owner may ask for the state again.
   */
  onOutOfOrderRequest?(dialog: Dialog, request: SipRequest): void;
}

export interface DialogManagerOptions {
  layer: TransactionLayer;
  user: DialogManagerUser;
  /** RFC 3263 resolution of a next-hop URI. Default: IP-literal URIs only (`literalTargets`). */
  resolve?: (uri: SipUri) => Promise<SendTarget[]> | SendTarget[];
  /** Our Contact in responses that create a dialog (and in requests the manager builds without one). */
  contact?: NameAddr | ((request: SipRequest) => NameAddr | undefined);
  /** Randomness for tags, initial CSeq and the §14.1 glare back-off (tests pin it). */
  random?: () => number;
  /** Retry a re-INVITE after 491 with the §14.1 back-off (default true). */
  retryOnGlare?: boolean;
  logger?: Logger;
}

export class DialogManager implements TransactionLayerUser {
  readonly #layer: TransactionLayer;
  readonly #user: DialogManagerUser;
  readonly #ctx: DialogContext;
  readonly #dialogs = new Map<string, Dialog>();
  readonly #awaitingAck = new Map<Dialog, AwaitingAck>();
  readonly #invites = new WeakMap<InviteServerTransaction, IncomingInvite>();
  /** The initial INVITE of each UAS dialog (a BYE on an early dialog gets it a 487, §15.1.2). */
  readonly #pending = new Map<Dialog, PendingInvite>();
  readonly #logger: Logger;

  constructor(opts: DialogManagerOptions) {
    this.#layer = opts.layer;
    this.#user = opts.user;
    this.#logger = (opts.logger ?? nullLogger).child('dialog');
    const resolve = opts.resolve ?? literalTargets;
    const contact = opts.contact;
    this.#ctx = {
      layer: opts.layer,
      clock: opts.layer.context.clock,
      timers: opts.layer.context.timers,
      logger: this.#logger,
      random: opts.random ?? Math.random,
      retryOnGlare: opts.retryOnGlare ?? true,
      resolve: async (uri) => resolve(uri),
      contactFor: (request) => (typeof contact === 'function' ? contact(request) : contact),
      register: (dialog, pending) => this.#register(dialog, pending),
      end: (dialog, reason) => this.#end(dialog, reason),
      bye: (dialog, reason) => void this.bye(dialog, {}, reason).catch(() => {}),
      awaitAck: (dialog, waiter) => this.#awaitingAck.set(dialog, waiter),
      stopAwaitingAck: (dialog) => this.#awaitingAck.delete(dialog),
    };
    opts.layer.setUser(this);
  }

  get dialogs(): Dialog[] {
    return [...this.#dialogs.values()];
  }

  find(id: DialogId): Dialog | undefined {
    return this.#dialogs.get(dialogKey(id));
  }

  /** Sends an initial INVITE (built by the UA core) and follows its dialogs. */
  invite(request: SipRequest, handler: OutgoingInviteHandler, targets?: SendTarget[]): OutgoingInvite {
    const invite = new OutgoingInvite(this.#ctx, { request, targets }, handler);
    void invite.start();
    return invite;
  }

  /** §14.1: a re-INVITE in a confirmed dialog (491 is retried after the back-off unless retryOnGlare is off). */
  reinvite(dialog: Dialog, content: RequestContent, handler: OutgoingInviteHandler): OutgoingInvite {
    if (dialog.state !== 'Confirmed') throw new DialogTerminatedError('re-INVITE');
    if (dialog.inviteInProgress) throw new RequestPendingError(`an ${dialog.inviteInProgress} INVITE is pending in the dialog (§14.1)`);
    const invite = new OutgoingInvite(this.#ctx, { reinvite: { dialog, content } }, handler);
    void invite.start();
    return invite;
  }

  /**
   * A non-INVITE request in the dialog (UPDATE, INFO, MESSAGE, NOTIFY, REFER...).
   * Resolves with the final response (408/503 synthesized on timeout/transport
   * failure). A 2xx to a target refresh replaces the remote target (§12.2.1.2);
   * 481 or 408 end the dialog.
   */
  async request(dialog: Dialog, method: string, content: RequestContent = {}): Promise<SipResponse> {
    return (await this.exchange(dialog, method, content)).response;
  }

  /** As request(), with the request as it was sent (a 401/407 is answered from it, §22.2). */
  async exchange(dialog: Dialog, method: string, content: RequestContent = {}): Promise<DialogExchange> {
    if (method === 'INVITE' || method === 'ACK' || method === 'CANCEL' || method === 'BYE') {
      throw new DialogUsageError(`DialogManager.request: use ${method === 'BYE' ? 'bye' : method === 'INVITE' ? 'reinvite' : 'the invite objects'}`);
    }
    if (dialog.state === 'Terminated') throw new DialogTerminatedError(method);
    return this.#sendInDialog(dialog, dialog.createRequest(method, content));
  }

  /**
   * §22.2: a request of the dialog that drew a 401/407 goes again with the
   * credentials in `headers` and the next CSeq (§12.2.1.1). A BYE is resent
   * even though its dialog already ended when the first one went out.
   */
  resend(dialog: Dialog, previous: SipRequest, headers: readonly [string, string][]): Promise<DialogExchange> {
    const copy = new SipRequest(previous.method, previous.uri, previous.headers.clone(), previous.body);
    const h = copy.headers;
    for (const name of ['Via', 'Authorization', 'Proxy-Authorization']) h.remove(name);
    const seq = dialog.state === 'Terminated' ? cseqOf(previous).seq + 1 : dialog.nextLocalSeq();
    h.set('CSeq', `${seq} ${previous.method}`);
    for (const [name, value] of headers) h.append(name, value);
    return this.#sendInDialog(dialog, copy);
  }

  /** §15.1.1: the dialog ends as soon as the BYE is handed to its transaction; resolves with the BYE's final response. */
  async bye(dialog: Dialog, content: RequestContent = {}, reason: DialogEndReason = 'bye-sent'): Promise<SipResponse> {
    return (await this.byeExchange(dialog, content, reason)).response;
  }

  /**
   * RFC 4028 §10: BYE after a session refresh that timed out or drew 408/481
   * (which ended the dialog, §12.2.1.2); a dialog still up gets an ordinary BYE.
   */
  async byeAfterRefreshFailure(dialog: Dialog, content: RequestContent = {}): Promise<DialogExchange> {
    if (dialog.state !== 'Terminated') return this.byeExchange(dialog, content);
    const request = dialog.createByeAfterEnd(content);
    return { request, response: await this.#send(request) };
  }

  /** As bye(), with the BYE as it was sent. */
  async byeExchange(dialog: Dialog, content: RequestContent = {}, reason: DialogEndReason = 'bye-sent'): Promise<DialogExchange> {
    if (dialog.state === 'Terminated') throw new DialogTerminatedError('BYE');
    const request = dialog.createRequest('BYE', content);
    this.#end(dialog, reason);
    return { request, response: await this.#send(request) };
  }

  /** A dialog made by a usage other than INVITE (SUBSCRIBE/NOTIFY, RFC 6665 §4.1.2.4, §4.2.1): in-dialog requests now reach it. */
  adopt(dialog: Dialog): void {
    if (dialog.state === 'Terminated') throw new DialogTerminatedError('adopt');
    this.#register(dialog);
  }

  /** Ends a dialog without sending anything (its subscription ended, RFC 6665 §4.4.1). */
  release(dialog: Dialog, reason: DialogEndReason = 'closed'): void {
    this.#end(dialog, reason);
  }

  /** Stops every retransmission and forgets every dialog, without sending anything. */
  close(): void {
    for (const d of [...this.#dialogs.values()]) this.#end(d, 'closed');
  }

  // --- TransactionLayerUser ---

  onRequest(request: SipRequest, tx: ServerTransaction, _incoming: IncomingMessage): void {
    if (request.method === 'CANCEL') {
      this.#cancel(request, tx);
      return;
    }
    if (!SIP_REQUEST_URI.test(request.uri)) {
      // §8.2.2.1: a UA is reached at sip:/sips: URIs; an OPTIONS or INVITE to http: or tel: is not for us.
      tx.respond(createResponse(request, 416, 'Unsupported URI Scheme'));
      return;
    }
    const id = idOfIncomingRequest(request);
    if (!id) {
      if (request.method === 'INVITE' && tx instanceof InviteServerTransaction) {
        const invite = new IncomingInvite(this.#ctx, request, tx);
        this.#invites.set(tx, invite);
        this.#user.onInvite(invite);
      } else {
        this.#user.onRequest(request, tx);
      }
      return;
    }
    const dialog = this.#dialogs.get(dialogKey(id));
    if (!dialog) {
      if (this.#user.onOrphanRequest?.(request, tx)) return;
      tx.respond(createResponse(request, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    if (!dialog.acceptRemoteSeq(request)) {
      tx.respond(createResponse(request, 500, 'CSeq Out of Order'));
      this.#user.onOutOfOrderRequest?.(dialog, request);
      return;
    }
    if (request.method === 'BYE') this.#byeReceived(dialog, request, tx);
    else if (request.method === 'INVITE' && tx instanceof InviteServerTransaction) this.#reinviteReceived(dialog, request, tx);
    else {
      if (request.method === 'UPDATE') dialog.refreshRemoteTarget(request);
      if (this.#user.onDialogRequest) this.#user.onDialogRequest(dialog, request, tx);
      else tx.respond(createResponse(request, 501, 'Not Implemented'));
    }
  }

  onAck(ack: SipRequest, _incoming: IncomingMessage): void {
    const id = idOfIncomingRequest(ack);
    const dialog = id && this.#dialogs.get(dialogKey(id));
    if (!dialog) return; // §17.2.3 / §13.3.1.4: an ACK for nothing we know is absorbed
    const waiter = this.#awaitingAck.get(dialog);
    if (waiter && waiter.seq === cseqOf(ack).seq) waiter.ackReceived(ack);
  }

  onStrayResponse(response: SipResponse, _incoming: IncomingMessage): void {
    // §13.2.2.4: a 2xx retransmitted after the INVITE transaction ended still gets its ACK.
    if (response.status < 200 || response.status >= 300 || cseqOf(response).method !== 'INVITE') return;
    const id = idOfIncomingResponse(response);
    const dialog = id && this.#dialogs.get(dialogKey(id));
    const last = dialog?.lastAck;
    if (!last?.target || last.seq !== cseqOf(response).seq) {
      this.#logger.debug('stray response dropped', { status: response.status });
      return;
    }
    this.#layer.sendAck(last.request, last.target).catch((err: unknown) => this.#logger.warn('ACK resend failed', { error: String(err) }));
  }

  // --- internals ---

  #cancel(cancel: SipRequest, tx: ServerTransaction): void {
    const ist = this.#layer.findInviteForCancel(cancel);
    const invite = ist && this.#invites.get(ist);
    if (!invite) {
      tx.respond(createResponse(cancel, 481, 'Call/Transaction Does Not Exist'));
      return;
    }
    // §9.2: the CANCEL is answered 200 whatever the INVITE's state; only a pending INVITE gets its 487.
    tx.respond(createResponse(cancel, 200, 'OK'));
    invite.cancelled();
  }

  #byeReceived(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void {
    tx.respond(createResponse(request, 200, 'OK'));
    const pending = this.#pending.get(dialog);
    this.#end(dialog, 'bye-received');
    if (pending && pending.state === 'Pending') pending.reject(487, 'Request Terminated');
  }

  #reinviteReceived(dialog: Dialog, request: SipRequest, tx: InviteServerTransaction): void {
    if (dialog.inviteInProgress === 'outgoing') {
      tx.respond(createResponse(request, 491, 'Request Pending'));
      return;
    }
    if (dialog.inviteInProgress === 'incoming' || dialog.state !== 'Confirmed') {
      // §14.2: a second INVITE before the first got its final response; Retry-After 0–10 s.
      const response = createResponse(request, 500, 'Server Internal Error');
      response.headers.append('Retry-After', String(Math.floor(this.#ctx.random() * 11)));
      tx.respond(response);
      return;
    }
    dialog.refreshRemoteTarget(request);
    const invite = new IncomingInvite(this.#ctx, request, tx, dialog);
    this.#invites.set(tx, invite);
    if (this.#user.onReinvite) this.#user.onReinvite(dialog, invite);
    else invite.reject(488, 'Not Acceptable Here');
  }

  #register(dialog: Dialog, pending?: PendingInvite): void {
    this.#dialogs.set(dialogKey(dialog.id), dialog);
    if (pending) this.#pending.set(dialog, pending);
    this.#logger.debug('dialog created', { callId: dialog.id.callId, role: dialog.role, state: dialog.state });
  }

  #end(dialog: Dialog, reason: DialogEndReason): void {
    if (dialog.state === 'Terminated') return;
    dialog.terminate();
    this.#dialogs.delete(dialogKey(dialog.id));
    this.#awaitingAck.get(dialog)?.stop();
    this.#awaitingAck.delete(dialog);
    this.#pending.delete(dialog);
    this.#logger.debug('dialog ended', { callId: dialog.id.callId, reason });
    this.#user.onDialogTerminated?.(dialog, reason);
  }

  async #sendInDialog(dialog: Dialog, request: SipRequest): Promise<DialogExchange> {
    const method = request.method;
    const response = await this.#send(request);
    if (response.status >= 200 && response.status < 300 && TARGET_REFRESH_METHODS.has(method)) dialog.refreshRemoteTarget(response);
    if ((response.status === 481 || response.status === 408) && dialog.state !== 'Terminated' && method !== 'BYE') this.#end(dialog, 'remote-gone');
    return { request, response };
  }

  /** Sends a request of the dialog through a non-INVITE client transaction to the next hop's targets. */
  async #send(request: SipRequest): Promise<SipResponse> {
    let targets: SendTarget[];
    try {
      targets = await resolveNextHop(request, (uri) => this.#ctx.resolve(uri));
      if (targets.length === 0) throw new Error('no targets');
    } catch (err) {
      this.#logger.warn('next hop not resolved', { method: request.method, error: String(err) });
      // RFC 5630 refused the hop: the user is told why, not just "unavailable".
      return err instanceof InsecureHopError ? refusedLocally(request, err.message) : createResponse(request, 503, 'Service Unavailable');
    }
    return new Promise<SipResponse>((resolve) => {
      this.#layer.sendRequest(request, targets, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
      });
    });
  }
}
