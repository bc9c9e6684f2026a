/**
 * What a repository read once and keeps until it changes: the accounts and
 * the settings are read on every call (matching the INVITE, the codecs, the
 * do-not-disturb switch, the call's snapshot), and a SQLite read with its
 * row decoding costs far more than a call's share of the CPU can afford
 * (issue "Fast where the user feels it": the phone answering a load).
 *
 * The value is dropped when this process writes (the repository calls
 * `invalidate()` around every write) and when another connection committed
 * (`PRAGMA data_version` moved: `parley accounts add` beside a running
 * `parley web`), looked at once per turn of the event loop: another
 * process's commit cannot land inside one of our turns, and under a load a
 * turn handles many datagrams, each reading accounts and settings several
 * times. What it hands out is frozen, so a caller that changed it would throw
 * rather than change every later reader's copy.
 */
import type { Store } from './store.ts';

export class ReadCache<T> {
  readonly #store: Store;
  readonly #load: () => T;
  #value: T | undefined;
  #version = 0;
  /** data_version was read in this turn of the event loop. */
  #checked = false;

  constructor(store: Store, load: () => T) {
    this.#store = store;
    this.#load = load;
  }

  get(): T {
    if (this.#value !== undefined && this.#checked) return this.#value;
    const version = this.#store.dataVersion();
    if (!this.#checked) {
      this.#checked = true;
      setImmediate(() => {
        this.#checked = false;
      }).unref();
    }
    if (this.#value === undefined || version !== this.#version) {
      this.#value = deepFreeze(this.#load());
      this.#version = version;
    }
    return this.#value;
  }

  invalidate(): void {
    this.#value = undefined;
  }

  /** Runs a write, dropping the cached value before and after (also when it throws: a rollback may have moved nothing, or something). */
  write<R>(work: () => R): R {
    this.#value = undefined;
    try {
      return work();
    } finally {
      this.#value = undefined;
    }
  }
}

/** Freezes a plain value (objects, arrays, maps' values are not walked) all the way down. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
