/**
 * Linear-interpolation resampling of one frame, for the rare engine frame
 * whose rate differs from the AudioContext's (the web host sends 48 kHz, the
 * context asks for 48 kHz, so this is normally bypassed). Speech survives
 * linear interpolation well enough for a fallback path.
 */
export function resampleLinear(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || input.length === 0) return input;
  const outLength = Math.round((input.length * toRate) / fromRate);
  const out = new Int16Array(outLength);
  const step = fromRate / toRate;
  for (let i = 0; i < outLength; i++) {
    const pos = i * step;
    const j = Math.floor(pos);
    const frac = pos - j;
    const a = input[Math.min(j, input.length - 1)]!;
    const b = input[Math.min(j + 1, input.length - 1)]!;
    out[i] = Math.round(a + (b - a) * frac);
  }
  return out;
}
