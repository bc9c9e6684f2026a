/**
 * The SIP transport contract (RFC 3261 §18): the only interface the
 * transaction layer uses to put messages on the wire and get them back.
 * `TransportLayer` implements it over UDP, TCP and TLS; tests of the layers
 * above may implement it in memory.
 *
 * Addresses are IP literals (IPv6 without brackets). Name resolution (RFC 3263)
 * happens above this layer, in sip/dns; the transport never asks a resolver.
 */
import type { SipMessage, SipResponse } from '../message/index.ts';
import type { TransportError } from './transport-error.ts';

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface Endpoint {
  protocol: TransportProtocol;
  /** IP literal; IPv6 without brackets. */
  address: string;
  port: number;
}

export interface SendTarget extends Endpoint {
  /** TLS: the name sent as SNI and checked against the server certificate (RFC 5922). */
  serverName?: string;
  /** TCP/TLS: reuse this stream (e.g. the connection a request came in on). */
  connectionId?: string;
}

/** What `send` resolves with: the endpoint actually used, plus where it left from. */
export interface SendResult extends Endpoint {
  /** The stream used, for TCP/TLS; pass it back in a later SendTarget to stay on it. */
  connectionId?: string;
  /** Local end the message left from. */
  local: Endpoint;
}

export interface IncomingMessage {
  message: SipMessage;
  source: Endpoint;
  local: Endpoint;
  /** For TCP/TLS: the stream it arrived on (responses go back on it, RFC 3261 §18.2.2). */
  connectionId?: string;
}

export interface SipTransport {
  /**
   * Sends a request: rewrites the top Via's transport and sent-by to the listener
   * used and adds ;rport (RFC 3581). Responses are sent as given. Resolves with
   * the endpoint actually used (UDP may switch to TCP for big requests,
   * RFC 3261 §18.1.1). Rejects with a TransportError.
   */
  send(message: SipMessage, target: SendTarget): Promise<Endpoint>;
  /**
   * Sends a response back per RFC 3261 §18.2.2 / RFC 3581: same connection for TCP/TLS, else received:rport.
   * `bytes`: the response already serialized (a server that also keeps it for retransmissions), sent as is.
   */
  sendResponse(response: SipResponse, to: IncomingMessage, bytes?: Buffer): Promise<void>;
  /** The handler gets every parsed message; requests already carry `received`/`rport` on their top Via. */
  onMessage(handler: (m: IncomingMessage) => void): void;
  /**
   * Optional: ICMP said nothing listens at a UDP destination (port or host
   * unreachable, seen on the flow's connected socket). The transaction layer
   * fails the client transactions waiting on it at once (RFC 3261 §8.1.3.1
   * treats it as a transport error, i.e. a 503) instead of after Timer F.
   */
  onUnreachable?(handler: (e: UnreachableEvent) => void): void;
  /** Optional: every STUN datagram received on a SIP UDP port (RFC 5626 §4.4.2 keep-alive answers). */
  onStun?(handler: (data: Buffer, source: Endpoint) => void): void;
  /** Optional: raw keep-alive bytes (a STUN Binding request) on the UDP flow to `target`. */
  sendKeepAlive?(target: Endpoint, data: Buffer): Promise<void>;
  /** sent-by for a protocol (host, port): what goes in Via and Contact. */
  localAddress(protocol: TransportProtocol, family?: 4 | 6): { host: string; port: number } | undefined;
  close(): Promise<void>;
}

/**
 * One message (or keep-alive) crossing the wire, for the UI's SIP trace.
 * `text` is exactly what was sent or received (for stream input: the message
 * as framed, re-serialized): the transport redacts NOTHING. Whoever stores or
 * shows it must redact credentials first (`redactSecrets` in electron/common/logger.ts).
 */
export interface TraceEvent {
  direction: 'in' | 'out';
  protocol: TransportProtocol;
  local: Endpoint;
  remote: Endpoint;
  connectionId?: string;
  text: string;
  /** Clock time (ms) of the event. */
  time: number;
}

export type TraceHook = (event: TraceEvent) => void;

/** 'incomplete': a message (or, on a connection a peer opened, the first one) did not arrive whole in time (slowloris). */
export type ConnectionCloseReason = 'idle' | 'remote' | 'error' | 'framing' | 'keepalive-timeout' | 'incomplete' | 'local';

/** Reported when a TCP/TLS connection goes away (e.g. an RFC 5626 flow failed). */
export interface ConnectionClosedEvent {
  connectionId: string;
  protocol: TransportProtocol;
  remote: Endpoint;
  local: Endpoint;
  reason: ConnectionCloseReason;
  /** Set when the close is a failure (error, keep-alive timeout). */
  error?: TransportError;
}

/** Reported when ICMP says a UDP destination has no listener (or no route). */
export interface UnreachableEvent {
  remote: Endpoint;
  error: TransportError;
}
