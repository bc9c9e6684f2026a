/**
 * A conference on the phone (the 3-way call): our calls merged with the
 * local user in one mix-minus (media/devices/conference-mixer.ts). Each
 * party hears every other at its own level and never itself:
 *
 *                 ┌──────────── ConferenceMixer (48 kHz, 20 ms) ───────────┐
 *   microphone ──▶│ local  ─┐                                 ┌─▶ local    │──▶ speaker
 *   call B rx  ──▶│ B      ─┼─▶ Σ all − own, per participant ─┼─▶ B        │──▶ call B tx
 *   call C rx  ──▶│ C      ─┘                                 └─▶ C        │──▶ call C tx
 *                 └─────────────────────────────────────────────────────────┘
 *
 * Every call's media session resamples to and from the device rate, so legs
 * with different codecs (PCMU at 8 kHz, Opus at 48 kHz) meet in one mix.
 * A leg's session reads what its peer hears from a FrameBridge the mixer
 * fills and writes what its peer says into one the mixer reads; the local
 * user is the devices of one leg (the "owner": in the desktop the client's
 * microphone and speaker, headless the call's own devices). The mixer ticks
 * on the phone's media ticker after the sessions, so each path is one frame
 * (20 ms) longer than in a two-party call.
 *
 *   merge(a, b) ──▶ running (≥ 2 legs) ── leave(leg) ──▶ 1 leg left ──▶ dissolved
 *                        │ add(c) (≤ MAX_LEGS)              (the last leg talks on
 *                        ▼                                   its own devices again)
 *
 * A leg that leaves (split, hang-up, failure) gets its own devices back; when
 * the owner leaves, another leg's devices become the local user's.
 */
import { randomUUID } from 'node:crypto';
import { DEVICE_RATE } from '../media/audio/frame.ts';
import { ConferenceMixer } from '../media/devices/conference-mixer.ts';
import { FrameBridge } from '../media/devices/frame-bridge.ts';
import type { FrameTicker } from '../media/session/media-clock.ts';
import type { Logger } from '../common/logger.ts';
import type { CallAudioDevices } from './audio-router.ts';

/** Calls in one conference at most (the local user besides): a 3-way call is two. */
export const MAX_CONFERENCE_LEGS = 4;
/** A bridge holds a few frames: the mixer and the sessions tick together, so one or two are there at a time. */
const BRIDGE_MS = 100;
const LOCAL = 'local';

/** What the conference needs of a call (phone-call.ts implements it). */
export interface ConferenceLeg {
  readonly id: string;
  /** The call's own devices (the router's), with which it talks outside a conference. */
  ownDevices(): CallAudioDevices | undefined;
  /** Routes the call's media through these devices, or back to its own (undefined). */
  routeThrough(devices: CallAudioDevices | undefined, conference: Conference | undefined): void;
}

export class Conference {
  readonly id = randomUUID();
  readonly #mixer = new ConferenceMixer({ sampleRate: DEVICE_RATE });
  readonly #legs = new Map<ConferenceLeg, { bridges: CallAudioDevices }>();
  readonly #log: Logger;
  readonly #onDissolve: (conference: Conference) => void;
  #owner: ConferenceLeg | undefined;
  #unsubscribe: (() => void) | undefined;
  #localMuted = false;

  constructor(opts: { ticker: FrameTicker; logger: Logger; onDissolve: (conference: Conference) => void }) {
    this.#log = opts.logger;
    this.#onDissolve = opts.onDissolve;
    this.#unsubscribe = opts.ticker.subscribe(() => {
      try {
        this.#mixer.tick();
      } catch (e) {
        this.#log.warn('conference mix failed', { conference: this.id, error: String(e) });
      }
    });
  }

  get legs(): ConferenceLeg[] {
    return [...this.#legs.keys()];
  }

  get dissolved(): boolean {
    return this.#unsubscribe === undefined;
  }

  has(leg: ConferenceLeg): boolean {
    return this.#legs.has(leg);
  }

  /** Adds a call; the first one with devices becomes the local user's side. */
  add(leg: ConferenceLeg): void {
    if (this.dissolved) throw new Error('the conference has ended');
    if (this.#legs.has(leg)) return;
    if (this.#legs.size >= MAX_CONFERENCE_LEGS) throw new RangeError(`a conference takes at most ${MAX_CONFERENCE_LEGS} calls`);
    // Heard from the call (its session writes the sink) → the mixer; the mix for the call → its session's source.
    const fromCall = new FrameBridge({ sampleRate: DEVICE_RATE, maxBufferMs: BRIDGE_MS });
    const toCall = new FrameBridge({ sampleRate: DEVICE_RATE, maxBufferMs: BRIDGE_MS });
    this.#mixer.add(leg.id, fromCall, toCall);
    this.#legs.set(leg, { bridges: { source: toCall, sink: fromCall } });
    leg.routeThrough({ source: toCall, sink: fromCall }, this);
    if (!this.#owner) this.#takeLocal(leg);
    this.#log.info('conference leg added', { conference: this.id, callId: leg.id, legs: this.#legs.size });
  }

  /** The call leaves (split, ended): its own devices back; the conference dissolves below two calls. */
  leave(leg: ConferenceLeg): void {
    const entry = this.#legs.get(leg);
    if (!entry) return;
    this.#legs.delete(leg);
    this.#mixer.remove(leg.id);
    entry.bridges.source.close?.();
    entry.bridges.sink.close?.();
    if (this.#owner === leg) {
      this.#mixer.remove(LOCAL);
      this.#owner = undefined;
      const next = [...this.#legs.keys()].find((l) => l.ownDevices() !== undefined);
      if (next) this.#takeLocal(next);
    }
    leg.routeThrough(undefined, undefined);
    this.#log.info('conference leg left', { conference: this.id, callId: leg.id, legs: this.#legs.size });
    if (this.#legs.size < 2) this.dissolve();
  }

  /** The local user is heard by nobody (mute in a conference mutes us, not one leg). */
  setLocalMuted(muted: boolean): void {
    this.#localMuted = muted;
    const local = this.#mixer.get(LOCAL);
    if (local) local.muted = muted;
  }

  get localMuted(): boolean {
    return this.#localMuted;
  }

  /** Every leg back on its own devices; the mixer stops. */
  dissolve(): void {
    if (this.dissolved) return;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const leg of [...this.#legs.keys()]) {
      const entry = this.#legs.get(leg)!;
      this.#legs.delete(leg);
      this.#mixer.remove(leg.id);
      entry.bridges.source.close?.();
      entry.bridges.sink.close?.();
      leg.routeThrough(undefined, undefined);
    }
    this.#mixer.remove(LOCAL);
    this.#owner = undefined;
    this.#log.info('conference dissolved', { conference: this.id });
    this.#onDissolve(this);
  }

  #takeLocal(leg: ConferenceLeg): void {
    const devices = leg.ownDevices();
    if (!devices) return;
    const local = this.#mixer.add(LOCAL, devices.source, devices.sink);
    local.muted = this.#localMuted;
    this.#owner = leg;
  }
}
