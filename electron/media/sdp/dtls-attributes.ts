/**
 * The SDP of DTLS-SRTP (RFC 5763 §5, RFC 8122, RFC 4145):
 *
 *   m=audio 49170 UDP/TLS/RTP/SAVP 0
 *   a=fingerprint:sha-256 4A:AD:B9:…:B3   the certificate the peer will present (media or session level)
 *   a=setup:actpass                        who starts the handshake (actpass | active | passive)
 *
 * The offerer says actpass; the answerer picks active (it sends the
 * ClientHello, RFC 5763 §5) unless the offer forces a role. A fingerprint we
 * cannot read, an unknown hash or a setup we cannot follow makes the stream
 * unusable (488 for an offer), never an exception of another kind.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { findAttribute, findAttributes } from './sdp-attributes.ts';
import type { SdpMedia, SessionDescription } from './session-description.ts';

export const DTLS_PROFILES: ReadonlySet<string> = new Set(['UDP/TLS/RTP/SAVP', 'UDP/TLS/RTP/SAVPF']);

/** RFC 8122 §5 hash names node:crypto can compute (md5 and md2 are refused: RFC 8122 §5 forbids them). */
const HASHES: Readonly<Record<string, { node: string; bytes: number }>> = {
  'sha-1': { node: 'sha1', bytes: 20 },
  'sha-224': { node: 'sha224', bytes: 28 },
  'sha-256': { node: 'sha256', bytes: 32 },
  'sha-384': { node: 'sha384', bytes: 48 },
  'sha-512': { node: 'sha512', bytes: 64 },
};

export interface CertificateFingerprint {
  /** Lower-case RFC 8122 name: 'sha-256'. */
  algorithm: string;
  value: Buffer;
}

export type SetupRole = 'actpass' | 'active' | 'passive';

export function formatFingerprint(f: CertificateFingerprint): string {
  return `${f.algorithm} ${[...f.value].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')}`;
}

export function fingerprintOf(certificate: Buffer, algorithm = 'sha-256'): CertificateFingerprint {
  const h = HASHES[algorithm];
  if (!h) throw new RangeError(`hash ${algorithm} is not supported`);
  return { algorithm, value: createHash(h.node).update(certificate).digest() };
}

/** One a=fingerprint value, or a reason it cannot be used. */
export function parseFingerprint(text: string): { fingerprint?: CertificateFingerprint; reason?: string } {
  const m = /^\s*([A-Za-z0-9-]{1,16})\s+([0-9A-Fa-f:]{1,200})\s*$/.exec(text);
  if (!m) return { reason: 'a=fingerprint is not "<hash> <hex pairs>"' };
  const algorithm = m[1]!.toLowerCase();
  const h = HASHES[algorithm];
  if (!h) return { reason: `a=fingerprint uses hash ${algorithm.slice(0, 16)}, which we do not accept` };
  const pairs = m[2]!.split(':');
  if (pairs.length !== h.bytes || pairs.some((p) => !/^[0-9A-Fa-f]{2}$/.test(p))) return { reason: `a=fingerprint is not ${h.bytes} hex pairs for ${algorithm}` };
  return { fingerprint: { algorithm, value: Buffer.from(pairs.join(''), 'hex') } };
}

/** The stream's fingerprints (media level, else session level), usable ones only. */
export function streamFingerprints(media: SdpMedia, session: SessionDescription): { fingerprints: CertificateFingerprint[]; reasons: string[] } {
  const lines = findAttributes(media.attributes, 'fingerprint');
  const from = lines.length > 0 ? lines : findAttributes(session.attributes, 'fingerprint');
  const fingerprints: CertificateFingerprint[] = [];
  const reasons: string[] = [];
  for (const line of from.slice(0, 8)) {
    const { fingerprint, reason } = parseFingerprint(line.value ?? '');
    if (fingerprint) fingerprints.push(fingerprint);
    else if (reason) reasons.push(reason);
  }
  return { fingerprints, reasons };
}

/** a=setup (media level, else session level); RFC 4145 §4: absent means active. Undefined: a value we cannot follow. */
export function streamSetup(media: SdpMedia, session: SessionDescription): SetupRole | 'holdconn' | undefined {
  const line = findAttribute(media.attributes, 'setup') ?? findAttribute(session.attributes, 'setup');
  if (!line) return 'active';
  const v = (line.value ?? '').trim().toLowerCase();
  return v === 'actpass' || v === 'active' || v === 'passive' || v === 'holdconn' ? v : undefined;
}

/** Does the certificate match one of the fingerprints (any of the hashes the peer gave)? */
export function certificateMatches(certificate: Buffer, fingerprints: readonly CertificateFingerprint[]): boolean {
  return fingerprints.some((f) => {
    const ours = fingerprintOf(certificate, f.algorithm).value;
    return ours.length === f.value.length && timingSafeEqual(ours, f.value);
  });
}
