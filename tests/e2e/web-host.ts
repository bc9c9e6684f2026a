/**
 * The real `parley web` host as a child process for end-to-end tests:
 *
 *   node bin/parley.js web --no-open --port 0 --bind 127.0.0.1:0 --data-dir DIR --json
 *
 * It prints one JSON object per line (electron/cli/output.ts); the first
 * {"event":"web","data":{"url":"http://127.0.0.1:PORT/#token=…"}} gives the
 * page to open. Every later line (registration, call, call.incoming,
 * call.dtmf, history…) is kept so a test can check what the engine did, not
 * only what the page shows. Stopped by PID (its own process group).
 */
import { join } from 'node:path';
import { ManagedProcess, sleep } from '../interop/harness/managed-process.ts';
import { ROOT } from './build-renderer.ts';

export interface WebHostEvent {
  event: string;
  data: Record<string, unknown>;
}

export interface WebHost {
  pid: number;
  /** http://127.0.0.1:PORT/#token=… */
  url: string;
  readonly events: readonly WebHostEvent[];
  /** The first event (seen or future, from index `from` on) named `name` whose data passes `match`; rejects after `timeoutMs`. */
  waitFor(name: string, match: (data: Record<string, unknown>) => boolean, timeoutMs: number, what: string, from?: number): Promise<Record<string, unknown>>;
  logs(): string;
  stop(): Promise<void>;
}

/** `env`: added to this process's environment (e.g. NODE_OPTIONS for a benchmark). */
export async function startWebHost(options: { dataDir: string; readyTimeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<WebHost> {
  const events: WebHostEvent[] = [];
  let partial = '';
  const proc = new ManagedProcess(
    process.execPath,
    [join(ROOT, 'bin/parley.js'), 'web', '--no-open', '--port', '0', '--bind', '127.0.0.1:0', '--data-dir', options.dataDir, '--json'],
    {
      cwd: ROOT,
      ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      onOutput(text, stream) {
        if (stream !== 'stdout') return;
        partial += text;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          try {
            const e = JSON.parse(line) as WebHostEvent;
            if (typeof e.event === 'string') events.push(e);
          } catch {
            // --json keeps stdout to JSON lines; anything else is not ours to judge here.
          }
        }
      },
    },
  );
  const waitFor: WebHost['waitFor'] = async (name, match, timeoutMs, what, from = 0) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events.find((e, i) => i >= from && e.event === name && match(e.data));
      if (found) return found.data;
      if (!proc.running) throw new Error(`parley web exited (${JSON.stringify(proc.exitInfo)}) before ${what}:\n${proc.output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`parley web: no ${what} within ${timeoutMs} ms; events: ${events.map((e) => e.event).join(', ')}\n${proc.output.slice(-2000)}`);
      await sleep(50);
    }
  };
  try {
    const web = await waitFor('web', (d) => typeof d.url === 'string', options.readyTimeoutMs ?? 30_000, 'URL');
    return {
      pid: proc.pid,
      url: String(web.url),
      events,
      waitFor,
      logs: () => proc.output,
      async stop() {
        await proc.stop(5000);
      },
    };
  } catch (e) {
    await proc.stop(2000);
    throw e;
  }
}
