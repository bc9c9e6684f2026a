/**
 * One await for everything in the media engine that loads WASM: the speexdsp
 * resampler (asynchronous) and libopus (opusscript compiles synchronously on
 * its first encoder or decoder, ≈ 10 ms). Together they cost ≈ 10 MB of
 * resident memory, so hosts do not load them at start-up: MediaEngine calls
 * this when a call's media is first negotiated (its first offer or answer),
 * which is always before start() builds the pipelines that need them — the
 * first frame never waits and no tick is blocked by a compile. Tests call it
 * in a `before` hook. Later calls return the same promise.
 */
import { opusCodec } from '../codecs/opus-codec.ts';
import { initResampler } from './resampler.ts';

let loading: Promise<void> | undefined;
let loaded = false;

/** True once initMedia() has finished: a caller may then skip the await (and its turn of the promise queue). */
export function mediaLoaded(): boolean {
  return loaded;
}

export function initMedia(): Promise<void> {
  loading ??= (async () => {
    await initResampler();
    // A throwaway decoder makes opusscript instantiate its module now, off the audio path.
    opusCodec.createDecoder().destroy();
    loaded = true;
  })().catch((e: unknown) => {
    loading = undefined; // let the next call try again
    throw e;
  });
  return loading;
}
