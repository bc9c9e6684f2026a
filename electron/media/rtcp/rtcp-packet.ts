/**
 * RTCP packets and compound packets (RFC 3550 §6.4–§6.6, validity checks of
 * Appendix A.2): SR (200), RR (201), SDES (202), BYE (203); other types (APP,
 * RFC 4585 feedback, XR) are kept as opaque `other` packets so a compound
 * with them still parses.
 *
 * Every packet starts with:
 *  0                   1                   2                   3
 * |V=2|P|   RC/SC   |      PT       |  length (32-bit words − 1)    |
 *
 * Parsing never throws anything but `RtcpError`.
 */
import { RtcpError } from './rtcp-error.ts';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const SDES_CNAME = 1;

export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, 8-bit fixed point (÷256). */
  fractionLost: number;
  /** Cumulative number of packets lost, 24-bit signed. */
  cumulativeLost: number;
  extendedHighestSequenceNumber: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from this source (0 = none). */
  lastSenderReport: number;
  /** Delay since that SR in 1/65536 s. */
  delaySinceLastSenderReport: number;
}

export interface SenderReportPacket {
  type: 'sr';
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

export interface ReceiverReportPacket {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

export interface SdesItem {
  /** 1 CNAME, 2 NAME, 3 EMAIL, 4 PHONE, 5 LOC, 6 TOOL, 7 NOTE, 8 PRIV. */
  type: number;
  value: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

export interface SourceDescriptionPacket {
  type: 'sdes';
  chunks: SdesChunk[];
}

export interface ByePacket {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

export interface OtherRtcpPacket {
  type: 'other';
  packetType: number;
  /** The 5-bit count/format field. */
  count: number;
  body: Uint8Array;
}

export type RtcpPacket = SenderReportPacket | ReceiverReportPacket | SourceDescriptionPacket | ByePacket | OtherRtcpPacket;

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

export function parseRtcpCompound(input: Uint8Array): RtcpPacket[] {
  if (!(input instanceof Uint8Array)) throw new RtcpError('invalid-input', 'RTCP packet must be a Uint8Array');
  const bytes = input;
  if (bytes.length < 4) throw new RtcpError('truncated', `RTCP packet of ${bytes.length} bytes is shorter than a header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: RtcpPacket[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 4) throw new RtcpError('truncated', `${bytes.length - at} stray bytes after RTCP packet ${packets.length}`);
    const b0 = bytes[at]!;
    if (b0 >> 6 !== 2) throw new RtcpError('bad-version', `RTCP version ${b0 >> 6}, expected 2`);
    const length = (view.getUint16(at + 2) + 1) * 4;
    if (at + length > bytes.length) {
      throw new RtcpError('bad-length', `RTCP packet ${packets.length} claims ${length} bytes, only ${bytes.length - at} left`);
    }
    let bodyEnd = at + length;
    if (b0 & 0x20) {
      // A.2: only the last packet of a compound may be padded.
      if (at + length !== bytes.length) throw new RtcpError('bad-padding', 'RTCP padding on a packet that is not the last');
      const pad = bytes[bodyEnd - 1]!;
      if (pad === 0 || pad > length - 4) throw new RtcpError('bad-padding', `RTCP padding count ${pad} does not fit`);
      bodyEnd -= pad;
    }
    packets.push(parseOne(bytes.subarray(at, bodyEnd), view, at));
    at += length;
  }
  return packets;
}

function parseOne(p: Uint8Array, view: DataView, base: number): RtcpPacket {
  const count = p[0]! & 0x1f;
  const packetType = p[1]!;
  const u32 = (off: number) => view.getUint32(base + off);
  const need = (bytes: number, what: string) => {
    if (p.length < bytes) throw new RtcpError('bad-length', `RTCP ${what} needs ${bytes} bytes, has ${p.length}`);
  };
  switch (packetType) {
    case RTCP_SR: {
      need(28 + 24 * count, `SR with ${count} report blocks`);
      return {
        type: 'sr',
        ssrc: u32(4),
        ntpSeconds: u32(8),
        ntpFraction: u32(12),
        rtpTimestamp: u32(16),
        packetCount: u32(20),
        octetCount: u32(24),
        reports: parseReportBlocks(view, base + 28, count),
      };
    }
    case RTCP_RR: {
      need(8 + 24 * count, `RR with ${count} report blocks`);
      return { type: 'rr', ssrc: u32(4), reports: parseReportBlocks(view, base + 8, count) };
    }
    case RTCP_SDES:
      return { type: 'sdes', chunks: parseSdesChunks(p, view, base, count) };
    case RTCP_BYE: {
      need(4 + 4 * count, `BYE with ${count} sources`);
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(u32(4 + 4 * i));
      let reason: string | undefined;
      const at = 4 + 4 * count;
      if (p.length > at) {
        const len = p[at]!;
        if (at + 1 + len > p.length) throw new RtcpError('bad-length', 'RTCP BYE reason runs past the packet end');
        reason = decoder.decode(p.subarray(at + 1, at + 1 + len));
      }
      return reason === undefined ? { type: 'bye', ssrcs } : { type: 'bye', ssrcs, reason };
    }
    default:
      return { type: 'other', packetType, count, body: p.subarray(4) };
  }
}

function parseReportBlocks(view: DataView, at: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++, at += 24) {
    const lostWord = view.getUint32(at + 4);
    let cumulativeLost = lostWord & 0xffffff;
    if (cumulativeLost & 0x800000) cumulativeLost -= 0x1000000;
    blocks.push({
      ssrc: view.getUint32(at),
      fractionLost: lostWord >>> 24,
      cumulativeLost,
      extendedHighestSequenceNumber: view.getUint32(at + 8),
      jitter: view.getUint32(at + 12),
      lastSenderReport: view.getUint32(at + 16),
      delaySinceLastSenderReport: view.getUint32(at + 20),
    });
  }
  return blocks;
}

function parseSdesChunks(p: Uint8Array, view: DataView, base: number, count: number): SdesChunk[] {
  const chunks: SdesChunk[] = [];
  let at = 4;
  for (let c = 0; c < count; c++) {
    if (at + 4 > p.length) throw new RtcpError('bad-length', `RTCP SDES chunk ${c} is truncated`);
    const chunk: SdesChunk = { ssrc: view.getUint32(base + at), items: [] };
    at += 4;
    for (;;) {
      if (at >= p.length) throw new RtcpError('bad-length', `RTCP SDES chunk ${c} has no terminating null item`);
      const type = p[at]!;
      if (type === 0) {
        // §6.5: the list ends with a null octet, then pads to the next 32-bit boundary.
        at = (at + 4) & ~3;
        break;
      }
      if (at + 2 > p.length) throw new RtcpError('bad-length', `RTCP SDES item in chunk ${c} is truncated`);
      const len = p[at + 1]!;
      if (at + 2 + len > p.length) throw new RtcpError('bad-length', `RTCP SDES item in chunk ${c} runs past the packet end`);
      chunk.items.push({ type, value: decoder.decode(p.subarray(at + 2, at + 2 + len)) });
      at += 2 + len;
    }
    chunks.push(chunk);
  }
  return chunks;
}

function checkUint(value: number, bits: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new RtcpError('invalid-field', `RTCP ${what} ${value} is not a ${bits}-bit unsigned integer`);
  }
}

function header(out: Buffer, count: number, packetType: number, length: number): void {
  out[0] = 0x80 | count;
  out[1] = packetType;
  out.writeUInt16BE(length / 4 - 1, 2);
}

function writeReportBlocks(out: Buffer, at: number, blocks: ReportBlock[]): void {
  for (const b of blocks) {
    checkUint(b.ssrc, 32, 'report SSRC');
    checkUint(b.fractionLost, 8, 'fraction lost');
    if (!Number.isInteger(b.cumulativeLost) || b.cumulativeLost < -0x800000 || b.cumulativeLost > 0x7fffff) {
      throw new RtcpError('invalid-field', `cumulative lost ${b.cumulativeLost} does not fit 24 signed bits`);
    }
    checkUint(b.extendedHighestSequenceNumber, 32, 'extended highest sequence number');
    checkUint(b.jitter, 32, 'jitter');
    checkUint(b.lastSenderReport, 32, 'LSR');
    checkUint(b.delaySinceLastSenderReport, 32, 'DLSR');
    out.writeUInt32BE(b.ssrc, at);
    out.writeUInt32BE(((b.fractionLost << 24) | (b.cumulativeLost & 0xffffff)) >>> 0, at + 4);
    out.writeUInt32BE(b.extendedHighestSequenceNumber, at + 8);
    out.writeUInt32BE(b.jitter, at + 12);
    out.writeUInt32BE(b.lastSenderReport, at + 16);
    out.writeUInt32BE(b.delaySinceLastSenderReport, at + 20);
    at += 24;
  }
}

export function serializeRtcpPacket(packet: RtcpPacket): Buffer {
  switch (packet.type) {
    case 'sr': {
      if (packet.reports.length > 31) throw new RtcpError('invalid-field', 'at most 31 report blocks per SR');
      const out = Buffer.alloc(28 + 24 * packet.reports.length);
      header(out, packet.reports.length, RTCP_SR, out.length);
      const fields: [number, string][] = [
        [packet.ssrc, 'SSRC'],
        [packet.ntpSeconds, 'NTP seconds'],
        [packet.ntpFraction, 'NTP fraction'],
        [packet.rtpTimestamp, 'RTP timestamp'],
        [packet.packetCount, 'packet count'],
        [packet.octetCount, 'octet count'],
      ];
      fields.forEach(([v, what], i) => {
        checkUint(v, 32, what);
        out.writeUInt32BE(v, 4 + 4 * i);
      });
      writeReportBlocks(out, 28, packet.reports);
      return out;
    }
    case 'rr': {
      if (packet.reports.length > 31) throw new RtcpError('invalid-field', 'at most 31 report blocks per RR');
      checkUint(packet.ssrc, 32, 'SSRC');
      const out = Buffer.alloc(8 + 24 * packet.reports.length);
      header(out, packet.reports.length, RTCP_RR, out.length);
      out.writeUInt32BE(packet.ssrc, 4);
      writeReportBlocks(out, 8, packet.reports);
      return out;
    }
    case 'sdes': {
      if (packet.chunks.length > 31) throw new RtcpError('invalid-field', 'at most 31 SDES chunks');
      const parts: Buffer[] = [];
      for (const chunk of packet.chunks) {
        checkUint(chunk.ssrc, 32, 'SDES SSRC');
        const items = chunk.items.map((item) => {
          checkUint(item.type, 8, 'SDES item type');
          if (item.type === 0) throw new RtcpError('invalid-field', 'SDES item type 0 is the terminator');
          const text = encoder.encode(item.value);
          if (text.length > 255) throw new RtcpError('invalid-field', `SDES item of ${text.length} bytes, at most 255`);
          return Buffer.concat([Buffer.from([item.type, text.length]), text]);
        });
        const body = 4 + items.reduce((n, b) => n + b.length, 0);
        const padded = (body + 4) & ~3; // at least one null octet
        const chunkBuf = Buffer.alloc(padded);
        chunkBuf.writeUInt32BE(chunk.ssrc, 0);
        Buffer.concat(items).copy(chunkBuf, 4);
        parts.push(chunkBuf);
      }
      const body = Buffer.concat(parts);
      const out = Buffer.alloc(4 + body.length);
      header(out, packet.chunks.length, RTCP_SDES, out.length);
      body.copy(out, 4);
      return out;
    }
    case 'bye': {
      if (packet.ssrcs.length > 31) throw new RtcpError('invalid-field', 'at most 31 sources per BYE');
      const reason = packet.reason === undefined ? undefined : encoder.encode(packet.reason);
      if (reason && reason.length > 255) throw new RtcpError('invalid-field', 'BYE reason longer than 255 bytes');
      const raw = 4 + 4 * packet.ssrcs.length + (reason ? 1 + reason.length : 0);
      const out = Buffer.alloc((raw + 3) & ~3);
      header(out, packet.ssrcs.length, RTCP_BYE, out.length);
      packet.ssrcs.forEach((s, i) => {
        checkUint(s, 32, 'BYE SSRC');
        out.writeUInt32BE(s, 4 + 4 * i);
      });
      if (reason) {
        out[4 + 4 * packet.ssrcs.length] = reason.length;
        out.set(reason, 5 + 4 * packet.ssrcs.length);
      }
      return out;
    }
    case 'other': {
      checkUint(packet.packetType, 8, 'packet type');
      checkUint(packet.count, 5, 'count');
      if (packet.body.length % 4 !== 0) throw new RtcpError('invalid-field', 'RTCP body must be a whole number of 32-bit words');
      const out = Buffer.alloc(4 + packet.body.length);
      header(out, packet.count, packet.packetType, out.length);
      out.set(packet.body, 4);
      return out;
    }
  }
}

/** A compound packet (§6.1): the packets back to back, none padded. */
export function serializeRtcpCompound(packets: RtcpPacket[]): Buffer {
  return Buffer.concat(packets.map(serializeRtcpPacket));
}
