/**
 * Adaptive jitter buffer for one RTP stream, blind to what the payload is:
 * the caller decodes `audio` frames and asks its decoder to conceal
 * `conceal` frames (Codec decoder.conceal), and plays nothing for `silence`.
 *
 * The caller pulls one frame per packet duration, paced by its audio clock.
 * Packets are ordered by extended sequence number; one packet is one frame.
 *
 *          push ──▶ [ ext seq → packet ] ──▶ pull (one per frame time)
 *
 *   buffering ──(oldest waited ≥ target delay)──▶ playing
 *   playing:  next packet here       → audio, advance
 *             next missing, later    → conceal, advance (lost) — or skip a
 *               packets buffered       long gap at once
 *             buffer empty           → conceal WITHOUT advancing (the packet
 *                                      is probably just late: delay grows by
 *                                      one frame), up to maxConcealFrames,
 *                                      then silence and back to buffering
 *   shrink:   if for a whole window (50 pulls) nothing underran, every
 *             packet played would still have been in time one frame earlier,
 *             and the earliest of them (least transit) would still have
 *             waited the target delay and the worst hold-up of the
 *             estimator's window (a burst every few seconds is not forgotten
 *             between two bursts), drop the oldest frame — at most one per
 *             window, so the delay shrinks slowly.
 *
 * The delay is judged in time, not in whole buffered frames: with 20 ms
 * packets arriving at some phase between two pulls, a packet waits that
 * phase plus whatever the target adds. Counting frames could only ever keep
 * two of them (20–40 ms at zero jitter); waiting ≥ target before the first
 * pull and shrinking by the measured wait keeps arrival→playout within
 * [target, target + one frame).
 *
 * Packets arriving after their turn are `late` (dropped); a second copy of a
 * packet is a `duplicate` (dropped). The target delay comes from DelayEstimator.
 */
import { DelayEstimator } from './delay-estimator.ts';

export interface JitterPacket<T = Uint8Array> {
  seq: number;
  timestamp: number;
  payload: T;
  /** Local arrival time in ms (the same clock as pull's nowMs). */
  arrivalMs: number;
  marker?: boolean;
}

export type JitterFrame<T = Uint8Array> =
  | { kind: 'audio'; payload: T; seq: number; timestamp: number }
  | { kind: 'conceal' }
  | { kind: 'silence' };

export type PushResult = 'queued' | 'duplicate' | 'late' | 'reset';

export interface JitterBufferOptions {
  /** RTP clock rate of the stream. */
  clockRate: number;
  /** Media per packet, ms, until learned from timestamps; 20 by default. */
  frameMs?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  initialDelayMs?: number;
  /** Underrun frames concealed before going silent (DTX, stream stopped); 5 by default. */
  maxConcealFrames?: number;
  /** Most packets held; the oldest is dropped beyond it. Default 500. */
  maxPackets?: number;
  quantile?: number;
  windowSize?: number;
}

export interface JitterBufferStats {
  /** Packets accepted into the buffer. */
  received: number;
  /** Packets that arrived after their playout slot had passed. */
  late: number;
  /** Frames skipped because their packet never came in time. */
  lost: number;
  /** Frames answered with `conceal` (lost ones and underruns). */
  concealed: number;
  duplicate: number;
  /** Frames dropped to shrink the delay or on overflow. */
  discarded: number;
  /** Media buffered ahead of the playout point, ms. */
  playoutDelayMs: number;
  targetDelayMs: number;
  bufferedFrames: number;
  frameMs: number;
}

/**
 * What a call's buffer starts from (MediaSession's defaults). A 10 ms floor
 * keeps arrival→playout at 10–30 ms at zero jitter (the packet's phase
 * between two pulls comes on top) while absorbing the sender's timer noise;
 * the target rises at once with measured jitter and falls back slowly. The
 * call starts at 40 ms, as before: its first seconds (set-up's CPU churn on
 * both sides) are when timing is worst, and starting at 20 ms made the
 * interop calls' first second underrun on a loaded machine.
 */
export const CALL_JITTER_DEFAULTS = { minDelayMs: 10, initialDelayMs: 40, maxDelayMs: 300, maxConcealFrames: 5 } as const;

const SEQ_RESET_DISTANCE = 3000;
const PLAYED_MEMORY = 512;
const SHRINK_WINDOW = 50;

