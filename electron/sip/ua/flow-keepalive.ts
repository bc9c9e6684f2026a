/**
 * Keeping a registration's UDP flow open through NAT (RFC 5626 §4.4): a
 * STUN Binding request (§4.4.2) to the registrar's address and port, from
 * the SIP port, every 80–100 % of the interval (§4.4.1: the registrar's
 * Flow-Timer, else a default under a home router's ~30 s UDP timeout). The
 * answer's XOR-MAPPED-ADDRESS is our public address: when it moves, the
 * registration re-registers with it. A registrar that never answers STUN
 * (no STUN on its SIP port, common without outbound support) still gets a
 * datagram each interval — a double CRLF, which keeps the router's mapping
 * alive — and the registration's own refreshes detect a dead server. Once
 * the server has answered STUN, a request that goes unanswered means the
 * flow failed (§4.4.2): the registration registers again, and — while
 * its REGISTERs back off (RFC 5626 §4.5, refresh-policy.ts) — the flow is
 * `lost`: a single STUN request every RECOVERY_PROBE_MS (80–100 %) asks
 * whether the server is back. Its first answer says it is (onRecovered):
 * the registration registers at once instead of waiting out the back-off,
 * so a registrar that restarts is registered with again within seconds of
 * its return, while a dead one costs one small datagram every few seconds
 * and a REGISTER only as often as §4.5 allows.
 *
 *   start() ──▶ probing ── answer ──▶ stun ── no answer ──▶ lost (onFailed)
 *                 │                   ▲ │ answer: onMapped     │ probe every RECOVERY_PROBE_MS
 *                 │                   │ └──────────────────────┤
 *                 │                   └── answer (onRecovered) ┘
 *                 └─ no answer ──▶ crlf (CRLF each interval)
 *   stop() from any state ──▶ stopped
 */
import type { Clock } from '../../common/clock.ts';
import type { IdleTimer, IdleTimers } from '../../common/idle-timers.ts';
import type { Logger } from '../../common/logger.ts';
import { StunBindingClient } from '../../net/stun/index.ts';
import type { TransportAddress } from '../../net/stun/index.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { Endpoint, SipTransport } from '../transport/transport.ts';

export type FlowKeepAliveState = 'probing' | 'stun' | 'lost' | 'crlf' | 'stopped';

const moves: Record<FlowKeepAliveState, readonly FlowKeepAliveState[]> = {
  probing: ['stun', 'crlf', 'stopped'],
  stun: ['lost', 'stopped'],
  lost: ['stun', 'stopped'],
  crlf: ['stopped'],
  stopped: [],
};

/** How often a lost flow's server is asked (one STUN request) whether it is back. */
export const RECOVERY_PROBE_MS = 2000;

/** RFC 5626 §4.4.1 suggests 95–120 s for UDP; home routers forget UDP mappings after ~30 s, so less by default. */
export const DEFAULT_UDP_KEEPALIVE_MS = 25_000;

/** RFC 5626 §4.4.1: CRLF pings on TCP/TLS every 95–120 s (a router keeps TCP mappings far longer than UDP ones). */
export const DEFAULT_STREAM_KEEPALIVE_MS = 110_000;

const CRLF = Buffer.from('\r\n\r\n');

export interface FlowKeepAliveOptions {
  clock: Clock;
  /**
   * The UA's batched timers: a keep-alive is due at its random 80–100 % of the interval, and rides
   * along from 50 % on when another flow's (or the network check's) wake-up comes first, so an idle
   * phone with several registrations wakes once for all of them.
   */
  idleTimers: IdleTimers;
  logger: Logger;
  random: () => number;
  transport: SipTransport;
  /** The registrar's UDP address and port (the flow's far end). */
  target: Endpoint;
  intervalMs: number;
  /** The server saw us at this address (every STUN answer). */
  onMapped(address: TransportAddress): void;
  /** A STUN request to a server that used to answer got no answer: the flow is gone. */
  onFailed(): void;
  /** The server of a lost flow answers again. */
  onRecovered?(): void;
}

