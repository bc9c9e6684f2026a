/**
 * Types for the Emscripten module of @echogarden/speex-resampler-wasm 0.3,
 * which ships none. Only what resampler.ts calls; pointers are byte offsets
 * into the module's heap (speexdsp's speex_resampler.h API).
 */
declare module '@echogarden/speex-resampler-wasm' {
  export interface SpeexResamplerModule {
    HEAP16: Int16Array;
    HEAP32: Int32Array;
    HEAPU32: Uint32Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    _speex_resampler_init(channels: number, inRate: number, outRate: number, quality: number, errPtr: number): number;
    _speex_resampler_destroy(state: number): void;
    _speex_resampler_process_int(
      state: number,
      channelIndex: number,
      inPtr: number,
      inLenPtr: number,
      outPtr: number,
      outLenPtr: number,
    ): number;
    _speex_resampler_reset_mem(state: number): number;
    _speex_resampler_skip_zeros(state: number): number;
    _speex_resampler_get_input_latency(state: number): number;
    _speex_resampler_get_output_latency(state: number): number;
  }
  const factory: (moduleArg?: Record<string, unknown>) => Promise<SpeexResamplerModule>;
  export default factory;
}

declare module '@echogarden/speex-resampler-wasm/simd' {
  import factory from '@echogarden/speex-resampler-wasm';
  export default factory;
}
