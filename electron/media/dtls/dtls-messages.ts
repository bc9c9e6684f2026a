/**
 * The DTLS 1.2 handshake messages DTLS-SRTP needs (RFC 6347 §4.2, RFC 5246
 * §7.4, RFC 4492 / RFC 8422 for ECDHE, RFC 5764 §4.1 use_srtp), written and
 * read with bounds checked on every field: anything short, long or out of
 * range is a DtlsError(decode_error), never an exception of another kind.
 *
 *   handshake header (12 bytes, RFC 6347 §4.2.2)
 *   ┌──────┬────────┬─────────┬───────────────┬─────────────────┐
 *   │ type │ length │ msg_seq │ fragment_off. │ fragment_length │ body…
 *   │  1   │   3    │    2    │       3       │        3        │
 *   └──────┴────────┴─────────┴───────────────┴─────────────────┘
 */
import { DtlsAlert, DtlsError } from './dtls-error.ts';

export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  helloVerifyRequest: 3,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
} as const;

export const ExtensionType = {
  supportedGroups: 10,
  ecPointFormats: 11,
  signatureAlgorithms: 13,
  useSrtp: 14,
  extendedMasterSecret: 23,
  renegotiationInfo: 0xff01,
} as const;

/** DTLS 1.2 on the wire (RFC 6347 §4.1: the 1's complement of 1.2). */
export const DTLS_1_2 = 0xfefd;
export const DTLS_1_0 = 0xfeff;

export const CipherSuite = {
  ecdheEcdsaAes128GcmSha256: 0xc02b,
  ecdheRsaAes128GcmSha256: 0xc02f,
} as const;

export const NamedGroup = { secp256r1: 23, x25519: 29 } as const;

export const SignatureScheme = { rsaPkcs1Sha256: 0x0401, ecdsaSecp256r1Sha256: 0x0403 } as const;

export interface Extension {
  type: number;
  data: Buffer;
}

export interface HandshakeFragment {
  type: number;
  /** Length of the whole message body. */
  length: number;
  seq: number;
  offset: number;
  fragment: Buffer;
}

/** A bounds-checked reader: every overrun is a decode_error. */
export class Reader {
  readonly #buf: Buffer;
  #pos = 0;
  readonly #what: string;

  constructor(buf: Buffer, what: string) {
    this.#buf = buf;
    this.#what = what;
  }

  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number): void {
    if (this.remaining < n) throw new DtlsError(DtlsAlert.decodeError, `a truncated ${this.#what}`);
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  u16(): number {
    this.#need(2);
    const v = this.#buf.readUInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }

  u24(): number {
    this.#need(3);
    const v = this.#buf.readUIntBE(this.#pos, 3);
    this.#pos += 3;
    return v;
  }

  bytes(n: number): Buffer {
    this.#need(n);
    const v = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return v;
  }

  vector8(): Buffer {
    return this.bytes(this.u8());
  }

  vector16(): Buffer {
    return this.bytes(this.u16());
  }

  vector24(): Buffer {
    return this.bytes(this.u24());
  }

  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  end(): void {
    if (this.remaining !== 0) throw new DtlsError(DtlsAlert.decodeError, `${this.remaining} stray bytes after a ${this.#what}`);
  }
}

export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

export function u24(v: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(v, 0, 3);
  return b;
}

export function vec8(data: Uint8Array): Buffer {
  if (data.length > 0xff) throw new RangeError('vector too long');
  return Buffer.concat([Buffer.from([data.length]), data]);
}

export function vec16(data: Uint8Array): Buffer {
  if (data.length > 0xffff) throw new RangeError('vector too long');
  return Buffer.concat([u16(data.length), data]);
}

export function vec24(data: Uint8Array): Buffer {
  return Buffer.concat([u24(data.length), data]);
}

function u16List(values: readonly number[]): Buffer {
  return Buffer.concat(values.map(u16));
}

function readU16List(data: Buffer, what: string): number[] {
  if (data.length % 2 !== 0) throw new DtlsError(DtlsAlert.decodeError, `an odd-length ${what}`);
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 2) out.push(data.readUInt16BE(i));
  return out;
}

// ---- handshake framing -------------------------------------------------------

/** The full message with its 12-byte header as if unfragmented: what the transcript hashes (RFC 6347 §4.2.6). */
export function handshakeMessage(type: number, seq: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), u16(seq), u24(0), u24(body.length), body]);
}

