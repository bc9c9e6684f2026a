/**
 * What the socket-level pieces (UdpTransport, StreamConnection) share with the
 * TransportLayer that owns them: logging, time, the trace hook, parser limits,
 * and the one entry point for every parsed message.
 */
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import type { ParseLimits, SipMessage } from '../message/index.ts';
import type { Endpoint, TraceEvent, TraceHook } from './transport.ts';
import type { TransportError } from './transport-error.ts';

export interface TransportContext {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly parseLimits?: Partial<ParseLimits>;
  /** Every parsed message goes here (the layer adds received/rport and dispatches). */
  deliver(message: SipMessage, source: Endpoint, local: Endpoint, connectionId?: string): void;
  /** An ICMP error says nothing listens at `remote` (a UDP flow's connected socket reported it). */
  unreachable(remote: Endpoint, error: TransportError): void;
  /** A STUN message arrived on a SIP port (an answer to an RFC 5626 keep-alive). */
  stun(data: Buffer, source: Endpoint, local: Endpoint): void;
  /** True when a trace hook is set (skip building trace text otherwise). */
  readonly tracing: boolean;
  /** Calls the trace hook if any; never throws. */
  trace(event: Omit<TraceEvent, 'time'>): void;
}

export function createTracer(hook: TraceHook | undefined, logger: Logger): TransportContext['trace'] {
  return (event) => {
    if (!hook) return;
    try {
      hook({ ...event, time: Date.now() });
    } catch (err) {
      logger.error('trace hook threw', { error: String(err) });
    }
  };
}
