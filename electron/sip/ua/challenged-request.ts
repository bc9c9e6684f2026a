/**
 * The one place a request of ours meets a digest challenge (RFC 3261 §22.2,
 * §22.3): whatever the method — REGISTER, INVITE, re-INVITE, UPDATE, PRACK,
 * BYE, REFER, INFO, MESSAGE, OPTIONS, SUBSCRIBE — a 401 or 407 is handed to
 * the account's digest authenticator, which answers it with the credentials
 * bound to the challenge's realm (sip/auth/realm-binding.ts: a challenge from
 * another realm is not answered, whatever the method), and the request goes out again (CSeq + 1,
 * new branch) through the same send path it took the first time.
 *
 *   send([]) ──401/407──▶ authorize() ──ok──▶ send(fields) ──▶ … (at most MAX_CHALLENGES)
 *      │                      └── failure (wrong password, no credentials…) ──▶ result + authFailure
 *      └── any other final answer ──▶ result
 *
 * The authenticator refuses to answer a challenge to credentials it has just
 * sent (a wrong password ends after one answer), so the limit only bounds
 * stale nonces, two realms (proxy and registrar) and confused servers.
 */
import type { AuthFailure, AuthorizationField, DigestAuthenticator } from '../auth/digest-authenticator.ts';
import { cseqOf } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { SendTarget } from '../transport/transport.ts';
import { nextRequest } from './request-builder.ts';

/** One request as sent (with its Via) and the final response it drew (a synthesized 408/503 on timeout or transport failure). */
export interface Exchange {
  request: SipRequest;
  response: SipResponse;
}

export interface ChallengedExchange extends Exchange {
  /** Set when a 401/407 could not be answered. */
  authFailure?: AuthFailure;
}

/** An exchange outside a dialog, with the target the last attempt went to (after RFC 3263 failover): the flow a registration keeps alive. */
export interface TargetedExchange extends ChallengedExchange {
  target?: SendTarget;
}

/** Challenges answered for one request at most, for every method. */
export const MAX_CHALLENGES = 4;

/**
 * `send(fields, previous)` sends the request — the first time with no fields,
 * then the next one built from `previous` with the Authorization /
 * Proxy-Authorization fields — and resolves with its final response.
 */
export type ChallengedSend = (fields: readonly AuthorizationField[], previous: Exchange | undefined) => Promise<Exchange>;

export function isChallenge(response: SipResponse): boolean {
  return response.status === 401 || response.status === 407;
}

export async function sendChallenged(authenticator: DigestAuthenticator, send: ChallengedSend): Promise<ChallengedExchange> {
  let exchange = await send([], undefined);
  for (let round = 0; isChallenge(exchange.response) && round < MAX_CHALLENGES; round++) {
    const answer = authenticator.authorize(exchange.request, exchange.response);
    if (!answer.ok) return { ...exchange, authFailure: answer };
    exchange = await send(answer.fields, exchange);
  }
  // A 2xx to credentials we sent: a first registration binds the account to that realm (sip/auth/realm-binding.ts).
  if (exchange.response.status >= 200 && exchange.response.status < 300) authenticator.succeeded(exchange.request);
  return exchange;
}

/** One non-INVITE client transaction outside a dialog, resolved with its final response. */
export function sendOnce(layer: TransactionLayer, request: SipRequest, targets: readonly SendTarget[]): Promise<Exchange & { target: SendTarget }> {
  return new Promise((resolve) => {
    const failover = layer.sendRequest(request, targets, {
      onResponse: (response) => {
        if (response.status >= 200) resolve({ response, request: failover.request, target: failover.transaction.target });
      },
    });
  });
}

/**
 * A request outside any dialog (REGISTER, MESSAGE, OPTIONS, SUBSCRIBE) with its
 * challenges answered; `nextCseq` gives the retry's CSeq number (REGISTER keeps
 * one counter per Call-ID, §10.2), by default the previous one + 1.
 */
export async function sendOutsideDialog(
  layer: TransactionLayer, first: SipRequest, targets: readonly SendTarget[], authenticator: DigestAuthenticator, nextCseq?: () => number,
): Promise<TargetedExchange> {
  let target: SendTarget | undefined;
  const once = async (request: SipRequest): Promise<Exchange> => {
    const sent = await sendOnce(layer, request, targets);
    target = sent.target;
    return sent;
  };
  const done = await sendChallenged(authenticator, (fields, previous) => {
    if (!previous) return once(first);
    return once(nextRequest(previous.request, { cseq: nextCseq ? nextCseq() : cseqOf(previous.request).seq + 1, fields }));
  });
  return target ? { ...done, target } : done;
}

/** Authorization fields as header pairs for a request's content. */
export function fieldsAsHeaders(fields: readonly AuthorizationField[]): [string, string][] {
  return fields.map((f): [string, string] => [f.name, f.value]);
}
