/** The SIP transport layer (RFC 3261 §18): UDP, TCP and TLS behind one `SipTransport`. */
export type {
  ConnectionClosedEvent, ConnectionCloseReason, UnreachableEvent, Endpoint, IncomingMessage, SendResult, SendTarget, SipTransport, TraceEvent, TraceHook,
  TransportProtocol,
} from './transport.ts';
export { TransportError, toTransportError } from './transport-error.ts';
export type { TransportErrorCode } from './transport-error.ts';
export { TransportLayer } from './transport-layer.ts';
export type { ConnectionInfo, ListenOptions, TransportLayerOptions } from './transport-layer.ts';
export type { TlsClientOptions, TlsServerOptions } from './stream-transport.ts';
export { addReceivedAndRport, reliableResponseTarget, stampRequestVia, unreliableResponseTarget } from './via-processing.ts';
