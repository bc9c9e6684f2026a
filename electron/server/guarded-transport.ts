/**
 * The transport as the server's transaction layer sees it: the real
 * TransportLayer, with requests from a source over its rate or blocked after
 * failed passwords dropped before a transaction exists for them (a flood
 * must not cost memory per request). Responses always pass: they answer
 * requests we sent, and so do ICMP unreachable reports (onUnreachable).
 *
 * Work in progress goes first. What arrives is sorted in two:
 *   - responses, ACKs and requests inside a dialog (To tag) finish calls and
 *     registrations already under way: handed up at once;
 *   - new requests (and CANCELs, which must not overtake the INVITE they
 *     cancel) start new work: queued, and handled a slice at a time after
 *     the event loop has read the sockets again.
 * Why: Node reads at most 32 datagrams per socket per turn of the event loop
 * and runs due timers before reading. When the server falls behind (a busy
 * shared core), one FIFO made a callee's 100/180/200 wait seconds in the
 * socket's receive buffer behind new INVITEs, while our Timer A (RFC 3261
 * §17.1.1.2) fired and sent the INVITE to the callee again after it had
 * answered; SIPp's UAS takes that as an unexpected message and drops the
 * call, so the caller's ACK and BYE reached a dead call (measured with
 * tshark at 500 calls/s: 2–7 % of the calls hung, the callee saw the ACK
 * seconds late). Reading cheaply and deferring only new work keeps the
 * receive buffer short, so responses are seen before the timers they stop.
 * The queue is bounded: beyond `maxQueued` new requests are dropped like a
 * full socket buffer would (their senders retransmit).
 */
import type { Clock } from '../common/clock.ts';
import type { Endpoint, IncomingMessage, SipTransport, TransportProtocol, UnreachableEvent } from '../sip/transport/index.ts';
import { toOf, type SipMessage, type SipResponse } from '../sip/message/index.ts';
import type { ServerStats } from './server-stats.ts';
import type { SourceGuard } from './source-guard.ts';

export interface GuardedTransportOptions {
  /** For the time slice of queued new requests. */
  clock: Clock;
  /** How queued work is resumed after the sockets were read; default setImmediate (after the poll phase). */
  defer?: (fn: () => void) => void;
  /** Milliseconds of queued new requests handled per turn of the event loop; default 4. */
  sliceMs?: number;
  /** New requests waiting at most; default 4096. */
  maxQueued?: number;
}

export class GuardedTransport implements SipTransport {
  readonly #inner: SipTransport;
  readonly #guard: SourceGuard;
  readonly #stats: ServerStats;
  readonly #clock: Clock;
  readonly #defer: (fn: () => void) => void;
  readonly #sliceMs: number;
  readonly #maxQueued: number;
  /** New requests not handled yet, oldest first (`#head` is the next one). */
  #queue: IncomingMessage[] = [];
  #head = 0;
  #scheduled = false;
  #handler: ((m: IncomingMessage) => void) | undefined;

  constructor(inner: SipTransport, guard: SourceGuard, stats: ServerStats, options: GuardedTransportOptions) {
    this.#inner = inner;
    this.#guard = guard;
    this.#stats = stats;
    this.#clock = options.clock;
    this.#defer = options.defer ?? ((fn) => void setImmediate(fn));
    this.#sliceMs = options.sliceMs ?? 4;
    this.#maxQueued = options.maxQueued ?? 4096;
  }

  /** New requests waiting to be handled. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  send(message: SipMessage, target: Parameters<SipTransport['send']>[1]): Promise<Endpoint> {
    return this.#inner.send(message, target);
  }

  sendResponse(response: SipResponse, to: IncomingMessage, bytes?: Buffer): Promise<void> {
    return this.#inner.sendResponse(response, to, bytes);
  }

  onMessage(handler: (m: IncomingMessage) => void): void {
    this.#handler = handler;
    this.#inner.onMessage((m) => {
      if (m.message.kind === 'request') {
        this.#stats.requests++;
        const verdict = this.#guard.admit(m.source.address);
        if (verdict === 'rate-limited') {
          this.#stats.rateLimited++;
          return;
        }
        if (verdict === 'blocked') {
          this.#stats.blocked++;
          return;
        }
        if (startsNewWork(m.message)) {
          this.#enqueue(m);
          return;
        }
      }
      handler(m);
    });
  }

  /** ICMP unreachable (a phone gone from its registered address): straight to the transaction layer, which fails the branch at once. */
  onUnreachable(handler: (e: UnreachableEvent) => void): void {
    this.#inner.onUnreachable?.(handler);
  }

  localAddress(protocol: TransportProtocol, family?: 4 | 6): { host: string; port: number } | undefined {
    return this.#inner.localAddress(protocol, family);
  }

  close(): Promise<void> {
    this.#queue = [];
    this.#head = 0;
    return this.#inner.close();
  }

  #enqueue(m: IncomingMessage): void {
    if (this.queued >= this.#maxQueued) {
      this.#stats.overloaded++;
      return;
    }
    this.#queue.push(m);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#defer(() => this.#drain());
    }
  }

  /** Handles queued new requests for one time slice, then lets the event loop read the sockets again. */
  #drain(): void {
    this.#scheduled = false;
    const handler = this.#handler;
    if (!handler) return;
    const until = this.#clock.now() + this.#sliceMs;
    while (this.#head < this.#queue.length) {
      const m = this.#queue[this.#head] as IncomingMessage;
      this.#head++;
      handler(m);
      if (this.#clock.now() >= until) break;
    }
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      return;
    }
    if (this.#head > 1024) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#scheduled = true;
    this.#defer(() => this.#drain());
  }
}

/** A request outside any dialog (no To tag), or a CANCEL (it must stay behind its INVITE); ACKs never. */
function startsNewWork(request: SipMessage): boolean {
  if (request.kind !== 'request' || request.method === 'ACK') return false;
  if (request.method === 'CANCEL') return true;
  try {
    return !toOf(request).params.has('tag');
  } catch {
    return true; // malformed: the transaction layer answers it, in turn
  }
}
