/**
 * What the four RFC 3261 §17 state machines have in common: the context they
 * run in (transport, clock, timer values, logger), the interfaces of their
 * transaction user (TU, RFC 3261 §17 "the layer above"), and the guard every
 * `transition()` uses to refuse a move its diagram does not draw.
 */
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { SipResponse } from '../message/index.ts';
import type { SipTransport } from '../transport/transport.ts';
import type { TimerConfig } from './timers.ts';

export interface TransactionContext {
  transport: SipTransport;
  clock: Clock;
  timers: TimerConfig;
  logger: Logger;
}

/** The TU of a client transaction. Timeouts arrive as a synthesized 408, transport failures as a synthesized 503 (RFC 3261 §8.1.3.1). */
export interface ClientTransactionUser<Tx = unknown> {
  onResponse(response: SipResponse, tx: Tx): void;
}

/** The TU of a server transaction (set by whoever handles the request; every member optional). */
export interface ServerTransactionUser<Tx = unknown> {
  /** RFC 3261 §17.2.1: Timer H fired, the ACK for a non-2xx final response never came. */
  onAckTimeout?(tx: Tx): void;
  /** RFC 3261 §17.2.1 / §17.2.2: the transport failed to send a response. */
  onTransportError?(error: Error, tx: Tx): void;
}

export type TerminatedListener = () => void;

/**
 * Throws when `to` is not drawn from `from` in the machine's diagram: an
 * illegal move is a bug in this code, not a condition of the network.
 */
export function assertTransition<S extends string>(
  machine: string,
  table: Readonly<Record<S, readonly S[]>>,
  from: S,
  to: S,
): void {
  if (!table[from].includes(to)) throw new Error(`${machine}: illegal transition ${from} -> ${to}`);
}

/** RFC 3261 §8.1.1.7: branches starting with the magic cookie are unique per transaction. */
export const MAGIC_COOKIE = 'z9hG4bK';
