/**
 * The certificate our SIP TLS listener presents (issue "Secure calls" §2):
 * `<dataDir>/tls/certificate.pem` and `key.pem`. A user who has a real
 * certificate puts it there; otherwise a self-signed one is made on first
 * use (sip/transport/tls-self-signed.ts) and kept, so its SHA-256
 * fingerprint — shown in Settings — stays the same and a peer can pin it.
 * The key file is written 0600, like the secrets file.
 */
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isoTime } from '../common/iso-time.ts';
import { createSelfSignedCertificate } from '../net/x509-self-signed.ts';

export interface ListenerCertificate {
  cert: string;
  key: string;
  fingerprint256: string;
  subject: string;
  validTo: string;
  /** True when Parley made it (no CA vouches for it: peers pin the fingerprint). */
  selfSigned: boolean;
  certFile: string;
}

const TEN_YEARS_MS = 3650 * 86_400_000;

export function listenerCertificate(dataDir: string, addresses: readonly string[], now = Date.now()): ListenerCertificate {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'certificate.pem');
  const keyFile = join(dir, 'key.pem');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const host = hostname().toLowerCase();
    const made = createSelfSignedCertificate({
      commonName: `Parley on ${host}`,
      dnsNames: [host, 'localhost'],
      ipAddresses: [...new Set(['127.0.0.1', '::1', ...addresses.filter((a) => a !== '0.0.0.0' && a !== '::')])],
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + TEN_YEARS_MS),
    });
    // Key first, each written whole then renamed: a crash never leaves a certificate without its key.
    writeFileSync(`${keyFile}.tmp`, made.key, { mode: 0o600 });
    renameSync(`${keyFile}.tmp`, keyFile);
    writeFileSync(`${certFile}.tmp`, made.cert);
    renameSync(`${certFile}.tmp`, certFile);
  }
  chmodSync(keyFile, 0o600);
  const cert = readFileSync(certFile, 'utf8');
  const x = new X509Certificate(cert);
  return {
    cert,
    key: readFileSync(keyFile, 'utf8'),
    fingerprint256: x.fingerprint256,
    subject: x.subject,
    // Not Date's toISOString: it would load ICU's time-zone data into an idle phone (common/iso-time.ts).
    validTo: isoTime(Date.parse(x.validTo)),
    selfSigned: x.subject === x.issuer,
    certFile,
  };
}
