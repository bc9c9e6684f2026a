/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2).
 *
 *                                   |Request from TU
 *                                   |send request
 *               Timer E             V
 *               send request  +-----------+
 *                   +---------|           |-------------------+
 *                   |         |  Trying   |  Timer F          |
 *                   +-------->|           |  or Transport Err.|
 *                             +-----------+  inform TU        |
 *                200-699         |  |        (408 / 503)      |
 *                resp. to TU     |  |1xx                      |
 *                +---------------+  |resp. to TU              |
 *                |                  |                         |
 *                |   Timer E        V       Timer F           |
 *                |   send req +-----------+ or Transport Err. |
 *                |  +---------|           | inform TU         |
 *                |  |         |Proceeding |------------------>|
 *                |  +-------->|           |-----+             |
 *                |            +-----------+     |1xx          |
 *                |              |      ^        |resp to TU   |
 *                | 200-699      |      +--------+             |
 *                | resp. to TU  |                             |
 *                |              V                             |
 *                |            +-----------+                   |
 *                |            |           |                   |
 *                |            | Completed |                   |
 *                |            |           |                   |
 *                |            +-----------+                   |
 *                |              ^   |                         |
 *                |              |   | Timer K                 |
 *                +--------------+   | -                       |
 *                                   V                         |
 *                             +-----------+                   |
 *                             | Terminated|<------------------+
 *                             +-----------+
 *
 * Timer E doubles from T1 up to T2 in Trying and runs at T2 in Proceeding
 * (§17.1.2.2); it is not started over a reliable transport, where K is 0.
 * A layer that keeps records (TransactionContext.retire) absorbs the
 * response retransmissions of Completed itself, for Timer K: the
 * transaction ends as soon as the TU has its final response.
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import { topVia } from '../message/index.ts';
import type { Endpoint, SendTarget } from '../transport/transport.ts';
import { ClientSendPath } from './client-send-path.ts';
import { synthesizeResponse } from './synthesized-response.ts';
import { NamedTimers, timerValues } from './timers.ts';
import { assertTransition } from './transaction.ts';
import type { ClientTransactionUser, TerminatedListener, TransactionContext } from './transaction.ts';

export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

const moves: Record<NonInviteClientState, readonly NonInviteClientState[]> = {
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

export interface NonInviteClientTransactionOptions extends TransactionContext {
  request: SipRequest;
  target: SendTarget;
  user: ClientTransactionUser<NonInviteClientTransaction>;
}

export class NonInviteClientTransaction {
  readonly kind = 'non-invite-client';
  readonly request: SipRequest;
  readonly branch: string;
  #state: NonInviteClientState = 'Trying';
  #started = false;
  readonly #path: ClientSendPath;
  #intervalE = 0;
  #provisional = false;
  readonly #ctx: TransactionContext;
  readonly #user: ClientTransactionUser<NonInviteClientTransaction>;
  readonly #timers: NamedTimers<'timerE' | 'timerF' | 'timerK'>;
  readonly #terminated: TerminatedListener[] = [];

  constructor(opts: NonInviteClientTransactionOptions) {
    if (opts.request.method === 'INVITE' || opts.request.method === 'ACK') {
      throw new Error(`NonInviteClientTransaction: ${opts.request.method} does not use this machine`);
    }
    this.request = opts.request;
    this.branch = topVia(opts.request).params.get('branch') ?? '';
    this.#path = new ClientSendPath(opts.target);
    this.#ctx = opts;
    this.#user = opts.user;
    this.#timers = new NamedTimers(opts.clock);
  }

  get state(): NonInviteClientState {
    return this.#state;
  }
  get target(): SendTarget {
    return this.#path.target;
  }
  get reliable(): boolean {
    return this.#path.reliable;
  }
  get provisionalReceived(): boolean {
    return this.#provisional;
  }
  get runningTimers(): string[] {
    return this.#timers.running();
  }

  onTerminated(listener: TerminatedListener): void {
    this.#terminated.push(listener);
  }

  /** Sends the request and starts Timers E (unreliable only) and F. */
  start(): void {
    if (this.#started) throw new Error('NonInviteClientTransaction: already started');
    this.#started = true;
    const v = timerValues(this.#ctx.timers, this.#path.reliable);
    this.#send();
    if (v.E !== undefined) {
      this.#intervalE = v.E;
      this.#timers.start('timerE', this.#intervalE, () => this.#fireTimerE());
    }
    this.#timers.start('timerF', v.F, () => this.#fireTimerF());
  }

  receiveResponse(response: SipResponse): void {
    if (this.#state !== 'Trying' && this.#state !== 'Proceeding') return; // Completed absorbs retransmissions
    if (response.status < 200) {
      this.#provisional = true;
      if (this.#state === 'Trying') this.transition('Proceeding');
      this.#user.onResponse(response, this);
      return;
    }
    this.#timers.stop('timerE');
    this.#timers.stop('timerF');
    this.transition('Completed');
    const k = timerValues(this.#ctx.timers, this.#path.reliable).K;
    if (k > 0) this.#timers.start('timerK', k, () => this.#terminate());
    this.#user.onResponse(response, this);
    if (this.state !== 'Completed') return;
    if (k === 0 || this.#ctx.retire?.({ kind: 'absorb' }, k)) this.#terminate();
  }

  /** Ends the transaction at once without telling the TU (stack shutdown). */
  abort(): void {
    if (this.#state !== 'Terminated') this.#terminate();
  }

  /**
   * The transport learned later that the request cannot arrive (an ICMP
   * unreachable for its UDP destination): the same as a failed send, §17.1.4.
   */
  transportFailed(err: unknown): void {
    this.#transportError(err);
  }

  transition(to: NonInviteClientState): void {
    assertTransition('NonInviteClientTransaction', moves, this.#state, to);
    this.#ctx.logger.debug('nict transition', { branch: this.branch, from: this.#state, to });
    this.#state = to;
  }

  #fireTimerE(): void {
    if (this.#state !== 'Trying' && this.#state !== 'Proceeding') return;
    this.#send();
    // §17.1.2.2: doubling capped at T2 in Trying; a flat T2 once a provisional came.
    const T2 = this.#ctx.timers.T2;
    this.#intervalE = this.#state === 'Trying' ? Math.min(2 * this.#intervalE, T2) : T2;
    this.#timers.start('timerE', this.#intervalE, () => this.#fireTimerE());
  }

  #fireTimerF(): void {
    if (this.#state !== 'Trying' && this.#state !== 'Proceeding') return;
    this.#terminate();
    this.#user.onResponse(synthesizeResponse(this.request, 'timeout', this.#path.target), this);
  }

  #send(): void {
    this.#ctx.transport.send(this.request, this.#path.target).then(
      (used) => this.#sent(used),
      (err: unknown) => this.#transportError(err),
    );
  }

  #sent(used: Endpoint): void {
    // RFC 3261 §18.1.1: the transport switched to TCP for a large request; nothing to retransmit now.
    if (this.#path.follow(used)) this.#timers.stop('timerE');
  }

  #transportError(err: unknown): void {
    this.#ctx.logger.warn('nict transport error', { branch: this.branch, error: String(err) });
    if (this.#state !== 'Trying' && this.#state !== 'Proceeding') return;
    this.#terminate();
    this.#user.onResponse(synthesizeResponse(this.request, 'transport', this.#path.target), this);
  }

  #terminate(): void {
    this.#timers.stopAll();
    this.transition('Terminated');
    for (const l of this.#terminated.splice(0)) l();
  }
}
