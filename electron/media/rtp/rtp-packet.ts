/**
 * RTP fixed header, CSRC list and header extension (RFC 3550 §5.1, §5.3.1).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers  (CC×)      |
 * |  defined by profile (X)       |           length (X)          |
 * |                  header extension (length × 32 bits)          |
 * |                    payload ... [padding, last octet = count]  |
 *
 * Parsing never throws anything but `RtpError`; the payload is a view into
 * the input (no copy), so callers that keep it past the datagram's life must
 * copy it (Node allocates a fresh Buffer per dgram message, so they rarely do).
 */
import { RtpError } from './rtp-error.ts';

export interface RtpHeaderExtension {
  /** The 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  /** Extension data, a multiple of 4 bytes. */
  data: Uint8Array;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs: number[];
  extension?: RtpHeaderExtension;
  payload: Uint8Array;
  /** Padding octets after the payload (including the count octet); 0 = none. */
  paddingLength: number;
}

export const RTP_VERSION = 2;
export const RTP_FIXED_HEADER_LENGTH = 12;

function asBytes(input: unknown): Uint8Array {
  if (!(input instanceof Uint8Array)) throw new RtpError('invalid-input', 'RTP packet must be a Uint8Array');
  return input;
}

/**
 * Length of the RTP header (fixed part, CSRCs, extension) of `bytes`, checked
 * against the buffer — or against its first `size` bytes (SRTP: the part
 * before the tag, without a view made per packet). SRTP uses it to find
 * where encryption starts.
 */
export function rtpHeaderLength(input: Uint8Array, size?: number): number {
  const bytes = asBytes(input);
  const limit = Math.min(size ?? bytes.length, bytes.length);
  if (limit < RTP_FIXED_HEADER_LENGTH) {
    throw new RtpError('truncated', `RTP packet of ${limit} bytes is shorter than the 12-byte header`);
  }
  const version = bytes[0]! >> 6;
  if (version !== RTP_VERSION) throw new RtpError('bad-version', `RTP version ${version}, expected 2`);
  const csrcCount = bytes[0]! & 0x0f;
  let length = RTP_FIXED_HEADER_LENGTH + 4 * csrcCount;
  if (limit < length) throw new RtpError('truncated', `RTP packet too short for ${csrcCount} CSRCs`);
  if (bytes[0]! & 0x10) {
    if (limit < length + 4) throw new RtpError('truncated', 'RTP packet too short for its header extension');
    const words = (bytes[length + 2]! << 8) | bytes[length + 3]!;
    length += 4 + 4 * words;
    if (limit < length) {
      throw new RtpError('truncated', `RTP header extension of ${words} words runs past the packet end`);
    }
  }
  return length;
}

/** The big-endian 32-bit word at `at` (no DataView or Buffer view made: the RTP and SRTP per-packet paths). */
export function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export function parseRtpPacket(input: Uint8Array): RtpPacket {
  const bytes = asBytes(input);
  const headerLength = rtpHeaderLength(bytes);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const csrcCount = b0 & 0x0f;
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(readUint32(bytes, 12 + 4 * i));
  let extension: RtpHeaderExtension | undefined;
  if (b0 & 0x10) {
    const at = 12 + 4 * csrcCount;
    extension = { profile: (bytes[at]! << 8) | bytes[at + 1]!, data: bytes.subarray(at + 4, headerLength) };
  }
  let end = bytes.length;
  let paddingLength = 0;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    paddingLength = bytes[bytes.length - 1]!;
    if (paddingLength === 0 || paddingLength > bytes.length - headerLength) {
      throw new RtpError('bad-padding', `RTP padding count ${paddingLength} does not fit the ${bytes.length - headerLength}-byte payload`);
    }
    end -= paddingLength;
  }
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: (bytes[2]! << 8) | bytes[3]!,
    timestamp: readUint32(bytes, 4),
    ssrc: readUint32(bytes, 8),
    csrcs,
    extension,
    payload: bytes.subarray(headerLength, end),
    paddingLength,
  };
}

