/**
 * The transaction layer (RFC 3261 §17): owns every client and server
 * transaction, demultiplexes what the transport delivers (§17.1.3, §17.2.3),
 * and hands up what belongs to no transaction: new requests (after creating
 * their server transaction), ACKs for 2xx (they form no transaction,
 * §17.1.1.3 / §13.3.1.4), and responses that match no client transaction
 * (2xx retransmissions after Timer M, §13.2.2.4).
 */
import { TransactionLayerClosedError } from './transaction-errors.ts';
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { systemClock } from '../../common/clock.ts';
import type { Clock } from '../../common/clock.ts';
import { copyVia, createResponse, cseqOf, callId, formatVia, fromOf, newBranch, toOf, topVia } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Endpoint, IncomingMessage, SendTarget, SipTransport, UnreachableEvent } from '../transport/transport.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { TargetFailover } from './target-failover.ts';
import type { ClientTransaction, TargetFailoverUser } from './target-failover.ts';
import { timerConfig } from './timers.ts';
import type { TimerConfig } from './timers.ts';
import type { ClientTransactionUser, LingerRecord, TransactionContext } from './transaction.ts';
import { clientKey, clientKeyOfResponse, isRfc3261Branch, legacyKey, legacyMatches, serverKey } from './transaction-matching.ts';
import { LingerRecords, resendOf } from './linger-records.ts';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What the layer above (the dialog layer / UA core) receives. */
export interface TransactionLayerUser {
  /** A new request; its server transaction exists and answers through `tx.respond`. */
  onRequest(request: SipRequest, tx: ServerTransaction, incoming: IncomingMessage): void;
  /** An ACK for a 2xx: matched no transaction, or matched an INVITE server transaction in Accepted (RFC 6026 §7.1). */
  onAck(ack: SipRequest, incoming: IncomingMessage): void;
  /** A response that matched no client transaction. */
  onStrayResponse(response: SipResponse, incoming: IncomingMessage): void;
  /**
   * A new non-INVITE request, before its server transaction is made: a response
   * returned here is sent statelessly (RFC 3261 §8.2.7) and no transaction
   * exists; a retransmission of the request comes here again. For answers
   * that are cheap to repeat and change nothing, such as a registrar's digest
   * challenge, or whose retransmissions the user recognises itself (the
   * server's registrar remembers its last answers): a server under load then
   * keeps no transaction for 32 s per request.
   */
  answerStatelessly?(request: SipRequest, incoming: IncomingMessage): StatelessAnswer | undefined;
}

/** A response sent without a transaction; `bytes` when the user serialized it already (to remember it), sent as is. */
export interface StatelessAnswer {
  response: SipResponse;
  bytes?: Buffer;
}

export interface TransactionLayerOptions {
  transport: SipTransport;
  clock?: Clock;
  timers?: Partial<TimerConfig>;
  logger?: Logger;
  user?: TransactionLayerUser;
  /** INVITE server transactions send 100 Trying after this many ms of TU silence (§17.2.1); false: never. Default 200. */
  autoTrying?: number | false;
  /**
   * Finished transactions leave a compact record that absorbs and answers
   * retransmissions for the rest of their timer instead of lingering whole
   * (linger-records.ts); for a server under load. Default false: a phone's
   * TU sees each transaction to the end of its timers.
   */
  lingerRecords?: boolean;
}

export class TransactionLayer {
  readonly context: TransactionContext;
  readonly #autoTrying: number | false;
  #user: TransactionLayerUser | undefined;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /** RFC 2543 server transactions (no magic cookie) by legacyKey, matched field by field within a bucket. */
  readonly #legacy = new Map<string, Set<ServerTransaction>>();
  #legacyCount = 0;
  /** Records of finished server transactions (by serverKey) and client ones (by clientKey), when kept. */
  readonly #serverRecords: LingerRecords | undefined;
  readonly #clientRecords: LingerRecords | undefined;
  #closed = false;

