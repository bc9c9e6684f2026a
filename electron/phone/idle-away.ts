/**
 * Away after idle (issue "Presence, busy lamps…" §2): nobody has used the
 * computer for the awayAfterIdleMinutes setting → our published status
 * reads `away` while the picked one is `available`; the next sign of use
 * brings it back. The phone cannot see a keyboard: its clients tell it
 * (API `presence.activity { idleSeconds }`) — the desktop glue the system's
 * idle time (Electron powerMonitor, every IDLE_POLL_MS), a window or a web
 * page "just used" when someone types or clicks in it. The most recent use
 * any client reports counts; the phone's own clock then decides when the
 * user became idle, so a client that stops reporting (closed, asleep)
 * leaves the user idle. With no client reporting at all (the CLI, a
 * headless host) nothing ever goes away.
 */
import type { Clock, TimerHandle } from '../common/clock.ts';

/** How often a client that can read the system's idle time reports it. */
export const IDLE_POLL_MS = 30_000;

export interface IdleAwayDeps {
  clock: Clock;
  /** The setting; 0 = never away by itself. */
  minutes: () => number;
  /** Idle began or ended. */
  onChange: () => void;
}

export class IdleAway {
  readonly #d: IdleAwayDeps;
  /** The latest use any client reported, on the clock; undefined until one reports. */
  #lastUse: number | undefined;
  #idle = false;
  #timer: TimerHandle | undefined;

  constructor(deps: IdleAwayDeps) {
    this.#d = deps;
  }

  get idle(): boolean {
    return this.#idle;
  }

  /** A client saw the user `idleSeconds` ago (0: just now). */
  activity(idleSeconds: number): void {
    const at = this.#d.clock.now() - Math.max(0, idleSeconds) * 1000;
    if (this.#lastUse === undefined || at > this.#lastUse) this.#lastUse = at;
    this.#evaluate();
  }

  /** The setting may have changed. */
  settingsChanged(): void {
    this.#evaluate();
  }

  close(): void {
    this.#d.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #evaluate(): void {
    this.close();
    const minutes = this.#d.minutes();
    let idle = false;
    if (minutes > 0 && this.#lastUse !== undefined) {
      const due = this.#lastUse + minutes * 60_000;
      const now = this.#d.clock.now();
      if (now >= due) idle = true;
      else this.#timer = this.#d.clock.setTimeout(() => this.#evaluate(), due - now);
    }
    if (idle === this.#idle) return;
    this.#idle = idle;
    this.#d.onChange();
  }
}
