/**
 * The audio heartbeat when a client (the renderer's AudioWorklet, a browser
 * over WebSocket) is the sound card: docs/architecture.md §5 "the capture clock paces
 * sending", so every 20 ms capture frame that arrives is one tick of every
 * call. Two things keep this honest:
 *
 *  - several clients may send capture frames at once; only one of them (the
 *    pacing client) ticks, or the calls would run at twice the rate. Another
 *    client takes over when the pacing one has been silent for a while;
 *  - a client may send no capture at all (no microphone, permission denied):
 *    then a MediaClock ticks instead, so the far end's voice still plays.
 *    That clock runs only while no capture comes: while a client paces, one
 *    watchdog timer every FALLBACK_AFTER_MS checks that it still does. (A
 *    fallback clock left running beside the capture woke the process 50
 *    times a second for nothing — each wake-up of a Node process costs more
 *    than a frame's media work.)
 *
 * After each tick's listeners (the media sessions, which have just written
 * what they received) `afterTick` runs: the router mixes the calls into one
 * playback frame there.
 */
import type { Clock, TimerHandle } from '../common/clock.ts';
import { FRAME_MS } from '../media/audio/frame.ts';
import { MediaClock, type FrameTick, type FrameTickListener, type FrameTicker } from '../media/session/media-clock.ts';

/** The pacing client is replaced after this much silence from it. */
const TAKEOVER_MS = 200;
/**
 * The fallback clock ticks only when no capture frame came for this long:
 * long enough that frames delayed on their way (IPC, a busy event loop) are
 * not taken for a missing microphone — each would then tick twice, once late
 * and once by the clock, and run the calls faster than real time.
 */
const FALLBACK_AFTER_MS = 200;

export class CaptureTicker implements FrameTicker {
  readonly frameMs = FRAME_MS;
  readonly #clock: Clock;
  readonly #fallback: MediaClock;
  readonly #listeners = new Set<FrameTickListener>();
  readonly #afterTick: () => void;
  #stopFallback: (() => void) | undefined;
  #watchdog: TimerHandle | undefined;
  #pacer: string | undefined;
  #lastCaptureMs = -Infinity;
  #index = 0;

  constructor(opts: { clock: Clock; afterTick: () => void }) {
    this.#clock = opts.clock;
    this.#afterTick = opts.afterTick;
    this.#fallback = new MediaClock({ clock: opts.clock });
  }

  /** The client whose frames pace the calls now. */
  get pacer(): string | undefined {
    return this.#pacer;
  }

  subscribe(listener: FrameTickListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) this.#watch();
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      this.#stopFallback?.();
      this.#stopFallback = undefined;
      this.#clock.clearTimeout(this.#watchdog);
      this.#watchdog = undefined;
    };
  }

  /** A capture frame from `client` has been delivered to the calls: tick, if this client paces. */
  captured(client: string): void {
    const now = this.#clock.now();
    if (this.#pacer !== client) {
      if (this.#pacer !== undefined && now - this.#lastCaptureMs < TAKEOVER_MS) return;
      this.#pacer = client;
    }
    this.#lastCaptureMs = now;
    if (this.#listeners.size === 0) return;
    if (this.#stopFallback) {
      // The capture paces again: the fallback clock stops, the watchdog takes over.
      this.#stopFallback();
      this.#stopFallback = undefined;
      this.#watch();
    }
    this.#fire(now, 0);
  }

  /** With listeners: the fallback clock once no capture came for FALLBACK_AFTER_MS, else a check when that would be. */
  #watch(): void {
    this.#clock.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    const silentMs = this.#clock.now() - this.#lastCaptureMs;
    if (silentMs < FALLBACK_AFTER_MS) {
      this.#watchdog = this.#clock.setTimeout(() => this.#watch(), FALLBACK_AFTER_MS - silentMs);
      return;
    }
    this.#stopFallback ??= this.#fallback.subscribe((tick) => {
      if (this.#clock.now() - this.#lastCaptureMs >= FALLBACK_AFTER_MS) this.#fire(tick.dueMs, tick.skippedFrames);
    });
  }

  #fire(dueMs: number, skippedFrames: number): void {
    const tick: FrameTick = { index: this.#index++, dueMs, nowMs: this.#clock.now(), skippedFrames };
    for (const listener of [...this.#listeners]) {
      try {
        listener(tick);
      } catch {
        // A session reports its own failures; one broken call must not silence the others.
      }
    }
    this.#afterTick();
  }
}
