/**
 * One memory-reducing garbage collection once the phone's start has settled,
 * with the compiled code of what ran only during the start thrown away.
 *
 * An idle phone keeps the bytecode and baseline machine code of every
 * function it ran while starting (module bodies, the store's checks, the
 * API's schema building, the first registration): V8 flushes code only in
 * a full collection and only when it has not run for a while, and an idle
 * phone has almost no full collections after its first seconds (V8's
 * memory reducer runs two ≈ 9 s after the start, too early for its 30 s
 * age). So, when every registration has settled (or 10 s after the start
 * at the latest) and no call is up, the phone asks V8 once for its
 * "last resort" collection with code flushing by age 1 (bytecode and
 * baseline code of anything not running now): ≈ 1.2 MB less resident
 * memory for good (`parley listen`, three accounts, 80–140 s after the
 * start), ≈ 20–70 ms of one thread's time, once. What runs again later is
 * compiled again from its source at its next use (the idle phone's first
 * network check, the first call's SIP code): no change measured in idle
 * CPU over a minute. The flags are V8's defaults again right after.
 *
 * Node offers no API for it; V8's gc() is reached by turning --expose-gc on
 * just for a throwaway vm context that gets it, then off again. A call
 * before it is due cancels it: the phone is in use (`parley call` dials at
 * once and exits after its call), and V8's own rules are left to it.
 */
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { RegistrationSnapshot } from '../api/snapshots.ts';

export interface StartCompactionOptions {
  clock: Clock;
  /** A call up (or being set up): no collection. */
  busy(): boolean;
  /** Every account's registration now. */
  registrations(): readonly RegistrationSnapshot[];
  /** Runs the collection (tests count the calls); default: V8's last-resort GC. */
  collect?: () => void;
  /** After the registrations settled; default 750 ms (after the web page shows them: its start is not slowed). */
  quietMs?: number;
  /** At the latest after start(); default 10 000 ms. */
  latestMs?: number;
}

const SETTLING = new Set(['registering', 'unregistering']);

export class StartCompaction {
  readonly #o: StartCompactionOptions;
  #timer: TimerHandle | undefined;
  #latest: TimerHandle | undefined;
  #done = false;

  constructor(options: StartCompactionOptions) {
    this.#o = options;
  }

  /** The engine has started: the collection is due by latestMs. */
  start(): void {
    if (this.#done) return;
    this.#latest = this.#o.clock.setTimeout(() => this.#due(), this.#o.latestMs ?? 10_000);
    this.registrationChanged();
  }

  /** A registration changed state: when none is under way, the collection follows after quietMs. */
  registrationChanged(): void {
    if (this.#done || this.#latest === undefined || this.#o.registrations().some((r) => SETTLING.has(r.state))) return;
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = this.#o.clock.setTimeout(() => this.#due(), this.#o.quietMs ?? 750);
  }

  /** A call started or ended: a call before the collection is due cancels it. */
  callsChanged(): void {
    if (this.#o.busy()) this.stop();
  }

  stop(): void {
    this.#done = true;
    this.#o.clock.clearTimeout(this.#timer);
    this.#o.clock.clearTimeout(this.#latest);
  }

  #due(): void {
    if (this.#done) return;
    this.stop();
    if (!this.#o.busy()) (this.#o.collect ?? lastResortGc)();
  }
}

type GcFunction = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

function lastResortGc(): void {
  const v8 = process.getBuiltinModule('node:v8');
  let gc = (globalThis as { gc?: GcFunction }).gc; // node --expose-gc: the user's, and that flag stays theirs
  if (!gc) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = process.getBuiltinModule('node:vm').runInNewContext('gc') as GcFunction | undefined;
    } finally {
      v8.setFlagsFromString('--no-expose-gc');
    }
  }
  if (!gc) return;
  // Flushing by age, age 1: code not running now goes; V8's defaults (age 6, no baseline flushing) right after.
  for (const flag of ['--flush-baseline-code', '--no-flush-code-based-on-time', '--bytecode-old-age=1']) v8.setFlagsFromString(flag);
  try {
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } finally {
    for (const flag of ['--no-flush-baseline-code', '--bytecode-old-age=6']) v8.setFlagsFromString(flag);
  }
}
