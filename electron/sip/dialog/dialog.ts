/**
 * A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE (or
 * SUBSCRIBE/REFER) sets up, identified by Call-ID + local tag + remote tag.
 * It holds what every request inside it needs: local/remote sequence
 * numbers, local/remote URI, remote target, route set and the secure flag.
 *
 *      1xx with To tag (101-199)         2xx
 *   ----------------------------> Early -------> Confirmed
 *                                   |                |
 *   2xx (no early dialog first)     | non-2xx final, | BYE sent or received,
 *   ---------------------------------|---------------+ 481/408 to a request,
 *                    |               | CANCEL         | ACK timeout
 *                    V               V                V
 *                Confirmed        Terminated <--------+
 *
 * The body is opaque here: offers and answers are the layer above's business.
 */
import { DialogTerminatedError } from './dialog-errors.ts';
import { compactNameAddr, compactUri } from './compact-address.ts';
import { SipRequest, callId, cseqOf, formatNameAddr, formatUri, fromOf, parseContacts, parseUri, toOf } from '../message/index.ts';
import type { NameAddr, SipMessage, SipResponse, SipUri } from '../message/index.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { SendTarget } from '../transport/transport.ts';
import type { DialogId } from './dialog-id.ts';
import { routeRequest, routeSetFromRecordRoute } from './route-set.ts';

export type DialogState = 'Early' | 'Confirmed' | 'Terminated';
export type DialogRole = 'uac' | 'uas';

const moves: Record<DialogState, readonly DialogState[]> = {
  Early: ['Confirmed', 'Terminated'],
  Confirmed: ['Terminated'],
  Terminated: [],
};

/** Methods whose requests and 2xx responses replace the remote target (§12.2, RFC 3311, RFC 6665, RFC 3515). */
export const TARGET_REFRESH_METHODS: ReadonlySet<string> = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export interface DialogInit {
  role: DialogRole;
  state: 'Early' | 'Confirmed';
  id: DialogId;
  localParty: NameAddr;
  remoteParty: NameAddr;
  remoteTarget: SipUri;
  routeSet: NameAddr[];
  localSeq: number | undefined;
  remoteSeq: number | undefined;
  secure: boolean;
  localContact?: NameAddr;
  random?: () => number;
}

export interface RequestContent {
  body?: Buffer;
  contentType?: string;
  /** Extra header fields, appended in order. */
  headers?: [string, string][];
}

export class Dialog {
  readonly role: DialogRole;
  readonly id: DialogId;
  readonly secure: boolean;
  /** Local URI with display name, without the tag (§12.1: the From of the UAC / To of the UAS). */
  readonly localParty: NameAddr;
  readonly remoteParty: NameAddr;
  /** §14.1/§14.2: an INVITE transaction in this dialog without a final response yet, and which side sent it. */
  inviteInProgress: 'outgoing' | 'incoming' | undefined;
  /** UAC: the last ACK for a 2xx (§13.2.2.4), resent for every retransmission of that 2xx. */
  lastAck: { seq: number; request: SipRequest; target?: SendTarget } | undefined;
  #state: DialogState;
  #localSeq: number | undefined;
  #remoteSeq: number | undefined;
  #remoteTarget: SipUri;
  #routeSet: NameAddr[];
  #localContact: NameAddr | undefined;
  readonly #random: () => number;

  constructor(init: DialogInit) {
    this.role = init.role;
    this.id = init.id;
    this.secure = init.secure;
    // Kept compactly (compact-address.ts): a dialog lives for hours, a watched line has two.
    this.localParty = compactNameAddr(withoutTag(init.localParty));
    this.remoteParty = compactNameAddr(withoutTag(init.remoteParty));
    this.#localContact = init.localContact && compactNameAddr(init.localContact);
    this.#state = init.state;
    this.#localSeq = init.localSeq;
    this.#remoteSeq = init.remoteSeq;
    this.#remoteTarget = compactUri(init.remoteTarget);
    this.#routeSet = init.routeSet.map(compactNameAddr);
    this.#random = init.random ?? Math.random;
  }

