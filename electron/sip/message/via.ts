import { HOST, TOKEN, skipWs, trimEndIndex } from './chars.ts';
import { formatHeaderParams, parseHeaderParams } from './header-params.ts';
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

function scanToken(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || TOKEN[c] === 0) break;
    i++;
  }
  return i;
}

export function parseVia(value: string): Via {
  const s = value;
  const end = trimEndIndex(s, 0, s.length);
  let i = skipWs(s, 0, end);
  let j = scanToken(s, i, end);
  if (j - i !== 3 || s.slice(i, j).toUpperCase() !== 'SIP') throw malformed('protocol is not SIP');
  i = skipWs(s, j, end);
  if (s.charCodeAt(i) !== 0x2f) throw malformed('sent-protocol');
  i = skipWs(s, i + 1, end);
  j = scanToken(s, i, end);
  if (s.slice(i, j) !== '2.0') throw malformed('version is not 2.0');
  i = skipWs(s, j, end);
  if (s.charCodeAt(i) !== 0x2f) throw malformed('sent-protocol');
  i = skipWs(s, i + 1, end);
  j = scanToken(s, i, end);
  if (j === i) throw malformed('no transport');
  const transport = s.slice(i, j).toUpperCase();
  i = skipWs(s, j, end);
  if (i === j) throw malformed('no space before sent-by');
  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0 || close > end) throw malformed('unterminated IPv6 reference');
    host = s.slice(i + 1, close);
    for (let k = 0; k < host.length; k++) {
      const c = host.charCodeAt(k);
      if (!(c === 0x3a || c === 0x2e || c === 0x25 || (c < 0x80 && HOST[c] === 1))) throw malformed('bad IPv6 reference');
    }
    if (host.indexOf(':') < 0) throw malformed('bad IPv6 reference');
    i = close + 1;
  } else {
    const h = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || HOST[c] === 0) break;
      i++;
    }
    if (i === h) throw malformed('no host');
    host = s.slice(h, i);
  }
  const via: Via = { transport, host, params: new Map() };
  let k = skipWs(s, i, end);
  if (k < end && s.charCodeAt(k) === 0x3a) {
    k = skipWs(s, k + 1, end);
    let v = 0;
    const p = k;
    while (k < end) {
      const c = s.charCodeAt(k) - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      k++;
    }
    if (k === p || k - p > 5 || v > 65535) throw malformed('bad port');
    via.port = v;
    i = k;
  }
  parseHeaderParams(s, i, end, via.params, 'Via');
  return via;
}

export function formatVia(v: Via): string {
  const port = v.port !== undefined ? `:${v.port}` : '';
  return `SIP/2.0/${v.transport} ${formatHost(v.host)}${port}${formatHeaderParams(v.params)}`;
}
