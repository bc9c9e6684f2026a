/**
 * What one side of an interop call heard, measured from its recording: the
 * dominant frequency, the RMS level, how long it is and how much of the
 * answered call it covers with audio. The media tests compare these figures
 * with the tone the other side sent (tests/helpers/audio-analysis.ts does the
 * arithmetic; nothing here comes from engine code).
 */
import assert from 'node:assert/strict';
import { activeFraction, dominantFrequency, rmsDbfs, toneLevelDbfs } from '../../helpers/audio-analysis.ts';
import { readWavPcm16 } from './wav.ts';

/** Audio before this is call set-up (the first packet, the jitter buffer filling): not judged. */
export const SETUP_TRIM_MS = 100;
/** 20 ms windows louder than this count as "audio present". */
export const PRESENCE_THRESHOLD_DB = -50;

/**
 * Parts of the answered call a recording cannot hold, through no fault of
 * the audio path under test:
 *  - `heldBackMs`: audio the recorder keeps by design and never writes —
 *    baresip's jitter buffer holds at least `jitter_buffer_delay`'s minimum
 *    (5 packets, 100 ms in the harness config) before it decodes, so its dump
 *    lacks the last 100 ms of every call;
 *  - `stalledMs`: at most this much audio time lost to stalls of the test
 *    host's event loop longer than the media clock catches up
 *    (stall-watch.ts): Parley sends and plays nothing for such a gap, by
 *    design (media-clock.ts re-anchors). Only what the recording really
 *    lacks is excused, up to this bound;
 *  - `securingMs`: the start of the answered call before the media keys
 *    existed (a DTLS-SRTP handshake, measured by the test from the answer to
 *    the call's "secured" snapshot): no audio can flow then, by design. That
 *    much of the recording's start is not judged.
 */
export interface Allowances {
  heldBackMs?: number;
  stalledMs?: number;
  securingMs?: number;
}

export interface HeardTone {
  /** Where it was recorded ("baresip", "Parley"…). */
  who: string;
  sampleRate: number;
  /** Length of the whole recording, s. */
  seconds: number;
  /** Dominant frequency after the set-up trim, Hz. */
  hz: number;
  /** RMS level after the set-up trim, dBFS (sox convention). */
  levelDbfs: number;
  /** Fraction of 20 ms windows with audio, after the set-up trim. */
  activeFraction: number;
  /** Seconds of audio present / (answered call − allowances − set-up trim), capped at 1. */
  presence: number;
  allowances: Required<Allowances>;
  /** Of securingMs, what the recording lacks (it started late): excused from its length. */
  recordedLateMs: number;
  /** The whole recording, one character per 20 ms: '#' above -30 dBFS, 'o' above -50, '.' below (for failure messages). */
  windows: string;
}

function windowMap(samples: Int16Array, rate: number): string {
  const win = rate / 50;
  let out = '';
  for (let i = 0; i + win <= samples.length; i += win) {
    const db = rmsDbfs(samples.subarray(i, i + win));
    out += db > -30 ? '#' : db > PRESENCE_THRESHOLD_DB ? 'o' : '.';
  }
  return out;
}

/** What the recording may lack (securingMs is not lacking: the recording holds that time, silent). */
const excused = (a: Required<Allowances>) => a.heldBackMs + a.stalledMs;

export function measureTone(who: string, samples: Int16Array, sampleRate: number, answeredMs: number, allow: Allowances = {}): HeardTone {
  const heldBackMs = allow.heldBackMs ?? 0;
  const lacking = answeredMs - heldBackMs - (samples.length / sampleRate) * 1000;
  const securingMs = Math.max(0, allow.securingMs ?? 0);
  // A recorder that writes nothing before the keys exist (baresip) lacks that time; one that writes silence (Parley) holds it.
  const recordedLateMs = Math.min(securingMs, Math.max(0, lacking));
  const allowances = { heldBackMs, stalledMs: Math.min(allow.stalledMs ?? 0, Math.max(0, lacking - recordedLateMs)), securingMs };
  const trimmed = samples.subarray(Math.round((sampleRate * (SETUP_TRIM_MS + securingMs - recordedLateMs)) / 1000));
  const active = trimmed.length > 0 ? activeFraction(trimmed, sampleRate, 20, PRESENCE_THRESHOLD_DB) : 0;
  const audioSeconds = active * Math.floor(trimmed.length / (sampleRate / 50)) * 0.02;
  return {
    who,
    sampleRate,
    seconds: samples.length / sampleRate,
    hz: trimmed.length >= 1600 ? dominantFrequency(trimmed, sampleRate) : 0,
    levelDbfs: rmsDbfs(trimmed),
    activeFraction: active,
    presence: Math.min(1, audioSeconds / ((answeredMs - excused(allowances) - SETUP_TRIM_MS - securingMs) / 1000)),
    allowances,
    recordedLateMs,
    windows: windowMap(samples, sampleRate),
  };
}

export function measureWav(who: string, path: string, answeredMs: number, allow: Allowances = {}): HeardTone {
  const wav = readWavPcm16(path);
  return measureTone(who, wav.samples, wav.sampleRate, answeredMs, allow);
}

