/**
 * Streaming sample-rate conversion with the speexdsp resampler compiled to
 * WASM (@echogarden/speex-resampler-wasm, BSD-3). Measured here: ≈ 35 µs per
 * 20 ms frame and ≈ 46 dB SNR for 48→16→48 kHz at quality 5.
 *
 * The WASM module loads once per process (loadHere: synchronously, its
 * readiness a promise): call
 * `initResampler()` (or `initMedia()`) at start-up, then construct
 * `Resampler`s synchronously. Each Resampler keeps its own filter state, so
 * one instance serves exactly one stream (one direction of one call): frame
 * boundaries are then inaudible.
 *
 * Making a speex state builds its sinc table: measured ≈ 6 ms for 8 → 48 kHz
 * on a loaded 2-core machine, on the answer path of every call (issue "Fast
 * where the user feels it" §2). A destroyed Resampler's state is kept
 * instead (at most STATES_KEPT per rate pair and quality), its history
 * cleared (`speex_resampler_reset_mem`: the same filter, as a new state
 * starts), for the next stream of the same rates.
 */
import type { SpeexResamplerModule } from '@echogarden/speex-resampler-wasm';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

let wasm: SpeexResamplerModule | undefined;
let loading: Promise<SpeexResamplerModule> | undefined;

/**
 * The SIMD build loaded on this thread, without the module loader's queue: its glue required (require(esm)) and its
 * 30 kB of WASM compiled and instantiated synchronously (≈ 2–5 ms), handed to the glue's instantiateWasm hook. The
 * glue's own way — a dynamic import, an asynchronous file read and an off-thread compile, each waiting for a turn of
 * the event loop — finished 1–3 s after `parley call` started it on a loaded machine, after the call was answered,
 * so the answer waited for it (setup-time.bench.ts --stages). Anything unexpected falls back to that way.
 */
function loadHere(): Promise<SpeexResamplerModule> {
  const require = createRequire(import.meta.url);
  const glue = require.resolve('@echogarden/speex-resampler-wasm/simd');
  const factory = (require(glue) as { default: (m: object) => Promise<SpeexResamplerModule> }).default;
  const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const module = new wasmApi.Module(readFileSync(glue.replace(/\.js$/, '.wasm')));
  return factory({
    instantiateWasm(imports: object, done: (instance: WasmInstance, module: object) => void) {
      const instance = new wasmApi.Instance(module, imports);
      done(instance, module);
      return instance.exports;
    },
  });
}

/** What loadHere uses of the WebAssembly global (the project's TypeScript libraries leave it out). */
interface WasmInstance {
  exports: object;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => WasmInstance;
}

async function loadModule(): Promise<SpeexResamplerModule> {
  try {
    return await loadHere();
  } catch {
    // The glue's own loading below.
  }
  try {
    // SIMD build first: V8 in Node 24 and Electron both support WASM SIMD.
    const simd = await import('@echogarden/speex-resampler-wasm/simd');
    return await simd.default();
  } catch {
    const plain = await import('@echogarden/speex-resampler-wasm');
    return await plain.default();
  }
}

/** Loads the WASM resampler once; later calls return the same promise. */
export function initResampler(): Promise<void> {
  loading ??= loadModule().then((m) => (wasm = m));
  return loading.then(() => undefined);
}

/** True once `initResampler()` has finished. */
export function resamplerReady(): boolean {
  return wasm !== undefined;
}

/** Spare speex states per rate pair and quality: enough for a few calls' worth of both directions. */
const STATES_KEPT = 8;
const spare = new Map<string, number[]>();
const stateKey = (inRate: number, outRate: number, quality: number) => `${inRate}>${outRate}@${quality}`;

export interface ResamplerOptions {
  /** speexdsp quality 0..10; 5 is its VoIP default (≈ 46 dB SNR here). */
  quality?: number;
}

/** Typed error for conditions a caller may handle (bad rates, not initialised). */
export class ResamplerError extends Error {
  override readonly name = 'ResamplerError';
}

