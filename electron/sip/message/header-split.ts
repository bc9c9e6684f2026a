import { findChar } from './chars.ts';

/**
 * Splits a comma-separated header value into its elements (RFC 3261 §7.3.1),
 * ignoring commas inside quoted strings (with \-escapes) and inside <...>.
 * One linear pass, no regular expression. Empty elements are dropped.
 */
export function splitList(v: string): string[] {
  if (v.indexOf(',') < 0) {
    const t = v.trim();
    return t ? [t] : [];
  }
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) {
      inQuote = true;
    } else if (c === 0x3c) {
      inAngle = true;
    } else if (c === 0x3e) {
      inAngle = false;
    } else if (c === 0x2c && !inAngle) {
      const t = v.slice(start, i).trim();
      if (t) out.push(t);
      start = i + 1;
    }
  }
  const t = v.slice(start).trim();
  if (t) out.push(t);
  return out;
}

/** The first element of a comma list (what HeaderList.get returns for list headers). */
export function firstElement(v: string): string | undefined {
  if (v.indexOf(',') < 0) return v;
  return splitList(v)[0];
}

/** End of the first element of a comma list in s[start, end) (a Via value may hold several). */
export function firstElementEnd(s: string, start: number, end: number): number {
  const comma = findChar(s, ',', 0x2c, start, end);
  if (comma < 0) return end;
  // Commas inside quoted strings or <...> do not count (rare in a Via: fall back to the splitter).
  const q = findChar(s, '"', 0x22, start, comma);
  if (q >= 0) {
    const first = firstElement(s.slice(start, end)) ?? '';
    return start + s.slice(start, end).indexOf(first) + first.length;
  }
  return comma;
}
