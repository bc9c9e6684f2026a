/**
 * What the four RFC 3261 §17 state machines have in common: the context they
 * run in (transport, clock, timer values, logger), the interfaces of their
 * transaction user (TU, RFC 3261 §17 "the layer above"), and the guard every
 * `transition()` uses to refuse a move its diagram does not draw.
 */
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { SipResponse } from '../message/index.ts';
import type { IncomingMessage, SipTransport } from '../transport/transport.ts';
import type { TimerConfig } from './timers.ts';

export interface TransactionContext {
  transport: SipTransport;
  clock: Clock;
  timers: TimerConfig;
  logger: Logger;
  /**
   * Given by a layer that keeps compact records of finished transactions
   * (`TransactionLayerOptions.lingerRecords`, a server under load): offered
   * what a transaction still needs once its only job left is absorbing
   * retransmissions, for the `ms` its timer (J, K, L or M) would have run.
   * Taken (true): the transaction ends now and the record answers for it on
   * the wire exactly as it would have; refused or absent: it lingers itself.
   */
  retire?: (record: LingerRecord, ms: number) => boolean;
}

/**
 * What a finished transaction leaves behind in a layer that keeps records
 * (see linger-records.ts):
 *   resend   — non-INVITE server, Completed (Timer J): a retransmitted request
 *              gets `response` again, sent where the request came from;
 *   accepted — INVITE server, Accepted (Timer L, RFC 6026): a retransmitted
 *              INVITE is absorbed, an ACK goes to the TU like any 2xx ACK;
 *   forward  — INVITE client, Accepted (Timer M): each 2xx the callee
 *              retransmits goes to `later`, a handler the TU made that holds
 *              far less than the TU itself (a proxy: where to send it upstream);
 *   absorb   — non-INVITE client, Completed (Timer K): response
 *              retransmissions are absorbed.
 */
export type LingerRecord =
  | { kind: 'resend'; response: SipResponse; to: IncomingMessage; bytes?: Buffer }
  | { kind: 'accepted' }
  | { kind: 'forward'; later: (response: SipResponse) => void }
  | { kind: 'absorb' };

/** The TU of a client transaction. Timeouts arrive as a synthesized 408, transport failures as a synthesized 503 (RFC 3261 §8.1.3.1). */
export interface ClientTransactionUser<Tx = unknown> {
  onResponse(response: SipResponse, tx: Tx): void;
  /**
   * Optional, INVITE only, asked when the transaction reaches Accepted on a
   * layer that keeps records: a handler for the 2xx retransmissions still to
   * come (until Timer M) that does not hold this TU. None: the transaction
   * stays, and they come to onResponse.
   */
  laterSuccess?(tx: Tx): ((response: SipResponse) => void) | undefined;
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
