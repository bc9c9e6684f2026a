/**
 * A `parley listen --auto-answer` under attack, for the robustness suite:
 * started with --expose-gc so that its diagnostics (SIGUSR2 → the API's
 * diagnostics.counts after a forced GC) tell what it really holds, bound to
 * loopback on a free port, in a data dir of its own, stopped by PID.
 */
import { join } from 'node:path';
import type { DiagnosticsCounts } from '../../electron/api/snapshots.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

export interface ListenerOptions {
  /** More `parley listen` flags (--tone 440, --record …). */
  args?: string[];
  /** Keep these JSON events besides 'listening', 'diagnostics' and 'quality' (a flood would otherwise fill the test's memory). */
  keep?: string[];
}

export class Listener {
  readonly process: ParleyProcess;
  readonly host = '127.0.0.1';
  port = 0;
  readonly #tmp: { path: string; remove: () => void };

  private constructor(process: ParleyProcess, tmp: { path: string; remove: () => void }) {
    this.process = process;
    this.#tmp = tmp;
  }

  static async start(options: ListenerOptions = {}): Promise<Listener> {
    const tmp = makeTempDir('robust');
    const keep = new Set(['listening', 'diagnostics', 'quality', 'error', ...(options.keep ?? [])]);
    const p = new ParleyProcess(['listen', '--auto-answer', '--bind', '127.0.0.1:0', '--json', ...(options.args ?? [])], {
      nodeArgs: ['--expose-gc'],
      env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' },
      keep: (e) => keep.has(e),
    });
    const l = new Listener(p, tmp);
    const listening = await p.waitForEvent((e) => e.event === 'listening', 30_000, 'listening');
    const local = String(listening.data.local ?? '');
    const port = Number(/:(\d+)(?:[;>]|$)/.exec(local)?.[1]);
    if (!Number.isInteger(port) || port <= 0) throw new Error(`no SIP port in ${local}`);
    l.port = port;
    return l;
  }

  get target(): string {
    return `${this.host}:${this.port}`;
  }

  /** The listener's counts after a forced GC. */
  async diagnostics(): Promise<DiagnosticsCounts> {
    const readings = () => this.process.events.filter((x) => x.event === 'diagnostics');
    const before = readings().length;
    this.process.signal('SIGUSR2');
    await this.process.waitForEvent(() => readings().length > before, 30_000, 'diagnostics');
    return readings()[before]!.data as DiagnosticsCounts;
  }

  /**
   * Diagnostics once nothing of a call is held any more (bounded); the last reading when that never comes.
   * "Nothing held" includes the call objects themselves: a call that has just ended is out of every count
   * while its teardown (media stop, sockets closing, the 'ended' event's work) still runs and holds it, so a
   * reading taken just then counted them: 32 in a CI run of the floods (the INVITE flood's last calls end by
   * Timer H at the moment its last transactions do), 8 in a soak round at load 20, gone 5 s later. A real leak
   * never reaches 0, and the caller's assertion reports it with this last reading.
   */
  async settled(timeoutMs: number, idle = (d: DiagnosticsCounts) => d.calls === 0 && d.pendingIncoming === 0 && d.mediaSessions === 0 && d.dialogs === 0 && d.transactions === 0 && d.sipCalls === 0 && d.callObjectsAlive === 0): Promise<DiagnosticsCounts> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.diagnostics();
      if (idle(d) || Date.now() > deadline) return d;
      await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
    }
  }

  async stop(): Promise<void> {
    await this.process.stop(8000);
    this.#tmp.remove();
  }
}

export function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
