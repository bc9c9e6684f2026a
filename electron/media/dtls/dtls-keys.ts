/**
 * The public-key work of the handshake on node:crypto: our identity (a
 * self-signed ECDSA P-256 certificate, RFC 5763 §5: peers recognise it by
 * the fingerprint in SDP, not by a CA), ephemeral ECDH on X25519 or P-256
 * (RFC 8422 §5.10–5.11), and the signatures that prove each side holds the
 * private key of the certificate it presented (ServerKeyExchange,
 * CertificateVerify). Without the last, a fingerprint check proves nothing:
 * anyone may replay a public certificate.
 */
import type { KeyObject } from 'node:crypto';
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify, X509Certificate } from 'node:crypto';
import { createSelfSignedCertificate } from '../../net/x509-self-signed.ts';
import { DtlsAlert, DtlsError } from './dtls-error.ts';
import { NamedGroup, SignatureScheme } from './dtls-messages.ts';

export interface DtlsIdentity {
  /** DER certificate we present. */
  certificate: Buffer;
  privateKey: KeyObject;
}

/** A fresh certificate valid from a day before `wallNow` for 30 days (a call never outlives it). */
export function createDtlsIdentity(wallNow: Date): DtlsIdentity {
  const day = 86_400_000;
  const made = createSelfSignedCertificate({
    commonName: 'Parley DTLS-SRTP',
    notBefore: new Date(wallNow.getTime() - day),
    notAfter: new Date(wallNow.getTime() + 30 * day),
  });
  return { certificate: new X509Certificate(made.cert).raw, privateKey: createPrivateKey(made.key) };
}

export interface EphemeralKey {
  group: number;
  publicKey: Buffer;
  /** The shared secret with the peer's point; a bad point is illegal_parameter. */
  agree(peer: Buffer): Buffer;
}

export function ephemeralKey(group: number): EphemeralKey {
  if (group === NamedGroup.secp256r1) {
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    return {
      group,
      publicKey,
      agree(peer) {
        if (peer.length !== 65 || peer[0] !== 4) throw new DtlsError(DtlsAlert.illegalParameter, 'a P-256 key share that is not an uncompressed point');
        try {
          return ecdh.computeSecret(peer);
        } catch {
          throw new DtlsError(DtlsAlert.illegalParameter, 'a P-256 key share that is not on the curve');
        }
      },
    };
  }
  if (group === NamedGroup.x25519) {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    return {
      group,
      publicKey: raw,
      agree(peer) {
        if (peer.length !== 32) throw new DtlsError(DtlsAlert.illegalParameter, 'an X25519 key share that is not 32 bytes');
        const theirs = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer.toString('base64url') }, format: 'jwk' });
        const secret = diffieHellman({ privateKey, publicKey: theirs });
        // RFC 8422 §5.11: an all-zero result means a small-order point.
        if (secret.every((b) => b === 0)) throw new DtlsError(DtlsAlert.illegalParameter, 'an X25519 key share of small order');
        return secret;
      },
    };
  }
  throw new DtlsError(DtlsAlert.handshakeFailure, `key exchange group ${group}, which we do not support`);
}

export function signWith(identity: DtlsIdentity, data: Buffer): { scheme: number; signature: Buffer } {
  return { scheme: SignatureScheme.ecdsaSecp256r1Sha256, signature: sign('sha256', data, { key: identity.privateKey, dsaEncoding: 'der' }) };
}

/** The peer's certificate as a key; undecodable DER is bad_certificate. */
export function certificateKey(der: Buffer): KeyObject {
  try {
    return new X509Certificate(der).publicKey;
  } catch {
    throw new DtlsError(DtlsAlert.badCertificate, 'a certificate that cannot be decoded');
  }
}

/** Checks that `signature` over `data` was made with the key of `certificate`, by `scheme`. */
export function verifySignature(certificate: Buffer, scheme: number, data: Buffer, signature: Buffer): void {
  const key = certificateKey(certificate);
  const type = key.asymmetricKeyType;
  let ok = false;
  try {
    if (scheme === SignatureScheme.ecdsaSecp256r1Sha256 && type === 'ec') ok = verify('sha256', data, { key, dsaEncoding: 'der' }, signature);
    else if (scheme === SignatureScheme.rsaPkcs1Sha256 && type === 'rsa') ok = verify('sha256', data, key, signature);
    else throw new DtlsError(DtlsAlert.illegalParameter, `a signature scheme 0x${scheme.toString(16)} that does not fit its ${type ?? 'unknown'} certificate`);
  } catch (err) {
    if (err instanceof DtlsError) throw err;
    ok = false;
  }
  if (!ok) throw new DtlsError(DtlsAlert.decryptError, 'a signature that does not match its certificate (it does not hold that certificate\'s key)');
}

let shared: DtlsIdentity | undefined;

/**
 * The process's DTLS-SRTP identity, made on first use (≈ 5 ms) and shared by
 * every call (RFC 5763 §5 lets one certificate serve many sessions; the
 * fingerprint in each SDP names it). Its validity is wall time, which only
 * peers that check it read; nothing of ours times out by it.
 */
export function processDtlsIdentity(): DtlsIdentity {
  shared ??= createDtlsIdentity(new Date());
  return shared;
}
