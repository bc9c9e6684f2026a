/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2).
 *
 *                                  |Request received
 *                                  |pass to TU
 *                                  V
 *                            +-----------+
 *                  Request   |           |
 *                  -   +-----|  Trying   |-------------+
 *                      +---->|           |             |
 *                            +-----------+             |200-699 from TU
 *                                  |                   |send response
 *                                  |1xx from TU        |
 *                                  |send response      |
 *                                  |                   |
 *               Request            V      1xx from TU  |
 *               send response+-----------+send response|
 *                   +--------|           |--------+    |
 *                   |        | Proceeding|        |    |
 *                   +------->|           |<-------+    |
 *            +<--------------|           |             |
 *            |Trnsprt Err    +-----------+             |
 *            |Inform TU            |                   |
 *            |                     |200-699 from TU    |
 *            |                     |send response      |
 *            |  Request            V                   |
 *            |  send response+-----------+             |
 *            |      +--------|           |             |
 *            |      |        | Completed |<------------+
 *            |      +------->|           |
 *            +<--------------|           |
 *            |Trnsprt Err    +-----------+
 *            |Inform TU            |
 *            |                     |Timer J fires
 *            |                     |-
 *            |                     V
 *            |               +-----------+
 *            +-------------->| Terminated|
 *                            +-----------+
 *
 * Timer J is 64*T1 over an unreliable transport and 0 over a reliable one.
 * A layer that keeps records (TransactionContext.retire) takes Completed
 * over at once: the final response, kept as a record for Timer J, answers
 * the retransmitted requests, and the transaction (its request, the TU) is
 * Terminated and freed without waiting 32 s.
 */
import type { SipRequest, SipResponse } from '../message/index.ts';
import { serializeMessage, topVia } from '../message/index.ts';
import type { IncomingMessage } from '../transport/transport.ts';
import { NamedTimers, timerValues } from './timers.ts';
import { assertTransition } from './transaction.ts';
import type { ServerTransactionUser, TerminatedListener, TransactionContext } from './transaction.ts';

export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

const moves: Record<NonInviteServerState, readonly NonInviteServerState[]> = {
  Trying: ['Proceeding', 'Completed', 'Terminated'],
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

export interface NonInviteServerTransactionOptions extends TransactionContext {
  request: SipRequest;
  incoming: IncomingMessage;
}

export class NonInviteServerTransaction {
  readonly kind = 'non-invite-server';
  readonly request: SipRequest;
  readonly incoming: IncomingMessage;
  readonly branch: string | undefined;
  readonly reliable: boolean;
  user: ServerTransactionUser<NonInviteServerTransaction> = {};
  #state: NonInviteServerState = 'Trying';
  #last: SipResponse | undefined;
  readonly #ctx: TransactionContext;
  readonly #timers: NamedTimers<'timerJ'>;
  readonly #terminated: TerminatedListener[] = [];

  constructor(opts: NonInviteServerTransactionOptions) {
    if (opts.request.method === 'INVITE' || opts.request.method === 'ACK') {
      throw new Error(`NonInviteServerTransaction: ${opts.request.method} does not use this machine`);
    }
    this.request = opts.request;
    this.incoming = opts.incoming;
    this.branch = topVia(opts.request).params.get('branch') ?? undefined;
    this.reliable = opts.incoming.source.protocol !== 'udp';
    this.#ctx = opts;
    this.#timers = new NamedTimers(opts.clock);
  }

  get state(): NonInviteServerState {
    return this.#state;
  }
  get lastResponse(): SipResponse | undefined {
    return this.#last;
  }
  get runningTimers(): string[] {
    return this.#timers.running();
  }

  onTerminated(listener: TerminatedListener): void {
    this.#terminated.push(listener);
  }

  /** A response from the TU. A response after the final one is a TU bug and throws. */
  respond(response: SipResponse): void {
    if (this.#state === 'Terminated') {
      this.#ctx.logger.warn('nist response after Terminated dropped', { status: response.status });
      return;
    }
    if (this.#state === 'Completed') throw new Error(`NonInviteServerTransaction: response ${response.status} after the final one`);
    this.#last = response;
    if (response.status < 200) {
      this.#send(response);
      if (this.#state === 'Trying') this.transition('Proceeding');
      return;
    }
    const j = timerValues(this.#ctx.timers, this.reliable).J;
    // A final response a record will keep is serialized once, for the wire and the record.
    const bytes = j > 0 && this.#ctx.retire ? serializeMessage(response) : undefined;
    this.#send(response, bytes);
    this.transition('Completed');
    if (j > 0 && !this.#ctx.retire?.({ kind: 'resend', response, to: this.incoming, ...(bytes ? { bytes } : {}) }, j)) this.#timers.start('timerJ', j, () => this.#terminate());
    else this.#terminate();
  }

  /** A retransmission of the request: absorbed in Trying, answered with the last response afterwards. */
  receiveRequest(_request: SipRequest, _incoming?: IncomingMessage): void {
    if ((this.#state === 'Proceeding' || this.#state === 'Completed') && this.#last) this.#send(this.#last);
  }

  abort(): void {
    if (this.#state !== 'Terminated') this.#terminate();
  }

  transition(to: NonInviteServerState): void {
    assertTransition('NonInviteServerTransaction', moves, this.#state, to);
    this.#ctx.logger.debug('nist transition', { branch: this.branch, from: this.#state, to });
    this.#state = to;
  }

  #send(response: SipResponse, bytes?: Buffer): void {
    this.#ctx.transport.sendResponse(response, this.incoming, bytes).catch((err: unknown) => {
      this.#ctx.logger.warn('nist transport error', { branch: this.branch, error: String(err) });
      if (this.#state === 'Proceeding' || this.#state === 'Completed') {
        this.#terminate();
        this.user.onTransportError?.(err instanceof Error ? err : new Error(String(err)), this);
      }
    });
  }

  #terminate(): void {
    this.#timers.stopAll();
    this.transition('Terminated');
    for (const l of this.#terminated.splice(0)) l();
  }
}
