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
export { TlsCertificateError, describeCertificate, verifyServerCertificate } from './tls-verify.ts';
export type { ServerTrust, TlsCertificateInfo, TlsCertificateProblem } from './tls-verify.ts';
export { TlsTrust, canonicalPin, systemCaCertificates } from './tls-trust.ts';
export type { ServerTrustSettings, TlsTrustOptions } from './tls-trust.ts';
export { checkSipIdentity, sipIdentities } from './tls-identity.ts';
export { createSelfSignedCertificate } from '../../net/x509-self-signed.ts';
export type { SelfSignedCertificate, SelfSignedOptions } from '../../net/x509-self-signed.ts';
