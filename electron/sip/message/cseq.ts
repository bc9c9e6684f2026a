import { TOKEN, scratchCodesOf, skipWsB, trimEndB } from './chars.ts';
import { SipParseError } from './sip-parse-error.ts';

/** CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the number is below 2^31 (§8.1.1.5, RFC 4475 scalarlg). */
export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq {
  const r = scanCSeq(scratchCodesOf(value), 0, value.length);
  return { seq: r, method: value.slice(scannedMethodStart, scannedMethodEnd) };
}

/** Parses the CSeq in s[start, end) (b: its bytes, see codesOf). */
export function parseCSeqAt(b: Uint8Array, s: string, start: number, end: number): CSeq {
  const r = scanCSeq(b, start, end);
  return { seq: r, method: s.slice(scannedMethodStart, scannedMethodEnd) };
}

let scannedMethodStart = 0;
let scannedMethodEnd = 0;

function scanCSeq(b: Uint8Array, begin: number, stop: number): number {
  const end = trimEndB(b, begin, stop);
  let i = skipWsB(b, begin, end);
  const start = i;
  let seq = 0;
  while (i < end) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9) break;
    seq = seq * 10 + c;
    i++;
  }
  if (i === start) throw new SipParseError(400, 'malformed CSeq');
  // §8.1.1.5: "MUST be less than 2**31" (RFC 4475 scalarlg is far above; 2^31 … 2^32-1 is refused too).
  if (seq > 0x7fffffff) throw new SipParseError(400, 'CSeq number out of range');
  const m = skipWsB(b, i, end);
  if (m === i || m === end) throw new SipParseError(400, 'malformed CSeq');
  for (let k = m; k < end; k++) {
    if (TOKEN[b[k] as number] === 0) throw new SipParseError(400, 'malformed CSeq method');
  }
  scannedMethodStart = m;
  scannedMethodEnd = end;
  return seq;
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
