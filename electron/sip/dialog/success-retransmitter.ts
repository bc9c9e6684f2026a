/**
 * The UAS core's retransmission of a 2xx to INVITE until the ACK arrives
 * (RFC 3261 §13.3.1.4): the transaction layer does not do it (RFC 6026 §7.1,
 * Accepted state), because the 2xx and its ACK are end to end. The interval
 * starts at T1 and doubles up to T2 (like Timer G); after 64*T1 without an
 * ACK (like Timer H) the core gives up and ends the session with a BYE. This
 * runs over reliable transports too: a proxy downstream may use UDP.
 */
import type { Clock } from '../../common/clock.ts';
import { NamedTimers } from '../transaction/timers.ts';
import type { TimerConfig } from '../transaction/timers.ts';

export interface SuccessRetransmitterOptions {
  clock: Clock;
  timers: TimerConfig;
  /** Puts the 2xx on the wire again. */
  retransmit: () => void;
  /** 64*T1 passed without an ACK. */
  onGiveUp: () => void;
}

export class SuccessRetransmitter {
  readonly #opts: SuccessRetransmitterOptions;
  readonly #timers: NamedTimers<'retransmitTimer' | 'giveUpTimer'>;
  #interval: number;
  #count = 0;
  #running = false;

  constructor(opts: SuccessRetransmitterOptions) {
    this.#opts = opts;
    this.#timers = new NamedTimers(opts.clock);
    this.#interval = opts.timers.T1;
  }

  /** Number of retransmissions so far (the first 2xx not counted). */
  get retransmissions(): number {
    return this.#count;
  }
  get running(): boolean {
    return this.#running;
  }

  /** Call right after the first 2xx was sent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#timers.start('retransmitTimer', this.#interval, () => this.#fire());
    this.#timers.start('giveUpTimer', 64 * this.#opts.timers.T1, () => {
      this.stop();
      this.#opts.onGiveUp();
    });
  }

  /** The ACK arrived (or the session ended otherwise). */
  stop(): void {
    this.#running = false;
    this.#timers.stopAll();
  }

  #fire(): void {
    this.#count++;
    this.#opts.retransmit();
    this.#interval = Math.min(2 * this.#interval, this.#opts.timers.T2);
    this.#timers.start('retransmitTimer', this.#interval, () => this.#fire());
  }
}
