/**
 * What a recording of a NAT test call holds: the tone, when sound first came
 * (s), and how much of the rest (bar the last 0.2 s of hang-up) carries it.
 */
import { readWavPcm16 } from '../harness/wav.ts';
import { activeFraction, dominantFrequency } from '../../helpers/audio-analysis.ts';

export interface Heard {
  hz: number;
  onsetS: number;
  seconds: number;
  active: number;
}

export function heard(path: string): Heard {
  const wav = readWavPcm16(path);
  const win = Math.round(0.02 * wav.sampleRate);
  let onset = 0;
  while (onset + win <= wav.samples.length && activeFraction(wav.samples.subarray(onset, onset + win), wav.sampleRate) === 0) onset += win;
  const end = Math.max(onset, wav.samples.length - Math.round(0.2 * wav.sampleRate));
  const rest = wav.samples.subarray(onset, end);
  return {
    hz: dominantFrequency(rest, wav.sampleRate),
    onsetS: onset / wav.sampleRate,
    seconds: rest.length / wav.sampleRate,
    active: rest.length > 0 ? activeFraction(rest, wav.sampleRate) : 0,
  };
}

export function describeHeard(who: string, h: Heard): string {
  return `${who} heard ${h.hz.toFixed(1)} Hz from ${h.onsetS.toFixed(2)} s, sound ${(h.active * 100).toFixed(1)} % of the next ${h.seconds.toFixed(2)} s`;
}

/** The longest stretch without sound after the onset (s), and how much of the last `tailS` seconds carries sound. */
export function gaps(path: string, tailS = 3): { longestS: number; tailActive: number } {
  const wav = readWavPcm16(path);
  const win = Math.round(0.02 * wav.sampleRate);
  const end = Math.max(0, wav.samples.length - Math.round(0.2 * wav.sampleRate));
  let run = 0;
  let longest = 0;
  let started = false;
  for (let at = 0; at + win <= end; at += win) {
    const sound = activeFraction(wav.samples.subarray(at, at + win), wav.sampleRate) > 0;
    if (sound) started = true;
    run = sound || !started ? 0 : run + win;
    longest = Math.max(longest, run);
  }
  const tail = wav.samples.subarray(Math.max(0, end - Math.round(tailS * wav.sampleRate)), end);
  return { longestS: longest / wav.sampleRate, tailActive: tail.length > 0 ? activeFraction(tail, wav.sampleRate) : 0 };
}
