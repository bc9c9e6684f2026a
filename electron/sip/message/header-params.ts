import { TOKEN } from './chars.ts';
import { commonParamAt } from './param-names.ts';
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

/** scanQuoted over bytes. */
export function scanQuotedB(b: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = b[j];
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

/** Value characters: token chars, plus ':' '[' ']' for host values (received=2001:db8::1, RFC 5118 §4.5). */
const VALUE = (() => {
  const t = TOKEN.slice();
  t[0x3a] = t[0x5b] = t[0x5d] = 1;
  return t;
})();

/** Builds the error outside the scanners, keeping them small enough for the JIT to inline their helpers. */
function malformed(what: string, detail: string): SipParseError {
  return new SipParseError(400, detail ? `malformed ${what} (${detail})` : `malformed ${what}`);
}

/**
 * Parses parameters from i up to end of s (reading its bytes b, see codesOf)
 * into params (or only checks them when params is null). Throws on anything
 * that is not a parameter; `what` names the header in the error. With
 * `comma`, a ',' between parameters ends them (the first element of a list
 * read in place); returns where they end.
 */
export function parseHeaderParams(
  b: Uint8Array,
  s: string,
  i: number,
  end: number,
  params: Map<string, string | null> | null,
  what: string,
  comma = false,
): number {
  for (;;) {
    let c = 0;
    while (i < end && ((c = b[i] as number) === 0x20 || c === 0x09)) i++;
    if (i >= end) return i;
    if (c !== 0x3b) {
      if (comma && c === 0x2c) return i;
      throw malformed(what, '');
    }
    i++;
    while (i < end && ((c = b[i] as number) === 0x20 || c === 0x09)) i++;
    const nStart = i;
    while (i < end && TOKEN[b[i] as number] === 1) i++;
    if (i === nStart) throw malformed(what, 'empty parameter');
    const nEnd = i;
    while (i < end && ((c = b[i] as number) === 0x20 || c === 0x09)) i++;
    let vStart = -1;
    if (i < end && c === 0x3d) {
      i++;
      while (i < end && ((c = b[i] as number) === 0x20 || c === 0x09)) i++;
      vStart = i;
      if (i < end && c === 0x22) {
        i = scanQuotedB(b, i, end);
        if (i < 0) throw malformed(what, 'unterminated quoted string');
      } else {
        while (i < end && VALUE[b[i] as number] === 1) i++;
        if (i === vStart) throw malformed(what, 'empty parameter value');
      }
    }
    if (params !== null) {
      const name = commonParamAt(b, nStart, nEnd) ?? s.slice(nStart, nEnd).toLowerCase();
      params.set(name, vStart < 0 ? null : s.slice(vStart, i));
    }
  }
}

/**
 * The usual parameters, `;name=value` or `;name` without LWS, from i (at
 * ';') up to end into params, as parseHeaderParams reads them; with
 * `comma`, a ',' after them ends them. Returns where they end, or -1 for
 * anything else (params then holds part of them: the caller starts over the
 * general way, which also reports a defect).
 */
export function plainHeaderParams(b: Uint8Array, s: string, i: number, end: number, params: Map<string, string | null>, comma: boolean): number {
  let c = b[i] as number;
  while (c === 0x3b) {
    const nStart = ++i;
    while (i < end && TOKEN[(c = b[i] as number)] === 1) i++;
    if (i === nStart) return -1;
    const nEnd = i;
    let value: string | null = null;
    if (i < end && c === 0x3d) {
      const vStart = ++i;
      if (i < end && b[i] === 0x22) {
        i = scanQuotedB(b, i, end);
        if (i < 0) return -1;
      } else {
        while (i < end && VALUE[b[i] as number] === 1) i++;
        if (i === vStart) return -1;
      }
      value = s.slice(vStart, i);
    }
    params.set(commonParamAt(b, nStart, nEnd) ?? s.slice(nStart, nEnd).toLowerCase(), value);
    if (i >= end) return i;
    c = b[i] as number;
  }
  return comma && c === 0x2c ? i : -1;
}

export function formatHeaderParams(params: Map<string, string | null>): string {
  let s = '';
  for (const [k, v] of params) s += v === null ? `;${k}` : `;${k}=${v}`;
  return s;
}
