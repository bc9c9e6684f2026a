/**
 * startParleyEngine: the whole Parley phone (createPhoneEngine) as an interop
 * peer on 127.0.0.1 port 0: a tone as every call's microphone, a 48 kHz WAV
 * file as its speaker, the dispatcher hosts use, every event kept, and a
 * bounded `waitFor` over them. The media tests point it at Kamailio and a
 * real far end (baresip, linphonec) and measure the WAV files.
 */
import { join } from 'node:path';
import type { EventName, Events } from '../../../electron/api/events.ts';
import type { TraceEntry } from '../../../electron/api/snapshots.ts';
import { DEVICE_RATE } from '../../../electron/media/audio/frame.ts';
import { ToneSource } from '../../../electron/media/devices/tone-source.ts';
import { WavFileSink } from '../../../electron/media/devices/wav-file-sink.ts';
import type { PhoneSystemFactory } from '../../../electron/phone/phone-system.ts';
import { startEngineClient, type EngineClient } from '../../helpers/engine-client.ts';
import { makeTempDir } from './managed-process.ts';

export interface ParleyEngineOptions {
  name: string;
  /** The microphone of every call: a sine at this frequency… */
  toneHz: number;
  /** …with this peak level (dBFS; default -12, i.e. -15 dBFS RMS). */
  toneDbfs?: number;
  phoneSystem?: PhoneSystemFactory;
  /** SIP transports (default UDP only). */
  transports?: ('udp' | 'tcp' | 'tls')[];
}

export interface ParleyEnginePeer extends EngineClient {
  /** The speaker recording of each call (48 kHz mono WAV), by API call id. */
  recordings: Map<string, string>;
  /** Every event of one kind, in order. */
  all<E extends EventName>(event: E): Events[E][];
  /** SIP trace entries of one Call-ID (or all), as text, for failure messages. */
  trace(callId?: string): string;
  close(): Promise<void>;
}

export async function startParleyEngine(opts: ParleyEngineOptions): Promise<ParleyEnginePeer> {
  const tmp = makeTempDir(`engine-${opts.name}`);
  const recordings = new Map<string, string>();
  const client = await startEngineClient({
    name: opts.name,
    dataDir: tmp.path,
    ...(opts.phoneSystem ? { phoneSystem: opts.phoneSystem } : {}),
    ...(opts.transports ? { transports: opts.transports } : {}),
    audio: (callId: string) => {
      const path = join(tmp.path, `${callId.replace(/[^\w.-]/g, '_')}.wav`);
      recordings.set(callId, path);
      return {
        source: new ToneSource({ frequency: opts.toneHz, levelDbfs: opts.toneDbfs ?? -12 }),
        sink: new WavFileSink(path, { sampleRate: DEVICE_RATE }),
      };
    },
  });
  const { events } = client;
  return {
    ...client,
    recordings,
    all: <E extends EventName>(event: E) => events.filter((e) => e.event === event).map((e) => e.data as Events[E]),
    trace(callId) {
      return events
        .filter((e) => e.event === 'trace')
        .map((e) => e.data as TraceEntry)
        .filter((t) => callId === undefined || t.callId === callId)
        .map((t) => `${t.direction === 'out' ? '>>' : '<<'} ${t.remote}\n${t.text}`)
        .join('\n');
    },
    async close() {
      await client.engine.close();
      tmp.remove();
    },
  };
}
