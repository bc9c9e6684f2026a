/**
 * Responses a client transaction makes up itself (RFC 3261 §8.1.3.1): a timeout
 * is reported to the TU as 408 (Request Timeout), a transport failure as 503
 * (Service Unavailable). They are remembered so that target failover
 * (RFC 3263 §4.3) and the UI can tell a local verdict from a server's answer.
 */
import { createResponse } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';

export type LocalFailure = 'timeout' | 'transport';

const made = new WeakMap<SipResponse, LocalFailure>();

export function synthesizeResponse(request: SipRequest, failure: LocalFailure): SipResponse {
  const response =
    failure === 'timeout' ? createResponse(request, 408, 'Request Timeout') : createResponse(request, 503, 'Service Unavailable');
  made.set(response, failure);
  return response;
}

/** 'timeout' / 'transport' for a response this stack made up, undefined for one that came from the network. */
export function localFailureOf(response: SipResponse): LocalFailure | undefined {
  return made.get(response);
}
