/**
 * Phones for the engine tests: a real engine on 127.0.0.1 (port 0, UDP), a
 * fresh data folder, a tone as every call's microphone and a recorder as its
 * speaker, the dispatcher hosts use, every event kept, and log records kept.
 */
import type { AudioSink } from '../../../../electron/media/audio/frame.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { startEngineClient, type EngineClient } from '../../../helpers/engine-client.ts';
import { tempDir } from '../temp-dir.ts';

/** Keeps what a call's speaker played, with the time each frame arrived. */
export class RecordingSink implements AudioSink {
  readonly sampleRate = 48000;
  readonly frames: { at: number; samples: Int16Array }[] = [];

  write(frame: Int16Array): void {
    this.frames.push({ at: Date.now(), samples: frame.slice() });
  }

  get samples(): number {
    return this.frames.reduce((n, f) => n + f.samples.length, 0);
  }

  /** The last `ms` of audio (as much as there is). */
  last(ms: number): Int16Array {
    const want = Math.round((ms * this.sampleRate) / 1000);
    const out: Int16Array[] = [];
    let n = 0;
    for (let i = this.frames.length - 1; i >= 0 && n < want; i--) {
      out.unshift(this.frames[i]!.samples);
      n += this.frames[i]!.samples.length;
    }
    const joined = new Int16Array(n);
    let at = 0;
    for (const f of out) {
      joined.set(f, at);
      at += f.length;
    }
    return joined.subarray(Math.max(0, n - want));
  }

  /** Audio written since the wall-clock time `since`. */
  since(since: number): Int16Array {
    const parts = this.frames.filter((f) => f.at >= since).map((f) => f.samples);
    const joined = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    return joined;
  }
}

export interface TestPhone extends EngineClient {
  /** Devices by API call id. */
  sinks: Map<string, RecordingSink>;
  /** Our SIP port (from the direct account's AOR). */
  port: number;
  /** Forgets the events seen so far (each test waits only for its own). */
  reset(): void;
  close(): Promise<void>;
}

/** `toneHz` null: no headless devices, the calls use the client frames of engine.audio. */
export async function startPhone(name: string, toneHz: number | null): Promise<TestPhone> {
  const sinks = new Map<string, RecordingSink>();
  const client = await startEngineClient({
    name,
    dataDir: tempDir(`parley-engine-${name}-`),
    ...(toneHz === null
      ? {}
      : {
          audio: (callId: string) => {
            const sink = new RecordingSink();
            sinks.set(callId, sink);
            return { source: new ToneSource({ frequency: toneHz, levelDbfs: -12 }), sink };
          },
        }),
  });
  return {
    ...client,
    sinks,
    port: Number(/:(\d+)$/.exec(client.aor)![1]),
    reset: () => void client.events.splice(0),
    close: () => client.engine.close(),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
