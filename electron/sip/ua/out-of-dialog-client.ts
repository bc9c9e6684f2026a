/**
 * A non-INVITE request of ours outside any dialog (MESSAGE, RFC 3428;
 * OPTIONS, RFC 3261 §11): built from the account (From = the chosen
 * identity, pre-loaded Route to the outbound proxy, §8.1.2), sent to the
 * RFC 3263 targets, its digest challenges answered (§22.2, challenged-request.ts).
 */
import { randomUUID } from 'node:crypto';
import type { SipUri } from '../message/index.ts';
import type { UaAccount } from './account.ts';
import { sendOutsideDialog } from './challenged-request.ts';
import { buildRequest } from './request-builder.ts';
import { outcome, outcomeOf } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import type { UaContext } from './ua-context.ts';

export interface RequestOptions {
  /** The identity to present (From), one of the account's addresses. */
  identity?: string;
  contentType?: string;
  headers?: readonly [string, string][];
}

export interface RequestResult {
  outcome: SipOutcome;
  /** Why a 401/407 could not be answered, in words. */
  detail?: string;
  /** Header values of the answer the caller may want (Allow, Supported, Accept for OPTIONS). */
  headers: Record<string, string[]>;
}

export async function sendOutOfDialog(ctx: UaContext, account: UaAccount, method: string, target: SipUri, o: RequestOptions & { body?: string }): Promise<RequestResult> {
  let targets;
  try {
    targets = await ctx.resolver.resolve(account.outboundProxy ?? target, account.transport, target);
  } catch (err) {
    return { outcome: outcome(503, 'Service Unavailable', 'transport'), detail: String(err), headers: {} };
  }
  const request = buildRequest({
    method,
    requestUri: target,
    from: account.identity(o.identity),
    fromTag: randomUUID().slice(0, 8),
    to: { uri: { ...target, params: new Map(), headers: new Map() }, params: new Map() },
    callId: randomUUID(),
    cseq: 1,
    routes: account.routeSet(),
    headers: o.headers,
    body: o.body !== undefined ? { contentType: o.contentType ?? 'text/plain', content: o.body } : undefined,
    userAgent: ctx.userAgent,
  });
  const sent = await sendOutsideDialog(ctx.layer, request, targets, account.authenticator);
  const headers: Record<string, string[]> = {};
  for (const name of ['Allow', 'Supported', 'Accept']) {
    const values = sent.response.headers.getAll(name);
    if (values.length > 0) headers[name] = values;
  }
  const result: RequestResult = { outcome: outcomeOf(sent.response), headers };
  if (sent.authFailure) result.detail = sent.authFailure.message;
  return result;
}
