/**
 * INVITE server transaction: RFC 3261 §17.2.1 with RFC 6026 §7.1 (a 2xx from
 * the TU moves it to Accepted, where retransmitted INVITEs are absorbed, 2xx
 * retransmissions from the TU are sent, and a matching ACK goes to the TU).
 *
 *                                |INVITE
 *                                |pass INV to TU; 100 Trying if the TU is silent 200 ms
 *             INVITE             V
 *             send last 1xx +------------+ 101-199 from TU
 *                 +---------|            |---------+ send response
 *                 |         | Proceeding |         |
 *                 +-------->|            |<--------+
 *                           +------------+
 *          300-699 from TU     |       |       2xx from TU
 *          send response       |       |       send response
 *                +-------------+       +----------------+
 *                |                                      |
 *   INVITE       V      Timer G fires                   V        2xx from TU
 *   send resp +-----------+ send response       +-----------+    send response
 *      +------|           |-----+               |           |-------+
 *      |      | Completed |     |               | Accepted  |       |
 *      +----->|           |<----+        +------|           |<------+
 *             +-----------+              |      +-----------+
 *                |      |                |        |      ^  INVITE: absorbed
 *             ACK|      |Timer H fires,  |        |      |  ACK: to TU
 *               -|      |Transport Err.  |        +------+
 *                V      |inform TU       |
 *   ACK   +-----------+ |                | Timer L fires
 *   -  +--|           | |                | -
 *      |  | Confirmed | |                |
 *      +->|           | |                |
 *         +-----------+ |                |
 *                |      |                |
 *  Timer I fires |      |                |
 *  -             V      V                V
 *         +-----------------------------------+
 *         |             Terminated            |<--- Proceeding: Transport Err.
 *         +-----------------------------------+     inform TU
 *
 * Over a reliable transport Timer G is never started and I is 0 (Confirmed is
 * left at once). Timers H and L are 64*T1 on every transport. A transport
 * error in Accepted is reported to the TU, which keeps retransmitting its 2xx.
 * A layer that keeps records (TransactionContext.retire) takes Accepted over
 * at once: for Timer L its record absorbs the retransmitted INVITEs and
 * hands ACKs to the TU, and the transaction is Terminated; a TU with more
 * 2xx to send (retransmissions, other forks) sends them statelessly
 * (TransactionLayer.sendStatelessResponse), which is all Accepted did.
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import { topVia } from '../message/index.ts';
import { createResponse } from '../message/index.ts';
import type { IncomingMessage } from '../transport/transport.ts';
import { NamedTimers, timerValues } from './timers.ts';
import { assertTransition } from './transaction.ts';
import type { ServerTransactionUser, TerminatedListener, TransactionContext } from './transaction.ts';

export type InviteServerState = 'Proceeding' | 'Accepted' | 'Completed' | 'Confirmed' | 'Terminated';

const moves: Record<InviteServerState, readonly InviteServerState[]> = {
  Proceeding: ['Accepted', 'Completed', 'Terminated'],
  Accepted: ['Terminated'],
  Completed: ['Confirmed', 'Terminated'],
  Confirmed: ['Terminated'],
  Terminated: [],
};

export interface InviteServerTransactionOptions extends TransactionContext {
  request: SipRequest;
  incoming: IncomingMessage;
  /** RFC 3261 §17.2.1: send 100 Trying if the TU has not sent a provisional within this many ms (false: never). Default 200. */
  autoTrying?: number | false;
  /** RFC 6026 §7.1: where an ACK matching the transaction in Accepted goes (the layer hands it to the UAS core). */
  passAck?: (ack: SipRequest, incoming: IncomingMessage, tx: InviteServerTransaction) => void;
}

export class InviteServerTransaction {
  readonly kind = 'invite-server';
  readonly request: SipRequest;
  readonly incoming: IncomingMessage;
  readonly branch: string | undefined;
  readonly reliable: boolean;
  /** Set by the TU that takes the request. */
  user: ServerTransactionUser<InviteServerTransaction> = {};
  #state: InviteServerState = 'Proceeding';
  #lastProvisional: SipResponse | undefined;
  #final: SipResponse | undefined;
  #intervalG = 0;
  readonly #passAck: InviteServerTransactionOptions['passAck'];
  readonly #ctx: TransactionContext;
  readonly #timers: NamedTimers<'timer100' | 'timerG' | 'timerH' | 'timerI' | 'timerL'>;
  readonly #terminated: TerminatedListener[] = [];

