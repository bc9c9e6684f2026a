/**
 * Which transaction a message belongs to.
 *  - Responses to client transactions (RFC 3261 §17.1.3): the top Via branch
 *    and the CSeq method (a CANCEL shares its INVITE's branch).
 *  - Requests to server transactions (§17.2.3): with a magic-cookie branch,
 *    branch + sent-by + method, an ACK counting as INVITE so that the ACK for
 *    a non-2xx finds its INVITE transaction. Without it (RFC 2543 peers), the
 *    Request-URI, To tag, From tag, Call-ID, CSeq and top Via of the request
 *    that created the transaction, the ACK using the To tag of the response
 *    the transaction sent and only the CSeq number; indexed by `legacyKey`.
 *  - CANCEL to the request it cancels (§9.2): the same rules, as if the
 *    method were that of the cancelled request.
 */
import { callId, cseqOf, fromOf, parseUri, toOf, topVia, uriEquals } from '../message/index.ts';
import type { SipMessage, SipRequest, SipResponse, Via } from '../message/index.ts';
import { MAGIC_COOKIE } from './transaction.ts';

/** RFC 3261 §19.1.2 default port of a Via transport. */
function defaultPort(transport: string): number {
  return transport.toUpperCase() === 'TLS' ? 5061 : 5060;
}

export function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? defaultPort(via.transport)}`;
}

export function isRfc3261Branch(branch: string | null | undefined): branch is string {
  return typeof branch === 'string' && branch.startsWith(MAGIC_COOKIE) && branch.length > MAGIC_COOKIE.length;
}

export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

export function clientKeyOfResponse(response: SipResponse): string | undefined {
  const branch = topVia(response).params.get('branch');
  if (!branch) return undefined;
  return clientKey(branch, cseqOf(response).method);
}

/** The key of the server transaction a request belongs to; undefined for an RFC 2543 request (no magic cookie). */
export function serverKey(request: SipRequest, asMethod?: string): string | undefined {
  const via = topVia(request);
  const branch = via.params.get('branch');
  if (!isRfc3261Branch(branch)) return undefined;
  const method = asMethod ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  return `${branch}|${sentBy(via)}|${method}`;
}

/**
 * The bucket of an RFC 2543 request: the fields legacyMatches compares for
 * plain equality (Call-ID, From tag, CSeq number, top Via transport, sent-by
 * and branch, which are the same for a retransmission, its ACK and its
 * CANCEL). Only the few transactions in a bucket are matched field by field,
 * so 10,000 cookie-less requests cost 10,000 look-ups, not 50 million
 * comparisons. Throws what the accessors throw on a malformed header.
 */
export function legacyKey(request: SipRequest): string {
  const via = topVia(request);
  return `${callId(request)}|${tagOf(fromOf(request)) ?? ''}|${cseqOf(request).seq}|${via.transport.toUpperCase()}|${sentBy(via)}|${via.params.get('branch') ?? ''}`;
}

function tagOf(value: { params: Map<string, string | null> }): string | undefined {
  return value.params.get('tag') ?? undefined;
}

function sameUri(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return uriEquals(parseUri(a), parseUri(b));
  } catch {
    return false;
  }
}

/** The top Via without what the receiving transport stamps on it (received, rport, §18.2.1 / RFC 3581). */
function sameTopVia(a: SipMessage, b: SipMessage): boolean {
  const va = topVia(a);
  const vb = topVia(b);
  return (
    va.transport.toUpperCase() === vb.transport.toUpperCase() &&
    sentBy(va) === sentBy(vb) &&
    (va.params.get('branch') ?? null) === (vb.params.get('branch') ?? null)
  );
}

/**
 * RFC 2543 matching (§17.2.3). `original` created the transaction; `sentToTag`
 * is the To tag of the final response the transaction sent (for ACK).
 * `asMethod` treats `request` as that method (CANCEL matching, §9.2).
 */
export function legacyMatches(original: SipRequest, sentToTag: string | undefined, request: SipRequest, asMethod?: string): boolean {
  try {
    if (!sameUri(original.uri, request.uri)) return false;
    if (callId(original) !== callId(request)) return false;
    if (tagOf(fromOf(original)) !== tagOf(fromOf(request))) return false;
    const oc = cseqOf(original);
    const rc = cseqOf(request);
    if (oc.seq !== rc.seq) return false;
    if (!sameTopVia(original, request)) return false;
    if (request.method === 'ACK' && asMethod === undefined) {
      return original.method === 'INVITE' && tagOf(toOf(request)) === sentToTag;
    }
    const method = asMethod ?? request.method;
    return oc.method === method && original.method === method && tagOf(toOf(original)) === tagOf(toOf(request));
  } catch {
    return false;
  }
}
