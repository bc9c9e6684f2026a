import { TOKEN, allIn, skipWs, trimEndIndex } from './chars.ts';
import { SipParseError } from './sip-parse-error.ts';

/** CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); the number fits 32 bits (§8.1.1.5, RFC 4475 scalarlg). */
export interface CSeq {
  seq: number;
  method: string;
}

export function parseCSeq(value: string): CSeq {
  const end = trimEndIndex(value, 0, value.length);
  let i = skipWs(value, 0, end);
  const start = i;
  let seq = 0;
  while (i < end) {
    const c = value.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) break;
    seq = seq * 10 + c;
    i++;
  }
  if (i === start) throw new SipParseError(400, 'malformed CSeq');
  if (seq > 0xffffffff) throw new SipParseError(400, 'CSeq number out of range');
  const m = skipWs(value, i, end);
  if (m === i) throw new SipParseError(400, 'malformed CSeq');
  const method = value.slice(m, end);
  if (!allIn(method, TOKEN)) throw new SipParseError(400, 'malformed CSeq method');
  return { seq, method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
