/**
 * Typed views of the attributes offer/answer uses: rtpmap/fmtp (RFC 4566
 * §6, RFC 3551 static payload types), direction (§6, RFC 3264 §5.1), ptime,
 * a=rtcp (RFC 3605) and a=rtcp-mux (RFC 5761). The parser has already
 * checked rtpmap/fmtp syntax; these functions only interpret.
 */
import type { MediaDirection, SdpAttribute, SdpConnection, SdpMedia, SessionDescription } from './session-description.ts';
import { MEDIA_DIRECTIONS } from './session-description.ts';

export interface RtpFormat {
  payloadType: number;
  /** Encoding name as the SDP spells it (compare case-insensitively). */
  name: string;
  clockRate: number;
  channels: number;
  /** fmtp text after the payload type ("useinbandfec=1; ...", "0-16"), if any. */
  fmtp?: string;
  /** key=value pairs of the fmtp (keys lower-cased). */
  parameters: Record<string, string>;
}

/** RFC 3551 Table 4: static audio payload types a peer may use without rtpmap. */
export const STATIC_PAYLOAD_TYPES: Readonly<Record<number, { name: string; clockRate: number; channels: number }>> = {
  0: { name: 'PCMU', clockRate: 8000, channels: 1 },
  3: { name: 'GSM', clockRate: 8000, channels: 1 },
  4: { name: 'G723', clockRate: 8000, channels: 1 },
  5: { name: 'DVI4', clockRate: 8000, channels: 1 },
  6: { name: 'DVI4', clockRate: 16000, channels: 1 },
  7: { name: 'LPC', clockRate: 8000, channels: 1 },
  8: { name: 'PCMA', clockRate: 8000, channels: 1 },
  9: { name: 'G722', clockRate: 8000, channels: 1 },
  10: { name: 'L16', clockRate: 44100, channels: 2 },
  11: { name: 'L16', clockRate: 44100, channels: 1 },
  12: { name: 'QCELP', clockRate: 8000, channels: 1 },
  13: { name: 'CN', clockRate: 8000, channels: 1 },
  15: { name: 'G728', clockRate: 8000, channels: 1 },
  16: { name: 'DVI4', clockRate: 11025, channels: 1 },
  17: { name: 'DVI4', clockRate: 22050, channels: 1 },
  18: { name: 'G729', clockRate: 8000, channels: 1 },
};

export function findAttribute(attributes: SdpAttribute[], name: string): SdpAttribute | undefined {
  return attributes.find((a) => a.name === name);
}

export function findAttributes(attributes: SdpAttribute[], name: string): SdpAttribute[] {
  return attributes.filter((a) => a.name === name);
}

export function parseFmtpParameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    if (key === '' || key === '__proto__') continue;
    out[key] = part.slice(eq + 1).trim();
  }
  return out;
}

export function formatFmtpParameters(parameters: Record<string, string | number>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

/** The RTP formats of an m= section in m= order; formats without rtpmap and not static are skipped. */
export function rtpFormats(media: SdpMedia): RtpFormat[] {
  const maps = new Map<number, { name: string; clockRate: number; channels: number }>();
  const fmtps = new Map<number, string>();
  for (const a of media.attributes) {
    if (a.value === undefined) continue;
    if (a.name === 'rtpmap') {
      const m = /^(\d+) ([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(a.value);
      if (m && !maps.has(Number(m[1]))) {
        maps.set(Number(m[1]), { name: m[2]!, clockRate: Number(m[3]), channels: m[4] === undefined ? 1 : Number(m[4]) });
      }
    } else if (a.name === 'fmtp') {
      const m = /^(\d+) ?(.*)$/.exec(a.value);
      if (m && !fmtps.has(Number(m[1]))) fmtps.set(Number(m[1]), m[2]!.trim());
    }
  }
  const out: RtpFormat[] = [];
  const seen = new Set<number>();
  for (const f of media.formats) {
    if (!/^\d{1,3}$/.test(f)) continue;
    const pt = Number(f);
    if (pt > 127 || seen.has(pt)) continue;
    seen.add(pt);
    const map = maps.get(pt) ?? STATIC_PAYLOAD_TYPES[pt];
    if (!map) continue;
    const fmtp = fmtps.get(pt);
    out.push({ payloadType: pt, ...map, fmtp, parameters: fmtp === undefined ? {} : parseFmtpParameters(fmtp) });
  }
  return out;
}

/** Direction of a stream: media-level attribute, else session-level, else sendrecv (RFC 3264 §5.1). */
export function mediaDirection(media: SdpMedia, session?: SessionDescription): MediaDirection {
  const pick = (attrs: SdpAttribute[]) => attrs.find((a) => (MEDIA_DIRECTIONS as readonly string[]).includes(a.name))?.name as MediaDirection | undefined;
  return pick(media.attributes) ?? (session ? pick(session.attributes) : undefined) ?? 'sendrecv';
}

export function setMediaDirection(media: SdpMedia, direction: MediaDirection): void {
  media.attributes = media.attributes.filter((a) => !(MEDIA_DIRECTIONS as readonly string[]).includes(a.name));
  media.attributes.push({ name: direction });
}

/** The connection that applies to a stream (media c= overrides session c=). */
export function mediaConnection(media: SdpMedia, session: SessionDescription): SdpConnection | undefined {
  return media.connection ?? session.connection;
}

/**
 * RFC 2543 hold: c=0.0.0.0 (or the IPv6 unspecified address) means "do not
 * send to me"; RFC 3264 §8.4 asks us to understand it from old peers.
 */
export function isHoldAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export function packetTime(media: SdpMedia): number | undefined {
  const value = findAttribute(media.attributes, 'ptime')?.value;
  if (value === undefined || !/^\d{1,4}(\.\d+)?$/.test(value.trim())) return undefined;
  const ms = Number(value.trim());
  return ms >= 10 && ms <= 200 ? ms : undefined;
}

export interface RtcpAttribute {
  port: number;
  address?: string;
  addressType?: string;
}

/** a=rtcp:<port> [IN IP4 <address>] (RFC 3605 §2.1); undefined if absent or malformed. */
export function rtcpAttribute(media: SdpMedia): RtcpAttribute | undefined {
  const value = findAttribute(media.attributes, 'rtcp')?.value;
  if (value === undefined) return undefined;
  const m = /^(\d{1,5})(?: IN (IP4|IP6) ([0-9A-Za-z.:\-_%]+))?\s*$/.exec(value);
  if (!m || Number(m[1]) > 65535 || Number(m[1]) === 0) return undefined;
  return m[2] === undefined ? { port: Number(m[1]) } : { port: Number(m[1]), addressType: m[2], address: m[3] };
}

export function hasRtcpMux(media: SdpMedia): boolean {
  return media.attributes.some((a) => a.name === 'rtcp-mux');
}

/** First a=ssrc id of the stream, if the peer announces one (RFC 5576). */
export function announcedSsrc(media: SdpMedia): number | undefined {
  for (const a of media.attributes) {
    if (a.name !== 'ssrc' || a.value === undefined) continue;
    const m = /^(\d{1,10})(?: |$)/.exec(a.value);
    if (m && Number(m[1]) <= 0xffffffff) return Number(m[1]);
  }
  return undefined;
}
