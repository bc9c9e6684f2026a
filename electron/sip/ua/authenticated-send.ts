/**
 * Sending a non-INVITE request outside a dialog and answering its digest
 * challenges (RFC 3261 §22.2): a 401/407 is answered with credentials from
 * the account's authenticator, the request going out again with CSeq + 1.
 * The authenticator refuses to answer a challenge to credentials it just
 * sent (wrong password), so this never loops; `maxChallenges` bounds stale
 * nonces and confused servers as well.
 */
import type { AuthFailure, DigestAuthenticator } from '../auth/digest-authenticator.ts';
import { cseqOf } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/index.ts';
import type { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { SendTarget } from '../transport/transport.ts';
import { nextRequest } from './request-builder.ts';

export interface SendResult {
  /** The final response to the last request sent (a synthesized 408/503 on timeout or transport failure). */
  response: SipResponse;
  /** The last request as sent (with its Via). */
  request: SipRequest;
  /** Set when a 401/407 could not be answered. */
  authFailure?: AuthFailure;
  /** The target the last attempt went to (after RFC 3263 failover): the flow a registration keeps alive. */
  target?: SendTarget;
}

export interface AuthenticatedSendOptions {
  layer: TransactionLayer;
  targets: readonly SendTarget[];
  authenticator: DigestAuthenticator;
  /** The CSeq number for a retry (REGISTER keeps one counter per Call-ID, §10.2). Default: previous + 1. */
  nextCseq?: () => number;
  maxChallenges?: number;
}

export function sendOnce(layer: TransactionLayer, request: SipRequest, targets: readonly SendTarget[]): Promise<{ response: SipResponse; request: SipRequest; target: SendTarget }> {
  return new Promise((resolve) => {
    const failover = layer.sendRequest(request, targets, {
      onResponse: (response) => {
        if (response.status >= 200) resolve({ response, request: failover.request, target: failover.transaction.target });
      },
    });
  });
}

export async function sendAuthenticated(first: SipRequest, opts: AuthenticatedSendOptions): Promise<SendResult> {
  const max = opts.maxChallenges ?? 4;
  let request = first;
  for (let round = 0; ; round++) {
    const sent = await sendOnce(opts.layer, request, opts.targets);
    const { response } = sent;
    if (response.status >= 200 && response.status < 300) opts.authenticator.succeeded(sent.request);
    if ((response.status !== 401 && response.status !== 407) || round >= max) return sent;
    const answer = opts.authenticator.authorize(sent.request, response);
    if (!answer.ok) return { ...sent, authFailure: answer };
    request = nextRequest(sent.request, { cseq: opts.nextCseq ? opts.nextCseq() : cseqOf(sent.request).seq + 1, fields: answer.fields });
  }
}