function checkUint(value: number, bits: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new RtpError('invalid-field', `RTP ${what} ${value} is not a ${bits}-bit unsigned integer`);
  }
}

/** Bytes serializeRtpPacket() makes of `packet` (checking its fields first). */
export function rtpPacketLength(packet: RtpPacket): number {
  checkUint(packet.payloadType, 7, 'payload type');
  checkUint(packet.sequenceNumber, 16, 'sequence number');
  checkUint(packet.timestamp, 32, 'timestamp');
  checkUint(packet.ssrc, 32, 'SSRC');
  const csrcs = packet.csrcs;
  if (csrcs.length > 15) throw new RtpError('invalid-field', `${csrcs.length} CSRCs, at most 15`);
  for (let i = 0; i < csrcs.length; i++) checkUint(csrcs[i]!, 32, 'CSRC');
  const ext = packet.extension;
  if (ext) {
    checkUint(ext.profile, 16, 'extension profile');
    if (ext.data.length % 4 !== 0 || ext.data.length / 4 > 0xffff) {
      throw new RtpError('invalid-field', `RTP extension of ${ext.data.length} bytes is not a whole number of 32-bit words`);
    }
  }
  checkUint(packet.paddingLength, 8, 'padding length');
  return 12 + 4 * csrcs.length + (ext ? 4 + ext.data.length : 0) + packet.payload.length + packet.paddingLength;
}

export function serializeRtpPacket(packet: RtpPacket): Buffer {
  const out = Buffer.allocUnsafe(rtpPacketLength(packet));
  writeRtpPacket(packet, out);
  return out;
}

/**
 * `packet` written into `out` from offset 0 (every byte of the packet's
 * length, padding included); returns that length. The SRTP send path
 * serializes into one kept buffer this way, the protected copy being the
 * packet that leaves.
 */
export function serializeRtpPacketInto(packet: RtpPacket, out: Uint8Array): number {
  const length = rtpPacketLength(packet);
  if (out.length < length) throw new RtpError('invalid-input', `RTP packet of ${length} bytes does not fit ${out.length}`);
  writeRtpPacket(packet, out);
  return length;
}

function put16(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 8;
  out[at + 1] = v & 0xff;
}

function put32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** Writes a checked packet (rtpPacketLength) at the start of `out`. */
function writeRtpPacket(packet: RtpPacket, out: Uint8Array): void {
  const ext = packet.extension;
  const padding = packet.paddingLength;
  const csrcs = packet.csrcs;
  out[0] = (RTP_VERSION << 6) | (padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  out[1] = (packet.marker ? 0x80 : 0) | packet.payloadType;
  put16(out, 2, packet.sequenceNumber);
  put32(out, 4, packet.timestamp);
  put32(out, 8, packet.ssrc);
  let at = 12;
  for (let i = 0; i < csrcs.length; i++, at += 4) put32(out, at, csrcs[i]!);
  if (ext) {
    put16(out, at, ext.profile);
    put16(out, at + 2, ext.data.length / 4);
    out.set(ext.data, at + 4);
    at += 4 + ext.data.length;
  }
  const payload = packet.payload;
  for (let i = 0; i < payload.length; i++) out[at + i] = payload[i]!;
  at += payload.length;
  if (padding > 0) {
    // RFC 3550 §5.1: padding octets, the last one counting them all.
    out.fill(0, at, at + padding - 1);
    out[at + padding - 1] = padding;
  }
}

/**
 * RFC 5761 §4: with rtcp-mux, a datagram whose second octet is 192–223 (RTP
 * payload types 64–95 with the marker bit set) is RTCP; everything else is RTP.
 */
export function isRtcpPacket(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  const pt = bytes[1]!;
  return pt >= 192 && pt <= 223;
}
