import { TOKEN, skipWs } from './chars.ts';
import { SipParseError } from './sip-parse-error.ts';

/**
 * Generic header parameters: *( SEMI generic-param ), generic-param = token
 * [ EQUAL gen-value ], gen-value = token / host / quoted-string (RFC 3261
 * §25.1), with LWS allowed around ';' and '='. Names are lower-cased; values
 * are kept as written (quotes included) so they format back unchanged.
 */

/** Index after the closing quote of the quoted-string opening at i, or -1 when unterminated. */
export function scanQuoted(s: string, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return -1;
}

/** Removes the quoted-pair escapes of a quoted-string body. */
export function unquote(body: string): string {
  if (body.indexOf('\\') < 0) return body;
  let out = '';
  for (let j = 0; j < body.length; j++) {
    const c = body.charCodeAt(j);
    if (c === 0x5c && j + 1 < body.length) j++;
    out += body[j];
  }
  return out;
}

/** Quotes a string as a quoted-string, escaping '"' and '\'. */
export function quote(s: string): string {
  let out = '"';
  for (let j = 0; j < s.length; j++) {
    const ch = s[j] ?? '';
    if (ch === '"' || ch === '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}

function isValueChar(c: number): boolean {
  // token chars, plus ':' '[' ']' for host values (received=2001:db8::1, RFC 5118 §4.5).
  return (c < 0x80 && TOKEN[c] === 1) || c === 0x3a || c === 0x5b || c === 0x5d;
}

/**
 * Parses parameters from i up to end into params. Stops at end; throws on
 * anything that is not a parameter. `what` names the header in the error.
 */
export function parseHeaderParams(
  s: string,
  i: number,
  end: number,
  params: Map<string, string | null>,
  what: string,
): void {
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end) return;
    if (s.charCodeAt(i) !== 0x3b) throw new SipParseError(400, `malformed ${what}`);
    i = skipWs(s, i + 1, end);
    const nStart = i;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || TOKEN[c] === 0) break;
      i++;
    }
    if (i === nStart) throw new SipParseError(400, `malformed ${what} (empty parameter)`);
    const name = s.slice(nStart, i).toLowerCase();
    i = skipWs(s, i, end);
    let value: string | null = null;
    if (i < end && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1, end);
      const vStart = i;
      if (i < end && s.charCodeAt(i) === 0x22) {
        i = scanQuoted(s, i, end);
        if (i < 0) throw new SipParseError(400, `malformed ${what} (unterminated quoted string)`);
      } else {
        while (i < end && isValueChar(s.charCodeAt(i))) i++;
        if (i === vStart) throw new SipParseError(400, `malformed ${what} (empty parameter value)`);
      }
      value = s.slice(vStart, i);
    }
    params.set(name, value);
  }
}

export function formatHeaderParams(params: Map<string, string | null>): string {
  let s = '';
  for (const [k, v] of params) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
}
