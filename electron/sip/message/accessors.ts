import { parseCSeq, type CSeq } from './cseq.ts';
import type { HeaderField, HeaderList } from './header-list.ts';
import { firstElement } from './header-split.ts';
import { parseNameAddr, type NameAddr } from './name-addr.ts';
import { cloneNameAddr, cloneVia, type ParsedCache } from './parsed-cache.ts';
import { SipParseError } from './sip-parse-error.ts';
import type { SipMessage } from './sip-message.ts';
import { parseVia, type Via } from './via.ts';

/**
 * Typed views of the headers every layer reads. The value the parser built
 * while validating (or an earlier call built) is reused when its header field
 * is unchanged, and the caller always receives its own copy; a missing or
 * malformed header throws SipParseError(400).
 */
function field(h: HeaderList, key: string, name: string): HeaderField {
  const f = h.firstField(key);
  if (f === undefined) throw new SipParseError(400, `missing ${name} header`);
  return f;
}

function cache(h: HeaderList): ParsedCache {
  return (h.parsed ??= {});
}

export function topVia(m: SipMessage): Via {
  const h = m.headers;
  const f = field(h, 'via', 'Via');
  const c = cache(h);
  if (c.viaField !== f || c.via === undefined) {
    const first = firstElement(f.value);
    if (first === undefined) throw new SipParseError(400, 'malformed Via (empty)');
    c.via = parseVia(first);
    c.viaField = f;
  }
  return cloneVia(c.via);
}

export function callId(m: SipMessage): string {
  return field(m.headers, 'call-id', 'Call-ID').value;
}

export function cseqOf(m: SipMessage): CSeq {
  const h = m.headers;
  const f = field(h, 'cseq', 'CSeq');
  const c = cache(h);
  if (c.cseqField !== f || c.cseq === undefined) {
    c.cseq = parseCSeq(f.value);
    c.cseqField = f;
  }
  return { seq: c.cseq.seq, method: c.cseq.method };
}

export function fromOf(m: SipMessage): NameAddr {
  const h = m.headers;
  const f = field(h, 'from', 'From');
  const c = cache(h);
  if (c.fromField !== f || c.from === undefined) {
    c.from = parseNameAddr(f.value, 'From');
    c.fromField = f;
  }
  return cloneNameAddr(c.from);
}

export function toOf(m: SipMessage): NameAddr {
  const h = m.headers;
  const f = field(h, 'to', 'To');
  const c = cache(h);
  if (c.toField !== f || c.to === undefined) {
    c.to = parseNameAddr(f.value, 'To');
    c.toField = f;
  }
  return cloneNameAddr(c.to);
}
