/**
 * One await for what the media engine loads before a call's pipelines are
 * built: the speexdsp resampler (WASM, asynchronous) with a state for each
 * way between the devices' 48 kHz and G.711's 8 kHz and G.722's 16 kHz made
 * and run once (their filter tables built, the WASM and JavaScript of that
 * path compiled; Resampler keeps spare states and the first call's
 * pipelines take these), and the G.711 tables (≈ 25 kB, built in one go
 * instead of on the first frame). Hosts do not
 * load these at start-up: MediaEngine calls this when a call's media is
 * first negotiated (its first offer or answer), which is always before
 * start() builds the pipelines that need them — the first frame never waits
 * and no tick is blocked by a compile. Tests call it in a `before` hook.
 * Later calls return the same promise.
 *
 * libopus is not part of it: opusscript compiles and instantiates its module
 * synchronously (10–75 ms of the event loop in a fresh process, ≈ 10 MB
 * resident), and a call that does not use Opus (most calls through a PBX:
 * G.711 or G.722) never needs it. Loading it here put that block at an
 * arbitrary moment of the first call's set-up — in `parley call`, often
 * between the ACK and the first RTP packet (setup-time.bench.ts --stages).
 * It loads with the first Opus encoder or decoder, or ahead of it with
 * preloadOpus() where a call has negotiated Opus and is not started yet (an
 * incoming call rings first).
 */
import { opusCodec } from '../codecs/opus-codec.ts';
import { prepareG711 } from '../codecs/g711.ts';
import { DEVICE_RATE, frameSamples } from './frame.ts';
import { Resampler, initResampler } from './resampler.ts';

let loading: Promise<void> | undefined;
let loaded = false;
let opusLoaded = false;

/** True once initMedia() has finished: a caller may then skip the await (and its turn of the promise queue). */
export function mediaLoaded(): boolean {
  return loaded;
}

export function initMedia(): Promise<void> {
  loading ??= (async () => {
    prepareG711();
    await initResampler();
    for (const rate of [8000, 16000]) {
      for (const [from, to] of [[DEVICE_RATE, rate], [rate, DEVICE_RATE]] as const) {
        const r = new Resampler(from, to);
        r.process(new Int16Array(frameSamples(from)));
        r.destroy();
      }
    }
    loaded = true;
  })().catch((e: unknown) => {
    loading = undefined; // let the next call try again
    throw e;
  });
  return loading;
}

/**
 * Loads libopus now (synchronously; once per process) so that the first Opus pipeline does not: for a call that
 * negotiated Opus and waits for something else first. A failure is left for that pipeline to report.
 */
export function preloadOpus(): void {
  if (opusLoaded) return;
  opusLoaded = true;
  try {
    // A throwaway decoder makes opusscript instantiate its module.
    opusCodec.createDecoder().destroy();
  } catch {
    opusLoaded = false;
  }
}