  constructor(opts: InviteServerTransactionOptions) {
    if (opts.request.method !== 'INVITE') throw new Error('InviteServerTransaction: request is not an INVITE');
    this.request = opts.request;
    this.incoming = opts.incoming;
    this.branch = topVia(opts.request).params.get('branch') ?? undefined;
    this.reliable = opts.incoming.source.protocol !== 'udp';
    this.#ctx = opts;
    this.#passAck = opts.passAck;
    this.#timers = new NamedTimers(opts.clock);
    const autoTrying = opts.autoTrying ?? 200;
    if (autoTrying !== false) {
      this.#timers.start('timer100', autoTrying, () => {
        if (this.#state === 'Proceeding' && !this.#lastProvisional) this.respond(createResponse(this.request, 100, 'Trying'));
      });
    }
  }

  get state(): InviteServerState {
    return this.#state;
  }
  /** The final response sent (the To tag of an ACK must match its To tag, §17.2.3). */
  get finalResponse(): SipResponse | undefined {
    return this.#final;
  }
  get lastResponse(): SipResponse | undefined {
    return this.#final ?? this.#lastProvisional;
  }
  get runningTimers(): string[] {
    return this.#timers.running();
  }

  onTerminated(listener: TerminatedListener): void {
    this.#terminated.push(listener);
  }

  /** A response from the TU. A second non-2xx final, or a non-2xx after a 2xx, is a TU bug and throws. */
  respond(response: SipResponse): void {
    const s = response.status;
    switch (this.#state) {
      case 'Proceeding':
        this.#timers.stop('timer100');
        this.#send(response);
        if (s < 200) {
          this.#lastProvisional = response;
        } else if (s < 300) {
          this.#final = response;
          this.transition('Accepted');
          const l = timerValues(this.#ctx.timers, this.reliable).L;
          if (this.#ctx.retire?.({ kind: 'accepted' }, l)) this.#terminate();
          else this.#timers.start('timerL', l, () => this.#terminate());
        } else {
          this.#final = response;
          this.transition('Completed');
          const v = timerValues(this.#ctx.timers, this.reliable);
          if (v.G !== undefined) {
            this.#intervalG = v.G;
            this.#timers.start('timerG', this.#intervalG, () => this.#fireTimerG());
          }
          this.#timers.start('timerH', v.H, () => this.#fireTimerH());
        }
        return;
      case 'Accepted':
        // RFC 6026 §7.1: the TU (the UAS core, §13.3.1.4) retransmits 2xx itself; pass them through.
        if (s < 200 || s >= 300) throw new Error(`InviteServerTransaction: ${s} after a 2xx`);
        this.#send(response);
        return;
      case 'Terminated':
        // A transport error may end the transaction before the TU answers; the answer has nowhere to go.
        this.#ctx.logger.warn('ist response after Terminated dropped', { status: s });
        return;
      default:
        throw new Error(`InviteServerTransaction: response ${s} in ${this.#state}`);
    }
  }

  /** A request that matched this transaction: a retransmitted INVITE or an ACK. */
  receiveRequest(request: SipRequest, incoming?: IncomingMessage): void {
    if (request.method === 'INVITE') {
      // §17.2.1: answer a retransmission with the latest response; RFC 6026: absorb it once accepted.
      if (this.#state === 'Proceeding' && this.#lastProvisional) this.#send(this.#lastProvisional);
      else if (this.#state === 'Completed' && this.#final) this.#send(this.#final);
      return;
    }
    if (request.method !== 'ACK') return;
    if (this.#state === 'Completed') {
      this.#timers.stop('timerG');
      this.#timers.stop('timerH');
      this.transition('Confirmed');
      const i = timerValues(this.#ctx.timers, this.reliable).I;
      if (i > 0) this.#timers.start('timerI', i, () => this.#terminate());
      else this.#terminate();
    } else if (this.#state === 'Accepted') {
      this.#passAck?.(request, incoming ?? this.incoming, this);
    }
  }

  /** Ends the transaction at once without telling the TU (stack shutdown). */
  abort(): void {
    if (this.#state !== 'Terminated') this.#terminate();
  }

  transition(to: InviteServerState): void {
    assertTransition('InviteServerTransaction', moves, this.#state, to);
    this.#ctx.logger.debug('ist transition', { branch: this.branch, from: this.#state, to });
    this.#state = to;
  }

  #fireTimerG(): void {
    if (this.#state !== 'Completed' || !this.#final) return;
    this.#send(this.#final);
    this.#intervalG = Math.min(2 * this.#intervalG, this.#ctx.timers.T2);
    this.#timers.start('timerG', this.#intervalG, () => this.#fireTimerG());
  }

  #fireTimerH(): void {
    if (this.#state !== 'Completed') return;
    this.#terminate();
    this.user.onAckTimeout?.(this);
  }

  #send(response: SipResponse): void {
    this.#ctx.transport.sendResponse(response, this.incoming).catch((err: unknown) => this.#transportError(err));
  }

  #transportError(err: unknown): void {
    this.#ctx.logger.warn('ist transport error', { branch: this.branch, error: String(err) });
    const error = err instanceof Error ? err : new Error(String(err));
    if (this.#state === 'Proceeding' || this.#state === 'Completed') {
      this.#terminate();
      this.user.onTransportError?.(error, this);
    } else if (this.#state === 'Accepted') {
      // RFC 6026 draws no exit here: the UAS core keeps retransmitting its 2xx and decides.
      this.user.onTransportError?.(error, this);
    }
  }

  #terminate(): void {
    this.#timers.stopAll();
    this.transition('Terminated');
    for (const l of this.#terminated.splice(0)) l();
  }
}
