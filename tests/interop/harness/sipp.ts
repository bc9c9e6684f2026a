/**
 * runSipp / startSipp: SIPp 3.6 scenarios (tests/interop/scenarios/*.xml) on
 * loopback, bounded by a timeout (SIPp's own -timeout, and a kill by PID as a
 * backstop), with the final statistics read from its -trace_stat CSV.
 * SIPp exit codes: 0 all calls succeeded, 1 some failed, 97 stopped by a
 * command, 99 no call processed, 255 (-1) fatal error, 254 (-2) bind error.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portBound } from './free-port.ts';
import { ManagedProcess, makeTempDir, sleep } from './managed-process.ts';

export const scenarioDir = fileURLToPath(new URL('../scenarios/', import.meta.url));

export interface SippOptions {
  /** A scenario name in tests/interop/scenarios ("uas-answer") or a path to an XML file. */
  scenario: string;
  /** The peer "host:port" for UAC scenarios; omit for a UAS. */
  remote?: string;
  /** Local SIP port (-p); default: a free port. */
  localPort?: number;
  transport?: 'udp' | 'tcp';
  /** Calls to process before exiting (-m); default 1. */
  calls?: number;
  /** Calls per second (-r). */
  rate?: number;
  /** The Request-URI user ([service], -s); default "service". */
  service?: string;
  /** The Request-URI host part ([domain] key); default the remote host:port. */
  domain?: string;
  /** The default <pause/> in ms (-d); default 200. */
  pauseMs?: number;
  /** Extra keywords for [name] in scenarios (-key name value). */
  keys?: Record<string, string>;
  /** For [authentication]: -au / -ap. */
  authUser?: string;
  authPassword?: string;
  /** Overall bound; SIPp gets -timeout and is killed by PID after this plus a margin. Default 30 s. */
  timeoutMs?: number;
  extraArgs?: string[];
}

export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  /** Every column of the last CSV line, by header name. */
  raw: Record<string, string>;
}

export interface SippResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Killed by the harness after timeoutMs (SIPp's own timeout ends with exit code 1 or 99). */
  killed: boolean;
  durationMs: number;
  stats: SippStats | undefined;
  /** SIPp's stdout/stderr (screens and errors). */
  output: string;
  /** Unexpected messages and errors SIPp logged (-trace_err). */
  errors: string;
  /** Every message sent and received (-trace_msg). */
  messages: string;
}

export interface SippRun {
  pid: number;
  localPort: number;
  /** Resolves when SIPp ends (or is killed at the timeout). */
  result: Promise<SippResult>;
  /** Kills by PID (SIGTERM, then SIGKILL) and removes the temp dir. */
  stop(): Promise<void>;
}

function scenarioPath(name: string): string {
  if (isAbsolute(name) || name.endsWith('.xml')) return name;
  return join(scenarioDir, `${name}.xml`);
}

/** SIPp's exit code for "could not bind" (-2). */
const bindFailure = 254;

export async function startSipp(opts: SippOptions): Promise<SippRun> {
  // A free port can be grabbed before SIPp binds it: a UAS that fails to bind is restarted on a new port.
  for (let attempt = 0; ; attempt++) {
    const run = await startOnce(opts);
    if (opts.remote || opts.localPort !== undefined || attempt >= 2) return run;
    // startOnce has already awaited the result of a UAS that exited while we waited for its bind.
    const early = await Promise.race([run.result, Promise.resolve(undefined)]);
    if (early?.exitCode !== bindFailure) return run;
    await run.stop();
  }
}

async function startOnce(opts: SippOptions): Promise<SippRun> {
  const file = scenarioPath(opts.scenario);
  if (!existsSync(file)) throw new Error(`no sipp scenario at ${file}`);
  const tmp = makeTempDir('sipp');
  const localPort = opts.localPort ?? (await freePort(opts.transport === 'tcp' ? ['tcp4'] : ['udp4']));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const stf = join(tmp.path, 'stats.csv');
  const errFile = join(tmp.path, 'errors.log');
  const msgFile = join(tmp.path, 'messages.log');
  const args = [
    '-sf', file,
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-m', String(opts.calls ?? 1),
    '-t', opts.transport === 'tcp' ? 't1' : 'u1',
    '-s', opts.service ?? 'service',
    '-d', String(opts.pauseMs ?? 200),
    '-nostdin',
    '-timeout', `${Math.ceil(timeoutMs / 1000)}s`,
    '-trace_stat', '-stf', stf, '-fd', '1',
    '-trace_err', '-error_file', errFile,
    '-trace_msg', '-message_file', msgFile,
  ];
  if (opts.rate !== undefined) args.push('-r', String(opts.rate));
  if (opts.authUser !== undefined) args.push('-au', opts.authUser);
  if (opts.authPassword !== undefined) args.push('-ap', opts.authPassword);
  const keys = { domain: opts.domain ?? opts.remote ?? `127.0.0.1:${localPort}`, ...opts.keys };
  for (const [k, v] of Object.entries(keys)) args.push('-key', k, v);
  args.push(...(opts.extraArgs ?? []));
  if (opts.remote) args.push(opts.remote);

  const started = performance.now();
  const proc = new ManagedProcess('sipp', args, { cwd: tmp.path });
  let killed = false;
  const guard = setTimeout(() => {
    killed = true;
    void proc.stop(1000);
  }, timeoutMs + 3000);
  const result = proc.exited.then((exit): SippResult => {
    clearTimeout(guard);
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    return {
      exitCode: exit.code,
      signal: exit.signal,
      killed,
      durationMs: performance.now() - started,
      stats: parseStats(read(stf)),
      output: proc.output,
      errors: read(errFile),
      messages: read(msgFile),
    };
  });
  // A UAS must be listening before anyone sends to it.
  if (!opts.remote) {
    const deadline = Date.now() + 5000;
    while (proc.running && Date.now() < deadline && !(await portBound(localPort, opts.transport === 'tcp' ? 'tcp' : 'udp'))) await sleep(20);
    if (!proc.running) await result;
  }
  let stopped = false;
  return {
    pid: proc.pid,
    localPort,
    result,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(guard);
      await proc.stop(1000);
      await result;
      tmp.remove();
    },
  };
}

/** Runs a scenario to its end (bounded) and cleans up. */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  for (let attempt = 0; ; attempt++) {
    const run = await startSipp(opts);
    let result: SippResult;
    try {
      result = await run.result;
    } finally {
      await run.stop();
    }
    if (result.exitCode !== bindFailure || opts.localPort !== undefined || attempt >= 2) return result;
  }
}

/** The last line of SIPp's semicolon-separated statistics file. */
export function parseStats(csv: string): SippStats | undefined {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const names = lines[0]!.split(';');
  const values = lines.at(-1)!.split(';');
  const raw: Record<string, string> = {};
  names.forEach((n, i) => {
    if (n) raw[n] = values[i] ?? '';
  });
  const num = (k: string) => Number(raw[k] ?? 'NaN');
  return { created: num('TotalCallCreated'), successful: num('SuccessfulCall(C)'), failed: num('FailedCall(C)'), raw };
}
