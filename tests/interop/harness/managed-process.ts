/**
 * A child process the interop harness owns: spawned detached (its own process
 * group, so forked children — Kamailio's workers — can be signalled with it),
 * output kept in a bounded buffer, and stopped by PID: SIGTERM to the group,
 * SIGKILL after a bounded wait. A process-exit hook kills any group still
 * alive (and removes the harness's temp dirs), so an interrupted test run
 * leaves no peers behind.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<number>();
const tempDirs = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  // The test runner stops a timed-out file with a signal: take the detached peers along,
  // then die of the same signal.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.kill(process.pid, signal);
    });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** True while any process of the group exists (signal 0 probes without killing). */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes of stdout+stderr kept (the newest); default 2 MB. */
  maxOutput?: number;
  /** Called with each stdout/stderr chunk as text. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
}

export class ManagedProcess {
  readonly pid: number;
  readonly command: string;
  readonly exited: Promise<ExitInfo>;
  #exit: ExitInfo | undefined;
  #output = '';
  readonly #max: number;
  readonly #child: ChildProcess;

  constructor(command: string, args: readonly string[], options: SpawnOptions = {}) {
    hookExit();
    this.command = `${command} ${args.join(' ')}`;
    this.#max = options.maxOutput ?? 2 * 1024 * 1024;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
    this.pid = child.pid;
    live.add(this.pid);
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.#output += text;
      if (this.#output.length > this.#max) this.#output = this.#output.slice(-this.#max);
      options.onOutput?.(text, stream);
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('error', (err) => {
        this.#output += `\n[spawn error] ${err.message}\n`;
      });
      child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** stdout and stderr interleaved as received (bounded). */
  get output(): string {
    return this.#output;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Resolves true when `pattern` appears in the output within `timeoutMs`. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(this.#output)) return true;
      if (!this.running) return pattern.test(this.#output);
      await sleep(25);
    }
    // The deadline may have passed while the event loop was blocked (a test's synchronous commands, e.g. `ip` building
    // network namespaces): output that arrived meanwhile is read in the loop's poll phase, which a timer callback comes
    // before. One turn through it (setImmediate runs after the poll) before the last look.
    await new Promise((resolve) => setImmediate(resolve));
    return pattern.test(this.#output);
  }

  /**
   * SIGTERM to the whole process group, SIGKILL after `graceMs`, then waits (bounded)
   * until no process of the group is left.
   */
  async stop(graceMs = 3000): Promise<ExitInfo | undefined> {
    if (groupAlive(this.pid) || this.running) {
      killGroup(this.pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groupAlive(this.pid) && Date.now() < deadline) await sleep(25);
      if (groupAlive(this.pid)) killGroup(this.pid, 'SIGKILL');
      const hard = Date.now() + 2000;
      while (groupAlive(this.pid) && Date.now() < hard) await sleep(25);
    }
    live.delete(this.pid);
    await Promise.race([this.exited, sleep(2000)]);
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
    return this.#exit;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A fresh private temp dir; `remove()` deletes it with its content. */
export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  hookExit();
  const path = mkdtempSync(join(tmpdir(), `parley-${prefix}-`));
  tempDirs.add(path);
  return {
    path,
    remove: () => {
      tempDirs.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
