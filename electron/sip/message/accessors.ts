import { parseCSeq, type CSeq } from './cseq.ts';
import type { HeaderField, HeaderList } from './header-list.ts';
import { firstElement } from './header-split.ts';
import { parseNameAddr, type NameAddr } from './name-addr.ts';
import { SipParseError } from './sip-parse-error.ts';
import type { SipMessage } from './sip-message.ts';
import { parseVia, type Via } from './via.ts';

/**
 * Typed views of the headers every layer reads, parsed from the raw value on
 * each call (so callers may change what they get). parseMessage has already
 * checked these headers of a received message; a missing or malformed one
 * (possible on a message built or changed locally) throws SipParseError(400).
 */
function field(h: HeaderList, key: string, name: string): HeaderField {
  const f = h.firstField(key);
  if (f === undefined) throw new SipParseError(400, `missing ${name} header`);
  return f;
}

export function topVia(m: SipMessage): Via {
  const first = firstElement(field(m.headers, 'via', 'Via').value);
  if (first === undefined) throw new SipParseError(400, 'malformed Via (empty)');
  return parseVia(first);
}

export function callId(m: SipMessage): string {
  return field(m.headers, 'call-id', 'Call-ID').value;
}

export function cseqOf(m: SipMessage): CSeq {
  return parseCSeq(field(m.headers, 'cseq', 'CSeq').value);
}

export function fromOf(m: SipMessage): NameAddr {
  return parseNameAddr(field(m.headers, 'from', 'From').value, 'From');
}

export function toOf(m: SipMessage): NameAddr {
  return parseNameAddr(field(m.headers, 'to', 'To').value, 'To');
}
