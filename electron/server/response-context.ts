/**
 * One request the proxy forwards statefully (RFC 3261 §16.6–§16.10): the
 * server transaction it came on, and one branch (client transaction, with
 * RFC 3263 fail-over) per target. Forking is parallel: every target is tried
 * at once.
 *
 *            forward to every target
 *   ┌─────────────┐  1xx (not 100): forwarded upstream
 *   │  Proceeding │───────────────────────────────┐
 *   └─────────────┘◀──────────────────────────────┘
 *     │ 2xx (INVITE: first and every later 2xx forwarded, §16.7 step 5;
 *     │      the pending branches are CANCELled, §16.7 step 10)
 *     │ 6xx (INVITE: others CANCELled; forwarded when all branches end)
 *     │ all branches final: the best response, §16.7 step 6
 *     ▼
 *   ┌─────────────┐  later 2xx of an INVITE: still forwarded
 *   │  Completed  │───────────────────────────────┐
 *   └─────────────┘◀──────────────────────────────┘
 *     │ server transaction and every branch terminated
 *     ▼
 *   ┌─────────────┐
 *   │ Terminated  │
 *   └─────────────┘
 *
 * CANCEL from upstream (§16.10) CANCELs every branch that got a
 * provisional; a branch without one is CANCELled when its first provisional
 * arrives (§9.1: a CANCEL may not overtake the INVITE). The 487s come back
 * from the callees and are forwarded as the best response.
 *
 * Timer C (§16.8), per INVITE branch: started when the branch is sent, reset
 * by every provisional above 100; it must be longer than 3 minutes, so a
 * phone that rings forever (or a callee that is gone after its 180) cannot
 * hold the caller and our transaction memory for ever:
 *
 *   sent ──▶ [Timer C] ──1xx (101–199)──▶ [Timer C again]
 *              │ fires, a provisional came: CANCEL the branch (§16.8), then
 *              │   wait 64·T1 for its final; none → behave as if 408 (§9.1)
 *              │ fires, nothing came: behave as if the branch answered 408
 */
import { assertTransition, cancelRequest, type ClientTransaction, type InviteServerTransaction, type NonInviteServerTransaction, type TargetFailover, type TransactionLayer } from '../sip/transaction/index.ts';
import { SipResponse, type SipRequest } from '../sip/message/index.ts';
import type { SendTarget } from '../sip/transport/index.ts';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import { localResponse } from './local-response.ts';

export type ResponseContextState = 'Proceeding' | 'Completed' | 'Terminated';

const moves: Record<ResponseContextState, readonly ResponseContextState[]> = {
  Proceeding: ['Completed', 'Terminated'],
  Completed: ['Terminated'],
  Terminated: [],
};

/** §16.8: Timer C "MUST be greater than 3 minutes". */
export const TIMER_C_MS = 181_000;
/** §9.1: how long a CANCELled branch may take to give its final response (64·T1). */
const CANCEL_GIVE_UP_MS = 32_000;

export interface BranchSpec {
  request: SipRequest;
  targets: readonly SendTarget[];
}

interface Branch {
  failover: TargetFailover;
  provisional: boolean;
  cancelWanted: boolean;
  cancelled: boolean;
  final?: SipResponse;
  /** Timer C (§16.8), INVITE branches only; then the wait for the CANCELled branch's final. */
  timer?: TimerHandle;
}

export class ResponseContext {
  readonly server: InviteServerTransaction | NonInviteServerTransaction;
  readonly #layer: TransactionLayer;
  readonly #log: Logger;
  readonly #isInvite: boolean;
  readonly #branches: Branch[] = [];
  readonly #onDone: () => void;
  #onFinal: ((status: number) => void) | undefined;
  readonly #clock: Clock;
  readonly #timerCMs: number;
  #state: ResponseContextState = 'Proceeding';

