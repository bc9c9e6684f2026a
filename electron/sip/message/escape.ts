/**
 * The %-escaping of RFC 3261 §25.1 ("escaped = % HEXDIG HEXDIG"). Unescaped
 * octets are read as UTF-8 (RFC 3261 text is UTF-8); a sequence that is not
 * valid UTF-8 falls back to one character per octet so nothing is lost.
 */
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Decodes %HH escapes. A '%' not followed by two hex digits is kept as it is (lenient). */
export function unescapeUri(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length) {
      const h = hexVal(s.charCodeAt(i + 1));
      const l = hexVal(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        const b = h * 16 + l;
        if (b > 0x7f) ascii = false;
        bytes.push(b);
        i += 2;
        continue;
      }
    }
    if (c < 0x80) {
      bytes.push(c);
    } else {
      ascii = false;
      for (const b of Buffer.from(s[i] ?? '', 'utf8')) bytes.push(b);
    }
  }
  const buf = Uint8Array.from(bytes);
  if (ascii) return Buffer.from(buf).toString('latin1');
  try {
    return fatalUtf8.decode(buf);
  } catch {
    return Buffer.from(buf).toString('latin1');
  }
}

const HEX = '0123456789ABCDEF';

/** Escapes every character not in `allowed` (a chars.ts table) as %HH of its UTF-8 octets. */
export function escapeUri(s: string, allowed: Uint8Array): string {
  let i = 0;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || allowed[c] === 0) break;
    i++;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x7f && allowed[c] === 1) {
      out += s[i];
      continue;
    }
    let ch = s[i] ?? '';
    // Keep a surrogate pair together so it encodes as one 4-octet UTF-8 sequence.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) ch = s.slice(i, ++i + 1);
    for (const b of Buffer.from(ch, 'utf8')) out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}
