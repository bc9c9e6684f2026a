import { findByte } from './chars.ts';
import { parseCSeqAt, type CSeq } from './cseq.ts';
import type { HeaderList, TypedBuilder } from './header-list.ts';
import { firstElement } from './header-split.ts';
import { parseNameAddrAt, type NameAddr } from './name-addr.ts';
import { SipParseError } from './sip-parse-error.ts';
import type { SipMessage } from './sip-message.ts';
import { parseVia, parseViaAt, type Via } from './via.ts';

/**
 * Typed views of the headers every layer reads. Each is built from the raw
 * value the first time it is asked for (in place, in the received head when
 * the field came off the wire) and kept until that header field is replaced,
 * so the transport, the transaction layer and the dialog layer share one
 * parse. The result is shared: read it, never change it; to change a header,
 * build a new value (e.g. a copy of the Via) and set the header. A missing
 * or malformed header throws SipParseError(400) on every read; checkMessage
 * reads these for a received message before it is delivered.
 */
function typed<T>(h: HeaderList, key: string, name: string, build: TypedBuilder<T>): T {
  const t = h.typedFirst(key, build);
  if (t === undefined) throw new SipParseError(400, `missing ${name} header`);
  return t;
}

const buildTopVia: TypedBuilder<Via> = (b, s, start, end) => {
  // A comma list takes the splitter (it drops empty elements, knows quotes).
  if (findByte(b, 0x2c, start, end) < 0) return parseViaAt(b, s, start, end);
  const first = firstElement(s.slice(start, end));
  if (first === undefined) throw new SipParseError(400, 'malformed Via (empty)');
  return parseVia(first);
};
const buildCSeq: TypedBuilder<CSeq> = (b, s, start, end) => parseCSeqAt(b, s, start, end);
const buildFrom: TypedBuilder<NameAddr> = (b, s, start, end) => parseNameAddrAt(b, s, start, end, 'From');
const buildTo: TypedBuilder<NameAddr> = (b, s, start, end) => parseNameAddrAt(b, s, start, end, 'To');

/** The top Via (the first element of the first Via field). Shared: copy it to change it. */
export function topVia(m: SipMessage): Via {
  return typed(m.headers, 'via', 'Via', buildTopVia);
}

export function callId(m: SipMessage): string {
  const v = m.headers.firstValue('call-id');
  if (v === undefined) throw new SipParseError(400, 'missing Call-ID header');
  return v;
}

/** Shared: copy it to change it. */
export function cseqOf(m: SipMessage): CSeq {
  return typed(m.headers, 'cseq', 'CSeq', buildCSeq);
}

/** Shared: copy it (and its Maps) to change it. */
export function fromOf(m: SipMessage): NameAddr {
  return typed(m.headers, 'from', 'From', buildFrom);
}

/** Shared: copy it (and its Maps) to change it. */
export function toOf(m: SipMessage): NameAddr {
  return typed(m.headers, 'to', 'To', buildTo);
}
