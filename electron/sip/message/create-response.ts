import { HeaderList, freshField, type HeaderField } from './header-list.ts';
import { reasonPhrase } from './reason-phrase.ts';
import { SipResponse, type SipRequest } from './sip-message.ts';

const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

/**
 * A response to a request as RFC 3261 §8.2.6.2 builds it: Via (all, in
 * order), From, To, Call-ID and CSeq copied, values as received. The caller
 * adds the To tag (§8.2.6.2), Contact, Record-Route (§12.1.1) and so on.
 */
export function createResponse(req: SipRequest, status: number, reason?: string): SipResponse {
  const fields: HeaderField[] = [];
  for (const f of req.headers.fields) if (COPIED.has(f.key)) fields.push(freshField(f));
  // Timestamp is echoed in responses (RFC 3261 §8.2.6.1).
  for (const f of req.headers.fields) if (f.key === 'timestamp') fields.push(freshField(f));
  return new SipResponse(status, reason ?? reasonPhrase(status), HeaderList.fromFields(fields));
}
