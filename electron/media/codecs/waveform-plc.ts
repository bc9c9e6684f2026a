/**
 * Waveform-substitution packet loss concealment for codecs without their own
 * (G.711, G.722): a simplified ITU-T G.711 Appendix I.
 *
 * On the first lost packet the pitch period of the recent history is found
 * by normalised autocorrelation (5–15 ms lags), and the last period is
 * repeated. As the loss lasts, the repeated span grows to two and then three
 * periods (less buzz), and after the first 10 ms the output fades by 20 %
 * per 10 ms, reaching silence at 60 ms. The first good frame after a loss is
 * cross-faded with the continuing synthetic signal so the seam is smooth.
 *
 * Deviations from Appendix I, to keep zero added latency: no 3.75 ms output
 * delay, hence no overlap-add at the start of the loss (the repetition
 * starts on a period boundary instead, which is continuous for voiced
 * speech); one cross-fade length rule at the end.
 */

const HISTORY_MS = 60;
const MIN_PITCH_MS = 5;
const MAX_PITCH_MS = 15;
const CORR_WINDOW_MS = 20;
const FULL_LEVEL_MS = 10;
const FADE_PER_10MS = 0.2;

export class WaveformPlc {
  readonly sampleRate: number;
  readonly #history: Int16Array;
  #filled = 0; // how much of the history holds real audio
  // Loss state.
  #inLoss = false;
  #pitch = 0;
  #periods = 0;
  #table: Int16Array = new Int16Array(0);
  #pos = 0;
  #lost = 0; // samples concealed in this loss so far

  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
    this.#history = new Int16Array(Math.round((HISTORY_MS * sampleRate) / 1000));
  }

  /** True while concealing (between a conceal() and the next good frame). */
  get concealing(): boolean {
    return this.#inLoss;
  }

  /**
   * Passes a correctly decoded frame through. After a loss it is cross-faded
   * with the synthetic signal (the returned array is then a new one).
   */
  good(frame: Int16Array): Int16Array {
    let out = frame;
    if (this.#inLoss) {
      const ms = this.sampleRate / 1000;
      const len = Math.min(frame.length, Math.round(ms * Math.min(10, 4 + Math.floor(this.#lost / (10 * ms)))));
      const synth = this.#synthesize(len);
      out = frame.slice();
      for (let i = 0; i < len; i++) {
        const w = (i + 1) / (len + 1);
        out[i] = Math.round(synth[i]! * (1 - w) + frame[i]! * w);
      }
      this.#inLoss = false;
    }
    this.#remember(out);
    return out;
  }

  /** `n` samples of concealment for a lost packet. */
  conceal(n: number): Int16Array {
    if (!this.#inLoss) this.#startLoss();
    return this.#synthesize(n);
  }

  #remember(frame: Int16Array): void {
    const h = this.#history;
    if (frame.length >= h.length) {
      h.set(frame.subarray(frame.length - h.length));
    } else {
      h.copyWithin(0, frame.length);
      h.set(frame, h.length - frame.length);
    }
    this.#filled = Math.min(h.length, this.#filled + frame.length);
  }

  #startLoss(): void {
    this.#inLoss = true;
    this.#lost = 0;
    this.#pitch = this.#findPitch();
    this.#periods = 0;
    this.#setPeriods(1);
  }

  #setPeriods(k: number): void {
    if (k === this.#periods) return;
    const h = this.#history;
    const len = Math.min(h.length, this.#pitch * k);
    const phase = this.#periods > 0 ? this.#pos % this.#pitch : 0;
    this.#periods = k;
    this.#table = h.slice(h.length - len);
    // Keep the phase within the period so the switch does not click.
    this.#pos = (len - this.#pitch + phase) % len;
  }

  #synthesize(n: number): Int16Array {
    const out = new Int16Array(n);
    const ms = this.sampleRate / 1000;
    for (let i = 0; i < n; i++) {
      const lostMs = this.#lost / ms;
      this.#setPeriods(lostMs < 10 ? 1 : lostMs < 20 ? 2 : 3);
      const gain = lostMs < FULL_LEVEL_MS ? 1 : Math.max(0, 1 - (FADE_PER_10MS * (lostMs - FULL_LEVEL_MS)) / 10);
      const t = this.#table;
      out[i] = gain === 0 || t.length === 0 ? 0 : Math.round(t[this.#pos]! * gain);
      this.#pos = this.#pos + 1 >= t.length ? 0 : this.#pos + 1;
      this.#lost++;
    }
    return out;
  }

  /** Lag with the highest normalised autocorrelation over the last 20 ms. */
  #findPitch(): number {
    const h = this.#history;
    const ms = this.sampleRate / 1000;
    const minLag = Math.round(MIN_PITCH_MS * ms);
    const maxLag = Math.round(MAX_PITCH_MS * ms);
    const win = Math.round(CORR_WINDOW_MS * ms);
    if (this.#filled < win + maxLag) return maxLag;
    // Decimate the search above 8 kHz: pitch needs no more resolution for a
    // first pass, then refine around the coarse winner at full rate.
    const step = Math.max(1, Math.round(this.sampleRate / 8000));
    const end = h.length;
    const score = (lag: number, stride: number): number => {
      let xy = 0;
      let yy = 0;
      for (let i = end - win; i < end; i += stride) {
        const y = h[i - lag]!;
        xy += h[i]! * y;
        yy += y * y;
      }
      return yy > 0 ? xy / Math.sqrt(yy) : 0;
    };
    let best = maxLag;
    let bestScore = -Infinity;
    for (let lag = minLag; lag <= maxLag; lag += step) {
      const s = score(lag, step);
      if (s > bestScore) {
        bestScore = s;
        best = lag;
      }
    }
    if (step > 1) {
      const lo = Math.max(minLag, best - step);
      const hi = Math.min(maxLag, best + step);
      bestScore = -Infinity;
      for (let lag = lo; lag <= hi; lag++) {
        const s = score(lag, 1);
        if (s > bestScore) {
          bestScore = s;
          best = lag;
        }
      }
    }
    return best;
  }
}
