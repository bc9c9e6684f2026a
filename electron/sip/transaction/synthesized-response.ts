/**
 * Responses a client transaction makes up itself (RFC 3261 §8.1.3.1): a timeout
 * is reported to the TU as 408 (Request Timeout), a transport failure as 503
 * (Service Unavailable). They are remembered so that target failover
 * (RFC 3263 §4.3) and the UI can tell a local verdict from a server's answer.
 */
import { createResponse } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { Endpoint } from '../transport/transport.ts';

export type LocalFailure = 'timeout' | 'transport';

const made = new WeakMap<SipResponse, { failure: LocalFailure; target?: Endpoint; why?: string }>();

/** `target`: the next hop that did not answer, so the UI can name it ("the server at host:port is not answering"). */
export function synthesizeResponse(request: SipRequest, failure: LocalFailure, target?: Endpoint): SipResponse {
  const response =
    failure === 'timeout' ? createResponse(request, 408, 'Request Timeout') : createResponse(request, 503, 'Service Unavailable');
  made.set(response, target ? { failure, target: { protocol: target.protocol, address: target.address, port: target.port } } : { failure });
  return response;
}

/**
 * A request this stack would not send at all — a sips: request whose next hop
 * is not TLS (RFC 5630) — answered 503 here, keeping why in words for the
 * user (the API's words, not "the service is unavailable").
 */
export function refusedLocally(request: SipRequest, why: string): SipResponse {
  const response = createResponse(request, 503, 'Service Unavailable');
  made.set(response, { failure: 'transport', why });
  return response;
}

/** Why a made-up response was not sent, in words (refusedLocally), when the stack said. */
export function localFailureWhy(response: SipResponse): string | undefined {
  return made.get(response)?.why;
}

/** 'timeout' / 'transport' for a response this stack made up, undefined for one that came from the network. */
export function localFailureOf(response: SipResponse): LocalFailure | undefined {
  return made.get(response)?.failure;
}

/** The next hop a made-up response is about, when the transaction knew it. */
export function localFailureTarget(response: SipResponse): Endpoint | undefined {
  return made.get(response)?.target;
}
