/**
 * The engine noticing a network change by itself, for hosts that cannot
 * tell it (the CLI, the web host) and for what the desktop's powerMonitor
 * misses: it reads the machine's addresses (os.networkInterfaces(),
 * injected) and compares them with the last reading — an address that came
 * or went is 'interfaces' — every `pollMs` (2 s) while the phone is busy (a
 * call is up: a move mid-call must not cost the call), and while it is idle
 * at a random 80–100 % of `idlePollMs` (25 s, the keep-alive interval),
 * with the idle phone's other periodic work (idle-timers.ts: the flows'
 * keep-alives ride along): one wake-up for all of them every 20–25 s, not
 * one every 2 s — an idle Node process pays ≈ 0.2–0.9 ms of CPU per wake-up
 * and ≈ 0.05–0.6 ms per reading. An idle phone that moves is registered
 * again within ≈ 25 s (its keep-alive would also see the move, within its
 * interval and 7.5 s). It also watches
 * for sleep, which is 'resume': on Linux the monotonic clock (timers, the
 * injected clock) stops during suspend while the wall clock goes on, so a
 * tick whose wall-clock gap exceeds its monotonic gap by `jumpMs` means the
 * machine slept; where the monotonic clock counts suspend (macOS, Windows)
 * the tick itself comes late. Either way it calls `onChange`
 * (network-change.ts), at most once per tick.
 *
 *   stopped ── start() ──▶ polling ── tick: addresses differ / clock jumped ──▶ onChange, polling
 *      ▲                      │  ▲
 *      │                      │  └── busyChanged(): the next tick at the busy or idle pace
 *      └────── stop() ────────┘
 */
import type { NetworkInterfaceInfo } from 'node:os';
import type { NetworkChangeReason } from '../api/commands.ts';
import type { Clock } from '../common/clock.ts';
import type { IdleTimer, IdleTimers } from '../common/idle-timers.ts';
import type { Logger } from '../common/logger.ts';

export interface NetworkMonitorOptions {
  clock: Clock;
  /** The idle phone's batched timers (shared with the registrations' keep-alives). */
  idleTimers: IdleTimers;
  logger: Logger;
  /** os.networkInterfaces, or a test's own. */
  interfaces(): NodeJS.Dict<NetworkInterfaceInfo[]>;
  onChange(reason: NetworkChangeReason): void;
  /** Wall-clock time (Date.now in the engine): the one clock that runs on through a suspend. */
  wallNow(): number;
  /** Default 2000 ms: while busy a change is seen within this (the 5 s re-register goal leaves the rest to the REGISTER); the soonest an idle check runs. */
  pollMs?: number;
  /** Default 25000 ms: while idle the check runs at a random 80–100 % of this, sooner when another idle timer wakes the process after pollMs. */
  idlePollMs?: number;
  /** Math.random, or a test's own. */
  random?(): number;
  /** Whether the phone is busy (a call is up); default: never. */
  busy?(): boolean;
  /** A tick this much later than asked counts as a wake-up (default 5000 ms). */
  jumpMs?: number;
}

/** The addresses that can carry calls: not loopback, not link-local IPv6; sorted, so order does not count. */
export function addressSignature(ifaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string {
  const out: string[] = [];
  for (const [name, list] of Object.entries(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal || (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:'))) continue;
      out.push(`${name}/${a.address}`);
    }
  }
  return out.sort().join(',');
}

export class NetworkMonitor {
  readonly #o: NetworkMonitorOptions;
  #timer: IdleTimer | undefined;
  #busy = false;
  #signature = '';
  #expectedAt = 0;
  #lastMono = 0;
  #lastWall = 0;
  #running = false;

  constructor(o: NetworkMonitorOptions) {
    this.#o = o;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#signature = this.#read();
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** A call started or ended: when that changes busy(), the next check is rescheduled at the new pace. */
  busyChanged(): void {
    if (!this.#running || (this.#o.busy?.() ?? false) === this.#busy) return;
    this.#timer?.cancel();
    this.#schedule();
  }

  #read(): string {
    try {
      return addressSignature(this.#o.interfaces());
    } catch (err) {
      this.#o.logger.warn('could not read the network interfaces', { error: String(err) });
      return this.#signature;
    }
  }

  #schedule(): void {
    const poll = this.#o.pollMs ?? 2000;
    this.#busy = this.#o.busy?.() ?? false;
    const idle = (this.#o.idlePollMs ?? 25_000) * (0.8 + 0.2 * (this.#o.random ?? Math.random)());
    const latest = this.#busy ? poll : Math.max(poll, Math.round(idle));
    this.#lastMono = this.#o.clock.now();
    this.#lastWall = this.#o.wallNow();
    this.#expectedAt = this.#lastMono + latest;
    this.#timer = this.#o.idleTimers.schedule(() => this.#tick(), poll, latest);
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const mono = this.#o.clock.now();
    const slept = this.#o.wallNow() - this.#lastWall - (mono - this.#lastMono);
    const late = Math.max(mono - this.#expectedAt, slept);
    const now = this.#read();
    const changed = now !== this.#signature;
    this.#signature = now;
    if (late > (this.#o.jumpMs ?? 5000)) {
      this.#o.logger.info('clock jumped: the machine slept', { lateMs: late });
      this.#o.onChange('resume');
    } else if (changed) {
      this.#o.logger.info('network addresses changed', { addresses: now });
      this.#o.onChange('interfaces');
    }
    this.#schedule();
  }
}
