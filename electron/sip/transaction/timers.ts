/**
 * Transaction timer values (RFC 3261 §17.1.1.1, §17.1.2.1, §17.2.x and Table 4 of
 * Appendix A; RFC 6026 §8.4 for Timers L and M). Everything derives from T1 (RTT
 * estimate), T2 (cap of non-INVITE request and INVITE response retransmission
 * intervals) and T4 (the longest a message stays in the network). Over a reliable
 * transport the retransmission timers (A, E, G) are never started and the
 * "absorb retransmissions" waits D, I, J, K are zero: nothing is retransmitted
 * there, so there is nothing to absorb.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';

export interface TimerConfig {
  /** RTT estimate, default 500 ms (RFC 3261 §17.1.1.1). */
  T1: number;
  /** Maximum retransmission interval, default 4 s. */
  T2: number;
  /** Maximum duration a message remains in the network, default 5 s. */
  T4: number;
  /** Timer D over unreliable transports: "at least 32 s" (RFC 3261 §17.1.1.2), default 32 s. */
  D: number;
}

export const defaultTimerConfig: TimerConfig = { T1: 500, T2: 4000, T4: 5000, D: 32000 };

export function timerConfig(overrides?: Partial<TimerConfig>): TimerConfig {
  return { ...defaultTimerConfig, ...overrides };
}

/** The values of RFC 3261 Table 4 (plus RFC 6026 L and M) for one transport kind. */
export interface TimerValues {
  /** Initial INVITE retransmit interval; undefined = not started (reliable transport). */
  A: number | undefined;
  B: number;
  D: number;
  E: number | undefined;
  F: number;
  G: number | undefined;
  H: number;
  I: number;
  J: number;
  K: number;
  L: number;
  M: number;
  T2: number;
}

export function timerValues(cfg: TimerConfig, reliable: boolean): TimerValues {
  const sixtyFour = 64 * cfg.T1;
  return {
    A: reliable ? undefined : cfg.T1,
    B: sixtyFour,
    D: reliable ? 0 : cfg.D,
    E: reliable ? undefined : cfg.T1,
    F: sixtyFour,
    G: reliable ? undefined : cfg.T1,
    H: sixtyFour,
    I: reliable ? 0 : cfg.T4,
    J: reliable ? 0 : sixtyFour,
    K: reliable ? 0 : cfg.T4,
    L: sixtyFour,
    M: sixtyFour,
    T2: cfg.T2,
  };
}

/**
 * The running timers of one state machine, addressed by their RFC names
 * (`timerA`, `timerB`...). Starting a running timer restarts it; `stopAll`
 * is what entering Terminated does.
 */
export class NamedTimers<Name extends string> {
  readonly #clock: Clock;
  readonly #running = new Map<Name, TimerHandle>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  start(name: Name, ms: number, fire: () => void): void {
    this.stop(name);
    const handle = this.#clock.setTimeout(() => {
      this.#running.delete(name);
      fire();
    }, ms);
    this.#running.set(name, handle);
  }

  stop(name: Name): void {
    const h = this.#running.get(name);
    if (h) {
      this.#clock.clearTimeout(h);
      this.#running.delete(name);
    }
  }

  stopAll(): void {
    for (const h of this.#running.values()) this.#clock.clearTimeout(h);
    this.#running.clear();
  }

  isRunning(name: Name): boolean {
    return this.#running.has(name);
  }

  /** Names of the running timers, for tests and diagnostics. */
  running(): Name[] {
    return [...this.#running.keys()];
  }
}