  /**
   * §12.1.2: the UAC's dialog from a response (101-199 with a To tag: Early;
   * 2xx: Confirmed) to the request it sent. `sentOverTls`: the transport used.
   */
  static fromUacResponse(request: SipRequest, response: SipResponse, sentOverTls: boolean, random?: () => number): Dialog {
    const to = toOf(response);
    const from = fromOf(request);
    const requestUri = parseUri(request.uri);
    return new Dialog({
      role: 'uac',
      state: response.status >= 200 ? 'Confirmed' : 'Early',
      id: { callId: callId(request), localTag: from.params.get('tag') ?? '', remoteTag: to.params.get('tag') ?? '' },
      localParty: from,
      remoteParty: toOf(request),
      remoteTarget: contactUri(response) ?? requestUri,
      routeSet: routeSetFromRecordRoute(response, 'uac'),
      localSeq: cseqOf(request).seq,
      remoteSeq: undefined,
      secure: sentOverTls && requestUri.scheme === 'sips',
      localContact: firstContact(request),
      random,
    });
  }

  /**
   * §12.1.1: the UAS's dialog from the request it received and the response
   * (with the To tag it chose) it is sending.
   */
  static fromUasResponse(request: SipRequest, response: SipResponse, receivedOverTls: boolean, random?: () => number): Dialog {
    const requestUri = parseUri(request.uri);
    return new Dialog({
      role: 'uas',
      state: response.status >= 200 ? 'Confirmed' : 'Early',
      id: { callId: callId(request), localTag: toOf(response).params.get('tag') ?? '', remoteTag: fromOf(request).params.get('tag') ?? '' },
      localParty: toOf(request),
      remoteParty: fromOf(request),
      remoteTarget: contactUri(request) ?? fromOf(request).uri,
      routeSet: routeSetFromRecordRoute(request, 'uas'),
      localSeq: undefined,
      remoteSeq: cseqOf(request).seq,
      secure: receivedOverTls && requestUri.scheme === 'sips',
      localContact: firstContact(response),
      random,
    });
  }

  /** Our Contact in this dialog (§12.1.1/§12.1.2); a target refresh of ours may change it. */
  get localContact(): NameAddr | undefined {
    return this.#localContact;
  }
  set localContact(contact: NameAddr | undefined) {
    this.#localContact = contact && compactNameAddr(contact);
  }

  get state(): DialogState {
    return this.#state;
  }
  get localSeq(): number | undefined {
    return this.#localSeq;
  }
  get remoteSeq(): number | undefined {
    return this.#remoteSeq;
  }
  get localUri(): SipUri {
    return this.localParty.uri;
  }
  get remoteUri(): SipUri {
    return this.remoteParty.uri;
  }
  get remoteTarget(): SipUri {
    return this.#remoteTarget;
  }
  get routeSet(): readonly NameAddr[] {
    return this.#routeSet;
  }

