/**
 * STUN messages (RFC 8489 §5, §14): the 20-byte header (type, length, the
 * magic cookie 0x2112A442, a 96-bit transaction id) and the attributes a
 * Binding exchange and ICE connectivity checks use: (XOR-)MAPPED-ADDRESS,
 * USERNAME, MESSAGE-INTEGRITY (HMAC-SHA1, §14.5), FINGERPRINT (CRC-32 xor
 * 0x5354554E, §14.7), ERROR-CODE, SOFTWARE, and ICE's PRIORITY,
 * USE-CANDIDATE, ICE-CONTROLLED/-CONTROLLING (RFC 8445 §16.1). Unknown
 * attributes are kept as raw bytes. Decoding never throws on hostile input
 * other than a StunParseError.
 *
 * Lives outside sip/ and media/ because both use it: SIP for RFC 5626 flow
 * keep-alives on UDP, media for server-reflexive candidates and ICE.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const MAGIC_COOKIE = 0x2112a442;
const HEADER = 20;

/** node:zlib only when a FINGERPRINT is made or checked: loaded at start, it costs an idle phone ≈ 0.4 MB. */
const crc32 = (data: Uint8Array): number => process.getBuiltinModule('node:zlib').crc32(data);

/** Method and class combined into the 14-bit type (RFC 8489 §5): Binding, and TURN's methods (RFC 8656 §17). */
export const StunType = {
  bindingRequest: 0x0001,
  bindingIndication: 0x0011,
  bindingSuccess: 0x0101,
  bindingError: 0x0111,
  allocateRequest: 0x0003,
  refreshRequest: 0x0004,
  sendIndication: 0x0016,
  dataIndication: 0x0017,
  createPermissionRequest: 0x0008,
  channelBindRequest: 0x0009,
} as const;

/** The class bits of a type (RFC 8489 §5): request, indication, success or error response. */
export function stunClass(type: number): 'request' | 'indication' | 'success' | 'error' {
  const c = ((type >> 7) & 0x2) | ((type >> 4) & 0x1);
  return c === 0 ? 'request' : c === 1 ? 'indication' : c === 2 ? 'success' : 'error';
}

/** The method bits of a type (RFC 8489 §5), without the class. */
export function stunMethod(type: number): number {
  return type & 0x3eef;
}

/** The success (or error) response type of a request type. */
export function responseType(requestType: number, error = false): number {
  return stunMethod(requestType) | (error ? 0x0110 : 0x0100);
}

export const StunAttr = {
  mappedAddress: 0x0001,
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  unknownAttributes: 0x000a,
  realm: 0x0014,
  nonce: 0x0015,
  channelNumber: 0x000c,
  lifetime: 0x000d,
  xorPeerAddress: 0x0012,
  data: 0x0013,
  xorRelayedAddress: 0x0016,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
  priority: 0x0024,
  useCandidate: 0x0025,
  software: 0x8022,
  fingerprint: 0x8028,
  iceControlled: 0x8029,
  iceControlling: 0x802a,
} as const;

export interface TransportAddress {
  family: 4 | 6;
  address: string;
  port: number;
}

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  type: number;
  /** 12 bytes. */
  transactionId: Buffer;
  attributes: StunAttribute[];
}

export class StunParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StunParseError';
  }
}

/**
 * True when `buf` looks like a STUN message (RFC 8489 §6.3, RFC 7983 §7):
 * first two bits zero, the magic cookie in place, a length that is a
 * multiple of 4 and matches the datagram. What lets one UDP port carry SIP
 * (which starts with a letter) and STUN side by side (RFC 5626 §4.4.2).
 */
export function isStun(buf: Uint8Array): boolean {
  if (buf.length < HEADER || (buf[0]! & 0xc0) !== 0) return false;
  const length = (buf[2]! << 8) | buf[3]!;
  if (length % 4 !== 0 || length + HEADER !== buf.length) return false;
  return buf[4] === 0x21 && buf[5] === 0x12 && buf[6] === 0xa4 && buf[7] === 0x42;
}

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

