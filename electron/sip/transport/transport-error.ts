/**
 * A transport failure the layer above can act on: RFC 3261 §8.1.3.1 treats a
 * transport error like a 503 (Service Unavailable), and RFC 3263 §4.3 moves on
 * to the next resolved address. The `code` names the kind of failure so the
 * caller never parses errno strings.
 */
import type { Endpoint } from './transport.ts';

export type TransportErrorCode = 'unreachable' | 'refused' | 'timeout' | 'tls' | 'too-large' | 'closed' | 'no-listener';

export class TransportError extends Error {
  readonly code: TransportErrorCode;
  /** The destination, when known. */
  readonly endpoint?: Endpoint;
  /** The underlying errno / OpenSSL code (e.g. ECONNREFUSED, ERR_TLS_CERT_ALTNAME_INVALID). */
  readonly systemCode?: string;

  constructor(code: TransportErrorCode, message: string, options?: { endpoint?: Endpoint; cause?: unknown; systemCode?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.code = code;
    this.endpoint = options?.endpoint;
    this.systemCode = options?.systemCode;
  }
}

/** OpenSSL verification results Node reports as `err.code` (X509_V_ERR_* names without the prefix). */
const certificateCodes = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'IP_ADDRESS_MISMATCH',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
]);

const codeMap: Record<string, TransportErrorCode> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  EAFNOSUPPORT: 'unreachable',
  EINVAL: 'unreachable',
  EACCES: 'unreachable',
  EPERM: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ECONNRESET: 'closed',
  ECONNABORTED: 'closed',
  EPIPE: 'closed',
  ENOTCONN: 'closed',
  ERR_STREAM_DESTROYED: 'closed',
  ERR_STREAM_WRITE_AFTER_END: 'closed',
  ERR_SOCKET_CLOSED: 'closed',
  ERR_SOCKET_DGRAM_NOT_RUNNING: 'closed',
  EMSGSIZE: 'too-large',
};

/** Maps a Node socket / TLS error to a TransportError (an existing TransportError passes through). */
export function toTransportError(err: unknown, endpoint?: Endpoint): TransportError {
  if (err instanceof TransportError) return err;
  const e = err as (Error & { code?: unknown; library?: unknown }) | undefined;
  const sys = typeof e?.code === 'string' ? e.code : undefined;
  const text = e instanceof Error ? e.message : String(err);
  let code: TransportErrorCode = 'unreachable';
  if (sys !== undefined && codeMap[sys] !== undefined) code = codeMap[sys];
  else if (
    (sys !== undefined && (certificateCodes.has(sys) || sys.startsWith('ERR_SSL_') || sys.startsWith('ERR_TLS_'))) ||
    e?.library === 'SSL routines'
  ) {
    code = 'tls';
  }
  const where = endpoint ? ` (${endpoint.protocol} ${formatHostPort(endpoint.address, endpoint.port)})` : '';
  return new TransportError(code, `${text}${where}`, { endpoint, cause: err, systemCode: sys });
}

export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
