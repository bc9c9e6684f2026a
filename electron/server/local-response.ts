/**
 * Responses the server makes itself (not forwarded ones): RFC 3261 §8.2.6.2
 * wants a To tag on every final response outside a dialog. The tag is a hash
 * of Call-ID, CSeq and From tag, so the answer to a retransmitted request
 * carries the same tag.
 */
import { createResponse, type SipRequest, type SipResponse } from '../sip/message/index.ts';

export function localResponse(request: SipRequest, status: number, reason?: string): SipResponse {
  const r = createResponse(request, status, reason);
  if (status >= 200) addToTag(r);
  return r;
}

export function addToTag(r: SipResponse): void {
  const to = r.headers.get('To');
  if (to === undefined || /;\s*tag\s*=/i.test(to)) return;
  const base = `${r.headers.get('Call-ID') ?? ''}|${r.headers.get('CSeq') ?? ''}|${r.headers.get('From') ?? ''}`;
  let h = 2166136261;
  for (let i = 0; i < base.length; i++) h = Math.imul(h ^ base.charCodeAt(i), 16777619);
  r.headers.set('To', `${to};tag=pl${(h >>> 0).toString(36)}`);
}
