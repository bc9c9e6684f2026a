/**
 * The window and the tray must not wait for the engine: on Linux the engine
 * waits for the password store, and a locked keyring waits for the user to
 * unlock it (the first safeStorage operation blocks on its prompt). So the
 * shell binds its window to this gate at once, and the gate passes commands,
 * events and audio through when the engine is up:
 *
 *   commands  wait for the engine, then go to its dispatcher; if it never
 *             starts they are answered 'unavailable' (never left hanging);
 *   events    one bus the window subscribes to now, fed by the engine's later
 *             with the events someone takes from it now;
 *   audio     capture frames before the engine are dropped (no call can
 *             exist yet); playback listeners are attached when it is up.
 */
import type { CommandContext } from '../api/phone-api.ts';
import { createDispatcher, type Dispatcher } from '../api/dispatcher.ts';
import { failure } from '../api/errors.ts';
import { createEventBus, type EventBus } from '../api/event-bus.ts';
import type { PhoneEngine } from '../phone/engine.ts';
import { mapPhoneError } from '../phone/engine.ts';
import type { Logger } from '../common/logger.ts';
import type { EngineAudio } from './ipc-binding.ts';

export interface EngineGate {
  dispatcher: Dispatcher;
  events: EventBus;
  audio: EngineAudio;
  /** The engine once it is up; undefined if it failed to start. */
  readonly ready: Promise<PhoneEngine | undefined>;
  /** The engine, if up now. */
  readonly engine: PhoneEngine | undefined;
}

export function gateEngine(starting: Promise<PhoneEngine>, logger: Logger): EngineGate {
  const events = createEventBus({ logger: logger.child('events') });
  const playback = new Set<(frame: Int16Array) => void>();
  let engine: PhoneEngine | undefined;
  let dispatcher: Dispatcher | undefined;

  const ready = starting.then(
    (e) => {
      engine = e;
      dispatcher = createDispatcher(e.api, { logger: logger.child('api'), mapError: mapPhoneError });
      // Only what someone takes from the gate: the engine makes the SIP trace only while the window follows it.
      e.events.subscribe((event) => events.emit(event.event, event.data as never), { takes: (event) => events.wants(event) });
      e.audio.onPlaybackFrame((frame) => {
        for (const cb of playback) cb(frame);
      });
      return e;
    },
    () => undefined,
  );

  const unavailable = failure('unavailable', 'the phone engine did not start; see the log');
  const gated: Dispatcher = {
    async dispatch(name: unknown, params: unknown, context?: CommandContext) {
      await ready;
      return dispatcher ? dispatcher.dispatch(name, params, context) : unavailable;
    },
    async call(name, params, context) {
      await ready;
      return dispatcher ? dispatcher.call(name, params, context) : unavailable;
    },
  };

  return {
    dispatcher: gated,
    events,
    audio: {
      onCaptureFrame: (frame, client) => engine?.audio.onCaptureFrame(frame, client),
      onPlaybackFrame(cb) {
        playback.add(cb);
        return () => void playback.delete(cb);
      },
    },
    ready,
    get engine() {
      return engine;
    },
  };
}
