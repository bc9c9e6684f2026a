/**
 * A `node bin/parley.js …` child process for tests and benchmarks: stdout
 * read line by line (--json events parsed as they arrive, each stamped with
 * the time since spawn), stderr kept, every wait bounded, and stop()/kill()
 * by PID. Every instance is killed at process exit should a test forget.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PARLEY_BIN = fileURLToPath(new URL('../../../bin/parley.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface ParleyEvent {
  event: string;
  // eslint-style "any": tests read event fields freely.
  data: any;
  /** ms since spawn when the line arrived. */
  at: number;
}

export interface ParleyExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms since spawn. */
  at: number;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export class ParleyProcess {
  readonly pid: number;
  readonly args: readonly string[];
  readonly startedAt = performance.now();
  readonly events: ParleyEvent[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<ParleyExit>;
  #exit: ParleyExit | undefined;
  #partial = '';
  readonly #child: ChildProcess;
  readonly #listeners = new Set<() => void>();

  /**
   * `bin`: another entry point (e.g. a bundled build) to run instead of bin/parley.js; `nodeArgs`: flags for node;
   * `wrap`: runs node through another command (e.g. a test namespace's `ip netns exec NAME`, which execs, so the PID stays node's);
   * `keep`: which JSON events to keep (all by default) — a soak of thousands of calls keeps only what it reads, and then
   * stdout is not kept either.
   */
  constructor(
    args: readonly string[],
    options: {
      env?: NodeJS.ProcessEnv;
      cwd?: string;
      bin?: string;
      nodeArgs?: readonly string[];
      wrap?: (command: string, args: readonly string[]) => { command: string; args: string[] };
      keep?: (event: string) => boolean;
    } = {},
  ) {
    this.args = args;
    const nodeArgs = [...(options.nodeArgs ?? []), options.bin ?? PARLEY_BIN, ...args];
    const cmd = options.wrap ? options.wrap(process.execPath, nodeArgs) : { command: process.execPath, args: nodeArgs };
    const child = spawn(cmd.command, cmd.args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error('could not spawn parley');
    this.pid = child.pid;
    this.#child = child;
    live.add(child);
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      const at = performance.now() - this.startedAt;
      if (!options.keep) this.stdout += text;
      const lines = (this.#partial + text).split('\n');
      this.#partial = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          const e = JSON.parse(line) as { event: string; data: unknown };
          if (!options.keep || options.keep(e.event)) this.events.push({ event: e.event, data: e.data, at });
        } catch {
          // not a JSON line (human output)
        }
      }
      this.#notify();
    });
    child.stderr!.on('data', (text: string) => {
      this.stderr += text;
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        live.delete(child);
        this.#exit = { code, signal, at: performance.now() - this.startedAt };
        this.#notify();
        resolve(this.#exit);
      });
    });
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The first event (seen or future) matching; rejects after timeoutMs or if the process exits first. */
  waitForEvent(match: (e: ParleyEvent) => boolean, timeoutMs: number, what = 'a matching event'): Promise<ParleyEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        if (found) return done(() => resolve(found));
        if (!this.running) return done(() => reject(new Error(`parley exited (${JSON.stringify(this.#exit)}) before ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`))), timeoutMs);
      const done = (f: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        f();
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Resolves with the exit; rejects (after killing the process) if it runs longer than timeoutMs. */
  async waitForExit(timeoutMs: number): Promise<ParleyExit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`parley ${this.args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** SIGINT, then SIGKILL if it has not exited within graceMs. */
  async stop(graceMs = 8000): Promise<ParleyExit> {
    if (!this.running) return this.#exit!;
    this.signal('SIGINT');
    const timer = setTimeout(() => this.kill(), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.running) this.#child.kill('SIGKILL');
  }

  #notify(): void {
    for (const l of [...this.#listeners]) l();
  }
}

/** Runs parley to completion (bounded). */
export async function runParley(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<ParleyExit & { stdout: string; stderr: string; events: ParleyEvent[] }> {
  const p = new ParleyProcess(args, options);
  const exit = await p.waitForExit(options.timeoutMs ?? 20_000);
  return { ...exit, stdout: p.stdout, stderr: p.stderr, events: p.events };
}
