/**
 * Building a CANCEL for a pending request (RFC 3261 §9.1): Request-URI,
 * Call-ID, To, From and the CSeq number equal to the request being cancelled
 * (method CANCEL), a single Via equal to its top Via (so the CANCEL carries
 * the same branch and the server can match it, §9.2), and the same Route
 * headers. It is sent to the same target as the request it cancels.
 */
import { SipRequest, callId, cseqOf } from '../message/index.ts';

export function cancelRequest(request: SipRequest): SipRequest {
  if (request.method === 'ACK' || request.method === 'CANCEL') throw new Error(`cancelRequest: cannot cancel ${request.method}`);
  const cancel = new SipRequest('CANCEL', request.uri);
  const h = cancel.headers;
  const via = request.headers.get('Via');
  const from = request.headers.get('From');
  const to = request.headers.get('To');
  if (via === undefined || from === undefined || to === undefined) throw new Error('cancelRequest: request lacks Via/From/To');
  h.append('Via', via);
  h.append('Max-Forwards', '70');
  for (const route of request.headers.getAll('Route')) h.append('Route', route);
  h.append('From', from);
  h.append('To', to);
  h.append('Call-ID', callId(request));
  h.append('CSeq', `${cseqOf(request).seq} CANCEL`);
  return cancel;
}
