import { matchAtB } from './chars.ts';

/**
 * Parameter names that appear in nearly every message, kept as interned
 * constants: a scanner that recognises one in place uses the constant
 * instead of slicing and lower-casing a fresh string.
 */
const COMMON = [
  'branch', 'received', 'rport', 'maddr', 'ttl', 'tag', 'lr', 'transport', 'user', 'method', 'expires', 'q',
  'ob', 'gr', 'reg-id', '+sip.instance', 'comp', 'alias', 'line', 'pub-gruu', 'temp-gruu', 'phone-context',
];
const byLength: string[][] = [];
for (const n of COMMON) (byLength[n.length] ??= []).push(n);

/** The interned name when b[start, end) spells (in lower case) a common parameter; else undefined. */
export function commonParamAt(b: Uint8Array, start: number, end: number): string | undefined {
  const list = byLength[end - start];
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const n = list[i] as string;
    if (matchAtB(b, start, n)) return n;
  }
  return undefined;
}
