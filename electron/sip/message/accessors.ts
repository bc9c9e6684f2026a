import { findByte, skipWsB, trimEndB } from './chars.ts';
import { parseContacts, type ContactList } from './contact.ts';
import { parseCSeqAt, type CSeq } from './cseq.ts';
import type { HeaderField, HeaderList, TypedBuilder } from './header-list.ts';
import { firstElement, splitList } from './header-split.ts';
import { parseNameAddrAt, parseSoleNameAddrAt, type NameAddr } from './name-addr.ts';
import { SipParseError } from './sip-parse-error.ts';
import type { SipMessage } from './sip-message.ts';
import { parseFirstViaAt, parseVia, parseViaAt, type Via } from './via.ts';

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
function typed<T>(h: HeaderList, f: HeaderField | undefined, name: string, build: TypedBuilder<T>): T {
  const t = h.typedOf(f, build);
  if (t === undefined) throw new SipParseError(400, `missing ${name} header`);
  return t;
}

const buildTopVia: TypedBuilder<Via> = (b, s, start, end) => {
  // Read in place up to the first ',' between elements; anything unusual (an
  // empty first element, a defect) takes the splitter, which drops empty
  // elements and knows quotes, and reports the defect.
  try {
    return parseFirstViaAt(b, s, start, end);
  } catch {
    // the long way below
  }
  if (findByte(b, 0x2c, start, end) < 0) return parseViaAt(b, s, start, end);
  const first = firstElement(s.slice(start, end));
  if (first === undefined) throw new SipParseError(400, 'malformed Via (empty)');
  return parseVia(first);
};
const buildCSeq: TypedBuilder<CSeq> = (b, s, start, end) => parseCSeqAt(b, s, start, end);
const buildFrom: TypedBuilder<NameAddr> = (b, s, start, end) => parseNameAddrAt(b, s, start, end, 'From', true);
const buildTo: TypedBuilder<NameAddr> = (b, s, start, end) => parseNameAddrAt(b, s, start, end, 'To', true);

/** The top Via (the first element of the first Via field). Shared: copy it to change it. */
export function topVia(m: SipMessage): Via {
  const h = m.headers;
  return typed(h, h.known !== undefined ? h.known.via : h.firstField('via'), 'Via', buildTopVia);
}

export function callId(m: SipMessage): string {
  const h = m.headers;
  const v = (h.known !== undefined ? h.known.callId : h.firstField('call-id'))?.value;
  if (v === undefined) throw new SipParseError(400, 'missing Call-ID header');
  return v;
}

/** Shared: copy it to change it. */
export function cseqOf(m: SipMessage): CSeq {
  const h = m.headers;
  return typed(h, h.known !== undefined ? h.known.cseq : h.firstField('cseq'), 'CSeq', buildCSeq);
}

/** Shared: copy it (and its Maps) to change it. */
export function fromOf(m: SipMessage): NameAddr {
  const h = m.headers;
  return typed(h, h.known !== undefined ? h.known.from : h.firstField('from'), 'From', buildFrom);
}

/** Shared: copy it (and its Maps) to change it. */
export function toOf(m: SipMessage): NameAddr {
  const h = m.headers;
  return typed(h, h.known !== undefined ? h.known.to : h.firstField('to'), 'To', buildTo);
}

const buildContacts: TypedBuilder<ContactList> = (b, s, start, end) => {
  const a = skipWsB(b, start, end);
  const z = trimEndB(b, a, end);
  if (z === a) return [];
  if (z - a === 1 && b[a] === 0x2a) return '*';
  // One address read in place; a list (or anything unusual) takes the splitter, which reports the defect.
  try {
    const one = parseSoleNameAddrAt(b, s, a, z, 'Contact');
    if (one !== undefined) return [one];
  } catch {
    // the long way below
  }
  if (findByte(b, 0x2c, a, z) < 0) return [parseNameAddrAt(b, s, a, z, 'Contact', true)];
  return parseContacts(splitList(s.slice(a, z)));
};

/**
 * The Contact values of a message (what parseContacts(headers.getAll('Contact'))
 * gives: '*', or the name-addrs in order; [] when there is none). With one
 * Contact field, the usual case, it is read in place and kept like the
 * other typed views. Shared: read it, never change it (nor its Maps).
 */
export function contactsOf(m: SipMessage): ContactList {
  const h = m.headers;
  const known = h.known;
  let count = 0;
  if (known !== undefined) count = known.contacts;
  else {
    const fields = h.fields;
    for (let i = 0; i < fields.length; i++) if ((fields[i] as HeaderField).key === 'contact') count++;
  }
  if (count === 0) return [];
  if (count === 1) return h.typedOf(known !== undefined ? known.contact : h.firstField('contact'), buildContacts) as ContactList;
  return parseContacts(h.getAll('contact'));
}
