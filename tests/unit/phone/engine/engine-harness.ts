/**
 * Phones for the engine tests: a real engine on 127.0.0.1 (port 0, UDP), a
 * fresh data folder, a tone as every call's microphone and a recorder as its
 * speaker, the dispatcher hosts use, every event kept, and log records kept
 * (received DTMF is only logged so far).
 */
import assert from 'node:assert/strict';
import { createDispatcher, type Dispatcher } from '../../../../electron/api/dispatcher.ts';
import type { ApiResult } from '../../../../electron/api/errors.ts';
import type { ApiEvent, EventName, Events } from '../../../../electron/api/events.ts';
import type { CommandName, CommandParams, CommandResult } from '../../../../electron/api/commands.ts';
import type { CommandContext } from '../../../../electron/api/phone-api.ts';
import type { AudioSink } from '../../../../electron/media/audio/frame.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { createPhoneEngine, mapPhoneError, type PhoneEngine } from '../../../../electron/phone/engine.ts';
import { MemorySecretStore } from '../../../../electron/phone/store/secret-store.ts';
import { createLogger, type LogRecord } from '../../../../electron/shared/logger.ts';
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

export interface TestPhone {
  name: string;
  engine: PhoneEngine;
  d: Dispatcher;
  events: ApiEvent[];
  logs: LogRecord[];
  /** Devices by API call id. */
  sinks: Map<string, RecordingSink>;
  /** The direct account's AOR and our SIP port. */
  aor: string;
  port: number;
  context: CommandContext;
  call<N extends CommandName>(name: N, params: CommandParams<N>): Promise<CommandResult<N>>;
  try<N extends CommandName>(name: N, params: CommandParams<N>): Promise<ApiResult<CommandResult<N>>>;
  waitFor<E extends EventName>(event: E, pred: (data: Events[E]) => boolean, timeoutMs?: number, what?: string): Promise<Events[E]>;
  /** Forgets the events seen so far (each test waits only for its own). */
  reset(): void;
  close(): Promise<void>;
}

/** `toneHz` null: no headless devices, the calls use the client frames of engine.audio. */
export async function startPhone(name: string, toneHz: number | null): Promise<TestPhone> {
  const logs: LogRecord[] = [];
  const sinks = new Map<string, RecordingSink>();
  const engine = await createPhoneEngine({
    dataDir: tempDir(`parley-engine-${name}-`),
    secrets: new MemorySecretStore(),
    sip: { bind: [{ host: '127.0.0.1', port: 0 }], transports: ['udp'] },
    logger: createLogger((r) => logs.push(r), name, 'info'),
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
  const d = createDispatcher(engine.api, { mapError: mapPhoneError });
  const events: ApiEvent[] = [];
  const waiters = new Set<() => void>();
  engine.events.subscribe((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  const context: CommandContext = { host: 'test', client: `${name}-ui` };
  const phone: TestPhone = {
    name,
    engine,
    d,
    events,
    logs,
    sinks,
    aor: '',
    port: 0,
    context,
    async call(cmd, params) {
      const r = await d.call(cmd, params, context);
      assert.equal(r.ok, true, `${name} ${cmd}: ${JSON.stringify(r)}`);
      return (r as { ok: true; result: CommandResult<typeof cmd> }).result;
    },
    try: (cmd, params) => d.call(cmd, params, context),
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
          reject(new Error(`${name}: no ${what} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    reset: () => void events.splice(0),
    close: () => engine.close(),
  };
  const accounts = await phone.call('accounts.list', {});
  phone.aor = accounts[0]!.aor;
  phone.port = Number(/:(\d+)$/.exec(phone.aor)![1]);
  return phone;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
