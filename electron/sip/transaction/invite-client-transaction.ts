/**
 * INVITE client transaction: RFC 3261 §17.1.1 with the RFC 6026 §7.2 change
 * (a 2xx moves it to Accepted instead of Terminated, so that retransmitted
 * 2xx responses and 2xx from other forks still reach the TU, which ACKs them).
 *
 *                                |INVITE from TU
 *              Timer A fires     |INVITE sent
 *              Reset A,          V                   Timer B fires or Transport Err.
 *              INVITE sent +-----------+             inform TU (synthesized 408 / 503)
 *                +---------|           |---------------------------------------+
 *                |         |  Calling  |                                       |
 *                +-------->|           |-------------------+                   |
 *                          +-----------+ 2xx, 2xx to TU    |                   |
 *        300-699              |    |                       |                   |
 *        ACK sent,            |    |1xx, 1xx to TU         |                   |
 *        resp. to TU  +-------+    V                       |                   |
 *                     |     +------------+ 1xx             |                   |
 *                     |     |            |-----+ 1xx to TU |                   |
 *                     |     | Proceeding |     |           |                   |
 *                     |     |            |<----+           |                   |
 *                     |     +------------+                 |                   |
 *                     |       |        | 2xx, 2xx to TU    |                   |
 *                     |       |300-699 +----------------+  |                   |
 *                     |       |ACK sent, resp. to TU    |  |                   |
 *                     V       V                         V  V                   |
 *     300-699     +-----------+                      +-----------+ 2xx         |
 *     ACK sent +--|           |                      |           |-----+       |
 *              |  | Completed |                      | Accepted  |     |2xx    |
 *              +->|           |                      |           |<----+to TU  |
 *                 +-----------+                      +-----------+             |
 *                   |       |                              |                   |
 *     Timer D fires |       | Transport Err. (ACK)         | Timer M fires     |
 *     -             V       V -                            V -                 |
 *                 +------------------------------------------------+           |
 *                 |                   Terminated                   |<----------+
 *                 +------------------------------------------------+
 *
 * `abort()` (Calling/Proceeding -> Terminated, TU not told) exists for RFC 3261
 * §9.1: a UAC that got no final response 64*T1 after its CANCEL destroys the
 * transaction. Over a reliable transport Timer A is never started and D is 0.
 * On a layer that keeps records (TransactionContext.retire), a TU that gives
 * a lighter handler for later 2xx (laterSuccess, a proxy) lets Accepted end
 * at once: the record hands those 2xx to the handler until Timer M.
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import { topVia } from '../message/index.ts';
import type { Endpoint, SendTarget } from '../transport/transport.ts';
import { ackForNon2xx } from './ack-for-non-2xx.ts';
import { ClientSendPath } from './client-send-path.ts';
import { synthesizeResponse } from './synthesized-response.ts';
import { NamedTimers, timerValues } from './timers.ts';
import { assertTransition } from './transaction.ts';
import type { ClientTransactionUser, TerminatedListener, TransactionContext } from './transaction.ts';

export type InviteClientState = 'Calling' | 'Proceeding' | 'Accepted' | 'Completed' | 'Terminated';

const moves: Record<InviteClientState, readonly InviteClientState[]> = {
  Calling: ['Proceeding', 'Accepted', 'Completed', 'Terminated'],
  Proceeding: ['Accepted', 'Completed', 'Terminated'],
  Accepted: ['Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

export interface InviteClientTransactionOptions extends TransactionContext {
  request: SipRequest;
  target: SendTarget;
  user: ClientTransactionUser<InviteClientTransaction>;
}

export class InviteClientTransaction {
  readonly kind = 'invite-client';
  readonly request: SipRequest;
  readonly branch: string;
  #state: InviteClientState = 'Calling';
  #started = false;
  readonly #path: ClientSendPath;
  #intervalA = 0;
  #ack: SipRequest | undefined;
  #provisional = false;
  readonly #ctx: TransactionContext;
  readonly #user: ClientTransactionUser<InviteClientTransaction>;
  readonly #timers: NamedTimers<'timerA' | 'timerB' | 'timerD' | 'timerM'>;
  readonly #terminated: TerminatedListener[] = [];

  constructor(opts: InviteClientTransactionOptions) {
    if (opts.request.method !== 'INVITE') throw new Error('InviteClientTransaction: request is not an INVITE');
    this.request = opts.request;
    this.branch = topVia(opts.request).params.get('branch') ?? '';
    this.#path = new ClientSendPath(opts.target);
    this.#ctx = opts;
    this.#user = opts.user;
    this.#timers = new NamedTimers(opts.clock);
  }

  get state(): InviteClientState {
    return this.#state;
  }
  /** Where the INVITE went (after a UDP->TCP switch: the stream used). CANCEL goes there too (§9.1). */
  get target(): SendTarget {
    return this.#path.target;
  }
  get reliable(): boolean {
    return this.#path.reliable;
  }
  /** True once a provisional response arrived (RFC 3263 §4.3 failover stops there; CANCEL may be sent, §9.1). */
  get provisionalReceived(): boolean {
    return this.#provisional;
  }
  /** Timers now running, by RFC name (tests, diagnostics). */
  get runningTimers(): string[] {
    return this.#timers.running();
  }

  onTerminated(listener: TerminatedListener): void {
    this.#terminated.push(listener);
  }

  /** Sends the INVITE and starts Timers A (unreliable only) and B. */
  start(): void {
    if (this.#started) throw new Error('InviteClientTransaction: already started');
    this.#started = true;
    const v = timerValues(this.#ctx.timers, this.#path.reliable);
    this.#sendInvite();
    if (v.A !== undefined) {
      this.#intervalA = v.A;
      this.#timers.start('timerA', this.#intervalA, () => this.#fireTimerA());
    }
    this.#timers.start('timerB', v.B, () => this.#fireTimerB());
  }

  receiveResponse(response: SipResponse): void {
    const s = response.status;
    switch (this.#state) {
      case 'Calling':
      case 'Proceeding':
        if (s < 200) {
          this.#provisional = true;
          if (this.#state === 'Calling') {
            this.#timers.stop('timerA');
            this.#timers.stop('timerB');
            this.transition('Proceeding');
          }
          this.#user.onResponse(response, this);
        } else if (s < 300) {
          this.#enterAccepted();
          this.#user.onResponse(response, this);
          this.#offerRecord();
        } else {
          this.#enterCompleted(response);
          this.#user.onResponse(response, this);
          // Reliable transport: Timer D is 0, Completed is left at once (the TU may have aborted meanwhile).
          if (this.state === 'Completed' && !this.#timers.isRunning('timerD')) this.#terminate();
        }
        return;
      case 'Accepted':
        // RFC 6026 §7.2: every 2xx (retransmissions, other forks) goes up so the TU can ACK it.
        if (s >= 200 && s < 300) this.#user.onResponse(response, this);
        return;
      case 'Completed':
        // §17.1.1.2: a retransmitted final response is answered with the same ACK and absorbed.
        if (s >= 300 && this.#ack) this.#send(this.#ack, 'ack');
        return;
      case 'Terminated':
        return;
    }
  }

  /** RFC 3261 §9.1: give up on a cancelled INVITE that never got a final response. The TU is not told. */
  abort(): void {
    if (this.#state === 'Terminated') return;
    this.#terminate();
  }

  /** The one place the state changes; refuses moves the diagram does not draw. */
  transition(to: InviteClientState): void {
    assertTransition('InviteClientTransaction', moves, this.#state, to);
    this.#ctx.logger.debug('ict transition', { branch: this.branch, from: this.#state, to });
    this.#state = to;
  }

  #enterAccepted(): void {
    this.#timers.stop('timerA');
    this.#timers.stop('timerB');
    this.transition('Accepted');
    this.#timers.start('timerM', timerValues(this.#ctx.timers, this.#path.reliable).M, () => this.#terminate());
  }

  /** A layer that keeps records, and a TU with a lighter handler for later 2xx: the record forwards them for Timer M. */
  #offerRecord(): void {
    if (this.#state !== 'Accepted' || !this.#ctx.retire) return;
    const later = this.#user.laterSuccess?.(this);
    if (later && this.#ctx.retire({ kind: 'forward', later }, timerValues(this.#ctx.timers, this.#path.reliable).M)) this.#terminate();
  }

  #enterCompleted(response: SipResponse): void {
    this.#timers.stop('timerA');
    this.#timers.stop('timerB');
    this.transition('Completed');
    this.#ack = ackForNon2xx(this.request, response);
    this.#send(this.#ack, 'ack');
    const d = timerValues(this.#ctx.timers, this.#path.reliable).D;
    if (d > 0) this.#timers.start('timerD', d, () => this.#terminate());
  }

  /**
   * The transport learned later that the INVITE cannot arrive (an ICMP
   * unreachable for its UDP destination): the same as a failed send, §17.1.4.
   */
  transportFailed(err: unknown): void {
    this.#transportError(err, 'invite');
  }

  #fireTimerA(): void {
    if (this.#state !== 'Calling') return;
    this.#sendInvite();
    this.#intervalA *= 2;
    this.#timers.start('timerA', this.#intervalA, () => this.#fireTimerA());
  }

  #fireTimerB(): void {
    if (this.#state !== 'Calling') return;
    this.#terminate();
    this.#user.onResponse(synthesizeResponse(this.request, 'timeout', this.#path.target), this);
  }

  #sendInvite(): void {
    this.#send(this.request, 'invite');
  }

  #send(message: SipRequest, what: 'invite' | 'ack'): void {
    this.#ctx.transport.send(message, this.#path.target).then(
      (used) => this.#sent(used),
      (err: unknown) => this.#transportError(err, what),
    );
  }

  #sent(used: Endpoint): void {
    // RFC 3261 §18.1.1: the transport switched to TCP for a large request; nothing to retransmit now.
    if (this.#path.follow(used)) this.#timers.stop('timerA');
  }

  #transportError(err: unknown, what: 'invite' | 'ack'): void {
    this.#ctx.logger.warn('ict transport error', { branch: this.branch, what, error: String(err) });
    if (what === 'invite' && this.#state === 'Calling') {
      this.#terminate();
      this.#user.onResponse(synthesizeResponse(this.request, 'transport', this.#path.target), this);
    } else if (what === 'ack' && this.#state === 'Completed') {
      // The final response already went up; the ACK could not leave, so there is nothing left to absorb.
      this.#terminate();
    }
  }

  #terminate(): void {
    this.#timers.stopAll();
    this.transition('Terminated');
    for (const l of this.#terminated.splice(0)) l();
  }
}
