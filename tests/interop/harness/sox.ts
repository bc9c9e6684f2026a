/**
 * Test signals made by sox, so the far end plays audio that no Parley code
 * produced: `sox -n -r RATE -c 1 -b 16 out.wav synth SECONDS sine HZ gain DB`.
 * sox's synth is a full-scale sine, so `gain -12` peaks at -12 dBFS and has an
 * RMS level of -15 dBFS (sox convention, as tests/helpers/audio-analysis.ts).
 */
import { execFileSync } from 'node:child_process';

export interface SoxToneOptions {
  hz: number;
  seconds: number;
  /** Sample rate of the file (default 8000). */
  rate?: number;
  /** Peak level in dBFS (default -12). */
  peakDbfs?: number;
  /** 1 (default) or 2: the same sine on both channels. */
  channels?: 1 | 2;
}

export function soxTone(path: string, o: SoxToneOptions): void {
  execFileSync('sox', ['-n', '-r', String(o.rate ?? 8000), '-c', String(o.channels ?? 1), '-b', '16', path, 'synth', String(o.seconds), 'sine', String(o.hz), 'gain', String(o.peakDbfs ?? -12)], {
    timeout: 10_000,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}
