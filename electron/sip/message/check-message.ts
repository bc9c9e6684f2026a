import { WORD, allIn, allInB } from './chars.ts';
import { cseqOf, fromOf, toOf, topVia } from './accessors.ts';
import { WireField, type HeaderField } from './header-list.ts';
import { SipParseError } from './sip-parse-error.ts';
import type { SipMessage } from './sip-message.ts';

const CALL_ID = (() => {
  const t = WORD.slice();
  t[0x40] = 1;
  return t;
})();

/** Max-Forwards = 1*DIGIT (RFC 3261 §20.22), at most 255 (RFC 4475 scalar02). */
function maxForwardsOk(v: string): boolean {
  if (v.length === 0) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return false;
    n = n * 10 + c;
    if (n > 255) return false;
  }
  return true;
}

/** maxForwardsOk of the value b[start, end) read in place. */
function maxForwardsOkB(b: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = (b[i] as number) - 0x30;
    if (c < 0 || c > 9) return false;
    n = n * 10 + c;
    if (n > 255) return false;
  }
  return true;
}

/** Whether a field's value checks out, read in place when it came off the wire unfolded (no string cut out for the check). */
function valueOk(f: HeaderField, inPlace: (b: Uint8Array, start: number, end: number) => boolean, asString: (v: string) => boolean): boolean {
  return f instanceof WireField && f.vs >= 0 ? inPlace(f.head.bytes, f.vs, f.ve) : asString(f.value);
}

const callIdOkB = (b: Uint8Array, start: number, end: number): boolean => allInB(b, start, end, CALL_ID);
const callIdOk = (v: string): boolean => allIn(v, CALL_ID);

/**
 * Reads and checks the header values every element relies on before it
 * accepts a message (RFC 3261 §8.1.1, §8.2; RFC 4475): the top Via, From, To,
 * Call-ID, CSeq (and its method against the request's) and, in a request,
 * Max-Forwards. parseMessage leaves header values for later; the transports
 * call this on every message they receive, so a malformed one is refused
 * before anything uses it, and the typed values it builds are the ones the
 * transaction and dialog layers then read (kept by the accessors). Throws
 * SipParseError naming the defect, with `request` set when the message is a
 * request that can be answered (the 400 then goes back to its sender).
 */
export function checkMessage(m: SipMessage): void {
  const request = m.kind === 'request' ? m : undefined;
  try {
    // CSeq first: RFC 4475 scalar02 wants its error reported over Max-Forwards'.
    const cseq = cseqOf(m);
    if (request !== undefined && cseq.method !== request.method) throw new SipParseError(400, 'CSeq method does not match the request method');
    const h = m.headers;
    const known = h.known;
    if (request !== undefined) {
      const mf = known !== undefined ? known.maxFwd : h.firstField('max-forwards');
      if (mf !== undefined && !valueOk(mf, maxForwardsOkB, maxForwardsOk)) throw new SipParseError(400, 'malformed Max-Forwards');
    }
    const id = known !== undefined ? known.callId : h.firstField('call-id');
    if (id === undefined) throw new SipParseError(400, 'missing Call-ID header');
    if (!valueOk(id, callIdOkB, callIdOk)) throw new SipParseError(400, 'malformed Call-ID');
    topVia(m);
    fromOf(m);
    toOf(m);
  } catch (e) {
    if (e instanceof SipParseError && e.request === undefined && request !== undefined && answerable(request)) {
      throw new SipParseError(e.status, e.reason.slice(e.reason.indexOf(' - ') + 3), request);
    }
    throw e;
  }
}

/** Whether a response can be built (RFC 3261 §8.2.6.2 copies these). */
function answerable(m: SipMessage): boolean {
  const h = m.headers;
  return h.has('via') && h.has('from') && h.has('to') && h.has('call-id') && h.has('cseq');
}
