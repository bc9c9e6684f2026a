/**
 * The decision on a TLS server's certificate, made after the handshake and
 * said in words a person can act on (issue "Secure calls" §1):
 *
 *   pinned fingerprints for this server? ── yes ─▶ leaf SHA-256 ∈ pins ? ok : 'pin-mismatch'
 *        │ no                                    (a pin is the user's explicit trust:
 *        ▼                                        CA and name are not asked then)
 *   chain verified by OpenSSL against our CAs? ── no ─▶ 'expired' / 'not-yet-valid' / 'untrusted' / 'invalid'
 *        │ yes
 *        ▼
 *   RFC 5922 identity = the SIP domain? ── no ─▶ 'wrong-host'
 *        │ yes
 *        ▼
 *       ok
 *
 * A refusal is a TlsCertificateError (a TransportError of code 'tls') that
 * carries the certificate's description, so the UI can show it and offer
 * "Trust this certificate for this account" (which pins its fingerprint).
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { checkSipIdentity } from './tls-identity.ts';
import type { Endpoint } from './transport.ts';
import { TransportError } from './transport-error.ts';

export type TlsCertificateProblem = 'pin-mismatch' | 'expired' | 'not-yet-valid' | 'untrusted' | 'wrong-host' | 'invalid' | 'none';

/** What a person needs to judge a certificate. */
export interface TlsCertificateInfo {
  subject: string;
  issuer: string;
  /** ISO 8601 dates. */
  validFrom: string;
  validTo: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs with colons. */
  fingerprint256: string;
  /** subjectAltName as Node prints it ("DNS:a, URI:sip:b"). */
  names: string;
  selfSigned: boolean;
}

export class TlsCertificateError extends TransportError {
  readonly problem: TlsCertificateProblem;
  readonly certificate: TlsCertificateInfo | undefined;
  /** The name the certificate was checked against (SIP domain, proxy host or IP literal). */
  readonly serverName: string;

  constructor(problem: TlsCertificateProblem, message: string, options: { endpoint?: Endpoint; certificate?: TlsCertificateInfo; serverName: string; systemCode?: string }) {
    super('tls', message, { endpoint: options.endpoint, systemCode: options.systemCode });
    this.name = 'TlsCertificateError';
    this.problem = problem;
    this.certificate = options.certificate;
    this.serverName = options.serverName;
  }
}

export interface ServerTrust {
  /** Fingerprints (canonical form) that alone are accepted for this server. */
  pins: readonly string[];
}

/** Throws a TlsCertificateError when the certificate of a finished handshake is not acceptable. */
export function verifyServerCertificate(socket: TLSSocket, serverName: string, trust: ServerTrust, endpoint?: Endpoint): TlsCertificateInfo {
  const peer = socket.getPeerCertificate(false);
  if (!peer || Object.keys(peer).length === 0) {
    throw new TlsCertificateError('invalid', `the server at ${serverName} sent no certificate`, { endpoint, serverName });
  }
  const info = describeCertificate(peer);
  if (trust.pins.length > 0) {
    if (trust.pins.includes(info.fingerprint256)) return info;
    throw new TlsCertificateError(
      'pin-mismatch',
      `the server's certificate (SHA-256 ${short(info.fingerprint256)}) is not the one trusted for this account (${trust.pins.map(short).join(', ')})`,
      { endpoint, certificate: info, serverName },
    );
  }
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? '');
    const { problem, words } = wordsFor(code, info);
    throw new TlsCertificateError(problem, words, { endpoint, certificate: info, serverName, systemCode: code || undefined });
  }
  const mismatch = checkSipIdentity(serverName, { subjectaltname: peer.subjectaltname, commonName: firstOf(peer.subject?.CN) });
  if (mismatch) throw new TlsCertificateError('wrong-host', mismatch, { endpoint, certificate: info, serverName, systemCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  return info;
}

export function describeCertificate(peer: PeerCertificate): TlsCertificateInfo {
  const subject = dn(peer.subject);
  const issuer = dn(peer.issuer);
  return {
    subject,
    issuer,
    validFrom: isoDate(peer.valid_from),
    validTo: isoDate(peer.valid_to),
    fingerprint256: peer.fingerprint256,
    names: peer.subjectaltname ?? '',
    selfSigned: subject === issuer,
  };
}

function wordsFor(code: string, c: TlsCertificateInfo): { problem: TlsCertificateProblem; words: string } {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return { problem: 'expired', words: `the server's certificate expired on ${c.validTo.slice(0, 10)}` };
    case 'CERT_NOT_YET_VALID':
      return { problem: 'not-yet-valid', words: `the server's certificate is not valid before ${c.validFrom.slice(0, 10)} (is this computer's clock right?)` };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return { problem: 'untrusted', words: `the server's certificate is self-signed (${c.subject}) and this computer does not trust it` };
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_UNTRUSTED':
      return { problem: 'untrusted', words: `the server's certificate was issued by an authority this computer does not trust (${c.issuer})` };
    default:
      return { problem: 'invalid', words: `the server's certificate was refused (${code || 'unknown reason'})` };
  }
}

function dn(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  const order = ['CN', 'O', 'OU', 'L', 'ST', 'C'];
  const parts: string[] = [];
  for (const k of order) {
    const v = (name as unknown as Record<string, string | string[] | undefined>)[k];
    if (v !== undefined) parts.push(`${k}=${Array.isArray(v) ? v.join('+') : v}`);
  }
  return parts.join(', ');
}

function firstOf(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function isoDate(text: string): string {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
}

/** The first and last bytes of a fingerprint: enough to compare by eye. */
function short(fp: string): string {
  return fp.length > 24 ? `${fp.slice(0, 11)}…${fp.slice(-11)}` : fp;
}