export class JitterBuffer<T = Uint8Array> {
  readonly #clockRate: number;
  readonly #maxConceal: number;
  readonly #maxPackets: number;
  readonly #estimator: DelayEstimator;
  readonly #packets = new Map<number, JitterPacket<T>>();
  /** The last 512 played extended numbers, each at its slot (ext mod 512): told a duplicate from a late packet. */
  readonly #played = new Float64Array(PLAYED_MEMORY).fill(NaN);
  #frameMs: number;
  #highest: number | undefined;
  #lastPushed: { ext: number; timestamp: number } | undefined;
  #next: number | undefined;
  #playing = false;
  #underruns = 0;
  /** Least time a packet played in this window had waited (arrival → pull), ms; -Infinity after an underrun. */
  #minWaitInWindow = Infinity;
  /** Most time a packet played in this window had waited: the delay of the packets with the least transit. */
  #maxWaitInWindow = -Infinity;
  #pullsInWindow = 0;
  #stats = { received: 0, late: 0, lost: 0, concealed: 0, duplicate: 0, discarded: 0 };

  constructor(options: JitterBufferOptions) {
    this.#clockRate = options.clockRate;
    this.#frameMs = options.frameMs ?? 20;
    this.#maxConceal = options.maxConcealFrames ?? 5;
    this.#maxPackets = options.maxPackets ?? 500;
    const minDelayMs = options.minDelayMs ?? this.#frameMs;
    this.#estimator = new DelayEstimator({
      clockRate: options.clockRate,
      minDelayMs,
      maxDelayMs: options.maxDelayMs ?? 500,
      initialDelayMs: options.initialDelayMs ?? Math.max(minDelayMs, 3 * this.#frameMs),
      quantile: options.quantile,
      windowSize: options.windowSize,
    });
  }

  get stats(): JitterBufferStats {
    const buffered = this.#bufferedFrames();
    return {
      ...this.#stats,
      playoutDelayMs: buffered * this.#frameMs,
      targetDelayMs: this.#estimator.targetDelayMs,
      bufferedFrames: buffered,
      frameMs: this.#frameMs,
    };
  }

  get targetDelayMs(): number {
    return this.#estimator.targetDelayMs;
  }

  /** Media per packet, ms (stats.frameMs without building the stats: read on every pull). */
  get frameMs(): number {
    return this.#frameMs;
  }

  /** Media buffered ahead of the playout point, ms (stats.playoutDelayMs, likewise). */
  get playoutDelayMs(): number {
    return this.#bufferedFrames() * this.#frameMs;
  }

  /** Forget the stream (new SSRC, re-INVITE); counters are kept. */
  reset(): void {
    this.#packets.clear();
    this.#played.fill(NaN);
    this.#highest = undefined;
    this.#lastPushed = undefined;
    this.#next = undefined;
    this.#playing = false;
    this.#underruns = 0;
    this.#estimator.reset();
  }

  push(packet: JitterPacket<T>): PushResult {
    const seq = packet.seq & 0xffff;
    let result: PushResult = 'queued';
    let ext = this.#extend(seq);
    if (this.#highest !== undefined && Math.abs(ext - this.#highest) > SEQ_RESET_DISTANCE) {
      // The sender restarted its numbering: start over rather than wait for 3000 frames.
      this.reset();
      ext = seq;
      result = 'reset';
    }
    if (this.#next !== undefined && ext < this.#next) {
      if (this.#played[ext & (PLAYED_MEMORY - 1)] === ext) {
        this.#stats.duplicate++;
        return 'duplicate';
      }
      this.#stats.late++;
      return 'late';
    }
    if (this.#packets.has(ext)) {
      this.#stats.duplicate++;
      return 'duplicate';
    }
    this.#learnFrameDuration(ext, packet.timestamp);
    this.#packets.set(ext, { ...packet, seq });
    this.#stats.received++;
    if (this.#highest === undefined || ext > this.#highest) this.#highest = ext;
    this.#estimator.observe(packet.timestamp, packet.arrivalMs);
    if (this.#packets.size > this.#maxPackets) this.#dropOldest();
    return result;
  }

  pull(nowMs: number): JitterFrame<T> {
    if (!this.#playing && !this.#startPlaying(nowMs)) return { kind: 'silence' };
    const next = this.#next!;
    const packet = this.#packets.get(next);
    if (packet) return this.#play(next, packet, nowMs);
    if (this.#packets.size === 0) {
      // Underrun: the packet may just be late. Conceal in place, so the delay grows by a frame.
      if (++this.#underruns > this.#maxConceal) {
        this.#playing = false;
        return { kind: 'silence' };
      }
      this.#stats.concealed++;
      this.#minWaitInWindow = -Infinity; // it came too late: no slack in this window
      this.#pullsInWindow++;
      return { kind: 'conceal' };
    }
    const oldest = this.#oldest()!;
    if (oldest - next > this.#maxConceal) {
      // A long gap (outage, sender skipped numbers): do not conceal frame by frame.
      this.#stats.lost += oldest - next;
      return this.#play(oldest, this.#packets.get(oldest)!, nowMs);
    }
    this.#stats.lost++;
    this.#stats.concealed++;
    this.#next = next + 1;
    this.#pullsInWindow++;
    return { kind: 'conceal' };
  }

  #startPlaying(nowMs: number): boolean {
    const oldest = this.#oldest();
    if (oldest === undefined) return false;
    const waited = nowMs - this.#packets.get(oldest)!.arrivalMs;
    // Media buffered behind the first packet: what covers its successors' jitter.
    const aheadMs = (this.#highest! - oldest) * this.#frameMs;
    const target = this.#estimator.targetDelayMs;
    if (waited < target && aheadMs < target) return false;
    if (this.#next !== undefined && oldest > this.#next) this.#stats.lost += oldest - this.#next;
    this.#next = oldest;
    this.#playing = true;
    this.#underruns = 0;
    this.#minWaitInWindow = Infinity;
    this.#maxWaitInWindow = -Infinity;
    this.#pullsInWindow = 0;
    return true;
  }

  #play(ext: number, packet: JitterPacket<T>, nowMs: number): JitterFrame<T> {
    this.#packets.delete(ext);
    this.#markPlayed(ext);
    this.#next = ext + 1;
    this.#underruns = 0;
    const waited = nowMs - packet.arrivalMs;
    if (waited < this.#minWaitInWindow) this.#minWaitInWindow = waited;
    if (waited > this.#maxWaitInWindow) this.#maxWaitInWindow = waited;
    this.#pullsInWindow++;
    this.#maybeShrink();
    return { kind: 'audio', payload: packet.payload, seq: packet.seq, timestamp: packet.timestamp };
  }

  #maybeShrink(): void {
    if (this.#pullsInWindow < SHRINK_WINDOW) return;
    // One frame earlier, no packet of the window would have been late, and the
    // packets with the least transit would still have waited the target delay.
    const keep = Math.max(this.#estimator.targetDelayMs, this.#estimator.maxSpreadMs);
    const slack = this.#minWaitInWindow >= this.#frameMs && this.#maxWaitInWindow - this.#frameMs >= keep;
    this.#minWaitInWindow = Infinity;
    this.#maxWaitInWindow = -Infinity;
    this.#pullsInWindow = 0;
    if (slack && this.#packets.has(this.#next!)) {
      this.#packets.delete(this.#next!);
      this.#markPlayed(this.#next!);
      this.#next!++;
      this.#stats.discarded++;
    }
  }

  #dropOldest(): void {
    const oldest = this.#oldest();
    if (oldest === undefined) return;
    this.#packets.delete(oldest);
    this.#markPlayed(oldest);
    if (this.#next === undefined || this.#next <= oldest) this.#next = oldest + 1;
    this.#stats.discarded++;
  }

  #markPlayed(ext: number): void {
    this.#played[ext & (PLAYED_MEMORY - 1)] = ext;
  }

  #oldest(): number | undefined {
    let min: number | undefined;
    for (const k of this.#packets.keys()) if (min === undefined || k < min) min = k;
    return min;
  }

  #bufferedFrames(): number {
    if (this.#highest === undefined || this.#packets.size === 0) return 0;
    const from = this.#next ?? this.#oldest()!;
    return Math.max(0, this.#highest - from + 1);
  }

  /** 16-bit sequence numbers onto one line, near the highest seen (RFC 3550 A.1 spirit). */
  #extend(seq: number): number {
    const ref = this.#highest;
    if (ref === undefined) return seq;
    let candidate = ref - (((ref % 65536) + 65536) % 65536) + seq;
    if (candidate - ref > 32768) candidate -= 65536;
    else if (ref - candidate > 32768) candidate += 65536;
    return candidate;
  }

  #learnFrameDuration(ext: number, timestamp: number): void {
    const last = this.#lastPushed;
    this.#lastPushed = { ext, timestamp };
    if (!last || last.ext !== ext - 1) return;
    const ms = (((timestamp - last.timestamp) >>> 0) * 1000) / this.#clockRate;
    if (ms >= 5 && ms <= 120) this.#frameMs = ms;
  }
}
