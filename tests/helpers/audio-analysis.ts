/**
 * Audio measurements every audio test relies on: the dominant frequency of
 * a signal, its level, how much of it is active, and the SNR of a decoded
 * signal against its reference after finding the delay between them.
 *
 * Written independently of the engine (no imports from electron/) so a bug
 * in engine code cannot fool the tests that measure it. Levels use the sox
 * convention: dBFS RMS relative to a full-scale square wave (a full-scale
 * sine is -3.01 dBFS).
 */

/** In-place iterative radix-2 FFT; length must be a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n !== im.length || (n & (n - 1)) !== 0) throw new RangeError(`fft length ${n} is not a power of two`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * cr - im[b]! * ci;
        const xi = re[b]! * ci + im[b]! * cr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/** Squared magnitude of the DTFT of `x` at `hz` (Goertzel recurrence; any frequency). */
function goertzelPower(x: ArrayLike<number>, rate: number, hz: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

export interface FrequencyOptions {
  /** Ignore energy below this (default 20 Hz: DC offsets and hum). */
  minHz?: number;
  maxHz?: number;
}

/**
 * The frequency of the strongest spectral peak, to a fraction of a hertz on
 * a clean tone: a Hann-windowed, zero-padded FFT finds the peak bin, then a
 * golden-section search of the windowed DTFT refines it within ±1 bin.
 * Analyses at most the first 2^18 samples.
 */
export function dominantFrequency(samples: ArrayLike<number>, rate: number, opts: FrequencyOptions = {}): number {
  const len = Math.min(samples.length, 1 << 18);
  if (len < 16) throw new RangeError('too few samples for a frequency estimate');
  const w = new Float64Array(len);
  for (let i = 0; i < len; i++) w[i] = samples[i]! * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (len - 1)));
  const n = Math.min(nextPow2(len) * 2, 1 << 20);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  re.set(w);
  fft(re, im);
  const binHz = rate / n;
  const lo = Math.max(1, Math.ceil((opts.minHz ?? 20) / binHz));
  const hi = Math.min(n / 2 - 1, Math.floor((opts.maxHz ?? rate / 2) / binHz));
  let best = lo;
  let bestMag = -1;
  for (let k = lo; k <= hi; k++) {
    const m = re[k]! * re[k]! + im[k]! * im[k]!;
    if (m > bestMag) {
      bestMag = m;
      best = k;
    }
  }
  if (bestMag <= 0) return 0;
  // Golden-section maximisation of |DTFT| between the neighbouring bins.
  let a = (best - 1) * binHz;
  let b = (best + 1) * binHz;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = goertzelPower(w, rate, c);
  let fd = goertzelPower(w, rate, d);
  while (b - a > 0.01) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = goertzelPower(w, rate, c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = goertzelPower(w, rate, d);
    }
  }
  return (a + b) / 2;
}

/** RMS level in dBFS (full-scale square = 0 dB); -Infinity for silence. */
export function rmsDbfs(samples: ArrayLike<number>): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return sum === 0 ? -Infinity : 10 * Math.log10(sum / samples.length / (32768 * 32768));
}

/** Peak level in dBFS; -Infinity for silence. */
export function peakDbfs(samples: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  return peak === 0 ? -Infinity : 20 * Math.log10(peak / 32768);
}

/**
 * RMS level (dBFS, sox convention) of the component at `hz` alone, by a
 * rectangular-window Goertzel: exact when the span holds whole periods,
 * within a fraction of a dB for spans of many periods. Lets a test check a
 * tone's level in the presence of others (DTMF pairs, noise).
 */
export function toneLevelDbfs(samples: ArrayLike<number>, rate: number, hz: number): number {
  const n = samples.length;
  if (n === 0) return -Infinity;
  const amp = (2 * Math.sqrt(Math.max(0, goertzelPower(samples, rate, hz)))) / n;
  return amp === 0 ? -Infinity : 20 * Math.log10(amp / Math.SQRT2 / 32768);
}