/** Splits one full message (header + body) into fragments of at most `max` body bytes. */
export function fragmentMessage(message: Buffer, max: number): Buffer[] {
  const type = message[0]!;
  const length = message.readUIntBE(1, 3);
  const seq = message.readUInt16BE(4);
  const body = message.subarray(12);
  if (body.length <= max) return [message];
  const out: Buffer[] = [];
  for (let off = 0; off < length; off += max) {
    const part = body.subarray(off, Math.min(length, off + max));
    out.push(Buffer.concat([Buffer.from([type]), u24(length), u16(seq), u24(off), u24(part.length), part]));
  }
  return out;
}

/** The handshake fragments in one record's payload. */
export function parseHandshakeFragments(payload: Buffer): HandshakeFragment[] {
  const r = new Reader(payload, 'handshake record');
  const out: HandshakeFragment[] = [];
  while (r.remaining > 0) {
    const type = r.u8();
    const length = r.u24();
    const seq = r.u16();
    const offset = r.u24();
    const fragment = r.vector24();
    if (offset + fragment.length > length) throw new DtlsError(DtlsAlert.decodeError, 'a handshake fragment past its message end');
    out.push({ type, length, seq, offset, fragment });
  }
  return out;
}

// ---- extensions --------------------------------------------------------------

export function encodeExtensions(extensions: readonly Extension[]): Buffer {
  if (extensions.length === 0) return Buffer.alloc(0);
  return vec16(Buffer.concat(extensions.map((e) => Buffer.concat([u16(e.type), vec16(e.data)]))));
}

function readExtensions(r: Reader): Extension[] {
  if (r.remaining === 0) return [];
  const block = new Reader(r.vector16(), 'extension list');
  const out: Extension[] = [];
  const seen = new Set<number>();
  while (block.remaining > 0) {
    const type = block.u16();
    const data = block.vector16();
    if (seen.has(type)) throw new DtlsError(DtlsAlert.illegalParameter, `extension ${type} twice`);
    seen.add(type);
    out.push({ type, data });
  }
  return out;
}

export function findExtension(extensions: readonly Extension[], type: number): Buffer | undefined {
  return extensions.find((e) => e.type === type)?.data;
}

/** use_srtp (RFC 5764 §4.1.1): the profiles and an MKI (which we never use). */
export function encodeUseSrtp(profiles: readonly number[]): Buffer {
  return Buffer.concat([vec16(u16List(profiles)), vec8(Buffer.alloc(0))]);
}

export function decodeUseSrtp(data: Buffer): number[] {
  const r = new Reader(data, 'use_srtp extension');
  const profiles = readU16List(r.vector16(), 'SRTP profile list');
  r.vector8();
  r.end();
  return profiles;
}

export function encodeU16ListExtension(values: readonly number[]): Buffer {
  return vec16(u16List(values));
}

export function decodeU16ListExtension(data: Buffer, what: string): number[] {
  const r = new Reader(data, what);
  const list = readU16List(r.vector16(), what);
  r.end();
  return list;
}

// ---- hellos ----------------------------------------------------------------

export interface ClientHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cookie: Buffer;
  cipherSuites: number[];
  compressionMethods: number[];
  extensions: Extension[];
}

export function encodeClientHello(m: ClientHello): Buffer {
  return Buffer.concat([
    u16(m.version), m.random, vec8(m.sessionId), vec8(m.cookie), vec16(u16List(m.cipherSuites)), vec8(Buffer.from(m.compressionMethods)),
    encodeExtensions(m.extensions),
  ]);
}

export function decodeClientHello(body: Buffer): ClientHello {
  const r = new Reader(body, 'ClientHello');
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vector8();
  const cookie = r.vector8();
  const cipherSuites = readU16List(r.vector16(), 'cipher suite list');
  const compressionMethods = [...r.vector8()];
  const extensions = readExtensions(r);
  r.end();
  if (sessionId.length > 32 || cookie.length > 255) throw new DtlsError(DtlsAlert.illegalParameter, 'an oversized session id');
  return { version, random, sessionId, cookie, cipherSuites, compressionMethods, extensions };
}

export interface HelloVerifyRequest {
  version: number;
  cookie: Buffer;
}

