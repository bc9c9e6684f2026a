/**
 * The WebSocket wire protocol of the control API (the web host, and any
 * remote client such as a second CLI). One WebSocket per client:
 *
 *   connect   ws://127.0.0.1:PORT/api?token=TOKEN
 *             The token travels in the query because browsers cannot set
 *             headers on a WebSocket. It is checked at the HTTP upgrade
 *             (401 without the right one, 403 for an Origin not allowed), so
 *             an unauthenticated peer never gets a WebSocket at all. The web
 *             host hands the token to its page in the URL fragment
 *             (http://127.0.0.1:PORT/#token=…), which browsers never send to
 *             a server nor put in a Referer.
 *   server →  {"event":"hello","data":{"protocol":1,"limits":{…}}}   once, first
 *   client →  {"id":7,"cmd":"call.dial","params":{"target":"alice"}}
 *   server →  {"id":7,"ok":true,"result":{…CallSnapshot}}
 *             {"id":7,"ok":false,"code":"bad-request","message":"…","issues":[…]}
 *   server →  {"event":"call","data":{…CallSnapshot}}                 any time
 *   server →  {"event":"error","data":{"code":"bad-request","message":"…"}}
 *             for a message that could not be answered by id (not JSON, no id)
 *   both   →  binary messages: audio frames only (audio-frames.ts)
 *
 * `id` is the client's: a string of 1–64 printable characters or a safe
 * non-negative integer, echoed verbatim. Replies may come in any order.
 * Envelope keys other than id, cmd and params are refused.
 *
 * No Node APIs: the renderer uses these types and `parseRequest` is shared.
 */
import type { CommandName, CommandParams, CommandResult } from './commands.ts';
import type { ApiErrorCode, ApiFailure, ApiSuccess } from './errors.ts';
import type { ApiEvent } from './events.ts';

export const API_PATH = '/api';
export const PROTOCOL_VERSION = 1;

export type RequestId = string | number;

export interface WireRequest<N extends CommandName = CommandName> {
  id: RequestId;
  cmd: N;
  params?: CommandParams<N>;
}

export type WireReply<T = unknown> = { id: RequestId } & (ApiSuccess<T> | ApiFailure);
export type WireReplyFor<N extends CommandName> = WireReply<CommandResult<N>>;

export interface WireLimits {
  /** Largest JSON message the server reads, in bytes. */
  maxMessageBytes: number;
  /** Commands one client may have unanswered at once; beyond it: 'busy'. */
  maxInFlight: number;
}

export interface HelloMessage {
  event: 'hello';
  data: { protocol: number; limits: WireLimits };
}

export interface WireErrorMessage {
  event: 'error';
  data: { code: ApiErrorCode; message: string };
}

export type ServerMessage = WireReply | ApiEvent | HelloMessage | WireErrorMessage;

/** What the server makes of one text message. */
export type ParsedRequest =
  | { ok: true; id: RequestId; cmd: unknown; params: unknown }
  /** `id` is set when the message was bad but its id could be read: answer by id, else with an error event. */
  | { ok: false; id?: RequestId; message: string };

export function isRequestId(id: unknown): id is RequestId {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0;
  return typeof id === 'string' && id.length >= 1 && id.length <= 64 && /^[\x20-\x7e]+$/.test(id);
}

/**
 * Finds an id at the very start of a message that cannot be parsed whole (too
 * long, or not JSON), so the client still learns which request failed. Only
 * an `"id"` written as the first key is found: we do not parse the rest.
 */
export function readLeadingId(text: string): RequestId | undefined {
  const m = /^\s*\{\s*"id"\s*:\s*(?:"([\x20-\x21\x23-\x5b\x5d-\x7e]{1,64})"|(\d{1,15}))\s*[,}]/.exec(text.slice(0, 120));
  if (!m) return undefined;
  const id = m[1] ?? Number(m[2]);
  return isRequestId(id) ? id : undefined;
}

const ENVELOPE_KEYS = new Set(['id', 'cmd', 'params']);

export function parseRequest(text: string): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const id = readLeadingId(text);
    return id === undefined ? { ok: false, message: 'message is not JSON' } : { ok: false, id, message: 'message is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'message is not a JSON object' };
  const envelope = value as Record<string, unknown>;
  if (!isRequestId(envelope.id)) {
    return { ok: false, message: 'message has no valid id (a string of 1–64 printable characters or a non-negative integer)' };
  }
  const id = envelope.id;
  const extra = Object.keys(envelope).filter((k) => !ENVELOPE_KEYS.has(k));
  if (extra.length > 0) return { ok: false, id, message: `unknown key ${JSON.stringify(extra[0]!.slice(0, 64))} in request (allowed: id, cmd, params)` };
  if (typeof envelope.cmd !== 'string') return { ok: false, id, message: 'request has no cmd' };
  return { ok: true, id, cmd: envelope.cmd, params: envelope.params };
}
