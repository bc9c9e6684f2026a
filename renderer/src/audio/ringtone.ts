/**
 * Plays a ringtone on the ring device (its own AudioContext, so it can ring
 * on the loudspeaker while calls use the headset: `AudioContext.setSinkId`,
 * Chromium ≥ 110). Each cycle is scheduled on the audio clock a little
 * before it is due, so a busy main thread does not make the ring stutter.
 */
import { ringtoneByName, type RingtonePattern } from './ringtone-patterns.ts';

type SinkableContext = AudioContext & { setSinkId?: (id: string) => Promise<void> };

/** Sends the context's output to `deviceId` where the browser can; 'default' and '' keep the default device. */
export async function routeContext(ctx: AudioContext, deviceId: string | undefined): Promise<boolean> {
  const sinkable = ctx as SinkableContext;
  if (!deviceId || deviceId === 'default' || typeof sinkable.setSinkId !== 'function') return false;
  try {
    await sinkable.setSinkId(deviceId);
    return true;
  } catch {
    return false; // A device that vanished: the default device rings instead of nothing.
  }
}

function scheduleCycle(ctx: AudioContext, pattern: RingtonePattern, start: number): void {
  for (const burst of pattern.bursts) {
    const t0 = start + burst.at;
    const t1 = t0 + burst.duration;
    const envelope = ctx.createGain();
    envelope.gain.setValueAtTime(0, t0);
    envelope.gain.linearRampToValueAtTime(burst.gain, t0 + 0.015);
    envelope.gain.setValueAtTime(burst.gain, Math.max(t0 + 0.015, t1 - 0.06));
    envelope.gain.exponentialRampToValueAtTime(0.0001, t1);
    envelope.connect(ctx.destination);
    for (const f of burst.frequencies) {
      const osc = ctx.createOscillator();
      osc.type = 'sine';
      osc.frequency.value = f;
      osc.connect(envelope);
      osc.start(t0);
      osc.stop(t1 + 0.02);
    }
  }
}

export class Ringer {
  #ctx: AudioContext | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #generation = 0;

  get ringing(): boolean {
    return this.#ctx !== undefined;
  }

  /** Rings until stop(); `cycles` limits it (a preview in settings rings once). */
  async start(deviceId: string | undefined, ringtone: string, cycles = Infinity): Promise<void> {
    this.stop();
    if (typeof AudioContext !== 'function') return; // no Web Audio (a test, an odd browser): ring silently
    const generation = ++this.#generation;
    const ctx = new AudioContext({ latencyHint: 'playback' });
    this.#ctx = ctx;
    await routeContext(ctx, deviceId);
    if (generation !== this.#generation) return;
    const pattern = ringtoneByName(ringtone);
    let next = ctx.currentTime + 0.05;
    let left = cycles;
    const tick = () => {
      if (generation !== this.#generation || left <= 0) return;
      scheduleCycle(ctx, pattern, next);
      next += pattern.cycle;
      left--;
      if (left > 0) this.#timer = setTimeout(tick, Math.max(50, (next - ctx.currentTime - 0.5) * 1000));
      else this.#timer = setTimeout(() => generation === this.#generation && this.stop(), (next - ctx.currentTime) * 1000);
    };
    if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
    tick();
  }

  stop(): void {
    this.#generation++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const ctx = this.#ctx;
    this.#ctx = undefined;
    void ctx?.close().catch(() => undefined);
  }
}