export function decodeStun(buf: Uint8Array): StunMessage {
  if (!isStun(buf)) throw new StunParseError('not a STUN message');
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const type = b.readUInt16BE(0);
  const transactionId = Buffer.from(b.subarray(8, 20));
  const attributes: StunAttribute[] = [];
  let off = HEADER;
  while (off < b.length) {
    if (off + 4 > b.length) throw new StunParseError('truncated attribute header');
    const t = b.readUInt16BE(off);
    const len = b.readUInt16BE(off + 2);
    if (off + 4 + len > b.length) throw new StunParseError(`attribute 0x${t.toString(16)} overruns the message`);
    attributes.push({ type: t, value: Buffer.from(b.subarray(off + 4, off + 4 + len)) });
    off += 4 + len + ((4 - (len % 4)) % 4);
    if (attributes.length > 64) throw new StunParseError('too many attributes');
  }
  return { type, transactionId, attributes };
}

export interface EncodeOptions {
  /** Short-term credential key (ICE: the peer's password) for MESSAGE-INTEGRITY. */
  integrityKey?: string | Buffer;
  /** Append FINGERPRINT (default true). */
  fingerprint?: boolean;
}

export function encodeStun(message: StunMessage, opts: EncodeOptions = {}): Buffer {
  if (message.transactionId.length !== 12) throw new RangeError('STUN transaction id must be 12 bytes');
  const parts: Buffer[] = [];
  for (const a of message.attributes) {
    if (a.type === StunAttr.messageIntegrity || a.type === StunAttr.fingerprint) continue;
    parts.push(attributeBytes(a.type, a.value));
  }
  let body = Buffer.concat(parts);
  if (opts.integrityKey !== undefined) {
    // §14.5: the HMAC covers the header (with the length counting MESSAGE-INTEGRITY itself) and what precedes it.
    const head = header(message.type, body.length + 24, message.transactionId);
    const mac = createHmac('sha1', opts.integrityKey).update(head).update(body).digest();
    body = Buffer.concat([body, attributeBytes(StunAttr.messageIntegrity, mac)]);
  }
  if (opts.fingerprint ?? true) {
    const head = header(message.type, body.length + 8, message.transactionId);
    const crc = (crc32(Buffer.concat([head, body])) ^ 0x5354554e) >>> 0;
    const v = Buffer.alloc(4);
    v.writeUInt32BE(crc);
    body = Buffer.concat([body, attributeBytes(StunAttr.fingerprint, v)]);
  }
  return Buffer.concat([header(message.type, body.length, message.transactionId), body]);
}

/** §14.7: the FINGERPRINT (when present) matches. Absent is not a failure here; ICE requires it separately. */
export function fingerprintValid(buf: Uint8Array): boolean {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < HEADER + 8 || b.readUInt16BE(b.length - 8) !== StunAttr.fingerprint) return true;
  const crc = (crc32(b.subarray(0, b.length - 8)) ^ 0x5354554e) >>> 0;
  return crc === b.readUInt32BE(b.length - 4);
}

/** §14.5: MESSAGE-INTEGRITY checks out under `key` (false when absent). */
export function integrityValid(buf: Uint8Array, key: string | Buffer): boolean {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = HEADER;
  while (off + 4 <= b.length) {
    const t = b.readUInt16BE(off);
    const len = b.readUInt16BE(off + 2);
    if (t === StunAttr.messageIntegrity) {
      if (len !== 20 || off + 24 > b.length) return false;
      const head = Buffer.from(b.subarray(0, HEADER));
      head.writeUInt16BE(off - HEADER + 24, 2);
      const mac = createHmac('sha1', key).update(head).update(b.subarray(HEADER, off)).digest();
      return mac.equals(b.subarray(off + 4, off + 24));
    }
    off += 4 + len + ((4 - (len % 4)) % 4);
  }
  return false;
}

