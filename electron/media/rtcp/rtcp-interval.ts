/**
 * When to send the next RTCP compound packet (RFC 3550 §6.3, code of A.7).
 *
 *   T_d = max(T_min, avg_rtcp_size × n / rtcp_bw)     T_min = 5 s (2.5 s before the first report)
 *   T   = T_d × U(0.5, 1.5) / (e − 3/2)               randomized so reports of many members do not sync
 *
 * with rtcp_bw = 5 % of the session bandwidth, split 25 % / 75 % between
 * senders and receivers when senders are few (§6.3.1). On expiry the interval
 * is recomputed and the send deferred if the new time is still ahead ("timer
 * reconsideration", §6.3.6). With two members (a call) T_d is the 5 s minimum
 * and T lands between 2.05 s and 6.16 s, 4.1 s on average.
 *
 * Paced: a call's media already wakes the process every 20 ms; a timer of
 * RTCP's own would wake it once more per report (and once more per
 * reconsideration) — with 50 calls about 25 extra wake-ups a second. A paced
 * scheduler arms no timer: its owner calls poll() on every media tick, and
 * a report goes out on the first tick at or after its time (≤ 20 ms later,
 * far inside the interval's randomization).
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';

export interface RtcpIntervalOptions {
  clock: Clock;
  /**
   * Called when a report is due: sends a compound and returns its size in
   * octets (without UDP/IP headers), or undefined if nothing was sent.
   */
  send: () => number | undefined;
  /** Session bandwidth in bit/s (b=AS); RTCP gets 5 % of it. Default 80 000 (G.711 + headers). */
  sessionBandwidthBps?: number;
  /** T_min in ms; 5000 by default (§6.2). */
  minIntervalMs?: number;
  /** Uniform random number in [0, 1); tests inject a fixed one. */
  random?: () => number;
  /** No timer of its own: the owner calls poll() often (every media tick). */
  paced?: boolean;
}

const COMPENSATION = Math.E - 1.5;
const UDP_IP_OVERHEAD = 28;

export class RtcpIntervalScheduler {
  readonly #clock: Clock;
  readonly #send: () => number | undefined;
  readonly #rtcpBandwidth: number; // octets per second
  readonly #minIntervalMs: number;
  readonly #random: () => number;
  readonly #paced: boolean;
  #timer: TimerHandle | undefined;
  /** Paced: when the next expiry is due (undefined: stopped). */
  #dueMs: number | undefined;
  #initial = true;
  #lastSentMs = 0;
  #avgRtcpSize = 100 + UDP_IP_OVERHEAD;
  /** Session members including us (§6.3.3); a two-party call has 2. */
  members = 2;
  /** Members that sent RTP recently (§6.3.8). */
  senders = 1;
  /** Whether we sent RTP since the last two reports; selects the sender share. */
  weSent = false;

  constructor(options: RtcpIntervalOptions) {
    this.#clock = options.clock;
    this.#send = options.send;
    this.#rtcpBandwidth = ((options.sessionBandwidthBps ?? 80_000) * 0.05) / 8;
    this.#minIntervalMs = options.minIntervalMs ?? 5000;
    this.#random = options.random ?? Math.random;
    this.#paced = options.paced ?? false;
  }

  get running(): boolean {
    return this.#timer !== undefined || this.#dueMs !== undefined;
  }

  /** Average compound size in octets including UDP/IP headers (§6.3.3). */
  get averageRtcpSize(): number {
    return this.#avgRtcpSize;
  }

  /** The randomized interval in ms, as rtcp_interval() of A.7 computes it. */
  computeIntervalMs(initial = this.#initial): number {
    const minTime = initial ? this.#minIntervalMs / 2 : this.#minIntervalMs;
    let n = Math.max(1, this.members);
    let bandwidth = this.#rtcpBandwidth;
    if (this.senders <= this.members * 0.25) {
      if (this.weSent) {
        bandwidth *= 0.25;
        n = Math.max(1, this.senders);
      } else {
        bandwidth *= 0.75;
        n = Math.max(1, n - this.senders);
      }
    }
    const deterministic = Math.max(minTime, ((this.#avgRtcpSize * n) / bandwidth) * 1000);
    return (deterministic * (this.#random() + 0.5)) / COMPENSATION;
  }

  start(): void {
    if (this.running) return;
    this.#lastSentMs = this.#clock.now();
    this.#arm(this.#lastSentMs + this.computeIntervalMs());
  }

  stop(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dueMs = undefined;
  }

  /** Paced: sends the report if its time has come (a no-op for a scheduler with its own timer). */
  poll(): void {
    if (this.#dueMs !== undefined && this.#clock.now() >= this.#dueMs) this.#onExpire();
  }

  #arm(atMs: number): void {
    if (this.#paced) this.#dueMs = atMs;
    else this.#timer = this.#clock.setTimeout(() => this.#onExpire(), Math.max(0, atMs - this.#clock.now()));
  }

  #onExpire(): void {
    this.#timer = undefined;
    this.#dueMs = undefined;
    const now = this.#clock.now();
    const next = this.#lastSentMs + this.computeIntervalMs();
    if (next > now) {
      // Reconsideration: the group (or our average size) changed; wait longer.
      this.#arm(next);
      return;
    }
    const size = this.#send();
    if (size !== undefined) this.#avgRtcpSize = (size + UDP_IP_OVERHEAD) / 16 + (15 / 16) * this.#avgRtcpSize;
    this.#lastSentMs = now;
    this.#initial = false;
    this.#arm(now + this.computeIntervalMs());
  }
}