export function encodeHelloVerifyRequest(m: HelloVerifyRequest): Buffer {
  return Buffer.concat([u16(m.version), vec8(m.cookie)]);
}

export function decodeHelloVerifyRequest(body: Buffer): HelloVerifyRequest {
  const r = new Reader(body, 'HelloVerifyRequest');
  const version = r.u16();
  const cookie = r.vector8();
  r.end();
  return { version, cookie };
}

export interface ServerHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Extension[];
}

export function encodeServerHello(m: ServerHello): Buffer {
  return Buffer.concat([u16(m.version), m.random, vec8(m.sessionId), u16(m.cipherSuite), Buffer.from([m.compressionMethod]), encodeExtensions(m.extensions)]);
}

export function decodeServerHello(body: Buffer): ServerHello {
  const r = new Reader(body, 'ServerHello');
  const version = r.u16();
  const random = r.bytes(32);
  const sessionId = r.vector8();
  const cipherSuite = r.u16();
  const compressionMethod = r.u8();
  const extensions = readExtensions(r);
  r.end();
  return { version, random, sessionId, cipherSuite, compressionMethod, extensions };
}

// ---- certificates and key exchange -------------------------------------------

export function encodeCertificate(chain: readonly Buffer[]): Buffer {
  return vec24(Buffer.concat(chain.map(vec24)));
}

export function decodeCertificate(body: Buffer): Buffer[] {
  const r = new Reader(body, 'Certificate');
  const list = new Reader(r.vector24(), 'certificate list');
  r.end();
  const out: Buffer[] = [];
  while (list.remaining > 0) {
    if (out.length >= 10) throw new DtlsError(DtlsAlert.badCertificate, 'a certificate chain of more than 10 certificates');
    out.push(list.vector24());
  }
  return out;
}

export interface ServerKeyExchange {
  group: number;
  publicKey: Buffer;
  /** curve_type, group and point as sent: what the signature covers after both randoms. */
  params: Buffer;
  scheme: number;
  signature: Buffer;
}

/** ServerECDHParams (RFC 8422 §5.4): named_curve (3), the group, the point. */
export function ecdheParams(group: number, publicKey: Buffer): Buffer {
  return Buffer.concat([Buffer.from([3]), u16(group), vec8(publicKey)]);
}

export function encodeServerKeyExchange(params: Buffer, scheme: number, signature: Buffer): Buffer {
  return Buffer.concat([params, u16(scheme), vec16(signature)]);
}

export function decodeServerKeyExchange(body: Buffer): ServerKeyExchange {
  const r = new Reader(body, 'ServerKeyExchange');
  const curveType = r.u8();
  if (curveType !== 3) throw new DtlsError(DtlsAlert.illegalParameter, 'key exchange parameters that are not a named curve');
  const group = r.u16();
  const publicKey = r.vector8();
  const params = body.subarray(0, 4 + publicKey.length);
  const scheme = r.u16();
  const signature = r.vector16();
  r.end();
  return { group, publicKey, params, scheme, signature };
}

export interface CertificateRequest {
  certificateTypes: number[];
  schemes: number[];
}

export function encodeCertificateRequest(m: CertificateRequest): Buffer {
  return Buffer.concat([vec8(Buffer.from(m.certificateTypes)), vec16(u16List(m.schemes)), vec16(Buffer.alloc(0))]);
}

export function decodeCertificateRequest(body: Buffer): CertificateRequest {
  const r = new Reader(body, 'CertificateRequest');
  const certificateTypes = [...r.vector8()];
  const schemes = readU16List(r.vector16(), 'signature algorithm list');
  r.vector16(); // certificate_authorities: a self-signed DTLS-SRTP certificate answers none of them anyway
  r.end();
  return { certificateTypes, schemes };
}

export function decodeClientKeyExchange(body: Buffer): Buffer {
  const r = new Reader(body, 'ClientKeyExchange');
  const point = r.vector8();
  r.end();
  return point;
}

export interface CertificateVerify {
  scheme: number;
  signature: Buffer;
}

export function encodeSigned(scheme: number, signature: Buffer): Buffer {
  return Buffer.concat([u16(scheme), vec16(signature)]);
}

export function decodeCertificateVerify(body: Buffer): CertificateVerify {
  const r = new Reader(body, 'CertificateVerify');
  const scheme = r.u16();
  const signature = r.vector16();
  r.end();
  return { scheme, signature };
}
