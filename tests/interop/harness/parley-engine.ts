/**
 * startParleyEngine: the whole Parley phone (createPhoneEngine) as an interop
 * peer on 127.0.0.1 port 0: a tone as every call's microphone, a 48 kHz WAV
 * file as its speaker, the dispatcher hosts use, every event kept, and a
 * bounded `waitFor` over them. The media tests point it at Kamailio and a
 * real far end (baresip, linphonec) and measure the WAV files.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createDispatcher, type Dispatcher } from '../../../electron/api/dispatcher.ts';
import type { ApiResult } from '../../../electron/api/errors.ts';
import type { ApiEvent, EventName, Events } from '../../../electron/api/events.ts';
import type { CommandName, CommandParams, CommandResult } from '../../../electron/api/commands.ts';
import type { CommandContext } from '../../../electron/api/phone-api.ts';
import type { TraceEntry } from '../../../electron/api/snapshots.ts';
import { DEVICE_RATE } from '../../../electron/media/audio/frame.ts';
import { ToneSource } from '../../../electron/media/devices/tone-source.ts';
import { WavFileSink } from '../../../electron/media/devices/wav-file-sink.ts';
import { createPhoneEngine, mapPhoneError, type PhoneEngine } from '../../../electron/phone/engine.ts';
import { MemorySecretStore } from '../../../electron/phone/store/secret-store.ts';
import { createLogger, type LogRecord } from '../../../electron/shared/logger.ts';
import { makeTempDir } from './managed-process.ts';

export interface ParleyEngineOptions {
  name: string;
  /** The microphone of every call: a sine at this frequency… */
  toneHz: number;
  /** …with this peak level (dBFS; default -12, i.e. -15 dBFS RMS). */
  toneDbfs?: number;
}

export interface ParleyEnginePeer {
  name: string;
  engine: PhoneEngine;
  dispatcher: Dispatcher;
  events: ApiEvent[];
  logs: LogRecord[];
  /** The speaker recording of each call (48 kHz mono WAV), by API call id. */
  recordings: Map<string, string>;
  /** The direct account's AOR (sip:…@127.0.0.1:port). */
  aor: string;
  call<N extends CommandName>(name: N, params: CommandParams<N>): Promise<CommandResult<N>>;
  try<N extends CommandName>(name: N, params: CommandParams<N>): Promise<ApiResult<CommandResult<N>>>;
  /** The first event (seen or future) of `event` matching `pred`; rejects after `timeoutMs`. */
  waitFor<E extends EventName>(event: E, pred: (data: Events[E]) => boolean, timeoutMs?: number, what?: string): Promise<Events[E]>;
  /** Every event of one kind, in order. */
  all<E extends EventName>(event: E): Events[E][];
  /** SIP trace entries of one Call-ID (or all), as text, for failure messages. */
  trace(callId?: string): string;
  close(): Promise<void>;
}

export async function startParleyEngine(opts: ParleyEngineOptions): Promise<ParleyEnginePeer> {
  const tmp = makeTempDir(`engine-${opts.name}`);
  const logs: LogRecord[] = [];
  const recordings = new Map<string, string>();
  const engine = await createPhoneEngine({
    dataDir: join(tmp.path),
    secrets: new MemorySecretStore(),
    sip: { bind: [{ host: '127.0.0.1', port: 0 }], transports: ['udp'] },
    logger: createLogger((r) => logs.push(r), opts.name, 'info'),
    audio: (callId: string) => {
      const path = join(tmp.path, `${callId.replace(/[^\w.-]/g, '_')}.wav`);
      recordings.set(callId, path);
      return {
        source: new ToneSource({ frequency: opts.toneHz, levelDbfs: opts.toneDbfs ?? -12 }),
        sink: new WavFileSink(path, { sampleRate: DEVICE_RATE }),
      };
    },
  });
  const dispatcher = createDispatcher(engine.api, { mapError: mapPhoneError });
  const events: ApiEvent[] = [];
  const waiters = new Set<() => void>();
  engine.events.subscribe((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  const context: CommandContext = { host: 'test', client: `${opts.name}-ui` };
  const peer: ParleyEnginePeer = {
    name: opts.name,
    engine,
    dispatcher,
    events,
    logs,
    recordings,
    aor: '',
    async call(cmd, params) {
      const r = await dispatcher.call(cmd, params, context);
      assert.equal(r.ok, true, `${opts.name} ${cmd}: ${JSON.stringify(r)}`);
      return (r as { ok: true; result: CommandResult<typeof cmd> }).result;
    },
    try: (cmd, params) => dispatcher.call(cmd, params, context),
    waitFor(event, pred, timeoutMs = 5000, what = event) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < events.length; seen++) {
            const e = events[seen]!;
            if (e.event === event && pred(e.data as Events[typeof event])) {
              done();
              resolve(e.data as Events[typeof event]);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${opts.name}: no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
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
      await engine.close();
      tmp.remove();
    },
  };
  const accounts = await peer.call('accounts.list', {});
  peer.aor = accounts[0]!.aor;
  return peer;
}
