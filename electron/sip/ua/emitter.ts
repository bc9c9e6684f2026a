/**
 * A small typed event emitter for the UA objects (UserAgent, Registration,
 * calls). One payload per event keeps the types simple. A listener that
 * throws is logged and skipped: a bug in the layer above must not break a
 * SIP state machine half-way through a transition.
 */
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';

type Listener<T> = (payload: T) => void;

export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  #emitLogger: Logger = nullLogger;

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(name, listener);
  }

  once<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const off = this.on(name, (payload) => {
      off();
      listener(payload);
    });
    return off;
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(name)?.delete(listener as Listener<never>);
  }

  listenerCount<K extends keyof Events>(name: K): number {
    return this.#listeners.get(name)?.size ?? 0;
  }

  protected setEmitLogger(logger: Logger): void {
    this.#emitLogger = logger;
  }

  protected emit<K extends keyof Events>(name: K, payload: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (err) {
        this.#emitLogger.error('event listener threw', { event: String(name), error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    }
  }
}
