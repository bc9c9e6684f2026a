/**
 * Requests outside a dialog as the UAC core builds them (RFC 3261 §8.1.1):
 * Request-URI, To, From with a tag, Call-ID, CSeq, Max-Forwards, the
 * pre-loaded Route set (§8.1.2), Contact where one is needed. No Via: the
 * transaction layer adds it with a fresh branch and the transport fills in
 * sent-by (§18.1.1). And the copies a UAC sends after a 401/407 (§22.2) or a
 * 3xx (§8.1.3.4): same Call-ID, From and To, CSeq + 1, a new branch.
 */
import { SipRequest, cseqOf, formatNameAddr, formatUri } from '../message/index.ts';
import type { NameAddr, SipUri } from '../message/index.ts';
import type { AuthorizationField } from '../auth/digest-authenticator.ts';

export interface RequestInit {
  method: string;
  requestUri: SipUri;
  from: NameAddr;
  fromTag: string;
  to: NameAddr;
  callId: string;
  cseq: number;
  routes?: readonly NameAddr[];
  contact?: NameAddr;
  /** Extra header fields, appended in order. */
  headers?: readonly [string, string][];
  body?: { contentType: string; content: string | Buffer };
  userAgent?: string;
}

export function buildRequest(init: RequestInit): SipRequest {
  const request = new SipRequest(init.method, formatUri(init.requestUri));
  const h = request.headers;
  for (const r of init.routes ?? []) h.append('Route', formatNameAddr(r));
  h.append('Max-Forwards', '70');
  const from: NameAddr = { ...init.from, params: new Map(init.from.params) };
  from.params.set('tag', init.fromTag);
  h.append('From', formatNameAddr(from));
  h.append('To', formatNameAddr(init.to));
  h.append('Call-ID', init.callId);
  h.append('CSeq', `${init.cseq} ${init.method}`);
  if (init.contact) h.append('Contact', formatNameAddr(init.contact));
  if (init.userAgent) h.append('User-Agent', init.userAgent);
  for (const [name, value] of init.headers ?? []) h.append(name, value);
  if (init.body) {
    request.body = typeof init.body.content === 'string' ? Buffer.from(init.body.content, 'utf8') : init.body.content;
    h.set('Content-Type', init.body.contentType);
  }
  return request;
}

/**
 * The next request of the same transaction series (§8.1.3.5, §22.2): a copy
 * without Via, CSeq + 1, the credentials replaced by `fields` (when given),
 * and optionally a new Request-URI (a 3xx target).
 */
export function nextRequest(previous: SipRequest, opts: { cseq?: number; fields?: readonly AuthorizationField[]; requestUri?: SipUri } = {}): SipRequest {
  const copy = new SipRequest(previous.method, opts.requestUri ? formatUri(opts.requestUri) : previous.uri, previous.headers.clone(), previous.body);
  const h = copy.headers;
  h.remove('Via');
  h.set('CSeq', `${opts.cseq ?? cseqOf(previous).seq + 1} ${previous.method}`);
  if (opts.fields) {
    h.remove('Authorization');
    h.remove('Proxy-Authorization');
    for (const f of opts.fields) h.append(f.name, f.value);
  }
  return copy;
}
