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

/** Index of the first non-whitespace character at or after i (end when none). */
export function skipWs(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    i++;
  }
  return i;
}

/** Index just past the last non-whitespace character before end (start when none). */
export function trimEndIndex(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    end--;
  }
  return end;
}

/** Whether s has lit at pos (a char-code loop: measured several times faster than startsWith(lit, pos)). */
export function matchAt(s: string, pos: number, lit: string): boolean {
  const n = lit.length;
  if (pos + n > s.length) return false;
  for (let i = 0; i < n; i++) if (s.charCodeAt(pos + i) !== lit.charCodeAt(i)) return false;
  return true;
}

/**
 * Index of the character ch (code c) in s[from, end), or -1. Short ranges use
 * a loop; long ones indexOf with the result bounded, so a search inside one
 * header value never runs on through the rest of the head.
 */
export function findChar(s: string, ch: string, c: number, from: number, end: number): number {
  if (end - from <= 32) {
    for (let i = from; i < end; i++) if (s.charCodeAt(i) === c) return i;
    return -1;
  }
  const i = s.indexOf(ch, from);
  return i >= 0 && i < end ? i : -1;
}

/*
 * The scanners read characters as bytes from a Uint8Array aligned with the
 * string they slice from (b[i] is s.charCodeAt(i), or 0xff, in no table, for
 * any character above 0xff). For a message off the wire that array is the
 * received Buffer itself (the head string is its latin1 decoding, one
 * character per octet); measured: a table loop over a Uint8Array runs about
 * twice as fast as the same loop over charCodeAt.
 */

/** The byte view of s the scanners read (see above): a string made by the API, or a head decoded as UTF-8. */
export function codesOf(s: string): Uint8Array {
  const n = s.length;
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    b[i] = c > 0xff ? 0xff : c;
  }
  return b;
}

let scratch = new Uint8Array(256);

/**
 * codesOf into one reused array, for a scan that keeps nothing of it (the
 * string entry points: parseNameAddr, parseVia, parseUri...): no allocation.
 * Valid until the next call.
 */
export function scratchCodesOf(s: string): Uint8Array {
  const n = s.length;
  if (n > scratch.length) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  const b = scratch;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    b[i] = c > 0xff ? 0xff : c;
  }
  // Past the string: bytes in no table, so a scan that peeks one beyond its end stops there.
  if (n < b.length) b[n] = 0;
  return b;
}

/** skipWs over bytes. */
export function skipWsB(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i] as number;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    i++;
  }
  return i;
}

/** trimEndIndex over bytes. */
export function trimEndB(b: Uint8Array, start: number, end: number): number {
  while (end > start) {
    const c = b[end - 1] as number;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    end--;
  }
  return end;
}

/**
 * Index of byte c in b[from, end), or -1. A loop, always: Buffer's indexOf
 * is a call into C++ that costs more than scanning a header value, and it
 * would search on past `end` through the rest of the message.
 */
export function findByte(b: Uint8Array, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === c) return i;
  return -1;
}

/** Whether b holds the ASCII literal lit at pos. */
export function matchAtB(b: Uint8Array, pos: number, lit: string): boolean {
  const n = lit.length;
  if (pos + n > b.length) return false;
  for (let i = 0; i < n; i++) if (b[pos + i] !== lit.charCodeAt(i)) return false;
  return true;
}

/** True when b[start, end) is non-empty and every byte is in the table. */
export function allInB(b: Uint8Array, start: number, end: number, t: Uint8Array): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) if (t[b[i] as number] === 0) return false;
  return true;
}
