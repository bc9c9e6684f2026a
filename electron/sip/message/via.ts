import { HOST, TOKEN, scratchCodesOf, findByte, matchAtB, skipWsB, trimEndB } from './chars.ts';
import { formatHeaderParams, parseHeaderParams, plainHeaderParams } from './header-params.ts';
import { SipParseError } from './sip-parse-error.ts';
import { formatHost } from './uri.ts';

/**
 * One Via value (RFC 3261 §20.42, §25.1): sent-protocol, sent-by and
 * parameters (branch, received, rport, maddr, ttl...). LWS is allowed around
 * every '/', ':', ';' and '=' (RFC 4475 wsinv). The host of an IPv6 sent-by
 * is stored without brackets (RFC 5118 §4.5).
 */
export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: Map<string, string | null>;
}

function malformed(detail: string): SipParseError {
  return new SipParseError(400, `malformed Via (${detail})`);
}

function scanToken(b: Uint8Array, i: number, end: number): number {
  while (i < end && TOKEN[b[i] as number] === 1) i++;
  return i;
}

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'TLS-SCTP'];

function knownTransport(b: Uint8Array, i: number, j: number): string | undefined {
  // The usual three by their bytes, the others by the list.
  if (j - i === 3) {
    const x = b[i];
    const y = b[i + 1];
    const z = b[i + 2];
    if (x === 0x55 && y === 0x44 && z === 0x50) return 'UDP';
    if (x === 0x54 && y === 0x43 && z === 0x50) return 'TCP';
    if (x === 0x54 && y === 0x4c && z === 0x53) return 'TLS';
  }
  for (const t of TRANSPORTS) if (t.length === j - i && matchAtB(b, i, t)) return t;
  return undefined;
}

/** Whether b holds "SIP/2.0/" at i (the usual sent-protocol spelling). */
function sip20At(b: Uint8Array, i: number, end: number): boolean {
  return (
    i + 8 <= end &&
    b[i] === 0x53 &&
    b[i + 1] === 0x49 &&
    b[i + 2] === 0x50 &&
    b[i + 3] === 0x2f &&
    b[i + 4] === 0x32 &&
    b[i + 5] === 0x2e &&
    b[i + 6] === 0x30 &&
    b[i + 7] === 0x2f
  );
}

export function parseVia(value: string): Via {
  return scanVia(scratchCodesOf(value), value, 0, value.length, false);
}

/** Parses the Via value in s[start, end) (one element, no comma list; b: its bytes, see codesOf). */
export function parseViaAt(b: Uint8Array, s: string, start: number, end: number): Via {
  return scanVia(b, s, start, end, false);
}

/**
 * The first Via of the list in s[start, end), read in place up to the first
 * ',' between elements (what splitting the list and parsing its first element
 * gives, when the list does not start with an empty element). Throws on
 * anything else; the caller then takes the long way.
 */
export function parseFirstViaAt(b: Uint8Array, s: string, start: number, end: number): Via {
  return scanVia(b, s, start, end, true);
}

/** sent-protocol with the LWS the grammar allows around '/' (RFC 4475 wsinv); returns where the transport starts. */
function lwsSentProtocol(b: Uint8Array, s: string, i: number, end: number): number {
  let j = scanToken(b, i, end);
  if (j - i !== 3 || s.slice(i, j).toUpperCase() !== 'SIP') throw malformed('protocol is not SIP');
  i = skipWsB(b, j, end);
  if (b[i] !== 0x2f) throw malformed('sent-protocol');
  i = skipWsB(b, i + 1, end);
  j = scanToken(b, i, end);
  if (s.slice(i, j) !== '2.0') throw malformed('version is not 2.0');
  i = skipWsB(b, j, end);
  if (b[i] !== 0x2f) throw malformed('sent-protocol');
  return skipWsB(b, i + 1, end);
}

/** The IPv6 reference opening at b[i] = '['; returns the index of its ']'. */
function ipv6End(b: Uint8Array, i: number, end: number): number {
  const close = findByte(b, 0x5d, i, end);
  if (close < 0) throw malformed('unterminated IPv6 reference');
  let colons = 0;
  for (let k = i + 1; k < close; k++) {
    const c = b[k] as number;
    if (c === 0x3a) colons++;
    else if (!(c === 0x2e || c === 0x25 || HOST[c] === 1)) throw malformed('bad IPv6 reference');
  }
  if (colons === 0) throw malformed('bad IPv6 reference');
  return close;
}

function scanVia(b: Uint8Array, s: string, start: number, stop: number, comma: boolean): Via {
  const end = trimEndB(b, start, stop);
  let i = skipWsB(b, start, end);
  // The usual spelling first; LWS around '/' only on the slow path.
  i = sip20At(b, i, end) ? i + 8 : lwsSentProtocol(b, s, i, end);
  const tStart = i;
  let c = 0;
  while (i < end && TOKEN[b[i] as number] === 1) i++;
  const tEnd = i;
  if (tEnd === tStart) throw malformed('no transport');
  while (i < end && ((c = b[i] as number) === 0x20 || c === 0x09)) i++;
  if (i === tEnd) throw malformed('no space before sent-by');
  let hStart = i;
  let hEnd: number;
  if (c === 0x5b) {
    hEnd = ipv6End(b, i, end);
    hStart = i + 1;
    i = hEnd + 1;
  } else {
    while (i < end && HOST[b[i] as number] === 1) i++;
    if (i === hStart) throw malformed('no host');
    hEnd = i;
  }
  let port = -1;
  let k = i;
  while (k < end && ((c = b[k] as number) === 0x20 || c === 0x09)) k++;
  if (k < end && c === 0x3a) {
    k++;
    while (k < end && ((c = b[k] as number) === 0x20 || c === 0x09)) k++;
    const p = k;
    let v = 0;
    while (k < end && (c = (b[k] as number) - 0x30) >= 0 && c <= 9) {
      v = v * 10 + c;
      k++;
    }
    if (k === p || k - p > 5 || v > 65535) throw malformed('bad port');
    port = v;
    i = k;
  }
  const transport = knownTransport(b, tStart, tEnd) ?? s.slice(tStart, tEnd).toUpperCase();
  const host = s.slice(hStart, hEnd);
  let params = new Map<string, string | null>();
  // The usual ';name=value' run read by the plain loop; LWS or a defect the general way.
  if (i < end && plainHeaderParams(b, s, i, end, params, comma) < 0) {
    params = new Map();
    parseHeaderParams(b, s, i, end, params, 'Via', comma);
  }
  // All properties at once (see scanUri).
  return port >= 0 ? { transport, host, params, port } : { transport, host, params };
}

/** A Via of its own to change (topVia's is shared). */
export function copyVia(v: Via): Via {
  return { ...v, params: new Map(v.params) };
}

export function formatVia(v: Via): string {
  const port = v.port !== undefined ? `:${v.port}` : '';
  return `SIP/2.0/${v.transport} ${formatHost(v.host)}${port}${formatHeaderParams(v.params)}`;
}
