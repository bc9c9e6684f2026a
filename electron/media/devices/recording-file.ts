/**
 * The file a recording writes: WAV (16-bit PCM, wav-file-sink.ts) or Ogg
 * Opus (ogg-opus-file.ts, about a tenth of the size at 32 kb/s). Both take
 * mono frames or interleaved stereo samples at the devices' rate.
 */
import { OggOpusFile } from './ogg-opus-file.ts';
import { WavFileSink } from './wav-file-sink.ts';

export const RECORDING_FORMATS = ['wav', 'opus'] as const;
export type RecordingFormat = (typeof RECORDING_FORMATS)[number];

/** The file name extension of each format (Ogg Opus: ".opus", RFC 7845 §9). */
export const RECORDING_EXTENSIONS: Readonly<Record<RecordingFormat, string>> = { wav: '.wav', opus: '.opus' };

export interface RecordingFile {
  readonly path: string;
  /** Samples per channel written so far. */
  readonly samplesWritten: number;
  write(frame: Int16Array): void;
  writeInterleaved(samples: Int16Array): void;
  close(): void;
}

export function openRecordingFile(path: string, opts: { format: RecordingFormat; sampleRate: number; channels: 1 | 2 }): RecordingFile {
  return opts.format === 'opus'
    ? new OggOpusFile(path, { sampleRate: opts.sampleRate, channels: opts.channels })
    : new WavFileSink(path, { sampleRate: opts.sampleRate, channels: opts.channels });
}
