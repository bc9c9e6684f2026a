/**
 * How much playout delay the network's jitter calls for.
 *
 * For each packet, relative transit r = arrival − (RTP timestamp / clock
 * rate): constant for a perfect network, larger for packets that were held
 * up. Over a window of recent packets, the delay needed so that a fraction
 * q of them arrives in time is quantile_q(r) − min(r) (the packet with the
 * least transit waits that long; the slowest q wait less). The target
 *  - rises at once when the measure rises (late packets are audible),
 *  - falls slowly, `decayMsPerPacket` at a time (shrinking costs a dropped
 *    frame, and jitter tends to come back),
 *  - stays within [minDelayMs, maxDelayMs].
 * Clock drift between the ends tilts r; over a 5 s window a 0.5 % drift adds
 * 25 ms to the spread, which we accept rather than fit a trend line.
 */
export interface DelayEstimatorOptions {
  clockRate: number;
  minDelayMs: number;
  maxDelayMs: number;
  initialDelayMs: number;
  /** Fraction of packets that should arrive in time; 0.98 by default. */
  quantile?: number;
  /** Packets in the window; 250 (5 s of 20 ms packets) by default. */
  windowSize?: number;
  /** How fast the target may fall, ms per packet; 0.2 (10 ms/s at 20 ms packets) by default. */
  decayMsPerPacket?: number;
}

export class DelayEstimator {
  readonly #clockRate: number;
  readonly #min: number;
  readonly #max: number;
  readonly #quantile: number;
  readonly #windowSize: number;
  readonly #decay: number;
  /** The window in arrival order: a ring of #count values from #first (no array churn per packet). */
  readonly #transits: Float64Array;
  #first = 0;
  #count = 0;
  /** The same values, ascending (the first #count slots). */
  readonly #sorted: Float64Array;
  #target: number;
  #extendedTimestamp: number | undefined;

  constructor(options: DelayEstimatorOptions) {
    this.#clockRate = options.clockRate;
    this.#min = options.minDelayMs;
    this.#max = options.maxDelayMs;
    this.#quantile = options.quantile ?? 0.98;
    this.#windowSize = Math.max(1, Math.round(options.windowSize ?? 250));
    this.#decay = options.decayMsPerPacket ?? 0.2;
    this.#transits = new Float64Array(this.#windowSize);
    this.#sorted = new Float64Array(this.#windowSize);
    this.#target = Math.min(this.#max, Math.max(this.#min, options.initialDelayMs));
  }

  get targetDelayMs(): number {
    return this.#target;
  }

  /** The raw measure (quantile spread of relative transit) over the window. */
  get measuredJitterMs(): number {
    const sorted = this.#sorted;
    const n = this.#count;
    if (n < 2) return 0;
    const index = Math.min(n - 1, Math.ceil(this.#quantile * n) - 1);
    return sorted[index]! - sorted[0]!;
  }

  reset(): void {
    this.#first = 0;
    this.#count = 0;
    this.#extendedTimestamp = undefined;
  }

  /** Account one packet (in arrival order, duplicates excluded). */
  observe(timestamp: number, arrivalMs: number): void {
    this.#extendedTimestamp = this.#extend(timestamp >>> 0);
    const transit = arrivalMs - (this.#extendedTimestamp * 1000) / this.#clockRate;
    if (!Number.isFinite(transit)) return;
    // Keep a sorted copy of the window (binary search, then a move of the tail)
    // instead of sorting it on every packet: 250 values re-sorted 50 times a
    // second showed in call profiles. Both live in fixed typed arrays: no
    // garbage per packet.
    const size = this.#windowSize;
    const sorted = this.#sorted;
    if (this.#count === size) {
      const old = this.#transits[this.#first]!;
      this.#first = (this.#first + 1) % size;
      this.#count--;
      const at = lowerBound(sorted, this.#count + 1, old);
      sorted.copyWithin(at, at + 1, this.#count + 1);
    }
    this.#transits[(this.#first + this.#count) % size] = transit;
    const at = lowerBound(sorted, this.#count, transit);
    sorted.copyWithin(at + 1, at, this.#count);
    sorted[at] = transit;
    this.#count++;
    if (this.#count < 4) return;
    const wanted = Math.min(this.#max, Math.max(this.#min, this.measuredJitterMs));
    this.#target = wanted >= this.#target ? wanted : Math.max(wanted, this.#target - this.#decay);
  }

  /** Timestamps wrap at 2^32; keep them on one line near the previous one. */
  #extend(ts: number): number {
    const prev = this.#extendedTimestamp;
    if (prev === undefined) return ts;
    let candidate = prev - (prev % 2 ** 32) + ts;
    if (candidate - prev > 2 ** 31) candidate -= 2 ** 32;
    else if (prev - candidate > 2 ** 31) candidate += 2 ** 32;
    return candidate;
  }
}

/** First index whose value is >= x among the first `length` values of an ascending array. */
function lowerBound(sorted: Float64Array, length: number, x: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
