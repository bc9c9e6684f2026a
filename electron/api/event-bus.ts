/**
 * The phone pushes events here; every host binding (WebSocket, IPC, CLI
 * JSON lines) subscribes. Delivery is synchronous and in emit order. A
 * listener that throws is logged and skipped: one broken host must not stop
 * the others from hearing about a call.
 *
 * Event data must be plain (see snapshots.ts); the bus does not copy it, so
 * the phone must not mutate a snapshot after emitting it.
 */
import { nullLogger, type Logger } from '../common/logger.ts';
import type { ApiEvent, EventName, Events } from './events.ts';

export type EventListener = (event: ApiEvent) => void;

export interface SubscribeOptions {
  /** Events this listener does not want (a CLI that prints no SIP trace: 'trace'). */
  except?: readonly EventName[];
  /**
   * Asked at every emit and by `wants()`: whether the listener takes this
   * event now. For interest that changes while subscribed: a web host takes
   * `trace` only while one of its clients follows it (connection-api.ts), a
   * relay only what its own bus wants.
   */
  takes?: (event: EventName) => boolean;
}

export interface EventBus {
  emit<E extends EventName>(event: E, data: Events[E]): void;
  /** Every event (but `except`); returns the unsubscribe function. */
  subscribe(listener: EventListener, options?: SubscribeOptions): () => void;
  /** One kind of event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void;
  /**
   * Whether any listener would receive `event` now: an event nobody takes
   * need not be made (the SIP trace, a formatted copy of every message).
   */
  wants(event: EventName): boolean;
  readonly listenerCount: number;
}

interface Entry {
  listener: EventListener;
  /** Only this event (on), or every event but these (subscribe) that `takes` says yes to. */
  only?: EventName;
  except?: ReadonlySet<EventName>;
  takes?: (event: EventName) => boolean;
}

export function createEventBus(options: { logger?: Logger } = {}): EventBus {
  const logger = options.logger ?? nullLogger;
  let entries: Entry[] = [];

  const add = (entry: Entry): (() => void) => {
    // Copy on write: a listener that unsubscribes (or subscribes) during emit does not disturb the loop.
    entries = [...entries, entry];
    return () => {
      entries = entries.filter((e) => e !== entry);
    };
  };
  const takes = (entry: Entry, event: EventName) =>
    entry.only === undefined ? !entry.except?.has(event) && (entry.takes === undefined || entry.takes(event)) : entry.only === event;

  return {
    emit(event, data) {
      const message = { event, data } as ApiEvent;
      for (const entry of entries) {
        if (!takes(entry, event)) continue;
        try {
          entry.listener(message);
        } catch (e) {
          logger.error('event listener failed', { event, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        }
      }
    },
    subscribe(listener, o) {
      const entry: Entry = { listener };
      if (o?.except && o.except.length > 0) entry.except = new Set(o.except);
      if (o?.takes) entry.takes = o.takes;
      return add(entry);
    },
    on(event, listener) {
      return add({ only: event, listener: (message) => listener(message.data as Events[typeof event]) });
    },
    wants(event) {
      return entries.some((e) => takes(e, event));
    },
    get listenerCount() {
      return entries.length;
    },
  };
}
