/**
 * The session timer of one call (RFC 4028 §10): the side that refreshes
 * sends a re-INVITE or UPDATE at half the interval; the other side ends the
 * call with a BYE when no refresh came by the interval minus
 * min(32 s, interval / 3). Every 2xx to a refresh — ours or the peer's —
 * starts the interval again, with the refresher it named
 * (session-expires.ts chooses). A refresh of ours that times out or draws
 * 408/481 ends the call (§10); any other failure leaves the session valid
 * until it expires, so the refresh is tried again before then.
 *
 *   off ── start(interval) ──▶ waiting ── our turn at interval/2 ──▶ refreshing
 *                               ▲  │ the peer's turn: deadline passed ──▶ expired
 *                               │  │                                        ▲
 *                               └──┴── refreshed() (any 2xx to a refresh)   │
 *   refreshing ── 2xx ──▶ waiting; 408/481/timeout, or past the deadline ──┘
 *   refreshing ── other failure ──▶ waiting (retried before the deadline)
 *   any ── stop() ──▶ stopped
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { timerSafeMs } from '../message/index.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { SessionInterval } from './session-expires.ts';
import type { SipOutcome } from './sip-outcome.ts';

export type SessionTimerState = 'off' | 'waiting' | 'refreshing' | 'expired' | 'stopped';

const moves: Readonly<Record<SessionTimerState, readonly SessionTimerState[]>> = {
  off: ['waiting', 'stopped'],
  waiting: ['waiting', 'refreshing', 'expired', 'stopped'],
  refreshing: ['waiting', 'expired', 'stopped'],
  expired: [],
  stopped: [],
};

/** A refresh that failed this way ends the session at once (RFC 4028 §10). */
function fatal(result: SipOutcome): boolean {
  return result.status === 408 || result.status === 481 || result.local !== undefined;
}

export interface SessionTimerOptions {
  clock: Clock;
  logger: Logger;
  /** Sends a refresh (re-INVITE or UPDATE); resolves with its final answer. */
  refresh: () => Promise<SipOutcome>;
  /** The session is over: send BYE and end the call, saying why. */
  expire: (detail: string, result?: SipOutcome) => void;
}

export class SessionTimer {
  readonly #o: SessionTimerOptions;
  #state: SessionTimerState = 'off';
  #interval: SessionInterval | undefined;
  #deadline = 0;
  #timer: TimerHandle | undefined;

  constructor(options: SessionTimerOptions) {
    this.#o = options;
  }

  get state(): SessionTimerState {
    return this.#state;
  }
  /** The interval in force and who refreshes, once agreed. */
  get interval(): SessionInterval | undefined {
    return this.#interval;
  }

  /** A refresh went through (ours or the peer's) or the session was set up: the interval starts again. */
  refreshed(interval: SessionInterval | undefined): void {
    if (this.#state === 'expired' || this.#state === 'stopped') return;
    if (!interval) {
      // The refresh's 2xx carried no Session-Expires: the peer no longer wants a timer (§7.2, §9).
      this.#clear();
      this.#interval = undefined;
      if (this.#state !== 'off') this.#transition('waiting');
      return;
    }
    this.#interval = interval;
    this.#transition('waiting');
    const ms = interval.seconds * 1000;
    this.#deadline = this.#o.clock.now() + ms;
    // §10: the refresher at half the interval; the other side waits until interval - min(32 s, interval/3).
    this.#arm(interval.local ? ms / 2 : ms - Math.min(32_000, ms / 3));
  }

  stop(): void {
    this.#clear();
    if (this.#state !== 'stopped' && this.#state !== 'expired') this.#transition('stopped');
  }

  #arm(ms: number): void {
    this.#clear();
    this.#timer = this.#o.clock.setTimeout(() => this.#fire(), timerSafeMs(ms));
  }

  #clear(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#state !== 'waiting' || !this.#interval) return;
    if (!this.#interval.local || this.#o.clock.now() >= this.#deadline) {
      this.#expire('the other side stopped refreshing the session', undefined);
      return;
    }
    void this.#refresh();
  }

  async #refresh(): Promise<void> {
    this.#transition('refreshing');
    let result: SipOutcome;
    try {
      result = await this.#o.refresh();
    } catch (err) {
      // The call is changing hands (a re-INVITE of ours or the peer's in progress): that one refreshes too; look again soon.
      this.#o.logger.info('session refresh not sent', { error: String(err) });
      if (this.#state === 'refreshing') this.#retry();
      return;
    }
    if (this.#state !== 'refreshing') return;
    if (result.status >= 200 && result.status < 300) return; // the caller reports the 2xx through refreshed()
    if (fatal(result)) {
      this.#expire(`the session refresh failed: ${result.description}`, result);
      return;
    }
    this.#o.logger.info('session refresh refused; trying again before it expires', { status: result.status });
    this.#retry();
  }

  /** Another try at half the time left, while at least 2 s remain. */
  #retry(): void {
    this.#transition('waiting');
    const left = this.#deadline - this.#o.clock.now();
    if (left < 2000) {
      this.#expire('the session could not be refreshed in time', undefined);
      return;
    }
    this.#arm(left / 2);
  }

  #expire(detail: string, result: SipOutcome | undefined): void {
    this.#clear();
    this.#transition('expired');
    this.#o.logger.info('session expired', { detail });
    this.#o.expire(detail, result);
  }

  #transition(to: SessionTimerState): void {
    assertTransition('session timer', moves, this.#state, to);
    this.#state = to;
  }
}