/**
 * Fraction (0..1) of consecutive `windowMs` windows whose RMS level is
 * above `thresholdDb` dBFS: "is there audio most of the time?".
 */
export function activeFraction(samples: ArrayLike<number>, rate: number, windowMs = 20, thresholdDb = -50): number {
  const win = Math.max(1, Math.round((rate * windowMs) / 1000));
  const count = Math.floor(samples.length / win);
  if (count === 0) return 0;
  let active = 0;
  for (let w = 0; w < count; w++) {
    let sum = 0;
    for (let i = w * win; i < (w + 1) * win; i++) sum += samples[i]! * samples[i]!;
    if (sum > 0 && 10 * Math.log10(sum / win / (32768 * 32768)) > thresholdDb) active++;
  }
  return active / count;
}

/**
 * The delay of `decoded` against `reference` in samples (decoded[i + lag]
 * lines up with reference[i]), searched in [-maxLag, maxLag] by FFT
 * cross-correlation.
 */
export function findLag(reference: ArrayLike<number>, decoded: ArrayLike<number>, maxLag: number): number {
  const n = nextPow2(reference.length + decoded.length);
  const ar = new Float64Array(n);
  const ai = new Float64Array(n);
  const br = new Float64Array(n);
  const bi = new Float64Array(n);
  for (let i = 0; i < reference.length; i++) ar[i] = reference[i]!;
  for (let i = 0; i < decoded.length; i++) br[i] = decoded[i]!;
  fft(ar, ai);
  fft(br, bi);
  // conj(A)·B, then inverse FFT through conjugation: r[lag] = Σ ref[i]·dec[i+lag].
  for (let k = 0; k < n; k++) {
    const r = ar[k]! * br[k]! + ai[k]! * bi[k]!;
    const i = ar[k]! * bi[k]! - ai[k]! * br[k]!;
    ar[k] = r;
    ai[k] = -i;
  }
  fft(ar, ai);
  let best = 0;
  let bestVal = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const v = ar[(lag + n) % n]!;
    if (v > bestVal) {
      bestVal = v;
      best = lag;
    }
  }
  return best;
}

export interface SnrOptions {
  /** Largest delay searched, in samples (default 2000). */
  maxLag?: number;
  /** Reference samples skipped at the start (codec warm-up), default 0. */
  skip?: number;
  /** Scale decoded by the least-squares gain first (hides level errors; default false). */
  fitGain?: boolean;
}

/**
 * Signal-to-noise ratio in dB of `decoded` against `reference` after
 * aligning the delay: 10·log10(Σref² / Σ(ref − dec)²) over the overlap.
 */
export function snrDb(reference: ArrayLike<number>, decoded: ArrayLike<number>, opts: SnrOptions = {}): number {
  const lag = findLag(reference, decoded, opts.maxLag ?? 2000);
  const skip = opts.skip ?? 0;
  const start = Math.max(skip, -lag);
  const end = Math.min(reference.length, decoded.length - lag);
  if (end - start < 16) throw new RangeError('reference and decoded barely overlap');
  let gain = 1;
  if (opts.fitGain) {
    let xy = 0;
    let yy = 0;
    for (let i = start; i < end; i++) {
      xy += reference[i]! * decoded[i + lag]!;
      yy += decoded[i + lag]! * decoded[i + lag]!;
    }
    gain = yy > 0 ? xy / yy : 1;
  }
  let sig = 0;
  let noise = 0;
  for (let i = start; i < end; i++) {
    const r = reference[i]!;
    const e = r - gain * decoded[i + lag]!;
    sig += r * r;
    noise += e * e;
  }
  if (noise === 0) return Infinity;
  return 10 * Math.log10(sig / noise);
}

/** A sine of `n` samples at `hz` and peak `amplitude` (test signal generator). */
export function sine(hz: number, rate: number, n: number, amplitude = 16384, phase = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate + phase));
  return out;
}
