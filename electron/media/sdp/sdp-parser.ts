/**
 * SDP text → SessionDescription (RFC 4566 §5), written to face hostile input:
 * size, line count, line length, m-line count and per-section attribute
 * count are bounded *before* the work they would cost, and every defect is
 * an SdpError naming the line — never a TypeError, never a hang.
 *
 * Deliberate leniencies, each seen in deployed peers: LF without CR, blank
 * lines, a missing s= or t= (defaulted), unknown type letters (skipped, where
 * RFC 4566 §5 would reject the whole description). Strictness where it
 * protects us: v=0 first, o= present and well-formed, numeric ports 0–65535,
 * RTP payload types 0–127, well-formed rtpmap/fmtp, c= for every active stream.
 */
import type {
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpMedia,
  SdpOrigin,
  SessionDescription,
} from './session-description.ts';
import { SdpError } from './sdp-error.ts';

export interface SdpLimits {
  maxBytes: number;
  maxLines: number;
  maxLineLength: number;
  maxMedia: number;
  maxAttributesPerSection: number;
  maxFormatsPerMedia: number;
}

export const DEFAULT_SDP_LIMITS: Readonly<SdpLimits> = {
  maxBytes: 64 * 1024,
  maxLines: 1000,
  maxLineLength: 4096,
  maxMedia: 16,
  maxAttributesPerSection: 256,
  maxFormatsPerMedia: 128,
};

const TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+$/;
const DIGITS = /^\d+$/;

function isRtpProtocol(protocol: string): boolean {
  return /(^|\/)RTP\//i.test(protocol);
}

function parseNumber(text: string, min: number, max: number, what: string, line: number): number {
  if (!DIGITS.test(text) || text.length > 10) throw new SdpError('syntax', `${what} "${text.slice(0, 40)}" is not a number`, line);
  const n = Number(text);
  if (n < min || n > max) throw new SdpError('syntax', `${what} ${n} is out of range ${min}–${max}`, line);
  return n;
}

function parseOrigin(value: string, line: number): SdpOrigin {
  const f = value.split(' ');
  if (f.length !== 6 || f.some((x) => x === '')) throw new SdpError('syntax', 'o= needs six fields', line);
  if (!DIGITS.test(f[2]!) || f[2]!.length > 20) throw new SdpError('syntax', `o= session version "${f[2]!.slice(0, 40)}" is not numeric`, line);
  return { username: f[0]!, sessionId: f[1]!, sessionVersion: f[2]!, netType: f[3]!, addressType: f[4]!, address: f[5]! };
}

export function parseConnection(value: string, line: number): SdpConnection {
  const f = value.split(' ');
  if (f.length !== 3 || f.some((x) => x === '')) throw new SdpError('syntax', 'c= needs "IN IP4|IP6 <address>"', line);
  const [netType, addressType, rest] = f as [string, string, string];
  if (netType !== 'IN') throw new SdpError('syntax', `c= network type ${netType} is not IN`, line);
  if (addressType !== 'IP4' && addressType !== 'IP6') throw new SdpError('syntax', `c= address type ${addressType} is not IP4 or IP6`, line);
  const slash = rest.indexOf('/');
  const address = slash < 0 ? rest : rest.slice(0, slash);
  if (!/^[0-9A-Za-z.:\-_%]+$/.test(address)) throw new SdpError('syntax', `c= address "${address.slice(0, 60)}" is malformed`, line);
  const connection: SdpConnection = { netType, addressType, address };
  if (slash >= 0) connection.suffix = rest.slice(slash);
  return connection;
}

function parseBandwidth(value: string, line: number): SdpBandwidth {
  const colon = value.indexOf(':');
  if (colon <= 0) throw new SdpError('syntax', 'b= needs "<type>:<value>"', line);
  return { type: value.slice(0, colon), value: parseNumber(value.slice(colon + 1), 0, 4_294_967_295, 'b= value', line) };
}

