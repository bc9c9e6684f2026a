/**
 * Digest algorithms (RFC 7616 §3.2, §6.1; RFC 8760 registers them for SIP):
 * MD5 and MD5-sess (RFC 2617), SHA-256, SHA-512-256 and their -sess forms.
 * The "-sess" variants fold the nonce and cnonce into A1 (RFC 7616 §3.4.2).
 */
import { hash } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

interface AlgorithmInfo {
  readonly hash: string;
  readonly session: boolean;
  /** Higher is preferred when a server offers several (RFC 7616 §3.7, RFC 8760 §2.4). */
  readonly strength: number;
}

const algorithms: ReadonlyMap<string, [DigestAlgorithm, AlgorithmInfo]> = new Map([
  ['md5', ['MD5', { hash: 'md5', session: false, strength: 10 }]],
  ['md5-sess', ['MD5-sess', { hash: 'md5', session: true, strength: 9 }]],
  ['sha-256', ['SHA-256', { hash: 'sha256', session: false, strength: 20 }]],
  ['sha-256-sess', ['SHA-256-sess', { hash: 'sha256', session: true, strength: 19 }]],
  ['sha-512-256', ['SHA-512-256', { hash: 'sha512-256', session: false, strength: 30 }]],
  ['sha-512-256-sess', ['SHA-512-256-sess', { hash: 'sha512-256', session: true, strength: 29 }]],
]);

/** Every algorithm we can answer, strongest first. */
export const supportedAlgorithms: readonly DigestAlgorithm[] = [...algorithms.values()]
  .sort((a, b) => b[1].strength - a[1].strength)
  .map(([name]) => name);

/**
 * Maps the `algorithm` parameter to our name. Absent means MD5 (RFC 2617 §3.2.1);
 * tokens compare case-insensitively. Returns undefined for algorithms we don't know.
 */
export function parseAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined || token === '') return 'MD5';
  return algorithms.get(token.toLowerCase())?.[0];
}

function info(algorithm: DigestAlgorithm): AlgorithmInfo {
  const entry = algorithms.get(algorithm.toLowerCase());
  if (!entry) throw new Error(`unknown digest algorithm ${algorithm}`);
  return entry[1];
}

export function algorithmStrength(algorithm: DigestAlgorithm): number {
  return info(algorithm).strength;
}

export function isSessionAlgorithm(algorithm: DigestAlgorithm): boolean {
  return info(algorithm).session;
}

/** H(data) as lower-case hex (RFC 7616 §3.4: "H(data)" is the hex of the hash). Strings are UTF-8. */
export function digestHash(algorithm: DigestAlgorithm, data: string | Uint8Array): string {
  // The one-shot hash: no Hash object per call (a registrar computes two per REGISTER).
  return hash(info(algorithm).hash, data, 'hex');
}
