/**
 * Sending one request to an ordered list of targets (RFC 3263 §4.3): when the
 * transaction to a target times out, fails in the transport, or gets a 503
 * before any provisional response, the same request goes to the next target
 * as a new transaction (a new Via branch, same CSeq). The RFC machines know
 * nothing of this; they see one target each.
 */
import { SipRequest, copyVia, formatVia, newBranch, topVia } from '../message/index.ts';
import type { SipResponse } from '../message/index.ts';
import type { SendTarget } from '../transport/transport.ts';
import type { InviteClientTransaction } from './invite-client-transaction.ts';
import type { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { localFailureOf } from './synthesized-response.ts';
import type { ClientTransactionUser } from './transaction.ts';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** Creates and starts a client transaction for one target. */
export type ClientTransactionFactory = (
  request: SipRequest,
  target: SendTarget,
  user: ClientTransactionUser<ClientTransaction>,
) => ClientTransaction;

export interface TargetFailoverUser {
  /** Every response of the current attempt except the failures that moved on to the next target. */
  onResponse(response: SipResponse, tx: ClientTransaction, failover: TargetFailover): void;
  /** Optional: the attempt to `failed` ended with `response`, the request now goes to `next`. */
  onRetry?(response: SipResponse, failed: SendTarget, next: SendTarget): void;
  /** Optional: ClientTransactionUser.laterSuccess for the current attempt's transaction. */
  laterSuccess?(tx: ClientTransaction): ((response: SipResponse) => void) | undefined;
}

export class TargetFailover {
  readonly #targets: readonly SendTarget[];
  readonly #create: ClientTransactionFactory;
  readonly #user: TargetFailoverUser;
  #index = 0;
  #request: SipRequest;
  #tx: ClientTransaction | undefined;
  #stopped = false;

  constructor(request: SipRequest, targets: readonly SendTarget[], create: ClientTransactionFactory, user: TargetFailoverUser) {
    if (targets.length === 0) throw new Error('TargetFailover: no targets');
    this.#request = request;
    this.#targets = targets;
    this.#create = create;
    this.#user = user;
  }

  /** The request of the current attempt (its Via branch differs per attempt). */
  get request(): SipRequest {
    return this.#request;
  }
  get transaction(): ClientTransaction {
    if (!this.#tx) throw new Error('TargetFailover: not started');
    return this.#tx;
  }
  get target(): SendTarget {
    return this.#targets[this.#index];
  }
  /** 1-based number of the attempt in progress. */
  get attempt(): number {
    return this.#index + 1;
  }

  start(): this {
    if (this.#tx) throw new Error('TargetFailover: already started');
    this.#attempt();
    return this;
  }

  /** No further targets will be tried (e.g. the request was cancelled). */
  stopFailover(): void {
    this.#stopped = true;
  }

  #attempt(): void {
    const user = this.#user;
    const tx = this.#create(this.#request, this.#targets[this.#index], {
      onResponse: (response, from) => this.#onResponse(response, from),
      ...(user.laterSuccess ? { laterSuccess: (from: ClientTransaction) => (from === this.#tx ? user.laterSuccess?.(from) : undefined) } : {}),
    });
    this.#tx = tx;
  }

  #onResponse(response: SipResponse, tx: ClientTransaction): void {
    if (tx !== this.#tx) return;
    if (this.#shouldFailOver(response, tx)) {
      const failed = this.#targets[this.#index];
      this.#index++;
      this.#request = withNewBranch(this.#request);
      this.#user.onRetry?.(response, failed, this.#targets[this.#index]);
      this.#attempt();
      return;
    }
    this.#user.onResponse(response, tx, this);
  }

  #shouldFailOver(response: SipResponse, tx: ClientTransaction): boolean {
    if (this.#stopped || this.#index + 1 >= this.#targets.length || tx.provisionalReceived) return false;
    // A synthesized 408 (timeout) or 503 (transport failure), or a server's 503 (RFC 3263 §4.3).
    return localFailureOf(response) !== undefined || response.status === 503;
  }
}

/** A copy of `request` as a new transaction: same everything, a fresh top Via branch. */
export function withNewBranch(request: SipRequest): SipRequest {
  const copy = new SipRequest(request.method, request.uri, request.headers.clone(), request.body);
  const via = copyVia(topVia(copy));
  via.params.set('branch', newBranch());
  const all = copy.headers.getAll('Via');
  all[0] = formatVia(via);
  copy.headers.set('Via', all);
  return copy;
}
