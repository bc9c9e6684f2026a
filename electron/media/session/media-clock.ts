/**
 * The 20 ms heartbeat of headless audio (docs/architecture.md §5: "the capture clock
 * paces sending; no drift-prone timers on the audio path").
 *
 * A naive setInterval(20) drifts: every callback is late by the event
 * loop's latency and the next interval starts from there, so a minute of
 * "3000 frames" takes 60.5 s or more and the far end's jitter buffer
 * underruns. Here tick n is due at t0 + n × frameMs on the monotonic clock
 * (performance.now); each timer is armed for the *next due time* minus now,
 * so lateness never accumulates — a late tick only shortens the wait for
 * the following one. A timer that fires up to 1 ms early (Node's timers
 * count whole milliseconds) runs its tick then, rather than arming another.
 *
 *   stopped ──subscribe()──▶ running ──last unsubscribe / stop()──▶ stopped
 *
 * A stopped clock starts with tick 0 due at once, and runs it inside the
 * subscribe() that starts it: a call's first packet leaves as its media
 * starts, not a timer (a few ms, tens under a load) later. A listener that
 * joins a running clock gets its next tick.
 *
 * A tick that comes more than 5 ms late first lets the event loop in (one
 * 0 ms timer), so that the datagrams that arrived meanwhile are read before
 * it pulls from the jitter buffers: otherwise it conceals packets that are
 * already in the socket's buffer, and the delay grows a frame for nothing.
 * After a stall (GC pause, blocked loop) the missed ticks then run back to
 * back, up to `maxCatchUpFrames` (running each from its own timer, so that
 * I/O came in between, made a starved 50-call process skip 1.5–3× more
 * frames); beyond that the clock re-anchors and reports the
 * frames it skipped, so a session can advance its RTP timestamps by the
 * time that passed instead of sending seconds of stale audio in a burst.
 *
 * Hosts whose audio device has its own clock (the renderer's AudioWorklet
 * delivering 20 ms frames) implement FrameTicker themselves and tick on
 * each frame; one MediaClock per engine serves every headless call, so all
 * calls of a conference tick together.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { systemClock } from '../../common/clock.ts';
import { FRAME_MS } from '../audio/frame.ts';

/** A tick more than this late counts as late (and first lets pending I/O in). */
const LATE_MS = 5;
/**
 * Node's timers count whole milliseconds of the event loop's clock, read at
 * the start of the loop's turn, so a timer fires up to 1 ms before the time
 * asked for. A tick whose timer comes that early runs at once: waiting out
 * the rest would take a second timer (a wake-up of the process) for most
 * ticks — measured 1.8 timers per tick before, 1.0 after.
 */
const EARLY_MS = 1;

export interface FrameTick {
  /** Running tick number since the clock (re)started. */
  index: number;
  /** When this tick was due, ms on the clock's monotonic time line. */
  dueMs: number;
  /** When it actually ran. */
  nowMs: number;
  /** Frames dropped just before this tick because the clock fell too far behind. */
  skippedFrames: number;
}

export type FrameTickListener = (tick: FrameTick) => void;

/** Anything that calls its listeners once per audio frame. */
export interface FrameTicker {
  readonly frameMs: number;
  subscribe(listener: FrameTickListener): () => void;
}

export interface MediaClockOptions {
  /** Time source and timers; systemClock (performance.now) by default. */
  clock?: Clock;
  frameMs?: number;
  /** Missed ticks run back to back after a stall, at most this many; default 10 (200 ms). */
  maxCatchUpFrames?: number;
  /** Called when a listener throws (the clock itself keeps going). */
  onListenerError?: (error: unknown) => void;
}

export interface MediaClockStats {
  ticks: number;
  /** Ticks that ran more than 5 ms after their due time. */
  lateTicks: number;
  /** Worst lateness seen, ms. */
  maxLatenessMs: number;
  /** Frames given up after stalls longer than maxCatchUpFrames. */
  skippedFrames: number;
}

export class MediaClock implements FrameTicker {
  readonly frameMs: number;
  readonly #clock: Clock;
  readonly #maxCatchUp: number;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<FrameTickListener>();
  #timer: TimerHandle | undefined;
  #active = false;
  #anchorMs = 0;
  #next = 0; // frames since the anchor of the next tick to run
  #index = 0;
  #pendingSkip = 0;
  /** The late tick due now already gave way to I/O once. */
  #yielded = false;
  #stats: MediaClockStats = { ticks: 0, lateTicks: 0, maxLatenessMs: 0, skippedFrames: 0 };

  constructor(options: MediaClockOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.frameMs = options.frameMs ?? FRAME_MS;
    this.#maxCatchUp = Math.max(1, options.maxCatchUpFrames ?? 10);
    this.#onError = options.onListenerError ?? (() => {});
  }

  get running(): boolean {
    return this.#active;
  }

  get stats(): MediaClockStats {
    return { ...this.#stats };
  }

  /** Listen to every tick; starts the clock with its first listener. Returns the unsubscribe function. */
  subscribe(listener: FrameTickListener): () => void {
    this.#listeners.add(listener);
    if (!this.running) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    this.#active = false;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #start(): void {
    this.#active = true;
    this.#yielded = false;
    this.#anchorMs = this.#clock.now();
    this.#next = 0;
    this.#onTimer();
  }

  #due(frame: number): number {
    return this.#anchorMs + frame * this.frameMs;
  }

  #arm(): void {
    const wait = this.#due(this.#next) - this.#clock.now();
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(), Math.max(0, wait));
  }

  #onTimer(): void {
    this.#timer = undefined;
    let now = this.#clock.now();
    const behind = Math.floor((now - this.#due(this.#next)) / this.frameMs);
    if (behind >= this.#maxCatchUp) {
      // Too far behind to catch up audibly: re-anchor on now and report the gap.
      this.#pendingSkip += behind;
      this.#stats.skippedFrames += behind;
      this.#anchorMs += behind * this.frameMs;
    }
    if (now - this.#due(this.#next) > LATE_MS && !this.#yielded) {
      // Late (the loop was busy or the process stalled): let the event loop
      // read what arrived meanwhile before this tick pulls from the buffers.
      this.#yielded = true;
      this.#arm();
      return;
    }
    this.#yielded = false;
    for (let ran = 0; ran < this.#maxCatchUp && this.#due(this.#next) <= now + EARLY_MS; ran++) {
      const dueMs = this.#due(this.#next);
      this.#next++;
      this.#fire(dueMs, now);
      // The last listener left during the tick (or left and a new one restarted the clock).
      if (!this.#active || this.#timer !== undefined) return;
      now = this.#clock.now();
    }
    this.#arm();
  }

  #fire(dueMs: number, nowMs: number): void {
    const lateness = nowMs - dueMs;
    this.#stats.ticks++;
    if (lateness > LATE_MS) this.#stats.lateTicks++;
    if (lateness > this.#stats.maxLatenessMs) this.#stats.maxLatenessMs = lateness;
    const tick: FrameTick = { index: this.#index++, dueMs, nowMs, skippedFrames: this.#pendingSkip };
    this.#pendingSkip = 0;
    for (const listener of [...this.#listeners]) {
      try {
        listener(tick);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
