/**
 * DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2) and the
 * SRTP master keys the handshake exports for them (RFC 5764 §4.2):
 *
 *   EXTRACTOR-dtls_srtp → client key ‖ server key ‖ client salt ‖ server salt
 *
 * The DTLS client protects what it sends with the client key and salt.
 * AES-256-CM (RFC 6188) has no registered profile, so it is SDES-only.
 */
import type { SrtpCryptoSuite, SrtpKeyMaterial } from '../srtp/srtp-crypto-suite.ts';
import { SRTP_SUITES } from '../srtp/srtp-crypto-suite.ts';
import { exportKeyingMaterial } from './dtls-prf.ts';

export const SRTP_PROFILES: Readonly<Record<number, SrtpCryptoSuite>> = {
  0x0001: 'AES_CM_128_HMAC_SHA1_80',
  0x0002: 'AES_CM_128_HMAC_SHA1_32',
  0x0007: 'AEAD_AES_128_GCM',
  0x0008: 'AEAD_AES_256_GCM',
};

/** Ours, strongest first (the server picks; we pick this way when we are it). */
export const DEFAULT_SRTP_PROFILES: readonly number[] = [0x0008, 0x0007, 0x0001, 0x0002];

export function profilesFor(suites: readonly SrtpCryptoSuite[] | undefined): number[] {
  if (!suites) return [...DEFAULT_SRTP_PROFILES];
  return suites.flatMap((s) => DEFAULT_SRTP_PROFILES.filter((p) => SRTP_PROFILES[p] === s));
}

export interface DtlsSrtpKeys {
  suite: SrtpCryptoSuite;
  localKey: SrtpKeyMaterial;
  remoteKey: SrtpKeyMaterial;
}

export function exportSrtpKeys(profile: number, master: Buffer, clientRandom: Buffer, serverRandom: Buffer, weAreClient: boolean): DtlsSrtpKeys {
  const suite = SRTP_PROFILES[profile];
  if (!suite) throw new RangeError(`SRTP profile ${profile} is not supported`);
  const { masterKeyLength: k, masterSaltLength: s } = SRTP_SUITES[suite];
  const m = exportKeyingMaterial(master, 'EXTRACTOR-dtls_srtp', clientRandom, serverRandom, 2 * (k + s));
  const client = { masterKey: m.subarray(0, k), masterSalt: m.subarray(2 * k, 2 * k + s) };
  const server = { masterKey: m.subarray(k, 2 * k), masterSalt: m.subarray(2 * k + s, 2 * (k + s)) };
  return weAreClient ? { suite, localKey: client, remoteKey: server } : { suite, localKey: server, remoteKey: client };
}
