/**
 * A local N-way conference (the phone's 3-way call): every
 * participant — the local user and each call — has a source (what they
 * say) and a sink (what they hear). Each tick reads one frame from every
 * source and gives every sink the sum of all the others ("mix-minus"), so
 * nobody hears themselves. The sum is formed once in 32-bit precision and
 * each participant's own signal subtracted before saturating, so the cost
 * is O(N) per sample rather than O(N²).
 */
import { DEVICE_RATE, frameSamples, type AudioSink, type AudioSource } from '../audio/frame.ts';

export interface ConferenceParticipant {
  readonly id: string;
  readonly source: AudioSource;
  readonly sink: AudioSink;
  /** Linear gain applied to what this participant says (default 1). */
  gain: number;
  /** When true the participant still hears the others but is not heard. */
  muted: boolean;
}

export class ConferenceMixer {
  readonly sampleRate: number;
  readonly frameSamples: number;
  readonly #participants = new Map<string, ConferenceParticipant>();

  constructor(opts: { sampleRate?: number; frameMs?: number } = {}) {
    this.sampleRate = opts.sampleRate ?? DEVICE_RATE;
    this.frameSamples = frameSamples(this.sampleRate, opts.frameMs);
  }

  get size(): number {
    return this.#participants.size;
  }

  add(id: string, source: AudioSource, sink: AudioSink): ConferenceParticipant {
    if (this.#participants.has(id)) throw new Error(`participant ${id} already in the conference`);
    if (source.sampleRate !== this.sampleRate || sink.sampleRate !== this.sampleRate) {
      throw new RangeError(`conference runs at ${this.sampleRate} Hz; resample participant ${id} first`);
    }
    const p: ConferenceParticipant = { id, source, sink, gain: 1, muted: false };
    this.#participants.set(id, p);
    return p;
  }

  remove(id: string): boolean {
    return this.#participants.delete(id);
  }

  get(id: string): ConferenceParticipant | undefined {
    return this.#participants.get(id);
  }

  /**
   * One frame for everyone. A participant whose source has ended
   * contributes silence but keeps hearing the others until removed.
   */
  tick(): void {
    const n = this.frameSamples;
    const list = [...this.#participants.values()];
    const own = list.map((p) => {
      const f = p.source.read(n);
      const g = p.muted ? 0 : p.gain;
      const v = new Float64Array(n);
      if (f && g !== 0) for (let i = 0; i < Math.min(n, f.length); i++) v[i] = f[i]! * g;
      return v;
    });
    const total = new Float64Array(n);
    for (const v of own) for (let i = 0; i < n; i++) total[i] = total[i]! + v[i]!;
    list.forEach((p, k) => {
      const mine = own[k]!;
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) {
        const s = Math.round(total[i]! - mine[i]!);
        out[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
      }
      p.sink.write(out);
    });
  }
}
