import { findByte } from './chars.ts';
import { parseCSeq, parseCSeqAt, type CSeq } from './cseq.ts';
import { WireField, type HeaderField, type HeaderList } from './header-list.ts';
import { firstElement } from './header-split.ts';
import { parseNameAddr, parseNameAddrAt, type NameAddr } from './name-addr.ts';
import { SipParseError } from './sip-parse-error.ts';
import type { SipMessage } from './sip-message.ts';
import { parseVia, parseViaAt, type Via } from './via.ts';

/**
 * Typed views of the headers every layer reads, parsed from the raw value on
 * each call (so callers may change what they get). parseMessage has already
 * checked these headers of a received message; a missing or malformed one
 * (possible on a message built or changed locally) throws SipParseError(400).
 * A field that came off the wire is read in place in the received head (a
 * flat string scans faster than a value sliced out of it); the results are
 * the same.
 */
function field(h: HeaderList, key: string, name: string): HeaderField {
  const f = h.firstField(key);
  if (f === undefined) throw new SipParseError(400, `missing ${name} header`);
  return f;
}

export function topVia(m: SipMessage): Via {
  const f = field(m.headers, 'via', 'Via');
  // A comma list takes the splitter (it drops empty elements, knows quotes).
  if (f instanceof WireField && findByte(f.bytes, 0x2c, f.vs, f.ve) < 0) return parseViaAt(f.bytes, f.text, f.vs, f.ve);
  const first = firstElement(f.value);
  if (first === undefined) throw new SipParseError(400, 'malformed Via (empty)');
  return parseVia(first);
}

export function callId(m: SipMessage): string {
  return field(m.headers, 'call-id', 'Call-ID').value;
}

export function cseqOf(m: SipMessage): CSeq {
  const f = field(m.headers, 'cseq', 'CSeq');
  if (f instanceof WireField) return parseCSeqAt(f.bytes, f.text, f.vs, f.ve);
  return parseCSeq(f.value);
}

export function fromOf(m: SipMessage): NameAddr {
  const f = field(m.headers, 'from', 'From');
  if (f instanceof WireField) return parseNameAddrAt(f.bytes, f.text, f.vs, f.ve, 'From');
  return parseNameAddr(f.value, 'From');
}

export function toOf(m: SipMessage): NameAddr {
  const f = field(m.headers, 'to', 'To');
  if (f instanceof WireField) return parseNameAddrAt(f.bytes, f.text, f.vs, f.ve, 'To');
  return parseNameAddr(f.value, 'To');
}
