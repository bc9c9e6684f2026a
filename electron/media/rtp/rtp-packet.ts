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
 * against the buffer. SRTP uses it to find where encryption starts.
 */
export function rtpHeaderLength(input: Uint8Array): number {
  const bytes = asBytes(input);
  if (bytes.length < RTP_FIXED_HEADER_LENGTH) {
    throw new RtpError('truncated', `RTP packet of ${bytes.length} bytes is shorter than the 12-byte header`);
  }
  const version = bytes[0]! >> 6;
  if (version !== RTP_VERSION) throw new RtpError('bad-version', `RTP version ${version}, expected 2`);
  const csrcCount = bytes[0]! & 0x0f;
  let length = RTP_FIXED_HEADER_LENGTH + 4 * csrcCount;
  if (bytes.length < length) throw new RtpError('truncated', `RTP packet too short for ${csrcCount} CSRCs`);
  if (bytes[0]! & 0x10) {
    if (bytes.length < length + 4) throw new RtpError('truncated', 'RTP packet too short for its header extension');
    const words = (bytes[length + 2]! << 8) | bytes[length + 3]!;
    length += 4 + 4 * words;
    if (bytes.length < length) {
      throw new RtpError('truncated', `RTP header extension of ${words} words runs past the packet end`);
    }
  }
  return length;
}

export function parseRtpPacket(input: Uint8Array): RtpPacket {
  const bytes = asBytes(input);
  const headerLength = rtpHeaderLength(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  const csrcCount = b0 & 0x0f;
  const csrcs: number[] = [];
  for (let i = 0; i < csrcCount; i++) csrcs.push(view.getUint32(12 + 4 * i));
  let extension: RtpHeaderExtension | undefined;
  if (b0 & 0x10) {
    const at = 12 + 4 * csrcCount;
    extension = { profile: view.getUint16(at), data: bytes.subarray(at + 4, headerLength) };
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
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
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

export function serializeRtpPacket(packet: RtpPacket): Buffer {
  checkUint(packet.payloadType, 7, 'payload type');
  checkUint(packet.sequenceNumber, 16, 'sequence number');
  checkUint(packet.timestamp, 32, 'timestamp');
  checkUint(packet.ssrc, 32, 'SSRC');
  if (packet.csrcs.length > 15) throw new RtpError('invalid-field', `${packet.csrcs.length} CSRCs, at most 15`);
  packet.csrcs.forEach((c) => checkUint(c, 32, 'CSRC'));
  const ext = packet.extension;
  if (ext) {
    checkUint(ext.profile, 16, 'extension profile');
    if (ext.data.length % 4 !== 0 || ext.data.length / 4 > 0xffff) {
      throw new RtpError('invalid-field', `RTP extension of ${ext.data.length} bytes is not a whole number of 32-bit words`);
    }
  }
  const padding = packet.paddingLength;
  checkUint(padding, 8, 'padding length');
  const headerLength = 12 + 4 * packet.csrcs.length + (ext ? 4 + ext.data.length : 0);
  const out = Buffer.alloc(headerLength + packet.payload.length + padding);
  out[0] = (RTP_VERSION << 6) | (padding > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | packet.csrcs.length;
  out[1] = (packet.marker ? 0x80 : 0) | packet.payloadType;
  out.writeUInt16BE(packet.sequenceNumber, 2);
  out.writeUInt32BE(packet.timestamp, 4);
  out.writeUInt32BE(packet.ssrc, 8);
  let at = 12;
  for (const c of packet.csrcs) {
    out.writeUInt32BE(c, at);
    at += 4;
  }
  if (ext) {
    out.writeUInt16BE(ext.profile, at);
    out.writeUInt16BE(ext.data.length / 4, at + 2);
    out.set(ext.data, at + 4);
    at += 4 + ext.data.length;
  }
  out.set(packet.payload, at);
  if (padding > 0) out[out.length - 1] = padding;
  return out;
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
