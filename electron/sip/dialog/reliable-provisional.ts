/**
 * One reliable provisional response of a UAS (RFC 3262 §3): a 101-199 sent
 * with `Require: 100rel` and an RSeq, retransmitted until the PRACK whose
 * RAck names it arrives. The interval starts at T1 and doubles on every
 * retransmission with no T2 cap (§3 says "doubles", unlike Timer G); after
 * 64*T1 without a PRACK the UAS gives up and the INVITE is rejected with a
 * 5xx. It is retransmitted over reliable transports too: a proxy further on
 * may use UDP, and only the end point's PRACK says the response arrived.
 *
 *   send ──▶ unacknowledged ── PRACK (RAck = RSeq CSeq method) ──▶ acknowledged
 *              │  ▲ retransmit at T1, 2*T1, 4*T1 …
 *              │  └─┘
 *              ├── 64*T1 without a PRACK ──▶ abandoned (onGiveUp: reject 5xx)
 *              └── stop() (a final response went out, CANCEL) ──▶ stopped
 */
import type { Clock } from '../../common/clock.ts';
import { assertTransition } from '../transaction/transaction.ts';
import { NamedTimers } from '../transaction/timers.ts';
import type { TimerConfig } from '../transaction/timers.ts';

export type ReliableProvisionalState = 'unacknowledged' | 'acknowledged' | 'abandoned' | 'stopped';

const moves: Readonly<Record<ReliableProvisionalState, readonly ReliableProvisionalState[]>> = {
  unacknowledged: ['acknowledged', 'abandoned', 'stopped'],
  acknowledged: [],
  abandoned: [],
  stopped: [],
};

/** RAck (RFC 3262 §7.2): the RSeq of the response, and the CSeq number and method of its request. */
export interface RAck {
  rseq: number;
  cseq: number;
  method: string;
}

/** Parses `RAck: 776656 1 INVITE`; undefined when it is not three well-formed fields. */
export function parseRAck(value: string | undefined): RAck | undefined {
  const m = /^\s*(\d{1,10})\s+(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(value ?? '');
  if (!m) return undefined;
  return { rseq: Number(m[1]), cseq: Number(m[2]), method: m[3]!.toUpperCase() };
}

/** Parses an RSeq value (1 … 2^32 - 1, RFC 3262 §7.1); undefined when malformed. */
export function parseRSeq(value: string | undefined): number | undefined {
  const m = /^\s*(\d{1,10})\s*$/.exec(value ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 && n <= 0xffffffff ? n : undefined;
}

export interface ReliableProvisionalOptions {
  clock: Clock;
  timers: TimerConfig;
  rseq: number;
  /** The INVITE's CSeq number (RAck names it). */
  cseq: number;
  /** The response carries a session description: no 2xx before its PRACK (§3). */
  withSdp: boolean;
  /** Puts the response on the wire again. */
  retransmit: () => void;
  /** 64*T1 passed without a PRACK. */
  onGiveUp: () => void;
}

export class ReliableProvisional {
  readonly rseq: number;
  readonly withSdp: boolean;
  readonly #opts: ReliableProvisionalOptions;
  readonly #timers: NamedTimers<'retransmitTimer' | 'giveUpTimer'>;
  #state: ReliableProvisionalState = 'unacknowledged';
  #interval: number;
  #count = 0;

  constructor(opts: ReliableProvisionalOptions) {
    this.#opts = opts;
    this.rseq = opts.rseq;
    this.withSdp = opts.withSdp;
    this.#timers = new NamedTimers(opts.clock);
    this.#interval = opts.timers.T1;
  }

  get state(): ReliableProvisionalState {
    return this.#state;
  }
  /** Retransmissions so far (the first send not counted). */
  get retransmissions(): number {
    return this.#count;
  }

  /** Call right after the response was first sent. */
  start(): void {
    this.#timers.start('retransmitTimer', this.#interval, () => this.#fire());
    this.#timers.start('giveUpTimer', 64 * this.#opts.timers.T1, () => {
      if (this.#state !== 'unacknowledged') return;
      this.#transition('abandoned');
      this.#opts.onGiveUp();
    });
  }

  /** Does this RAck acknowledge the response? If so it is acknowledged now. */
  acknowledge(rack: RAck): boolean {
    if (this.#state !== 'unacknowledged' && this.#state !== 'acknowledged') return false;
    if (rack.rseq !== this.rseq || rack.cseq !== this.#opts.cseq || rack.method !== 'INVITE') return false;
    if (this.#state === 'unacknowledged') this.#transition('acknowledged');
    return true;
  }

  /** A final response went out (or the INVITE was cancelled): no more retransmissions. */
  stop(): void {
    if (this.#state === 'unacknowledged') this.#transition('stopped');
  }

  #fire(): void {
    if (this.#state !== 'unacknowledged') return;
    this.#count++;
    this.#opts.retransmit();
    this.#interval *= 2;
    this.#timers.start('retransmitTimer', this.#interval, () => this.#fire());
  }

  #transition(to: ReliableProvisionalState): void {
    assertTransition('reliable provisional', moves, this.#state, to);
    this.#state = to;
    if (to !== 'unacknowledged') this.#timers.stopAll();
  }
}
