/**
 * What this UA implements, as it tells peers in Allow, Accept and Supported
 * (RFC 3261 §20.5, §20.1, §20.37), and the UAS checks that use it
 * (RFC 3261 §8.2.1 method inspection, §8.2.2.3 Require).
 */
import { SipResponse, createResponse, parseTokenList } from '../message/index.ts';
import type { SipRequest } from '../message/index.ts';

/**
 * Methods we accept (INFO for DTMF, RFC 6086; REFER/NOTIFY for transfer, RFC 3515; MESSAGE, RFC 3428;
 * PRACK, RFC 3262; UPDATE, RFC 3311; SUBSCRIBE/NOTIFY for event packages, RFC 6665 — a SUBSCRIBE for
 * a package we do not serve is 489).
 */
export const ALLOWED_METHODS: readonly string[] = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'MESSAGE', 'INFO', 'REFER', 'NOTIFY', 'PRACK', 'UPDATE', 'SUBSCRIBE'];

/**
 * Methods we recognize but do not allow: §8.2.1 answers those 405 (with
 * Allow); anything else is unknown to us and gets 501.
 */
const RECOGNIZED: ReadonlySet<string> = new Set([
  ...ALLOWED_METHODS, 'REGISTER', 'PRACK', 'SUBSCRIBE', 'PUBLISH', 'UPDATE',
]);

/** Methods that only make sense inside a dialog: outside one they are 481 (§12.2.2, RFC 6086 §4.2). */
export const DIALOG_ONLY_METHODS: ReadonlySet<string> = new Set(['BYE', 'INFO', 'NOTIFY', 'PRACK', 'UPDATE']);

/** Bodies we understand: SDP, instant messages, transfer progress (RFC 3420), DTMF over INFO. */
export const ACCEPTED_TYPES: readonly string[] = ['application/sdp', 'text/plain', 'message/sipfrag', 'application/dtmf-relay'];

/** Option tags we support: reliable provisionals (RFC 3262), session timers (RFC 4028), replaces (RFC 3891, replaces.ts). */
export const SUPPORTED_OPTIONS: readonly string[] = ['100rel', 'timer', 'replaces'];

/** Allow (and Supported, when we have option tags) for dialog-creating messages: RFC 3261 §20.5 asks for Allow in INVITE and its 2xx. */
export function dialogCapabilityHeaders(): [string, string][] {
  const h: [string, string][] = [['Allow', ALLOWED_METHODS.join(', ')]];
  if (SUPPORTED_OPTIONS.length > 0) h.push(['Supported', SUPPORTED_OPTIONS.join(', ')]);
  return h;
}

/** Adds Allow, Accept and Supported, e.g. to a 200 for OPTIONS (§11.2). */
export function addCapabilities(response: SipResponse, supported: readonly string[] = SUPPORTED_OPTIONS): SipResponse {
  response.headers.set('Allow', ALLOWED_METHODS.join(', '));
  response.headers.set('Accept', ACCEPTED_TYPES.join(', '));
  response.headers.set('Supported', supported.join(', '));
  return response;
}

/**
 * §8.2.1: 405 with Allow for a method we know but do not take, 501 for one we
 * do not know; undefined when the method is allowed.
 */
export function methodNotAllowed(request: SipRequest): SipResponse | undefined {
  if (ALLOWED_METHODS.includes(request.method)) return undefined;
  const response = RECOGNIZED.has(request.method)
    ? createResponse(request, 405, 'Method Not Allowed')
    : createResponse(request, 501, 'Not Implemented');
  response.headers.set('Allow', ALLOWED_METHODS.join(', '));
  return response;
}

/**
 * §8.2.2.3: a Require naming an extension we lack is answered 420 with the
 * unknown tags in Unsupported. ACK and CANCEL are exempt (their INVITE
 * already passed this check).
 */
export function unsupportedRequire(request: SipRequest, supported: readonly string[] = SUPPORTED_OPTIONS): SipResponse | undefined {
  if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
  const required = parseTokenList(request.headers.getAll('Require'));
  const missing = required.filter((tag) => !supported.some((s) => s.toLowerCase() === tag.toLowerCase()));
  if (missing.length === 0) return undefined;
  const response = createResponse(request, 420, 'Bad Extension');
  response.headers.set('Unsupported', missing.join(', '));
  return response;
}

/** §8.2.3: a body we cannot read, named by Content-Type, is 415 with Accept. */
export function unsupportedBody(request: SipRequest, accepted: readonly string[], encodings: readonly string[] = ['identity']): SipResponse | undefined {
  if (request.body.length === 0) return undefined;
  const encoding = contentEncoding(request);
  if (!encodings.includes(encoding)) {
    // §8.2.3: an encoding we do not undo → 415 with Accept-Encoding.
    const response = createResponse(request, 415, 'Unsupported Media Type (content encoding)');
    response.headers.set('Accept-Encoding', encodings.join(', '));
    return response;
  }
  const type = contentType(request);
  if (type !== undefined && accepted.includes(type)) return undefined;
  const response = createResponse(request, 415, 'Unsupported Media Type');
  response.headers.set('Accept', accepted.join(', '));
  return response;
}

/** Content-Encoding (RFC 3261 §20.12), lower-case; 'identity' when absent. */
function contentEncoding(request: SipRequest): string {
  return request.headers.get('Content-Encoding')?.trim().toLowerCase() || 'identity';
}

/** The encodings decodedBody undoes (liblinphone deflates its IMDN receipts). */
export const BODY_ENCODINGS: readonly string[] = ['identity', 'deflate', 'gzip'];

/**
 * The body with its Content-Encoding undone (one of BODY_ENCODINGS), never
 * more than maxBytes: a small compressed body cannot make us hold a large
 * one. 'too-large' past it, 'bad' when it does not inflate.
 */
export function decodedBody(request: SipRequest, maxBytes: number): Buffer | 'too-large' | 'bad' {
  const encoding = contentEncoding(request);
  if (encoding === 'identity' || request.body.length === 0) return request.body.length > maxBytes ? 'too-large' : request.body;
  try {
    // node:zlib only for a compressed body: loaded at start, it costs an idle phone ≈ 0.4 MB.
    const { gunzipSync, inflateSync } = process.getBuiltinModule('node:zlib');
    return encoding === 'gzip' ? gunzipSync(request.body, { maxOutputLength: maxBytes }) : inflateSync(request.body, { maxOutputLength: maxBytes });
  } catch (e) {
    return (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'too-large' : 'bad';
  }
}

/** The media type of a message's body, lower-case, without parameters. */
export function contentType(message: { headers: { get(name: string): string | undefined } }): string | undefined {
  const v = message.headers.get('Content-Type');
  if (v === undefined) return undefined;
  return v.split(';')[0]!.trim().toLowerCase();
}
