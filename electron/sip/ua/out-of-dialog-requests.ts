/**
 * The UAS core for requests outside any dialog other than INVITE and CANCEL
 * (RFC 3261 §8.2): Require (§8.2.2.3) → 420; methods we know but do not
 * take → 405, unknown → 501 (§8.2.1); methods that need a dialog → 481;
 * OPTIONS → 200 with Allow/Accept/Supported (§11.2); MESSAGE → 200 and an
 * event (RFC 3428 §7); a request for no account of ours → 404 (§8.2.2.1).
 */
import { callId, createResponse, formatUri, fromOf, parseUri, toOf } from '../message/index.ts';
import type { SipRequest, SipUri } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import type { AccountMatch } from './account-matcher.ts';
import { BODY_ENCODINGS, DIALOG_ONLY_METHODS, addCapabilities, decodedBody, methodNotAllowed, unsupportedBody, unsupportedRequire } from './capabilities.ts';
import type { ReceivedMessage } from './received-message.ts';

export interface OutOfDialogDeps {
  match(request: SipRequest): AccountMatch | undefined;
  onMessage(message: ReceivedMessage): void;
  /** Asked before a MESSAGE is accepted: a refusal (rate limit: 486 + Retry-After) is answered instead of 200. */
  admitMessage?(message: ReceivedMessage): { status: number; reason: string; retryAfterS?: number } | undefined;
}

/**
 * The largest MESSAGE body we take (RFC 3428 §8: a MESSAGE should fit a UDP
 * datagram, ~1300 bytes; longer text belongs in MSRP). Larger: 413, and
 * nothing stored (60 KB messages filled a user's disk by the hundred).
 */
export const MAX_RECEIVED_MESSAGE_BYTES = 4096;

/** Types a MESSAGE may carry (RFC 3428 §7: we must take text/plain); the phone decides what each holds. */
const MESSAGE_TYPES: readonly string[] = ['text/plain', 'text/html', 'application/im-iscomposing+xml', 'message/cpim', 'message/imdn+xml'];

export function answerOutOfDialog(request: SipRequest, tx: ServerTransaction, deps: OutOfDialogDeps): void {
  const refused = unsupportedRequire(request) ?? (DIALOG_ONLY_METHODS.has(request.method) ? createResponse(request, 481, 'Call/Transaction Does Not Exist') : methodNotAllowed(request));
  if (refused) {
    tx.respond(refused);
    return;
  }
  switch (request.method) {
    case 'OPTIONS': {
      // A probe of the UA itself (no user part, e.g. a proxy's keep-alive) is always answered.
      const uri = requestUri(request);
      if (uri?.user !== undefined && !deps.match(request)) {
        tx.respond(createResponse(request, 404, 'Not Found'));
        return;
      }
      const response = addCapabilities(createResponse(request, 200, 'OK'));
      tx.respond(response);
      return;
    }
    case 'MESSAGE': {
      const match = deps.match(request);
      if (!match) {
        tx.respond(createResponse(request, 404, 'Not Found'));
        return;
      }
      const badBody = unsupportedBody(request, MESSAGE_TYPES, BODY_ENCODINGS);
      if (badBody) {
        tx.respond(badBody);
        return;
      }
      const body = decodedBody(request, MAX_RECEIVED_MESSAGE_BYTES);
      if (body === 'too-large') {
        tx.respond(createResponse(request, 413, 'Request Entity Too Large'));
        return;
      }
      if (body === 'bad') {
        tx.respond(createResponse(request, 400, 'Bad Request (body does not inflate)'));
        return;
      }
      const from = fromOf(request);
      const source = tx.incoming.source;
      const message: ReceivedMessage = {
        accountId: match.accountId,
        alias: match.alias,
        from: from.displayName !== undefined ? { uri: formatUri(from.uri), displayName: from.displayName } : { uri: formatUri(from.uri) },
        to: formatUri(toOf(request).uri),
        // With its parameters: the charset says how to read the body (RFC 3428 §9).
        contentType: request.headers.get('Content-Type')?.trim() || 'text/plain',
        body: body.toString('utf8'),
        bodyBytes: body,
        callId: callId(request),
        source: { address: source.address, port: source.port },
        requestUri: request.uri,
        ...(match.fallback === true ? { fallback: true } : {}),
      };
      const refusal = deps.admitMessage?.(message);
      if (refusal) {
        const response = createResponse(request, refusal.status, refusal.reason);
        if (refusal.retryAfterS !== undefined) response.headers.set('Retry-After', String(refusal.retryAfterS));
        tx.respond(response);
        return;
      }
      tx.respond(createResponse(request, 200, 'OK'));
      deps.onMessage(message);
      return;
    }
    case 'SUBSCRIBE':
      // RFC 6665 §4.2.1.1: no event framework serves this UA, so no package is known here.
      tx.respond(createResponse(request, 489, 'Bad Event'));
      return;
    case 'REFER':
      // RFC 3515 allows REFER outside a dialog; we only transfer the calls we are in.
      tx.respond(createResponse(request, 403, 'Out-of-dialog REFER Not Accepted'));
      return;
    default:
      tx.respond(createResponse(request, 500, 'Unexpected Request'));
  }
}

function requestUri(request: SipRequest): SipUri | undefined {
  try {
    return parseUri(request.uri);
  } catch {
    return undefined;
  }
}