export class FlowKeepAlive {
  readonly target: Endpoint;
  #state: FlowKeepAliveState = 'probing';
  #intervalMs: number;
  #timer: IdleTimer | undefined;
  readonly #stun: StunBindingClient;
  readonly #o: FlowKeepAliveOptions;
  /** Keep-alive datagrams sent (for the traffic figure). */
  sent = 0;

  constructor(o: FlowKeepAliveOptions) {
    this.#o = o;
    this.target = o.target;
    this.#intervalMs = o.intervalMs;
    this.#stun = new StunBindingClient(o.clock);
  }

  get state(): FlowKeepAliveState {
    return this.#state;
  }
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** First probe now (it also tells us our public address), then every interval. */
  start(): void {
    this.#tick();
  }

  /** A new interval (a new Flow-Timer) from the next keep-alive on. */
  setInterval(ms: number): void {
    this.#intervalMs = ms;
  }

  /** Feeds a STUN datagram received on the SIP port; true when it was ours. */
  receive(data: Buffer, source: Endpoint): boolean {
    if (source.port !== this.target.port || source.address.toLowerCase() !== this.target.address.toLowerCase()) return false;
    return this.#stun.receive(data);
  }

  stop(): void {
    if (this.#state === 'stopped') return;
    this.transition('stopped');
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#stun.close();
  }

  transition(to: FlowKeepAliveState): void {
    assertTransition('FlowKeepAlive', moves, this.#state, to);
    this.#o.logger.debug('keep-alive', { target: `${this.target.address}:${this.target.port}`, from: this.#state, to });
    this.#state = to;
  }

  #schedule(): void {
    if (this.#state === 'stopped') return;
    // §4.4.1: a random 80–100 % of the interval, so phones behind one NAT do not beat in step. From half the
    // interval on it goes with any other idle wake-up (a keep-alive sent early does the router no harm): the
    // flows of several registrations fall into step within a round or two, and then wake the process once.
    const every = this.#state === 'lost' ? Math.min(RECOVERY_PROBE_MS, this.#intervalMs) : this.#intervalMs;
    const delay = Math.round(every * (0.8 + 0.2 * this.#o.random()));
    this.#timer = this.#o.idleTimers.schedule(
      () => {
        this.#timer = undefined;
        this.#tick();
      },
      Math.round(every / 2),
      delay,
    );
  }

  #tick(): void {
    const send = this.#o.transport.sendKeepAlive;
    if (this.#state === 'stopped' || !send) return;
    if (this.#state === 'crlf') {
      this.sent++;
      send.call(this.#o.transport, this.target, CRLF).catch((err: unknown) => this.#o.logger.info('keep-alive not sent', { error: String(err) }));
      this.#schedule();
      return;
    }
    // A short schedule (0, 0.5, 1.5, 3.5 s, fail at 7.5 s): a keep-alive must find a dead flow well inside its interval.
    // A lost flow's probe is one request: the next probe is its retransmission.
    const lost = this.#state === 'lost';
    const attempt = this.#stun.request({
      send: (d) => {
        this.sent++;
        return send.call(this.#o.transport, this.target, d);
      },
      rtoMs: 500,
      maxRequests: lost ? 1 : 4,
      lastWaitRtos: lost ? 2 : 8,
    });
    attempt.then(
      (r) => {
        if (this.#state === 'stopped') return;
        const recovered = this.#state === 'lost';
        if (this.#state === 'probing' || recovered) this.transition('stun');
        if (recovered) {
          this.#o.logger.info('the flow\'s server answers again', { target: `${this.target.address}:${this.target.port}` });
          this.#o.onRecovered?.();
        } else if (r.mapped) this.#o.onMapped(r.mapped);
        this.#schedule();
      },
      (err: unknown) => {
        if (this.#state === 'stopped') return;
        if (this.#state === 'lost') {
          this.#schedule();
          return;
        }
        if (this.#state === 'probing') {
          this.#o.logger.info('the registrar does not answer STUN on its SIP port: CRLF keep-alives instead', { error: String(err) });
          this.transition('crlf');
          this.#schedule();
          return;
        }
        this.#o.logger.info('keep-alive unanswered: the flow failed', { error: String(err) });
        this.transition('lost');
        this.#schedule();
        this.#o.onFailed();
      },
    );
  }
}
