/**
 * `parley web` serves its page before the phone has started (web-command.ts):
 * the browser loads and parses the UI while the engine opens its store, binds
 * its sockets and registers. Until the phone is there the API server talks to
 * this stand-in, which then hands everything over:
 *
 *   command    waits for the phone, then goes to its dispatcher (validated
 *              there as always); if the phone failed to start: 'unavailable'
 *              with the reason, never a rejection
 *   listener   kept, and moved onto the phone's event bus when it is there, so
 *              the bus's `wants()` still tells the truth (nobody asked for the
 *              SIP trace → the engine makes none)
 *   audio      frames dropped until then (no call exists before the phone)
 *
 * The phone's dispatcher is attached before any waiting command runs, and the
 * listeners before that: a page's first `app.snapshot` is answered after its
 * event subscription is live, so it misses nothing between the two.
 */
import type { Dispatcher } from '../api/dispatcher.ts';
import { failure } from '../api/errors.ts';
import type { EventBus, EventListener, SubscribeOptions } from '../api/event-bus.ts';
import type { ApiEvent, EventName, Events } from '../api/events.ts';
import type { AudioHook } from '../api/ws-server.ts';

export interface StartedPhone {
  dispatcher: Dispatcher;
  events: EventBus;
  audio: AudioHook;
}

export interface StartingPhone {
  readonly dispatcher: Dispatcher;
  readonly events: EventBus;
  readonly audio: AudioHook;
  /** The phone is up: listeners move to its bus, waiting commands go to it. */
  started(phone: StartedPhone): void;
  /** The phone will not start: waiting and later commands are answered 'unavailable'. */
  failed(reason: string): void;
}

interface Pending {
  listener: EventListener;
  options: SubscribeOptions | undefined;
  only: EventName | undefined;
  /** Set once moved to the phone's bus. */
  unsubscribe: (() => void) | undefined;
  removed: boolean;
}

export function startingPhone(): StartingPhone {
  let phone: StartedPhone | undefined;
  let failedReason: string | undefined;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const pending = new Set<Pending>();

  const attach = (p: Pending, bus: EventBus) => {
    const unsubscribe =
      p.only === undefined
        ? bus.subscribe(p.listener, p.options)
        : bus.on(p.only, (data) => p.listener({ event: p.only, data } as ApiEvent));
    p.unsubscribe = unsubscribe;
  };

  const add = (p: Pending): (() => void) => {
    if (phone) {
      attach(p, phone.events);
      return p.unsubscribe!;
    }
    pending.add(p);
    return () => {
      p.removed = true;
      pending.delete(p);
      p.unsubscribe?.();
    };
  };

  const events: EventBus = {
    // Nothing emits before the phone exists; afterwards the phone emits on its own bus.
    emit<E extends EventName>(event: E, data: Events[E]) {
      phone?.events.emit(event, data);
    },
    subscribe: (listener, options) => add({ listener, options, only: undefined, unsubscribe: undefined, removed: false }),
    on: (event, listener) => add({ listener: (message) => listener(message.data as never), options: undefined, only: event, unsubscribe: undefined, removed: false }),
    wants: (event) => phone?.events.wants(event) ?? false,
    get listenerCount() {
      return phone ? phone.events.listenerCount : pending.size;
    },
  };

  const dispatch: Dispatcher['dispatch'] = async (name, params, context) => {
    if (!phone && failedReason === undefined) await settled;
    if (phone) return phone.dispatcher.dispatch(name, params, context);
    return failure('unavailable', `the phone did not start: ${failedReason}`);
  };

  return {
    dispatcher: {
      dispatch,
      call: (name, params, context) => dispatch(name, params, context) as ReturnType<Dispatcher['call']>,
    },
    events,
    audio: {
      onFrame(frame, clientId) {
        phone?.audio.onFrame(frame, clientId);
      },
      onClientClosed(clientId) {
        phone?.audio.onClientClosed?.(clientId);
      },
    },
    started(p) {
      if (phone || failedReason !== undefined) throw new Error('the phone has already started or failed');
      for (const entry of pending) if (!entry.removed) attach(entry, p.events);
      pending.clear();
      phone = p;
      settle();
    },
    failed(reason) {
      if (phone || failedReason !== undefined) return;
      failedReason = reason;
      pending.clear();
      settle();
    },
  };
}
