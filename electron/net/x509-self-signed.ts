/**
 * A self-signed X.509 v3 certificate (RFC 5280) for our TLS listener and our
 * DTLS-SRTP media (media/dtls/, identified by its fingerprint in SDP), made
 * with node:crypto alone: an ECDSA P-256 key (RFC 5480), the TBSCertificate
 * written in DER here (≈ 60 lines of ASN.1), signed with ecdsa-with-SHA256
 * (RFC 5758 §3.2). A peer cannot chain it to a CA: it pins its SHA-256
 * fingerprint instead (Settings shows it), as RFC 5922 §7.3 allows for a
 * certificate exchanged out of band.
 *
 * Why not a library: @peculiar/x509 needs a global `reflect-metadata`
 * polyfill and 4.7 MB of ASN.1 schemas; node-forge generates RSA keys in
 * JavaScript (seconds) and is 1.6 MB. One fixed certificate shape does not
 * need either; generation here takes ≈ 3–5 ms (measured, key pair included).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface SelfSignedOptions {
  /** Subject and issuer common name, e.g. "Parley on host". */
  commonName: string;
  /** subjectAltName dNSName entries (RFC 5922 §7.1 matches the SIP domain against them). */
  dnsNames?: readonly string[];
  /** subjectAltName iPAddress entries. */
  ipAddresses?: readonly string[];
  /** subjectAltName URI entries, e.g. "sip:host" (RFC 5922 §7.1). */
  uris?: readonly string[];
  notBefore: Date;
  notAfter: Date;
}

export interface SelfSignedCertificate {
  /** PEM "CERTIFICATE". */
  cert: string;
  /** PEM "PRIVATE KEY" (PKCS #8). */
  key: string;
  /** SHA-256 of the DER certificate, upper-case hex pairs with colons (as `openssl x509 -fingerprint -sha256` prints). */
  fingerprint256: string;
}

export function createSelfSignedCertificate(options: SelfSignedOptions): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
  const name = seq(set(seq(oid('2.5.4.3'), utf8(options.commonName))));
  const san: Buffer[] = [
    ...(options.dnsNames ?? []).map((d) => tlv(0x82, Buffer.from(d, 'ascii'))),
    ...(options.uris ?? []).map((u) => tlv(0x86, Buffer.from(u, 'ascii'))),
    ...(options.ipAddresses ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  const extensions: Buffer[] = [
    // basicConstraints: not a CA (critical).
    seq(oid('2.5.29.19'), bool(true), octets(seq())),
    // keyUsage: digitalSignature (critical).
    seq(oid('2.5.29.15'), bool(true), octets(bitString(Buffer.from([0x80]), 7))),
    // extKeyUsage: serverAuth, clientAuth (we also present it when a server asks for a client certificate).
    seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))),
    // subjectKeyIdentifier: SHA-1 of the key bits (RFC 5280 §4.2.1.2 method 1).
    seq(oid('2.5.29.14'), octets(octets(createHash('sha1').update(spki.subarray(spki.length - 65)).digest()))),
  ];
  if (san.length > 0) extensions.push(seq(oid('2.5.29.17'), octets(seq(...san))));
  const serial = randomBytes(16);
  // Positive and minimal (X.690 §8.3.2: no leading 0x00 unless the next bit is set): first octet 0x01–0x7f.
  serial[0] = (serial[0]! % 0x7f) + 1;
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ecdsaWithSha256,
    name,
    seq(time(options.notBefore), time(options.notAfter)),
    name,
    spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, privateKey); // DER ECDSA-Sig-Value, as X.509 wants it
  const der = seq(tbs, ecdsaWithSha256, bitString(signature, 0));
  const cert = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
}

// --- DER (ITU-T X.690) ---

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else if (n < 0x100) len = Buffer.from([0x81, n]);
  else if (n < 0x10000) len = Buffer.from([0x82, n >> 8, n & 0xff]);
  else throw new RangeError('DER value too long for a certificate');
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

function integer(bytes: Buffer): Buffer {
  // A leading 0x00 keeps a value with its top bit set positive.
  return tlv(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function bool(v: boolean): Buffer {
  return tlv(0x01, Buffer.from([v ? 0xff : 0]));
}

function octets(body: Buffer): Buffer {
  return tlv(0x04, body);
}

function bitString(body: Buffer, unusedBits: number): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), body]));
}

function utf8(text: string): Buffer {
  return tlv(0x0c, Buffer.from(text, 'utf8'));
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [];
    let v = p;
    do {
      chunk.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < chunk.length - 1; i++) chunk[i]! |= 0x80;
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z'); // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2), 'ascii')) : tlv(0x18, Buffer.from(iso, 'ascii'));
}

function ipBytes(ip: string): Buffer {
  const v = isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map(Number));
  if (v !== 6) throw new Error(`not an IP address: ${ip}`);
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}
