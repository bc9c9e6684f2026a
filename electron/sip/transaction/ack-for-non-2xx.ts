/**
 * The ACK an INVITE client transaction sends for a 300–699 final response
 * (RFC 3261 §17.1.1.3). It belongs to the INVITE's transaction: same
 * Request-URI, Call-ID, From, CSeq number and a single Via equal to the
 * INVITE's top Via (so the same branch), the To of the response (it carries
 * the tag), and the INVITE's Route headers so it follows the same path.
 * The ACK for a 2xx is a different thing: the dialog layer builds it (§13.2.2.4).
 */
import { SipRequest, callId, cseqOf } from '../message/index.ts';
import type { SipResponse } from '../message/index.ts';

export function ackForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const ack = new SipRequest('ACK', invite.uri);
  const h = ack.headers;
  const via = invite.headers.get('Via');
  if (via === undefined) throw new Error('ackForNon2xx: INVITE without Via');
  h.append('Via', via);
  h.append('Max-Forwards', '70');
  for (const route of invite.headers.getAll('Route')) h.append('Route', route);
  h.append('From', mustGet(invite, 'From'));
  h.append('To', response.headers.get('To') ?? mustGet(invite, 'To'));
  h.append('Call-ID', callId(invite));
  h.append('CSeq', `${cseqOf(invite).seq} ACK`);
  return ack;
}

function mustGet(m: SipRequest, name: string): string {
  const v = m.headers.get(name);
  if (v === undefined) throw new Error(`ackForNon2xx: INVITE without ${name}`);
  return v;
}