function parseAttribute(value: string, line: number): SdpAttribute {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!TOKEN.test(name)) throw new SdpError('syntax', `attribute name "${name.slice(0, 40)}" is not a token`, line);
  return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
}

function parseMediaLine(value: string, line: number, limits: SdpLimits): SdpMedia {
  const f = value.split(' ');
  if (f.length < 4 || f.some((x) => x === '')) throw new SdpError('syntax', 'm= needs "<media> <port> <proto> <fmt> ..."', line);
  const [type, portText, protocol, ...formats] = f as [string, string, string, ...string[]];
  if (formats.length > limits.maxFormatsPerMedia) throw new SdpError('limit', `m= lists ${formats.length} formats, limit ${limits.maxFormatsPerMedia}`, line);
  if (!TOKEN.test(type) || !TOKEN.test(protocol.replaceAll('/', ''))) throw new SdpError('syntax', 'm= media or protocol is not a token', line);
  const slash = portText.indexOf('/');
  const port = parseNumber(slash < 0 ? portText : portText.slice(0, slash), 0, 65535, 'm= port', line);
  const media: SdpMedia = { type, port, protocol, formats, bandwidths: [], attributes: [] };
  if (slash >= 0) media.portCount = parseNumber(portText.slice(slash + 1), 1, 65535, 'm= port count', line);
  if (isRtpProtocol(protocol)) {
    for (const fmt of formats) parseNumber(fmt, 0, 127, 'RTP payload type', line);
  }
  return media;
}

/** Checks rtpmap/fmtp of RTP streams so offer/answer can trust them. */
function checkRtpAttribute(media: SdpMedia, attr: SdpAttribute, line: number): void {
  if (!isRtpProtocol(media.protocol) || attr.value === undefined) return;
  if (attr.name === 'rtpmap') {
    const m = /^(\d{1,3}) ([^/\s]+)\/(\d{1,6})(?:\/(\d{1,2}))?\s*$/.exec(attr.value);
    if (!m) throw new SdpError('syntax', `a=rtpmap "${attr.value.slice(0, 60)}" is malformed`, line);
    parseNumber(m[1]!, 0, 127, 'rtpmap payload type', line);
    parseNumber(m[3]!, 1, 999_999, 'rtpmap clock rate', line);
    if (m[4] !== undefined) parseNumber(m[4], 1, 16, 'rtpmap channels', line);
  } else if (attr.name === 'fmtp') {
    const m = /^(\d{1,3})(?: |$)/.exec(attr.value);
    if (!m) throw new SdpError('syntax', `a=fmtp "${attr.value.slice(0, 60)}" does not start with a payload type`, line);
    parseNumber(m[1]!, 0, 127, 'fmtp payload type', line);
  }
}

