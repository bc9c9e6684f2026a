/**
 * Small PCM helpers shared by codecs, devices and the mixer. Levels follow
 * the sox convention: 0 dBFS RMS is a full-scale square wave, so a
 * full-scale sine measures -3.01 dBFS RMS; tone levels are given as peak
 * dBFS (a -6 dBFS tone peaks at half scale), as `sox synth ... vol -6dB`.
 */

/** Clamps to the signed 16-bit range (the saturation every mixer stage needs). */
export function saturate16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** Peak amplitude for a tone of `dbfs` peak level. */
export function dbfsToAmplitude(dbfs: number): number {
  return Math.min(32767, 32768 * 10 ** (dbfs / 20));
}

/** RMS level in dBFS (sox convention); -Infinity for digital silence or no samples. */
export function rmsDbfs(samples: ArrayLike<number>): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    sum += s * s;
  }
  if (sum === 0) return -Infinity;
  return 20 * Math.log10(Math.sqrt(sum / samples.length) / 32768);
}

/** Linear gain applied in place with saturation. */
export function applyGain(frame: Int16Array, gain: number): Int16Array {
  if (gain === 1) return frame;
  for (let i = 0; i < frame.length; i++) frame[i] = saturate16(Math.round(frame[i]! * gain));
  return frame;
}

/** Averages interleaved channels into mono. */
export function downmixToMono(interleaved: Int16Array, channels: number): Int16Array {
  if (channels === 1) return interleaved;
  const n = Math.floor(interleaved.length / channels);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c]!;
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/** Int16 view of little-endian PCM bytes, copied so alignment never matters. */
export function bytesToInt16(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

/** Little-endian bytes of PCM samples (a fresh buffer). */
export function int16ToBytes(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}
