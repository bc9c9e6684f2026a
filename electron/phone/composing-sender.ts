/**
 * Our side of RFC 3994 (is-composing.ts): the client says "typing" on
 * keystrokes (as often as it likes) and "stopped"; we send the peer an
 * 'active' indication when typing starts and again every REFRESH_S while it
 * goes on, and 'idle' after IDLE_TIMEOUT_MS without a keystroke or when told
 * to stop. Sending the message itself ends the state without an 'idle' (the
 * receiver drops 'active' when the message arrives, RFC 3994 §3).
 *
 *        typing ──▶ active (sent) ──typing──▶ active (sent again only after REFRESH_S)
 *                     │  ▲                     │
 *     stop / 15 s ◀───┘  └──── typing ◀────────┘
 *        idle (sent)      message sent: forgotten, nothing sent
 *
 * At most MAX_PEERS peers are tracked (a client cannot make us hold timers without bound).
 */
import type { Clock, TimerHandle } from '../common/clock.ts';
import { IDLE_TIMEOUT_MS, REFRESH_S } from './is-composing.ts';

const MAX_PEERS = 32;

interface Typing {
  sentAt: number;
  idleTimer: TimerHandle;
}

export class ComposingSender {
  readonly #clock: Clock;
  readonly #send: (peer: string, active: boolean) => void;
  readonly #typing = new Map<string, Typing>();

  constructor(clock: Clock, send: (peer: string, active: boolean) => void) {
    this.#clock = clock;
    this.#send = send;
  }

  typing(peer: string): void {
    const now = this.#clock.now();
    const t = this.#typing.get(peer);
    if (t) this.#clock.clearTimeout(t.idleTimer);
    else if (this.#typing.size >= MAX_PEERS) this.stopped([...this.#typing.keys()][0]!);
    const refresh = !t || now - t.sentAt >= REFRESH_S * 1000;
    const idleTimer = this.#clock.setTimeout(() => this.stopped(peer), IDLE_TIMEOUT_MS);
    this.#typing.set(peer, { sentAt: refresh ? now : t.sentAt, idleTimer });
    if (refresh) this.#send(peer, true);
  }

  stopped(peer: string): void {
    const t = this.#typing.get(peer);
    if (!t) return;
    this.#forget(peer, t);
    this.#send(peer, false);
  }

  /** The message went: the peer drops 'active' by itself. */
  sent(peer: string): void {
    const t = this.#typing.get(peer);
    if (t) this.#forget(peer, t);
  }

  close(): void {
    for (const [peer, t] of [...this.#typing]) this.#forget(peer, t);
  }

  #forget(peer: string, t: Typing): void {
    this.#clock.clearTimeout(t.idleTimer);
    this.#typing.delete(peer);
  }
}
