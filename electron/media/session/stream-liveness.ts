/**
 * Is the other side still there? A call whose peer vanished (a laptop lid
 * closed, a crash, a network gone) would otherwise run forever: nothing in
 * SIP notices. RFC 3550 §6.3.5 times members out after RTCP silence; phones
 * do the same with "no RTP and no RTCP for N seconds" (baresip's
 * rtp_timeout, Asterisk's rtptimeout). The watch counts only while the peer
 * is expected to send — a sendrecv stream — never while either side holds
 * the call (RFC 3264 §8.4: sendonly, recvonly, inactive), and restarts its
 * count when sending is expected again.
 *
 *   idle ── expect(true) ──▶ watching ── silent for timeoutMs ──▶ silent (onSilent once)
 *     ▲                        │ heard(): count from now
 *     └──── expect(false) ─────┘         stop() from any state ──▶ stopped
 *
 * One timer, re-armed lazily: packets only record their time.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';

export type StreamLivenessState = 'idle' | 'watching' | 'silent' | 'stopped';

const moves: Record<StreamLivenessState, readonly StreamLivenessState[]> = {
  idle: ['watching', 'stopped'],
  watching: ['idle', 'silent', 'stopped'],
  silent: ['stopped'],
  stopped: [],
};

export interface StreamLivenessOptions {
  clock: Clock;
  /** Silence that counts as gone (ms). */
  timeoutMs: number;
  /** Once, when the peer has been silent for timeoutMs while expected to send. */
  onSilent(silentMs: number): void;
}

export class StreamLiveness {
  #state: StreamLivenessState = 'idle';
  #last = 0;
  #timer: TimerHandle | undefined;
  readonly #o: StreamLivenessOptions;

  constructor(o: StreamLivenessOptions) {
    this.#o = o;
  }

  get state(): StreamLivenessState {
    return this.#state;
  }

  /** An RTP or RTCP packet from the peer arrived. */
  heard(): void {
    this.#last = this.#o.clock.now();
  }

  /** Whether the peer should be sending now (a sendrecv stream, nobody holding). */
  expect(sending: boolean): void {
    if (sending && this.#state === 'idle') {
      this.transition('watching');
      this.#last = this.#o.clock.now();
      this.#arm(this.#o.timeoutMs);
    } else if (!sending && this.#state === 'watching') {
      this.transition('idle');
      this.#disarm();
    }
  }

  stop(): void {
    if (this.#state === 'stopped') return;
    this.transition('stopped');
    this.#disarm();
  }

  transition(to: StreamLivenessState): void {
    if (!moves[this.#state].includes(to)) throw new Error(`StreamLiveness: ${this.#state} → ${to} is not allowed`);
    this.#state = to;
  }

  #arm(ms: number): void {
    this.#disarm();
    this.#timer = this.#o.clock.setTimeout(() => this.#check(), ms);
  }

  #disarm(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#state !== 'watching') return;
    const silent = this.#o.clock.now() - this.#last;
    if (silent < this.#o.timeoutMs) {
      this.#arm(this.#o.timeoutMs - silent);
      return;
    }
    this.transition('silent');
    this.#o.onSilent(silent);
  }
}
