/**
 * The phone pushes events here; every host binding (WebSocket, IPC, CLI
 * JSON lines) subscribes. Delivery is synchronous and in emit order. A
 * listener that throws is logged and skipped: one broken host must not stop
 * the others from hearing about a call.
 *
 * Event data must be plain (see snapshots.ts); the bus does not copy it, so
 * the phone must not mutate a snapshot after emitting it.
 */
import { nullLogger, type Logger } from '../shared/logger.ts';
import type { ApiEvent, EventName, Events } from './events.ts';

export type EventListener = (event: ApiEvent) => void;

export interface EventBus {
  emit<E extends EventName>(event: E, data: Events[E]): void;
  /** Every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
  /** One kind of event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void;
  readonly listenerCount: number;
}

export function createEventBus(options: { logger?: Logger } = {}): EventBus {
  const logger = options.logger ?? nullLogger;
  let listeners: EventListener[] = [];

  const subscribe = (listener: EventListener): (() => void) => {
    // Copy on write: a listener that unsubscribes (or subscribes) during emit does not disturb the loop.
    listeners = [...listeners, listener];
    return () => {
      listeners = listeners.filter((l) => l !== listener);
    };
  };

  return {
    emit(event, data) {
      const message = { event, data } as ApiEvent;
      for (const listener of listeners) {
        try {
          listener(message);
        } catch (e) {
          logger.error('event listener failed', { event, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        }
      }
    },
    subscribe,
    on(event, listener) {
      return subscribe((message) => {
        if (message.event === event) listener(message.data as Events[typeof event]);
      });
    },
    get listenerCount() {
      return listeners.length;
    },
  };
}