export function parseSdp(text: string, limitsOverride: Partial<SdpLimits> = {}): SessionDescription {
  if (typeof text !== 'string') throw new SdpError('invalid-input', 'SDP must be a string');
  const limits: SdpLimits = { ...DEFAULT_SDP_LIMITS, ...limitsOverride };
  if (text.length > limits.maxBytes) throw new SdpError('limit', `SDP of ${text.length} characters exceeds ${limits.maxBytes}`);
  if (text.trim() === '') throw new SdpError('missing', 'SDP is empty');
  const lines = text.split('\n');
  if (lines.length > limits.maxLines) throw new SdpError('limit', `SDP has ${lines.length} lines, limit ${limits.maxLines}`);

  let session: SessionDescription | undefined;
  let sawVersion = false;
  let sawName = false;
  let current: SdpMedia | undefined;
  let attributeCount = 0;
  let sessionTimingSeen = false;

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let raw = lines[i]!;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '') continue;
    if (raw.length > limits.maxLineLength) throw new SdpError('limit', `line of ${raw.length} characters exceeds ${limits.maxLineLength}`, lineNo);
    if (raw.length < 2 || raw[1] !== '=' || !/^[a-z]$/.test(raw[0]!)) {
      throw new SdpError('syntax', `"${raw.slice(0, 40)}" is not a <type>=<value> line`, lineNo);
    }
    if (/[\x00\r]/.test(raw)) throw new SdpError('syntax', 'control character in line', lineNo);
    const type = raw[0]!;
    const value = raw.slice(2);

    if (!sawVersion) {
      if (type !== 'v') throw new SdpError('missing', 'SDP must start with v=', lineNo);
      if (value.trim() !== '0') throw new SdpError('syntax', `unsupported SDP version "${value.slice(0, 20)}"`, lineNo);
      sawVersion = true;
      continue;
    }
    if (!session) {
      if (type !== 'o') throw new SdpError('missing', 'o= must follow v=', lineNo);
      session = {
        version: 0,
        origin: parseOrigin(value, lineNo),
        sessionName: '-',
        emails: [],
        phones: [],
        bandwidths: [],
        timings: [],
        attributes: [],
        media: [],
      };
      continue;
    }
    if (type === 'm') {
      if (session.media.length >= limits.maxMedia) throw new SdpError('limit', `more than ${limits.maxMedia} m= lines`, lineNo);
      current = parseMediaLine(value, lineNo, limits);
      session.media.push(current);
      attributeCount = 0;
      continue;
    }
    if (current) {
      switch (type) {
        case 'i':
          current.information = value;
          break;
        case 'c':
          current.connection = parseConnection(value, lineNo);
          break;
        case 'b':
          current.bandwidths.push(parseBandwidth(value, lineNo));
          break;
        case 'k':
          current.encryptionKey = value;
          break;
        case 'a': {
          if (++attributeCount > limits.maxAttributesPerSection) {
            throw new SdpError('limit', `more than ${limits.maxAttributesPerSection} attributes in one m= section`, lineNo);
          }
          const attr = parseAttribute(value, lineNo);
          checkRtpAttribute(current, attr, lineNo);
          current.attributes.push(attr);
          break;
        }
        default:
          break; // unknown or misplaced letters are ignored
      }
      continue;
    }
    switch (type) {
      case 's':
        session.sessionName = value;
        sawName = true;
        break;
      case 'i':
        session.information = value;
        break;
      case 'u':
        session.uri = value;
        break;
      case 'e':
        session.emails.push(value);
        break;
      case 'p':
        session.phones.push(value);
        break;
      case 'c':
        session.connection = parseConnection(value, lineNo);
        break;
      case 'b':
        session.bandwidths.push(parseBandwidth(value, lineNo));
        break;
      case 't': {
        const f = value.split(' ');
        if (f.length !== 2 || !DIGITS.test(f[0]!) || !DIGITS.test(f[1]!)) throw new SdpError('syntax', 't= needs two numbers', lineNo);
        session.timings.push({ start: f[0]!, stop: f[1]!, repeats: [] });
        sessionTimingSeen = true;
        break;
      }
      case 'r': {
        const last = session.timings.at(-1);
        if (!last) throw new SdpError('syntax', 'r= without t=', lineNo);
        last.repeats.push(value);
        break;
      }
      case 'z':
        session.timeZones = value;
        break;
      case 'k':
        session.encryptionKey = value;
        break;
      case 'a':
        if (++attributeCount > limits.maxAttributesPerSection) {
          throw new SdpError('limit', `more than ${limits.maxAttributesPerSection} session attributes`, lineNo);
        }
        session.attributes.push(parseAttribute(value, lineNo));
        break;
      default:
        break;
    }
  }
  if (!sawVersion) throw new SdpError('missing', 'no v= line');
  if (!session) throw new SdpError('missing', 'no o= line');
  if (!sawName) session.sessionName = '-';
  if (!sessionTimingSeen) session.timings.push({ start: '0', stop: '0', repeats: [] });
  session.media.forEach((m, index) => {
    if (m.port !== 0 && !m.connection && !session.connection) {
      throw new SdpError('missing', `m= section ${index} (${m.type}) has no c= line and the session has none`);
    }
  });
  return session;
}