  constructor(opts: {
    server: InviteServerTransaction | NonInviteServerTransaction;
    layer: TransactionLayer;
    logger: Logger;
    clock: Clock;
    /** Timer C; default TIMER_C_MS. */
    timerCMs?: number;
    onDone: () => void;
    /** The first final response went upstream (the call watch's ringing → talking or gone). */
    onFinal?: (status: number) => void;
  }) {
    this.server = opts.server;
    this.#layer = opts.layer;
    this.#log = opts.logger;
    this.#clock = opts.clock;
    this.#timerCMs = opts.timerCMs ?? TIMER_C_MS;
    this.#isInvite = opts.server.request.method === 'INVITE';
    this.#onDone = opts.onDone;
    this.#onFinal = opts.onFinal;
    this.server.onTerminated(() => this.#maybeDone());
  }

  get state(): ResponseContextState {
    return this.#state;
  }

  get branchCount(): number {
    return this.#branches.length;
  }

  transition(to: ResponseContextState): void {
    assertTransition('ResponseContext', moves, this.#state, to);
    this.#state = to;
  }

  /** Starts one branch per spec, all at once (parallel forking). */
  fork(specs: readonly BranchSpec[]): void {
    for (const spec of specs) {
      const branch: Branch = { failover: undefined as unknown as TargetFailover, provisional: false, cancelWanted: false, cancelled: false };
      this.#branches.push(branch);
      branch.failover = this.#layer.sendRequest(spec.request, spec.targets, {
        onResponse: (response, tx) => this.#onBranchResponse(branch, response, tx),
        ...(this.#isInvite ? { laterSuccess: () => this.#laterSuccess() } : {}),
      });
      branch.failover.transaction.onTerminated(() => this.#maybeDone());
      this.#startTimerC(branch);
    }
  }

  /** §16.10: CANCEL from upstream. */
  cancel(): void {
    for (const b of this.#branches) this.#cancelBranch(b);
  }

  #onBranchResponse(branch: Branch, response: SipResponse, _tx: ClientTransaction): void {
    if (branch.final && !(this.#isInvite && response.status >= 200 && response.status < 300)) return;
    const status = response.status;
    if (status < 200) {
      branch.provisional = true;
      if (status > 100 && !branch.cancelled) this.#startTimerC(branch);
      if (branch.cancelWanted) this.#cancelBranch(branch);
      if (status === 100 || this.#state !== 'Proceeding') return;
      this.#forward(response);
      return;
    }
    this.#settle(branch, response);
    if (status < 300) {
      // §16.7 step 5: every 2xx to an INVITE goes upstream (each is its own dialog); other requests: the first final only.
      if (this.#state === 'Proceeding') this.transition('Completed');
      else if (!this.#isInvite) return;
      this.#forward(response);
      if (this.#isInvite) for (const b of this.#branches) if (b !== branch) this.#cancelBranch(b);
      return;
    }
    if (this.#isInvite && status >= 600) for (const b of this.#branches) if (b !== branch) this.#cancelBranch(b);
    if (this.#state === 'Proceeding' && this.#branches.every((b) => b.final)) {
      this.transition('Completed');
      const best = bestResponse(this.#branches.map((b) => b.final as SipResponse), this.server.request);
      this.#forward(best.response, best.local);
    }
  }

  /** A branch's final response (or the 408 we act on for it): no more timers for it. */
  #settle(branch: Branch, response: SipResponse): void {
    branch.final = response;
    this.#clock.clearTimeout(branch.timer);
    branch.timer = undefined;
  }

  #startTimerC(branch: Branch): void {
    if (!this.#isInvite) return;
    this.#clock.clearTimeout(branch.timer);
    branch.timer = this.#clock.setTimeout(() => this.#fireTimerC(branch), this.#timerCMs);
  }

  #fireTimerC(branch: Branch): void {
    branch.timer = undefined;
    if (branch.final) return;
    this.#log.info('Timer C fired', { provisional: branch.provisional });
    if (!branch.provisional) {
      // §16.8: no provisional: as if the branch answered 408. Its transaction stops (Timer B would anyway).
      branch.failover.stopFailover();
      this.#timedOut(branch);
      return;
    }
    this.#cancelBranch(branch);
    branch.timer = this.#clock.setTimeout(() => {
      branch.timer = undefined;
      if (!branch.final) this.#timedOut(branch);
    }, CANCEL_GIVE_UP_MS);
  }

  /** The branch is given up: its transaction ends and the branch counts as a 408 (§16.8, §9.1). */
  #timedOut(branch: Branch): void {
    const tx = branch.failover.transaction;
    this.#onBranchResponse(branch, localResponse(branch.failover.request, 408, 'Request Timeout (no final answer, RFC 3261 Timer C)'), tx);
    tx.abort();
  }

  #cancelBranch(b: Branch): void {
    if (!this.#isInvite || b.final || b.cancelled) return;
    if (!b.provisional) {
      b.cancelWanted = true;
      return;
    }
    b.cancelled = true;
    try {
      const cancel = cancelRequest(b.failover.request);
      this.#layer.createClientTransaction(cancel, b.failover.target, { onResponse: () => {} });
    } catch (err) {
      this.#log.warn('CANCEL not sent', { error: String(err) });
    }
  }

  /**
   * A branch answered 2xx and its transaction leaves a record (the layer keeps records): what the
   * record does with the callee's retransmitted 2xx until Timer M. Each went upstream through this
   * context (§16.7 step 5); this handler does the same holding only where upstream is, so the
   * context, its requests and transactions are freed now instead of in 32 s.
   */
  #laterSuccess(): (response: SipResponse) => void {
    const layer = this.#layer;
    const log = this.#log;
    const { source, local, connectionId } = this.server.incoming;
    const upstream = { source, local, ...(connectionId !== undefined ? { connectionId } : {}) };
    return (response) => {
      const out = withoutTopVia(response);
      layer.sendStatelessResponse(out, { message: out, ...upstream }).catch((err: unknown) => log.info('2xx retransmission not forwarded', { error: String(err) }));
    };
  }

  /** §16.7 step 9: our Via off the top, then out on the server transaction. */
  #forward(response: SipResponse, local = false): void {
    const out = local ? response : withoutTopVia(response);
    if (response.status >= 200 && this.#onFinal) {
      const told = this.#onFinal;
      this.#onFinal = undefined;
      told(response.status);
    }
    try {
      if (this.#isInvite && this.server.state === 'Terminated' && response.status >= 200 && response.status < 300) {
        // A later 2xx (another fork) after the INVITE transaction left its record: sent as Accepted would have (RFC 6026 §7.1).
        this.#layer.sendStatelessResponse(out, this.server.incoming).catch((err: unknown) => this.#log.info('2xx not forwarded', { error: String(err) }));
        return;
      }
      this.server.respond(out);
    } catch (err) {
      this.#log.warn('response not forwarded', { status: response.status, error: String(err) });
    }
  }

  #maybeDone(): void {
    if (this.#state === 'Terminated') return;
    if (this.server.state !== 'Terminated') return;
    if (this.#branches.some((b) => b.failover.transaction.state !== 'Terminated')) return;
    this.transition('Terminated');
    this.#onDone();
  }
}

export function withoutTopVia(response: SipResponse): SipResponse {
  const out = new SipResponse(response.status, response.reason, response.headers.clone(), response.body);
  const vias = out.headers.getAll('Via');
  out.headers.set('Via', vias.slice(1));
  if (vias.length <= 1) out.headers.remove('Via');
  return out;
}

/**
 * §16.7 step 6: a 6xx if there is one; else the lowest class, preferring 401/407 (with every
 * branch's challenges, §16.7 step 7) and a real answer over one made up for silence (408);
 * a 503 becomes 500 (§16.7 step 6: the 503 was about the callee's server, not us).
 * `local` marks a response made here for the upstream request (no Via of ours to take off).
 */
export function bestResponse(finals: readonly SipResponse[], request: SipRequest): { response: SipResponse; local: boolean } {
  const six = finals.find((r) => r.status >= 600);
  if (six) return { response: six, local: false };
  const lowestClass = Math.min(...finals.map((r) => Math.floor(r.status / 100)));
  const inClass = finals.filter((r) => Math.floor(r.status / 100) === lowestClass);
  const challenges = inClass.filter((r) => r.status === 401 || r.status === 407);
  if (challenges.length > 0) {
    const best = challenges[0] as SipResponse;
    for (const extra of challenges.slice(1)) {
      for (const h of ['WWW-Authenticate', 'Proxy-Authenticate']) for (const v of extra.headers.getAll(h)) best.headers.append(h, v);
    }
    return { response: best, local: false };
  }
  const best = inClass.find((r) => r.status !== 408 && r.status !== 503) ?? (inClass[0] as SipResponse);
  if (best.status === 503) return { response: localResponse(request, 500, "Server Internal Error (the callee's server is unavailable)"), local: true };
  return { response: best, local: false };
}
