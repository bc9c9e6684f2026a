/**
 * One await at start-up for everything in the media engine that loads
 * asynchronously (today: the WASM resampler). Opus (opusscript) compiles
 * synchronously on first use. Hosts call this before placing calls; tests
 * call it in a `before` hook.
 */
import { initResampler } from './resampler.ts';

export async function initMedia(): Promise<void> {
  await initResampler();
}
