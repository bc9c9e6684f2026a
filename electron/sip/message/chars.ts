/**
 * Character classes of the RFC 3261 §25.1 grammar as 256-entry lookup tables,
 * so the hand-written scanners test a character with one array read instead
 * of a regular expression (no backtracking on untrusted input).
 */

function table(chars: string, alnum: boolean): Uint8Array {
  const t = new Uint8Array(256);
  if (alnum) {
    for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
    for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
    for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  }
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  return t;
}

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", true);
/** word (Call-ID) = token chars and ( ) < > : \ DQUOTE / [ ] ? { } */
export const WORD = table("-.!%*_+`'~()<>:\\\"/[]?{}", true);
/** unreserved = alphanum / mark; user-unreserved adds & = + $ , ; ? / */
export const USER = table("-_.!~*'()&=+$,;?/", true);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD = table("-_.!~*'()&=+$,", true);
/** paramchar = param-unreserved / unreserved / escaped */
export const PARAM = table("[]/:&+$-_.!~*'()", true);
/** hnv-unreserved / unreserved (URI headers) */
export const HNV = table("[]/?:+$-_.!~*'()", true);
/** hostname characters (with '_' accepted: seen in the wild) and the IPv6 reference parts */
export const HOST = table('-._', true);
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
export const SCHEME = table('+-.', true);
/** tel: global/local number characters (RFC 3966 §3, visual separators included) */
export const TEL = table('+-.()*#', true);

export const SP = 0x20;
export const HTAB = 0x09;

export function isWs(c: number): boolean {
  return c === SP || c === HTAB || c === 0x0d || c === 0x0a;
}

/** True when every character of s (non-empty) is in the table. Non-ASCII is never in a table. */
export function allIn(s: string, t: Uint8Array): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || t[c] === 0) return false;
  }
  return true;
}

export function isToken(s: string): boolean {
  return allIn(s, TOKEN);
}

/** Index of the first non-whitespace character at or after i (end when none). */
export function skipWs(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== SP && c !== HTAB && c !== 0x0d && c !== 0x0a) break;
    i++;
  }
  return i;
}

/** Index just past the last non-whitespace character before end (start when none). */
export function trimEndIndex(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== SP && c !== HTAB && c !== 0x0d && c !== 0x0a) break;
    end--;
  }
  return end;
}

/** Digits only (no sign, no space), as a number; -1 when not 1*DIGIT or longer than 15 digits. */
export function parseDigits(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) {
    if (n > 15) {
      // Leading zeros are legal (RFC 4475 wsinv: "0009"); strip them before judging the length.
      let i = 0;
      while (i < n - 1 && s.charCodeAt(i) === 0x30) i++;
      if (n - i <= 15) return parseDigits(s.slice(i));
    }
    return -1;
  }
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}
