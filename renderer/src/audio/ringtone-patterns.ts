/**
 * Ringtones drawn with oscillators, so the app ships no audio assets. Each
 * is a cycle of tone bursts; the ringer repeats the cycle until answered.
 * 'classic' is the North American ring (440 + 480 Hz, 2 s on, 4 s off,
 * ITU-T E.180 supplement); 'double' the UK/European double ring
 * (400 + 450 Hz, 0.4 on, 0.2 off, 0.4 on, 2 s off).
 */
export interface ToneBurst {
  /** Start within the cycle, seconds. */
  at: number;
  duration: number;
  frequencies: number[];
  /** Linear gain per oscillator. */
  gain: number;
}

export interface RingtonePattern {
  name: string;
  label: string;
  cycle: number;
  bursts: ToneBurst[];
}

const chimeNotes = [659.25, 830.61, 987.77, 1318.51];

export const RINGTONES: readonly RingtonePattern[] = [
  {
    name: 'default',
    label: 'Parley chime',
    cycle: 2.4,
    bursts: [
      ...chimeNotes.map((f, i) => ({ at: i * 0.14, duration: 0.32, frequencies: [f, f * 2], gain: 0.09 })),
      ...chimeNotes.map((f, i) => ({ at: 0.8 + i * 0.14, duration: 0.32, frequencies: [f, f * 2], gain: 0.07 })),
    ],
  },
  { name: 'classic', label: 'Classic (North America)', cycle: 6, bursts: [{ at: 0, duration: 2, frequencies: [440, 480], gain: 0.12 }] },
  {
    name: 'double',
    label: 'Double ring (UK, Europe)',
    cycle: 3,
    bursts: [
      { at: 0, duration: 0.4, frequencies: [400, 450], gain: 0.12 },
      { at: 0.6, duration: 0.4, frequencies: [400, 450], gain: 0.12 },
    ],
  },
  { name: 'soft', label: 'Soft pulse', cycle: 3, bursts: [{ at: 0, duration: 1.2, frequencies: [523.25, 784], gain: 0.06 }] },
];

export function ringtoneByName(name: string): RingtonePattern {
  return RINGTONES.find((r) => r.name === name) ?? RINGTONES[0]!;
}