  transition(to: DialogState): void {
    assertTransition('Dialog', moves, this.#state, to);
    this.#state = to;
  }

  /**
   * UAC, §13.2.2.4: a 2xx on an early dialog confirms it, and the route set is
   * recomputed from the 2xx; its Contact is the remote target (§12.1.2).
   */
  confirmWith(response: SipResponse): void {
    if (this.role !== 'uac') throw new Error('Dialog.confirmWith: UAC only (the UAS uses confirm())');
    if (this.#state === 'Early') {
      this.transition('Confirmed');
      this.#routeSet = routeSetFromRecordRoute(response, 'uac').map(compactNameAddr);
    }
    this.refreshRemoteTarget(response);
  }

  /** UAS: the 2xx it sends confirms the early dialog (§12.1.1). */
  confirm(): void {
    if (this.#state === 'Early') this.transition('Confirmed');
  }

  /** §12.2.1.2 / §12.2.2: a target refresh request or its 2xx replaces the remote target with its Contact. */
  refreshRemoteTarget(message: SipMessage): void {
    const uri = contactUri(message);
    if (uri) this.#remoteTarget = compactUri(uri);
  }

  /**
   * §12.2.2: the CSeq rule for a request from the peer. Returns false when it
   * is out of order (lower than the remote sequence number: answer 500), else
   * records its number. ACK and CANCEL reuse the INVITE's number and are not
   * sequenced. The remote target is refreshed separately (`refreshRemoteTarget`),
   * once the request is accepted (a re-INVITE refused with 491 refreshes nothing).
   */
  acceptRemoteSeq(request: SipRequest): boolean {
    if (request.method === 'ACK' || request.method === 'CANCEL') return true;
    const seq = cseqOf(request).seq;
    if (this.#remoteSeq !== undefined && seq < this.#remoteSeq) return false;
    this.#remoteSeq = seq;
    return true;
  }

  /** §12.2.1.1: the next local CSeq number; chosen at random below 2^31 the first time for a UAS (§8.1.1.5). */
  nextLocalSeq(): number {
    this.#localSeq = this.#localSeq === undefined ? 1 + Math.floor(this.#random() * 0x7fffffff) : this.#localSeq + 1;
    return this.#localSeq;
  }

  /**
   * §12.2.1.1: a request inside this dialog: To/From with the tags, Call-ID,
   * the next CSeq, Request-URI and Route from the remote target and route
   * set, and Contact for target refresh methods. No Via: the transaction
   * layer adds one with a fresh branch and the transport fills sent-by.
   */
  createRequest(method: string, content: RequestContent = {}, cseq?: number): SipRequest {
    if (this.#state === 'Terminated') throw new DialogTerminatedError(method);
    return this.#build(method, content, cseq);
  }

  /**
   * RFC 4028 §10: the BYE of a refresher whose session refresh timed out or
   * drew 408/481 — which ended the dialog already (§12.2.1.2) — still goes
   * out, built from the dialog as it was: the peer may be alive and only the
   * refresh lost, and the BYE tells it the session is over.
   */
  createByeAfterEnd(content: RequestContent = {}): SipRequest {
    return this.#build('BYE', content, undefined);
  }

  #build(method: string, content: RequestContent, cseq: number | undefined): SipRequest {
    if (method === 'ACK' || method === 'CANCEL') {
      if (cseq === undefined) throw new Error(`Dialog: ${method} needs the CSeq number of its INVITE`);
    }
    const seq = cseq ?? this.nextLocalSeq();
    const { requestUri, routes } = routeRequest(this.#remoteTarget, this.#routeSet);
    const request = new SipRequest(method, formatUri(requestUri));
    const h = request.headers;
    h.append('Max-Forwards', '70');
    for (const r of routes) h.append('Route', formatNameAddr(r));
    h.append('From', formatNameAddr(withTag(this.localParty, this.id.localTag)));
    h.append('To', formatNameAddr(withTag(this.remoteParty, this.id.remoteTag)));
    h.append('Call-ID', this.id.callId);
    h.append('CSeq', `${seq} ${method}`);
    if (this.localContact && TARGET_REFRESH_METHODS.has(method)) h.append('Contact', formatNameAddr(this.localContact));
    for (const [name, value] of content.headers ?? []) h.append(name, value);
    if (content.body && content.body.length > 0) {
      request.body = content.body;
      if (content.contentType) h.set('Content-Type', content.contentType);
    }
    return request;
  }

  /**
   * §13.2.2.4: the ACK for a 2xx is built like any request in the dialog, but
   * with the CSeq number of the INVITE and the INVITE's credentials. It gets a
   * new branch of its own (it is not part of the INVITE transaction).
   */
  createAck(invite: SipRequest, content: RequestContent = {}): SipRequest {
    const ack = this.createRequest('ACK', content, cseqOf(invite).seq);
    for (const name of ['Authorization', 'Proxy-Authorization']) {
      for (const v of invite.headers.getAll(name)) ack.headers.append(name, v);
    }
    return ack;
  }

  terminate(): void {
    if (this.#state !== 'Terminated') this.transition('Terminated');
  }
}

function withoutTag(na: NameAddr): NameAddr {
  const params = new Map(na.params);
  params.delete('tag');
  return { ...na, params };
}

function withTag(na: NameAddr, tag: string): NameAddr {
  if (tag === '') return na;
  const params = new Map(na.params);
  params.set('tag', tag);
  return { ...na, params };
}

function firstContact(message: SipMessage): NameAddr | undefined {
  const values = message.headers.getAll('Contact');
  if (values.length === 0) return undefined;
  try {
    const list = parseContacts(values);
    return list === '*' ? undefined : list[0];
  } catch {
    return undefined;
  }
}

function contactUri(message: SipMessage): SipUri | undefined {
  return firstContact(message)?.uri;
}
