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

export interface DiagnosticsSources {
  calls(): { live: number; pendingIncoming: number; objectsAlive: number };
  mediaSessions(): number;
  sip(): { calls: number; dialogs: number; transactions: number };
}

/** Counts objects made and objects the garbage collector has freed. */
export class LiveObjectCounter {
  #made = 0;
  #freed = 0;
  readonly #registry = new FinalizationRegistry<undefined>(() => {
    this.#freed++;
  });

  track(object: object): void {
    this.#made++;
    this.#registry.register(object, undefined);
  }

  get alive(): number {
    return this.#made - this.#freed;
  }
}

type GcFunction = () => void;

function exposedGc(): GcFunction | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as GcFunction) : undefined;
}

/** A full GC, twice with a turn of the event loop between (finalizers run after the first; what they released goes in the second). */
async function forceGc(gc: GcFunction): Promise<void> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
}

export async function readDiagnostics(sources: DiagnosticsSources, options: { gc?: boolean }): Promise<DiagnosticsCounts> {
  const gc = options.gc ? exposedGc() : undefined;
  if (gc) await forceGc(gc);
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
