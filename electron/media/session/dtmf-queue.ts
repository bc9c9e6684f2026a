/**
 * Digits waiting to go out as RFC 4733 events, one after the other, driven
 * by the call's 20 ms tick (no timers of its own).
 *
 *   idle ──enqueue──▶ sending digit ──(3rd end packet)──▶ gap ──▶ next digit | idle
 *
 * While a digit is being sent its packets *replace* the audio of those
 * frames (§2.5.1.1 leaves it open; baresip and PJSIP do the same): a
 * receiver that plays the audio too would otherwise hear the caller's voice
 * between the tones. Updates go out every frame, the end packet three times
 * (§2.5.1.4) — DtmfSender produces them.
 */
import type { DtmfPacket } from '../dtmf/dtmf-sender.ts';
import { DtmfSender } from '../dtmf/dtmf-sender.ts';
import { digitToEvent } from '../dtmf/telephone-event.ts';

export interface DtmfToneOptions {
  /** Tone length, ms (default 100; receivers count ≥ 40). */
  durationMs?: number;
  /** Pause after each digit, ms (default 60). */
  gapMs?: number;
  /** Level, -dBm0 (default 10). */
  volume?: number;
}

interface QueuedDigit {
  digit: string;
  options: DtmfToneOptions;
  /** Set on the last digit of one sendDtmf() call. */
  done?: { resolve: () => void; reject: (err: Error) => void };
}

export interface DtmfTick {
  packets: DtmfPacket[];
  /** This frame belongs to an event: send no audio for it. */
  replaceAudio: boolean;
}

const IDLE: DtmfTick = { packets: [], replaceAudio: false };

export class DtmfQueue {
  readonly frameMs: number;
  readonly #queue: QueuedDigit[] = [];
  #current: { sender: DtmfSender; startTick: number; item: QueuedDigit } | undefined;
  #tick = 0;
  #gapUntil = 0;
  #sent = 0;

  constructor(frameMs: number) {
    this.frameMs = frameMs;
  }

  /** Digits fully sent (all end packets out). */
  get digitsSent(): number {
    return this.#sent;
  }

  get busy(): boolean {
    return this.#current !== undefined || this.#queue.length > 0;
  }

  /** Queues `digits` (0-9 * # A-D); resolves when the last one is sent. Throws TelephoneEventError on a bad digit. */
  enqueue(digits: string, options: DtmfToneOptions = {}): Promise<void> {
    const list = [...digits];
    for (const d of list) digitToEvent(d);
    if (list.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      list.forEach((digit, i) => this.#queue.push(i === list.length - 1 ? { digit, options, done: { resolve, reject } } : { digit, options }));
    });
  }

  /**
   * Called once per frame. `startTimestamp` gives the RTP timestamp the next
   * audio frame would carry: an event starts there (§2.5.1.2).
   */
  tick(startTimestamp: () => number, clockRate: number): DtmfTick {
    const tick = this.#tick++;
    if (!this.#current) {
      const item = this.#queue[0];
      if (!item || tick < this.#gapUntil) return IDLE;
      this.#queue.shift();
      const sender = new DtmfSender(item.digit, {
        clockRate,
        startTimestamp: startTimestamp(),
        durationMs: item.options.durationMs ?? 100,
        intervalMs: this.frameMs,
        volume: item.options.volume ?? 10,
      });
      this.#current = { sender, startTick: tick, item };
    }
    const { sender, startTick, item } = this.#current;
    const packets = sender.poll((tick - startTick) * this.frameMs);
    if (sender.state === 'done') {
      this.#current = undefined;
      this.#sent++;
      this.#gapUntil = tick + 1 + Math.ceil((item.options.gapMs ?? 60) / this.frameMs);
      item.done?.resolve();
    }
    return { packets, replaceAudio: true };
  }

  /** Drops everything queued; pending sendDtmf() promises reject with `error`. */
  cancel(error: Error): void {
    const items = [...this.#queue, ...(this.#current ? [this.#current.item] : [])];
    this.#queue.length = 0;
    this.#current = undefined;
    for (const item of items) item.done?.reject(error);
  }
}
