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
