/**
 * Shared pieces of the MediaSession tests: a recording sink, offer/answer
 * between two sessions, bounded waits, and the measurements every audio
 * check makes (tests/helpers/audio-analysis.ts).
 */
import assert from 'node:assert/strict';
import type { AudioSink } from '../../../../electron/media/audio/frame.ts';
import type { MediaSession } from '../../../../electron/media/session/media-session.ts';
import { activeFraction, dominantFrequency, rmsDbfs } from '../../../helpers/audio-analysis.ts';

/** Keeps every frame written (48 kHz by default). */
export class RecordingSink implements AudioSink {
  readonly sampleRate: number;
  readonly frames: Int16Array[] = [];

  constructor(sampleRate = 48000) {
    this.sampleRate = sampleRate;
  }

  write(frame: Int16Array): void {
    this.frames.push(frame.slice());
  }

  /** Everything recorded, as one signal. */
  samples(): Int16Array {
    const total = this.frames.reduce((n, f) => n + f.length, 0);
    const out = new Int16Array(total);
    let at = 0;
    for (const f of this.frames) {
      out.set(f, at);
      at += f.length;
    }
    return out;
  }

  clear(): void {
    this.frames.length = 0;
  }
}

/** a offers, b answers, a takes the answer. */
export async function negotiate(a: MediaSession, b: MediaSession): Promise<{ offer: string; answer: string }> {
  const offer = await a.createOffer();
  const result = await b.answerOffer(offer);
  if ('reject' in result) assert.fail(`offer refused: ${result.reason}`);
  await a.setAnswer(result.answer);
  return { offer, answer: result.answer };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` every 10 ms until it is true; fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export interface ToneFigures {
  frequencyHz: number;
  levelDbfs: number;
  active: number;
}

/** Frequency, RMS level and active fraction of a recording, skipping its first `skipMs` (start-up). */
export function measureTone(samples: Int16Array, rate: number, skipMs: number): ToneFigures {
  const body = samples.subarray(Math.round((skipMs * rate) / 1000));
  return { frequencyHz: dominantFrequency(body, rate), levelDbfs: rmsDbfs(body), active: activeFraction(body, rate) };
}

/** RMS level in dBFS (sox convention) of a sine with `peakDbfs` peaks. */
export function sineRmsDbfs(peakDbfs: number): number {
  return peakDbfs - 10 * Math.log10(2);
}
