/**
 * A whole Parley phone (createPhoneEngine) for tests, driven the way hosts
 * drive it: SIP on 127.0.0.1 port 0 (UDP), passwords in memory, log records
 * kept, the dispatcher hosts use, every event kept and a bounded `waitFor`
 * over them. The engine unit tests (tests/unit/phone/engine/) and the interop
 * peer (tests/interop/harness/parley-engine.ts) add their devices on top.
 */
import assert from 'node:assert/strict';
import { createDispatcher, type Dispatcher } from '../../electron/api/dispatcher.ts';
import type { ApiResult } from '../../electron/api/errors.ts';
import type { ApiEvent, EventName, Events } from '../../electron/api/events.ts';
import type { CommandName, CommandParams, CommandResult } from '../../electron/api/commands.ts';
import type { CommandContext } from '../../electron/api/phone-api.ts';
import { createPhoneEngine, mapPhoneError, type AudioDeviceFactory, type PhoneEngine } from '../../electron/phone/engine.ts';
import type { PhoneSystemFactory } from '../../electron/phone/phone-system.ts';
import { MemorySecretStore } from '../../electron/phone/store/secret-store.ts';
import { createLogger, type LogRecord } from '../../electron/common/logger.ts';

export interface EngineClientOptions {
  /** Logger name, client id (`<name>-ui`) and the prefix of failure messages. */
  name: string;
  dataDir: string;
  /** Headless devices per call; without it the calls use the client frames of engine.audio. */
  audio?: AudioDeviceFactory;
  /** The engine's answerAnyUser (default true here); false tests the phone's admission policy. */
  answerAnyUser?: boolean;
  ringTimeoutMs?: number;
  /** SIP transports to listen on (default UDP only); a TLS account needs 'tls'. */
  transports?: ('udp' | 'tcp' | 'tls')[];
  /** "Host a phone system on this computer" (the hosts pass electron/server-host's). */
  phoneSystem?: PhoneSystemFactory;
}

export interface EngineClient {
  name: string;
  engine: PhoneEngine;
  dispatcher: Dispatcher;
  /** The context every command is sent with (host 'test', client `<name>-ui`). */
  context: CommandContext;
  events: ApiEvent[];
  logs: LogRecord[];
  /** The direct account's AOR (sip:…@127.0.0.1:port). */
  aor: string;
  /** Runs a command and asserts it succeeded. */
  call<N extends CommandName>(name: N, params: CommandParams<N>): Promise<CommandResult<N>>;
  try<N extends CommandName>(name: N, params: CommandParams<N>): Promise<ApiResult<CommandResult<N>>>;
  /** The first event (seen or future) of `event` matching `pred`; rejects after `timeoutMs`. */
  waitFor<E extends EventName>(event: E, pred: (data: Events[E]) => boolean, timeoutMs?: number, what?: string): Promise<Events[E]>;
}

export async function startEngineClient(opts: EngineClientOptions): Promise<EngineClient> {
  const { name } = opts;
  const logs: LogRecord[] = [];
  const engine = await createPhoneEngine({
    dataDir: opts.dataDir,
    secrets: new MemorySecretStore(),
    // The collection after the start is process-wide: a test process holds many engines and its own heap.
    compactAfterStart: false,
    sip: { bind: [{ host: '127.0.0.1', port: 0 }], transports: opts.transports ?? ['udp'] },
    logger: createLogger((r) => logs.push(r), name, 'info'),
    ...(opts.audio ? { audio: opts.audio } : {}),
    // The phones of a test call each other directly; the admission policy has tests of its own (call-admission.test.ts).
    answerAnyUser: opts.answerAnyUser ?? true,
    ...(opts.ringTimeoutMs !== undefined ? { ringTimeoutMs: opts.ringTimeoutMs } : {}),
    ...(opts.phoneSystem ? { phoneSystem: opts.phoneSystem } : {}),
  });
  const dispatcher = createDispatcher(engine.api, { mapError: mapPhoneError });
  const events: ApiEvent[] = [];
  const waiters = new Set<() => void>();
  engine.events.subscribe((e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  });
  const context: CommandContext = { host: 'test', client: `${name}-ui` };
  const client: EngineClient = {
    name,
    engine,
    dispatcher,
    context,
    events,
    logs,
    aor: '',
    async call(cmd, params) {
      const r = await dispatcher.call(cmd, params, context);
      assert.equal(r.ok, true, `${name} ${cmd}: ${JSON.stringify(r)}`);
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
  };
  const accounts = await client.call('accounts.list', {});
  client.aor = accounts[0]!.aor;
  return client;
}
