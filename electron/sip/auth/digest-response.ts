/**
 * The Digest "response" computation (RFC 7616 §3.4.1–§3.4.3, RFC 2617 §3.2.2,
 * RFC 3261 §22.4), shared by the client (DigestAuthenticator) and the server
 * check (verifyDigest) so both sides agree byte for byte.
 *
 *   A1 = unq(username) ":" unq(realm) ":" passwd                 (plain)
 *   A1 = H(unq(username) ":" unq(realm) ":" passwd) ":" nonce ":" cnonce   (-sess)
 *   A2 = Method ":" digest-uri                                    (qop=auth or none)
 *   A2 = Method ":" digest-uri ":" H(entity-body)                 (qop=auth-int)
 *   response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))   (qop present)
 *   response = H(H(A1) ":" nonce ":" H(A2))                       (RFC 2069, no qop)
 */
import { digestHash, isSessionAlgorithm } from './digest-algorithm.ts';
import type { DigestAlgorithm } from './digest-algorithm.ts';

export type DigestQop = 'auth' | 'auth-int';

export interface DigestInput {
  algorithm: DigestAlgorithm;
  /** The real user name (not the userhash): A1 is always computed over it. */
  username: string;
  realm: string;
  /** The password, or `ha1` = H(username:realm:password) as a registrar stores it. */
  password?: string;
  ha1?: string;
  method: string;
  /** digest-uri: the Request-URI exactly as sent (RFC 3261 §22.4). */
  uri: string;
  nonce: string;
  /** Absent for the RFC 2069 form; then nc and cnonce are not used. */
  qop?: DigestQop;
  /** 8 hex digits (RFC 2617 §3.2.2). */
  nc?: string;
  cnonce?: string;
  /** Message body for auth-int; empty when absent. */
  body?: Uint8Array | string;
}

/** H(A1) for the input, honouring -sess algorithms. */
export function computeHa1(input: DigestInput): string {
  let ha1 = input.ha1;
  if (ha1 === undefined) {
    if (input.password === undefined) throw new Error('digest: password or ha1 is required');
    ha1 = digestHash(input.algorithm, `${input.username}:${input.realm}:${input.password}`);
  }
  if (!isSessionAlgorithm(input.algorithm)) return ha1;
  if (input.cnonce === undefined) throw new Error('digest: -sess algorithms need a cnonce');
  return digestHash(input.algorithm, `${ha1}:${input.nonce}:${input.cnonce}`);
}

export function computeHa2(input: Pick<DigestInput, 'algorithm' | 'method' | 'uri' | 'qop' | 'body'>): string {
  if (input.qop === 'auth-int') {
    const hBody = digestHash(input.algorithm, input.body ?? '');
    return digestHash(input.algorithm, `${input.method}:${input.uri}:${hBody}`);
  }
  return digestHash(input.algorithm, `${input.method}:${input.uri}`);
}

/** The request-digest, lower-case hex. */
export function computeDigestResponse(input: DigestInput): string {
  const ha1 = computeHa1(input);
  const ha2 = computeHa2(input);
  if (input.qop === undefined) return digestHash(input.algorithm, `${ha1}:${input.nonce}:${ha2}`);
  if (input.nc === undefined || input.cnonce === undefined) throw new Error('digest: qop needs nc and cnonce');
  return digestHash(input.algorithm, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/** RFC 7616 §3.4.4: username = H(unq(username) ":" unq(realm)) when the server asked for userhash. */
export function computeUserhash(algorithm: DigestAlgorithm, username: string, realm: string): string {
  return digestHash(algorithm, `${username}:${realm}`);
}

/** nonce-count as 8 lower-case hex digits (RFC 2617 §3.2.2: "nc=00000001"). */
export function formatNonceCount(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) throw new RangeError(`nonce count out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}