/** One stream's resampler. Equal rates make it a copying pass-through. */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  readonly quality: number;
  #m: SpeexResamplerModule | undefined;
  #state = 0;
  #inPtr = 0;
  #outPtr = 0;
  #lenPtr = 0; // two uint32: in_len, out_len
  #capIn = 0;
  #capOut = 0;

  constructor(inRate: number, outRate: number, opts: ResamplerOptions = {}) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new ResamplerError(`invalid rates ${inRate} -> ${outRate}`);
    }
    this.inRate = inRate;
    this.outRate = outRate;
    this.quality = Math.max(0, Math.min(10, Math.round(opts.quality ?? 5)));
    if (inRate === outRate) return;
    if (!wasm) throw new ResamplerError('resampler not initialised: await initResampler() first');
    this.#m = wasm;
    this.#lenPtr = wasm._malloc(8);
    const kept = spare.get(stateKey(inRate, outRate, this.quality))?.pop();
    if (kept !== undefined) {
      this.#state = kept;
      return;
    }
    this.#state = wasm._speex_resampler_init(1, inRate, outRate, this.quality, this.#lenPtr);
    const err = wasm.HEAP32[this.#lenPtr >> 2]!;
    if (this.#state === 0 || err !== 0) {
      wasm._free(this.#lenPtr);
      throw new ResamplerError(`speex_resampler_init failed (${err}) for ${inRate} -> ${outRate}`);
    }
  }

  /** Delay the filter adds, in input samples. */
  get inputLatency(): number {
    return this.#m ? this.#m._speex_resampler_get_input_latency(this.#state) : 0;
  }

  /**
   * Converts the next chunk of the stream. Output length is
   * ≈ input × outRate / inRate; for non-integer ratios it varies by a sample
   * from call to call (the fractional phase is carried over, not lost).
   */
  process(input: Int16Array): Int16Array {
    const m = this.#m;
    if (!m) {
      if (this.inRate === this.outRate) return input.slice();
      throw new ResamplerError('resampler destroyed');
    }
    const n = input.length;
    const outCap = Math.ceil((n * this.outRate) / this.inRate) + 16;
    this.#ensure(n, outCap);
    m.HEAP16.set(input, this.#inPtr >> 1);
    let consumed = 0;
    let produced = 0;
    // One call normally consumes everything; loop for the rare partial case.
    for (let guard = 0; consumed < n && guard < 8; guard++) {
      m.HEAPU32[this.#lenPtr >> 2] = n - consumed;
      m.HEAPU32[(this.#lenPtr >> 2) + 1] = outCap - produced;
      m._speex_resampler_process_int(
        this.#state,
        0,
        this.#inPtr + consumed * 2,
        this.#lenPtr,
        this.#outPtr + produced * 2,
        this.#lenPtr + 4,
      );
      consumed += m.HEAPU32[this.#lenPtr >> 2]!;
      produced += m.HEAPU32[(this.#lenPtr >> 2) + 1]!;
    }
    // HEAP16 may be a new view if the heap grew during the call.
    const start = this.#outPtr >> 1;
    return m.HEAP16.slice(start, start + produced);
  }

  /** Forgets the filter history (e.g. after a stream restarts). */
  reset(): void {
    if (this.#m) this.#m._speex_resampler_reset_mem(this.#state);
  }

  /** Frees the WASM memory (the speex state may be kept for the next Resampler); the instance is unusable afterwards. */
  destroy(): void {
    const m = this.#m;
    if (!m) return;
    const key = stateKey(this.inRate, this.outRate, this.quality);
    const kept = spare.get(key) ?? [];
    if (kept.length < STATES_KEPT) {
      m._speex_resampler_reset_mem(this.#state);
      kept.push(this.#state);
      spare.set(key, kept);
    } else m._speex_resampler_destroy(this.#state);
    if (this.#inPtr) m._free(this.#inPtr);
    if (this.#outPtr) m._free(this.#outPtr);
    m._free(this.#lenPtr);
    this.#m = undefined;
    this.#state = this.#inPtr = this.#outPtr = this.#lenPtr = 0;
  }

  #ensure(inSamples: number, outSamples: number): void {
    const m = this.#m!;
    if (inSamples > this.#capIn) {
      if (this.#inPtr) m._free(this.#inPtr);
      this.#capIn = Math.max(inSamples, 2048);
      this.#inPtr = m._malloc(this.#capIn * 2);
    }
    if (outSamples > this.#capOut) {
      if (this.#outPtr) m._free(this.#outPtr);
      this.#capOut = Math.max(outSamples, 2048);
      this.#outPtr = m._malloc(this.#capOut * 2);
    }
  }
}

/** Initialises the WASM module if needed and returns a new Resampler. */
export async function createResampler(inRate: number, outRate: number, opts?: ResamplerOptions): Promise<Resampler> {
  if (inRate !== outRate) await initResampler();
  return new Resampler(inRate, outRate, opts);
}