export function describeTone(h: HeardTone): string {
  const less = [
    ...(h.allowances.heldBackMs ? [`${h.allowances.heldBackMs} ms held back`] : []),
    ...(h.allowances.stalledMs ? [`${h.allowances.stalledMs.toFixed(0)} ms lost to host stalls`] : []),
    ...(h.allowances.securingMs ? [`${h.allowances.securingMs.toFixed(0)} ms before the media keys existed`] : []),
  ];
  return (
    `${h.who} heard ${h.hz.toFixed(2)} Hz at ${h.levelDbfs.toFixed(2)} dBFS, ${h.seconds.toFixed(2)} s recorded at ${h.sampleRate} Hz, ` +
    `active ${(h.activeFraction * 100).toFixed(1)} %, present ${(h.presence * 100).toFixed(1)} % of the answered call${less.length ? ` (less ${less.join(', ')})` : ''}`
  );
}

export interface ToneExpectation {
  hz: number;
  /** RMS level the sender put out, dBFS. */
  sentDbfs: number;
  /** Answered call duration, ms (the recording should be about as long). */
  answeredMs: number;
  hzTolerance?: number;
  levelToleranceDb?: number;
  /** Recording length may differ from the answered call (less allowances) by this much, ms. */
  durationToleranceMs?: number;
  minPresence?: number;
}

/**
 * Frequency within ±10 Hz, level within ±3 dB, length within 400 ms of the
 * answered call (less the allowances), audio in ≥ 95 % of the 20 ms windows
 * and for ≥ 95 % of the call (defaults).
 */
export function assertHeard(h: HeardTone, e: ToneExpectation): void {
  const what = `${describeTone(h)}\n  20 ms windows: ${h.windows}`;
  assert.ok(Math.abs(h.hz - e.hz) <= (e.hzTolerance ?? 10), `frequency: ${what}; expected ${e.hz} Hz`);
  assert.ok(Math.abs(h.levelDbfs - e.sentDbfs) <= (e.levelToleranceDb ?? 3), `level: ${what}; sent at ${e.sentDbfs} dBFS`);
  assert.ok(
    Math.abs(h.seconds * 1000 + excused(h.allowances) + h.recordedLateMs - e.answeredMs) <= (e.durationToleranceMs ?? 400),
    `duration: ${what}; the call was answered for ${e.answeredMs} ms`,
  );
  assert.ok(h.activeFraction >= (e.minPresence ?? 0.95), `active windows: ${what}`);
  assert.ok(h.presence >= (e.minPresence ?? 0.95), `presence: ${what}`);
}

/** Median level of each tone over 100 ms blocks of `samples` (a lost frame shifts the phase; a median over blocks does not care). */
export function medianToneLevels(samples: Int16Array, rate: number, tones: readonly number[]): Record<number, number> {
  const block = Math.round(rate / 10);
  return Object.fromEntries(
    tones.map((hz) => {
      const v: number[] = [];
      for (let i = 0; i + block <= samples.length; i += block) v.push(toneLevelDbfs(samples.subarray(i, i + block), rate, hz));
      v.sort((x, y) => x - y);
      return [hz, Math.round((v[Math.floor(v.length / 2)] ?? -Infinity) * 10) / 10];
    }),
  );
}

/** The last `seconds` of a WAV file, minus its last 200 ms (jitter buffers at hang-up): what was heard just before it. */
export function lastSeconds(path: string, seconds: number): { samples: Int16Array; rate: number } {
  const w = readWavPcm16(path);
  const end = w.samples.length - Math.round(0.2 * w.sampleRate);
  return { samples: w.samples.subarray(Math.max(0, end - Math.round(seconds * w.sampleRate)), end), rate: w.sampleRate };
}

export const lastTwoSeconds = (path: string) => lastSeconds(path, 2);

export interface OnlyToneExpectation {
  /** The tone this party must hear… */
  hz: number;
  /** …at this RMS level (what the sender put out, dBFS) ±3 dB; */
  sentDbfs: number;
  /** every other of these (its own, a party no longer in the call) below -40 dBFS. */
  tones: readonly number[];
  /** The stretch measured: the recording's last `seconds`, less its last 200 ms. */
  seconds: number;
  /**
   * Audio time the recording may lack, ms: stalls of the test host's event loop that Parley's media
   * clock skipped (StallWatch's lostMs, see `Allowances.stalledMs`). The stretch shrinks by as much.
   */
  stalledMs?: number;
}

/**
 * That a recording ends with one party's tone and nobody else's: the
 * median level of each tone over 100 ms blocks of its last seconds. Returns
 * the levels as text for the test log.
 */
export function assertHearsOnly(who: string, path: string, e: OnlyToneExpectation): string {
  const { samples, rate } = lastSeconds(path, e.seconds);
  const levels = medianToneLevels(samples, rate, e.tones);
  const text = `${who} heard ${e.tones.map((t) => `${t} Hz ${levels[t]} dBFS`).join(', ')} (${(samples.length / rate).toFixed(2)} s measured of ${(readWavPcm16(path).samples.length / rate).toFixed(2)} s${e.stalledMs ? `; host stalls ${e.stalledMs.toFixed(0)} ms` : ''})`;
  assert.ok(samples.length >= (e.seconds - (e.stalledMs ?? 0) / 1000 - 0.05) * rate, `${text}: the recording is too short`);
  assert.ok(Math.abs(levels[e.hz]! - e.sentDbfs) <= 3, `${text}; expected ${e.hz} Hz at ${e.sentDbfs} dBFS ±3 dB`);
  for (const t of e.tones) if (t !== e.hz) assert.ok(levels[t]! < -40, `${text}; ${t} Hz must be absent (< -40 dBFS)`);
  return text;
}