export function attribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

/** XOR-MAPPED-ADDRESS (§14.2), else MAPPED-ADDRESS (§14.1, RFC 3489 servers). */
export function mappedAddress(message: StunMessage): TransportAddress | undefined {
  const x = attribute(message, StunAttr.xorMappedAddress);
  if (x) return decodeAddress(x, message.transactionId, true);
  const m = attribute(message, StunAttr.mappedAddress);
  return m ? decodeAddress(m, message.transactionId, false) : undefined;
}

export function xorAddressAttribute(addr: TransportAddress, transactionId: Buffer, type: number = StunAttr.xorMappedAddress): StunAttribute {
  return { type, value: encodeAddress(addr, transactionId, true) };
}

/** An XOR-encoded address attribute of any type (XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS: RFC 8656 §18). */
export function xorAddress(message: StunMessage, type: number): TransportAddress | undefined {
  const v = attribute(message, type);
  return v ? decodeAddress(v, message.transactionId, true) : undefined;
}

/** A 32-bit attribute value (LIFETIME, PRIORITY). */
export function uint32Attribute(type: number, value: number): StunAttribute {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(value >>> 0);
  return { type, value: v };
}

/** ERROR-CODE (§14.8): code and reason. */
export function errorCode(message: StunMessage): { code: number; reason: string } | undefined {
  const v = attribute(message, StunAttr.errorCode);
  if (!v || v.length < 4) return undefined;
  return { code: (v[2]! & 0x7) * 100 + v[3]!, reason: v.subarray(4).toString('utf8') };
}

export function stringAttribute(type: number, text: string): StunAttribute {
  return { type, value: Buffer.from(text, 'utf8') };
}

function header(type: number, length: number, transactionId: Buffer): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(h, 8);
  return h;
}

function attributeBytes(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const out = Buffer.alloc(4 + value.length + pad);
  out.writeUInt16BE(type, 0);
  out.writeUInt16BE(value.length, 2);
  value.copy(out, 4);
  return out;
}

function decodeAddress(v: Buffer, transactionId: Buffer, xor: boolean): TransportAddress | undefined {
  if (v.length < 8) return undefined;
  const family = v[1] === 0x01 ? 4 : v[1] === 0x02 ? 6 : undefined;
  if (family === undefined || v.length !== (family === 4 ? 8 : 20)) return undefined;
  let port = v.readUInt16BE(2);
  const raw = Buffer.from(v.subarray(4));
  if (xor) {
    port ^= MAGIC_COOKIE >>> 16;
    const mask = Buffer.alloc(16);
    mask.writeUInt32BE(MAGIC_COOKIE, 0);
    transactionId.copy(mask, 4);
    for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! ^ mask[i]!;
  }
  if (family === 4) return { family, address: [...raw].join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(raw.readUInt16BE(i).toString(16));
  return { family, address: compressIpv6(groups), port };
}

function encodeAddress(addr: TransportAddress, transactionId: Buffer, xor: boolean): Buffer {
  const raw = addr.family === 4 ? Buffer.from(addr.address.split('.').map(Number)) : ipv6Bytes(addr.address);
  const v = Buffer.alloc(4 + raw.length);
  v[1] = addr.family === 4 ? 0x01 : 0x02;
  let port = addr.port;
  if (xor) {
    port ^= MAGIC_COOKIE >>> 16;
    const mask = Buffer.alloc(16);
    mask.writeUInt32BE(MAGIC_COOKIE, 0);
    transactionId.copy(mask, 4);
    for (let i = 0; i < raw.length; i++) raw[i] = raw[i]! ^ mask[i]!;
  }
  v.writeUInt16BE(port, 2);
  raw.copy(v, 4);
  return v;
}

function ipv6Bytes(text: string): Buffer {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? new Array<string>(8 - h.length - t.length).fill('0') : [];
  const groups = [...h, ...fill, ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) || 0, i * 2));
  return out;
}

function compressIpv6(groups: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}