  constructor(opts: TransactionLayerOptions) {
    this.context = {
      transport: opts.transport,
      clock: opts.clock ?? systemClock,
      timers: timerConfig(opts.timers),
      logger: (opts.logger ?? nullLogger).child('transaction'),
    };
    this.#autoTrying = opts.autoTrying ?? 200;
    this.#user = opts.user;
    if (opts.lingerRecords) {
      this.#serverRecords = new LingerRecords(this.context.clock);
      this.#clientRecords = new LingerRecords(this.context.clock);
    }
    opts.transport.onMessage((m) => this.receive(m));
    opts.transport.onUnreachable?.((e) => this.#unreachable(e));
  }

  setUser(user: TransactionLayerUser): void {
    this.#user = user;
  }

  get clientCount(): number {
    return this.#clients.size;
  }
  get serverCount(): number {
    return this.#servers.size + this.#legacyCount;
  }
  /** Records finished transactions left (lingerRecords), server and client. */
  get recordCount(): number {
    return (this.#serverRecords?.size ?? 0) + (this.#clientRecords?.size ?? 0);
  }

  /** Sends `request` through client transactions, trying `targets` in order (RFC 3263 §4.3). */
  sendRequest(request: SipRequest, targets: readonly SendTarget[], user: TargetFailoverUser): TargetFailover {
    return new TargetFailover(request, targets, (req, target, txUser) => this.createClientTransaction(req, target, txUser), user).start();
  }

  /** One client transaction to one target, started. The request gets a top Via with a fresh branch if it lacks one. */
  createClientTransaction(request: SipRequest, target: SendTarget, user: ClientTransactionUser<ClientTransaction>): ClientTransaction {
    if (this.#closed) throw new TransactionLayerClosedError();
    if (request.method === 'ACK') throw new Error('TransactionLayer: an ACK is not a transaction (use sendAck)');
    this.#ensureBranch(request, target);
    const branch = topVia(request).params.get('branch') as string;
    const key = clientKey(branch, request.method);
    if (this.#clients.has(key)) throw new Error(`TransactionLayer: branch ${branch} already used for ${request.method}`);
    const records = this.#clientRecords;
    const context = records ? { ...this.context, retire: (r: LingerRecord, ms: number) => records.keep(key, r, ms) } : this.context;
    const tx: ClientTransaction =
      request.method === 'INVITE'
        ? new InviteClientTransaction({ ...context, request, target, user: user as ClientTransactionUser<InviteClientTransaction> })
        : new NonInviteClientTransaction({ ...context, request, target, user: user as ClientTransactionUser<NonInviteClientTransaction> });
    this.#clients.set(key, tx);
    tx.onTerminated(() => this.#clients.delete(key));
    tx.start();
    return tx;
  }

  /** An ACK for a 2xx goes out on its own, outside any transaction (RFC 3261 §17.1.1.3, §13.2.2.4). */
  sendAck(ack: SipRequest, target: SendTarget): Promise<Endpoint> {
    if (ack.method !== 'ACK') throw new Error('TransactionLayer.sendAck: not an ACK');
    this.#ensureBranch(ack, target);
    return this.context.transport.send(ack, target);
  }

  /** A response outside any transaction (e.g. a 2xx retransmitted by the UAS core after Timer L, §13.3.1.4). */
  sendStatelessResponse(response: SipResponse, to: IncomingMessage): Promise<void> {
    return this.context.transport.sendResponse(response, to);
  }

  /** RFC 3261 §9.2: the INVITE server transaction a CANCEL targets (matched as if its method were INVITE). */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | undefined {
    const key = serverKey(cancel, 'INVITE');
    if (key !== undefined) {
      const tx = this.#servers.get(key);
      return tx instanceof InviteServerTransaction ? tx : undefined;
    }
    for (const tx of this.#legacyBucket(cancel)) {
      if (tx instanceof InviteServerTransaction && legacyMatches(tx.request, undefined, cancel, 'INVITE')) return tx;
    }
    return undefined;
  }

  /** A CANCEL's INVITE was answered 2xx and its transaction left a record (lingerRecords): the CANCEL has no effect (§9.2: 200). */
  inviteAccepted(cancel: SipRequest): boolean {
    const key = this.#serverRecords ? serverKey(cancel, 'INVITE') : undefined;
    return key !== undefined && this.#serverRecords?.get(key)?.kind === 'accepted';
  }

  /** The transport's message handler (public for tests that inject messages directly). */
  receive(incoming: IncomingMessage): void {
    if (this.#closed) return;
    try {
      const m = incoming.message;
      if (m.kind === 'request') this.#receiveRequest(m, incoming);
      else this.#receiveResponse(m, incoming);
    } catch (err) {
      this.context.logger.error('transaction layer: handler failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  }

  /** Ends every transaction without telling anyone (stack shutdown). */
  close(): void {
    this.#closed = true;
    const legacy = [...this.#legacy.values()].flatMap((bucket) => [...bucket]);
    for (const tx of [...this.#clients.values(), ...this.#servers.values(), ...legacy]) tx.abort();
    this.#clients.clear();
    this.#servers.clear();
    this.#legacy.clear();
    this.#legacyCount = 0;
    this.#serverRecords?.clear();
    this.#clientRecords?.clear();
  }

  /** RFC 3261 §17.1.4: every client transaction waiting on a destination ICMP calls unreachable fails now (503, then RFC 3263 failover). */
  #unreachable(e: UnreachableEvent): void {
    for (const tx of [...this.#clients.values()]) {
      const t = tx.target;
      if (t.protocol === 'udp' && t.port === e.remote.port && t.address.toLowerCase() === e.remote.address.toLowerCase()) tx.transportFailed(e.error);
    }
  }

  #receiveResponse(response: SipResponse, incoming: IncomingMessage): void {
    let key: string | undefined;
    try {
      key = clientKeyOfResponse(response);
    } catch (err) {
      this.context.logger.warn('response without usable Via/CSeq dropped', { error: String(err) });
      return;
    }
    const tx = key === undefined ? undefined : this.#clients.get(key);
    if (tx) {
      tx.receiveResponse(response);
      return;
    }
    const record = key === undefined ? undefined : this.#clientRecords?.get(key);
    if (record) {
      // 'forward' (ICT Accepted): 2xx to the TU's handler, anything else absorbed (RFC 6026 §7.2); 'absorb' (NICT Completed).
      if (record.kind === 'forward' && response.status >= 200 && response.status < 300) record.later(response);
      return;
    }
    this.#user?.onStrayResponse(response, incoming);
  }

  #receiveRequest(request: SipRequest, incoming: IncomingMessage): void {
    try {
      // The fields every transaction and every response needs (§8.1.1); a request without them cannot be answered.
      topVia(request);
      callId(request);
      fromOf(request);
      toOf(request);
      if (cseqOf(request).method !== request.method) {
        // §8.2 / §20.16: the CSeq method must match the request method.
        if (request.method !== 'ACK') void this.sendStatelessResponse(createResponse(request, 400, 'CSeq Method Mismatch'), incoming).catch(() => {});
        return;
      }
    } catch (err) {
      this.context.logger.warn('malformed request dropped', { method: request.method, error: String(err) });
      return;
    }
    const existing = this.#match(request);
    if (existing) {
      existing.receiveRequest(request, incoming);
      return;
    }
    if (this.#serverRecords && this.#answerFromRecord(request, incoming)) return;
    if (request.method === 'ACK') {
      this.#user?.onAck(request, incoming);
      return;
    }
    if (request.method !== 'INVITE' && this.#user?.answerStatelessly) {
      const stateless = this.#user.answerStatelessly(request, incoming);
      if (stateless) {
        void this.context.transport.sendResponse(stateless.response, incoming, stateless.bytes).catch((err: unknown) =>
          this.context.logger.info('stateless response not sent', { status: stateless.response.status, error: String(err) }),
        );
        return;
      }
    }
    const tx = this.#createServerTransaction(request, incoming);
    if (!this.#user) {
      tx.respond(createResponse(request, 503, 'Service Unavailable'));
      return;
    }
    this.#user.onRequest(request, tx, incoming);
  }

  /** A retransmission of a request whose transaction left a record: answered (or absorbed) as that transaction would have. */
  #answerFromRecord(request: SipRequest, incoming: IncomingMessage): boolean {
    const key = serverKey(request);
    const record = key === undefined ? undefined : this.#serverRecords?.get(key);
    if (!record) return false;
    if (record.kind === 'resend') {
      const again = resendOf(record);
      void this.context.transport.sendResponse(again.response, again.to, again.bytes).catch((err: unknown) =>
        this.context.logger.info('retransmitted response not sent', { status: again.response.status, error: String(err) }),
      );
    } else if (record.kind === 'accepted' && request.method === 'ACK') {
      this.#user?.onAck(request, incoming);
    }
    return true;
  }

  #match(request: SipRequest): ServerTransaction | undefined {
    const key = serverKey(request);
    if (key !== undefined) return this.#servers.get(key);
    for (const tx of this.#legacyBucket(request)) {
      const sentTag = tx instanceof InviteServerTransaction && tx.finalResponse ? tagOfResponse(tx.finalResponse) : undefined;
      if (legacyMatches(tx.request, sentTag, request)) return tx;
    }
    return undefined;
  }

  #createServerTransaction(request: SipRequest, incoming: IncomingMessage): ServerTransaction {
    const key = serverKey(request);
    const records = this.#serverRecords;
    const context = records && key !== undefined ? { ...this.context, retire: (r: LingerRecord, ms: number) => records.keep(key, r, ms) } : this.context;
    const tx: ServerTransaction =
      request.method === 'INVITE'
        ? new InviteServerTransaction({
            ...context,
            request,
            incoming,
            autoTrying: this.#autoTrying,
            passAck: (ack, ackIncoming) => this.#user?.onAck(ack, ackIncoming),
          })
        : new NonInviteServerTransaction({ ...context, request, incoming });
    if (key !== undefined) {
      this.#servers.set(key, tx);
      tx.onTerminated(() => this.#servers.delete(key));
    } else {
      const bucketKey = legacyKey(request);
      let bucket = this.#legacy.get(bucketKey);
      if (!bucket) this.#legacy.set(bucketKey, (bucket = new Set()));
      bucket.add(tx);
      this.#legacyCount++;
      tx.onTerminated(() => {
        if (!bucket.delete(tx)) return;
        this.#legacyCount--;
        if (bucket.size === 0 && this.#legacy.get(bucketKey) === bucket) this.#legacy.delete(bucketKey);
      });
    }
    return tx;
  }

  /** The RFC 2543 transactions a request can match (none when its headers are unreadable). */
  #legacyBucket(request: SipRequest): Iterable<ServerTransaction> {
    if (this.#legacyCount === 0) return [];
    try {
      return this.#legacy.get(legacyKey(request)) ?? [];
    } catch {
      return [];
    }
  }

  /** Gives a request a top Via with a magic-cookie branch if it has none (the transport fills in sent-by, §18.1.1). */
  #ensureBranch(request: SipRequest, target: SendTarget): void {
    if (!request.headers.has('Via')) {
      const local = this.context.transport.localAddress(target.protocol);
      const host = local?.host ?? '0.0.0.0';
      const hostText = host.includes(':') ? `[${host}]` : host;
      request.headers.prepend('Via', `SIP/2.0/${target.protocol.toUpperCase()} ${hostText}${local ? `:${local.port}` : ''};branch=${newBranch()}`);
      return;
    }
    const via = copyVia(topVia(request));
    if (isRfc3261Branch(via.params.get('branch'))) return;
    via.params.set('branch', newBranch());
    const all = request.headers.getAll('Via');
    all[0] = formatVia(via);
    request.headers.set('Via', all);
  }
}

function tagOfResponse(response: SipResponse): string | undefined {
  return toOf(response).params.get('tag') ?? undefined;
}
