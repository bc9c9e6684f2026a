/**
 * `diagnostics.counts`: what the phone holds right now, for the soak and
 * flood tests (tests/robustness/) and for anyone who suspects a leak. After
 * a call has ended nothing of it may stay: no call record, no media session,
 * no dialog or transaction, and — once garbage-collected — no call object
 * at all (counted with a FinalizationRegistry, which tells what the GC
 * really freed rather than what our maps forgot).
 *
 * A forced GC needs the process to run with --expose-gc (the tests start
 * `parley` so); without it the figures are read as they are.
 */
import type { DiagnosticsCounts } from '../api/snapshots.ts';

type GcFunction = () => void;

export interface DiagnosticsSources {
  calls(): { live: number; pendingIncoming: number; objectsAlive: number };
  /** The counters behind `objectsAlive`, whose reports a forced GC waits for. */
  counters?(): readonly LiveObjectCounter[];
  mediaSessions(): number;
  sip(): { calls: number; dialogs: number; transactions: number };
}

/**
 * Counts objects made and objects the garbage collector has freed. V8 tells a
 * FinalizationRegistry what a collection freed later, in a task of its own;
 * `collect` is the barrier that waits for that news (see there).
 */
export class LiveObjectCounter {
  #made = 0;
  #freed = 0;
  #sentinelsFreed = 0;
  readonly #registry = new FinalizationRegistry<'object' | 'sentinel'>((held) => {
    if (held === 'sentinel') this.#sentinelsFreed++;
    else this.#freed++;
  });

  track(object: object): void {
    this.#made++;
    this.#registry.register(object, 'object');
  }

  get alive(): number {
    return this.#made - this.#freed;
  }

  /**
   * Collects garbage until this counter has been told of what the collection
   * freed: a sentinel object, registered last and unreachable at once, is
   * freed by the same full GC as every tracked object already unreachable,
   * and V8 reports a registry's freed objects in one cleanup task — so once
   * the sentinel's report has come (and that task has finished), `alive` is
   * what is really held. A loaded machine runs that task well after a
   * setImmediate (a soak reading once counted 8–12 call objects that the GC
   * had already freed). Bounded: `rounds` GCs 5 ms apart.
   */
  async collect(gc: GcFunction, rounds = 200): Promise<boolean> {
    const seen = this.#sentinelsFreed;
    this.#registerSentinel();
    for (let i = 0; i < rounds; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.#sentinelsFreed > seen) {
        await new Promise((resolve) => setImmediate(resolve));
        return true;
      }
    }
    return false;
  }

  /** In its own frame, so that no local of the caller keeps the sentinel reachable. */
  #registerSentinel(): void {
    this.#registry.register({}, 'sentinel');
  }
}

function exposedGc(): GcFunction | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as GcFunction) : undefined;
}

/**
 * A full GC, twice with a turn of the event loop between (finalizers run after the first; what they released goes in
 * the second), then for each counter the collection that waits for its reports.
 */
async function forceGc(gc: GcFunction, counters: readonly LiveObjectCounter[]): Promise<void> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  for (const counter of counters) await counter.collect(gc);
}

export async function readDiagnostics(sources: DiagnosticsSources, options: { gc?: boolean }): Promise<DiagnosticsCounts> {
  const gc = options.gc ? exposedGc() : undefined;
  if (gc) await forceGc(gc, sources.counters?.() ?? []);
  const calls = sources.calls();
  const sip = sources.sip();
  const memory = process.memoryUsage();
  return {
    calls: calls.live,
    pendingIncoming: calls.pendingIncoming,
    callObjectsAlive: calls.objectsAlive,
    mediaSessions: sources.mediaSessions(),
    sipCalls: sip.calls,
    dialogs: sip.dialogs,
    transactions: sip.transactions,
    heapUsedBytes: memory.heapUsed,
    rssBytes: memory.rss,
    gcForced: gc !== undefined,
  };
}
