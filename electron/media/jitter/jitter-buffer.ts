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
 *   shrink:   over the last 50 played packets (a sliding window), if none
 *             underran, every one of them would still have been in time one
 *             frame earlier, and the earliest of them (least transit) would
 *             still have waited the target delay (a robust quantile of the
 *             estimator's 5 s window: one late burst does not hold the delay
 *             up), the delay may shed a frame. The caller sheds at once when
 *             the frame it just decoded is quiet (`excessFrames`,
 *             `shedPlayed`: silence is compressed inaudibly, a frame per
 *             pull); when the room has lasted 25 pulls (half a second of
 *             speech), the buffer drops a frame itself, so speech is cut
 *             at most twice a second.
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
/** Played packets the shrink rule looks back on. */
const SHRINK_WINDOW = 50;
/** Pulls in a row with room to shrink before the buffer drops a frame on its own (the caller did not shed a quiet one). */
const SHRINK_EVERY = 25;

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
  /** The last packet pushed (its extended number, NaN for none, and timestamp): two numbers, no object per packet. */
  #lastExt = NaN;
  #lastTimestamp = 0;
  #next: number | undefined;
  #playing = false;
  #underruns = 0;
  /**
   * How long each of the last SHRINK_WINDOW played packets waited (arrival →
   * pull), ms, stored plus `#shedMs` at the time (so a shed frame lowers them
   * all at once); -Infinity marks an underrun.
   */
  readonly #waits = new Float64Array(SHRINK_WINDOW).fill(-Infinity);
  #waitCount = 0;
  #shedMs = 0;
  #excessPulls = 0;
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
    this.#lastExt = NaN;
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
      this.#noteWait(-Infinity); // it came too late: no slack in this window
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
    this.#waits.fill(-Infinity);
    this.#waitCount = 0;
    this.#excessPulls = 0;
    return true;
  }

  #play(ext: number, packet: JitterPacket<T>, nowMs: number): JitterFrame<T> {
    this.#packets.delete(ext);
    this.#markPlayed(ext);
    this.#next = ext + 1;
    this.#underruns = 0;
    this.#noteWait(nowMs - packet.arrivalMs);
    // The caller sheds a quiet frame first; only when the room has lasted SHRINK_EVERY pulls does the buffer drop one itself.
    this.#excessPulls = this.excessFrames > 0 ? this.#excessPulls + 1 : 0;
    if (this.#excessPulls >= SHRINK_EVERY && this.#packets.has(this.#next)) {
      this.#packets.delete(this.#next);
      this.#markPlayed(this.#next);
      this.#next++;
      this.#shed();
    }
    return { kind: 'audio', payload: packet.payload, seq: packet.seq, timestamp: packet.timestamp };
  }

  /**
   * Whole frames the delay could shrink by now (0 or 1: one at a time, the
   * window judging again after each): over the last SHRINK_WINDOW played
   * packets none underran, each would still have been in time a frame
   * earlier, and the ones with the least transit would still have waited
   * the target delay.
   */
  get excessFrames(): number {
    if (!this.#playing || this.#waitCount < SHRINK_WINDOW) return 0;
    let min = Infinity;
    let max = -Infinity;
    const waits = this.#waits;
    for (let i = 0; i < waits.length; i++) {
      const w = waits[i]!;
      if (w < min) min = w;
      if (w > max) max = w;
    }
    min -= this.#shedMs;
    max -= this.#shedMs;
    return min >= this.#frameMs && max - this.#frameMs >= this.#estimator.targetDelayMs ? 1 : 0;
  }

  /**
   * The caller threw away the frame it just pulled to shrink the delay (it
   * was quiet: excessFrames said there was room) and pulls the next at once.
   */
  shedPlayed(): void {
    this.#shed();
  }

  #shed(): void {
    this.#stats.discarded++;
    this.#shedMs += this.#frameMs;
    this.#excessPulls = 0;
  }

  #noteWait(waited: number): void {
    this.#waits[this.#waitCount++ % SHRINK_WINDOW] = waited + this.#shedMs;
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
    const follows = this.#lastExt === ext - 1;
    const lastTimestamp = this.#lastTimestamp;
    this.#lastExt = ext;
    this.#lastTimestamp = timestamp;
    if (!follows) return;
    const ms = (((timestamp - lastTimestamp) >>> 0) * 1000) / this.#clockRate;
    if (ms >= 5 && ms <= 120) this.#frameMs = ms;
  }
}
