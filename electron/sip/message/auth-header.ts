import { TOKEN, skipWs, trimEndIndex } from './chars.ts';
import { quote, scanQuoted, unquote } from './header-params.ts';
import { SipParseError } from './sip-parse-error.ts';

/**
 * WWW-Authenticate, Authorization, Proxy-Authenticate, Proxy-Authorization
 * (RFC 3261 §20.7, §20.27, §20.28, §20.44; RFC 7616): a scheme and a
 * comma-separated list of auth-params. These headers are never split on
 * commas by HeaderList because their own values contain commas.
 */
export interface AuthHeader {
  scheme: string;
  /** keys lower-cased, quotes removed */
  params: Map<string, string>;
}

function malformed(): SipParseError {
  return new SipParseError(400, 'malformed authentication header');
}

function scanToken(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || TOKEN[c] === 0) break;
    i++;
  }
  return i;
}

export function parseAuthHeader(value: string): AuthHeader {
  const s = value;
  const end = trimEndIndex(s, 0, s.length);
  let i = skipWs(s, 0, end);
  let j = scanToken(s, i, end);
  if (j === i) throw malformed();
  const scheme = s.slice(i, j);
  const params = new Map<string, string>();
  i = skipWs(s, j, end);
  while (i < end) {
    j = scanToken(s, i, end);
    if (j === i) throw malformed();
    const name = s.slice(i, j).toLowerCase();
    i = skipWs(s, j, end);
    if (i < end && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1, end);
      if (i < end && s.charCodeAt(i) === 0x22) {
        const close = scanQuoted(s, i, end);
        if (close < 0) throw malformed();
        params.set(name, unquote(s.slice(i + 1, close - 1)));
        i = close;
      } else {
        // token, or token68-ish values such as base64 with '=' padding and '/'
        const v = i;
        while (i < end) {
          const c = s.charCodeAt(i);
          if (c === 0x2c || c === 0x20 || c === 0x09) break;
          i++;
        }
        params.set(name, s.slice(v, i));
      }
    } else {
      // A bare token68 credential (e.g. Basic): kept under its own text with an empty value.
      params.set(name, '');
    }
    i = skipWs(s, i, end);
    if (i < end) {
      if (s.charCodeAt(i) !== 0x2c) throw malformed();
      i = skipWs(s, i + 1, end);
    }
  }
  return { scheme, params };
}

/** Formats an auth header; params named in `quoted` are written as quoted-strings. */
export function formatAuthHeader(h: AuthHeader, quoted: Set<string>): string {
  const parts: string[] = [];
  for (const [k, v] of h.params) parts.push(quoted.has(k) ? `${k}=${quote(v)}` : `${k}=${v}`);
  return parts.length > 0 ? `${h.scheme} ${parts.join(', ')}` : h.scheme;
}
