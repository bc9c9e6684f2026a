/**
 * The series the call-details panel draws from the media.stats reports the
 * store keeps: one value per report, and the latest as text. Bitrate is the
 * change in bytes between two reports over the time between them.
 */
import type { IceCandidateEnd, MediaStats } from '../api/types.ts';

export interface Series {
  key: string;
  label: string;
  points: number[];
  /** The graph's top is at least this (so that 0.1 % loss is not drawn as a full-height spike). */
  floor: number;
  current: string;
}

type Sample = MediaStats & { at: number };

function bitrates(samples: readonly Sample[], pick: (s: Sample) => number | undefined): number[] {
  const out: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = pick(samples[i - 1]!);
    const b = pick(samples[i]!);
    const dt = (samples[i]!.at - samples[i - 1]!.at) / 1000;
    if (a === undefined || b === undefined || dt <= 0) continue;
    out.push(Math.max(0, ((b - a) * 8) / dt / 1000));
  }
  return out;
}

export function detailSeries(samples: readonly Sample[]): Series[] {
  const last = samples.at(-1);
  const series: Series[] = [
    { key: 'mos', label: 'MOS (estimated)', points: samples.map((s) => s.mos ?? 0), floor: 4.5, current: last?.mos !== undefined ? last.mos.toFixed(2) : '—' },
    { key: 'loss', label: 'Packet loss', points: samples.map((s) => s.lossPercent), floor: 5, current: last ? `${last.lossPercent.toFixed(1)} %` : '—' },
    { key: 'jitter', label: 'Jitter', points: samples.map((s) => s.jitterMs), floor: 30, current: last ? `${Math.round(last.jitterMs)} ms` : '—' },
    { key: 'rtt', label: 'Round trip', points: samples.map((s) => s.rttMs ?? 0), floor: 100, current: last?.rttMs !== undefined ? `${Math.round(last.rttMs)} ms` : '—' },
  ];
  const inRate = bitrates(samples, (s) => s.bytesReceived);
  if (inRate.length > 0) series.push({ key: 'bitrate-in', label: 'Bitrate in', points: inRate, floor: 64, current: `${Math.round(inRate.at(-1)!)} kbit/s` });
  const outRate = bitrates(samples, (s) => s.bytesSent);
  if (outRate.length > 0) series.push({ key: 'bitrate-out', label: 'Bitrate out', points: outRate, floor: 64, current: `${Math.round(outRate.at(-1)!)} kbit/s` });
  if (last?.jitterBufferMs !== undefined) {
    series.push({ key: 'buffer', label: 'Jitter buffer', points: samples.map((s) => s.jitterBufferMs ?? 0), floor: 60, current: `${Math.round(last.jitterBufferMs)} ms` });
  }
  if (last?.concealedFrames !== undefined) {
    series.push({ key: 'concealed', label: 'Concealed frames', points: samples.map((s) => s.concealedFrames ?? 0), floor: 10, current: String(last.concealedFrames) });
  }
  return series;
}

const CANDIDATE_WORDS: Record<IceCandidateEnd['type'], string> = {
  host: 'host',
  srflx: 'server-reflexive',
  prflx: 'peer-reflexive',
  relay: 'relay',
};

/** One end of the ICE pair as the details show it: "192.0.2.1:40000 (host)", an IPv6 address in brackets. */
export function candidateText(end: IceCandidateEnd): string {
  const host = end.address.includes(':') ? `[${end.address}]` : end.address;
  return `${host}:${end.port} (${CANDIDATE_WORDS[end.type]})`;
}
