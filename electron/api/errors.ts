/**
 * Results, not throws, across the API (docs/conventions.md item 6). Every command
 * answers an `ApiResult`; a failure carries a code a program can act on and a
 * message a person can read.
 *
 * On the server side the phone signals a catchable condition by throwing an
 * `ApiError` (a typed exception); the dispatcher turns it into the failure
 * value. Anything else that is thrown is a bug: it becomes `internal` with a
 * generic message, and the detail goes to the log only.
 *
 * Imports nothing: the renderer may use these types (and `isApiFailure`).
 */

export const API_ERROR_CODES = [
  /** The params (or the message) are malformed; `issues` says which field. */
  'bad-request',
  /** No such account, call, contact… (e.g. answering a call that already ended). */
  'not-found',
  /** The request contradicts the current state (an address two accounts claim, answering an answered call). */
  'conflict',
  /** Refused by policy (an identity that is not the account's, SRTP mandatory but refused). */
  'not-allowed',
  /** The service needed is not there now (no network, account disabled, command not wired yet). */
  'unavailable',
  /** The phone did not answer in time. */
  'timeout',
  /** Too many commands in flight on this connection; retry later. */
  'busy',
  /** A bug. The message is generic; details are in the log. */
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** One problem with one field of the params. */
export interface ApiIssue {
  /** Dotted path into params ('changes.aliases.1'), '' for the whole value. */
  path: string;
  message: string;
}

export interface ApiSuccess<T> {
  ok: true;
  result: T;
}

export interface ApiFailure {
  ok: false;
  code: ApiErrorCode;
  message: string;
  /** For bad-request: what is wrong, field by field (at most a few). */
  issues?: ApiIssue[];
  /** When a SIP answer is why the command failed (the peer refused the hold, the transfer…): its code and words. */
  status?: SipStatus;
}

/** A SIP final answer as every failure and snapshot carries it: the code, the server's phrase, and words (docs/api.md, "Words"). */
export interface SipStatus {
  code: number;
  reason: string;
  words: string;
}

export type ApiResult<T> = ApiSuccess<T> | ApiFailure;

export function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);
}

/** A catchable condition the phone reports through the API. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly issues: readonly ApiIssue[];
  readonly status: SipStatus | undefined;

  constructor(code: ApiErrorCode, message: string, options: { issues?: readonly ApiIssue[]; cause?: unknown; status?: SipStatus } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.issues = options.issues ?? [];
    this.status = options.status;
  }

  toFailure(): ApiFailure {
    const f = failure(this.code, this.message, this.issues);
    if (this.status) f.status = { ...this.status };
    return f;
  }
}

export function isApiError(e: unknown, code?: ApiErrorCode): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}

export function failure(code: ApiErrorCode, message: string, issues?: readonly ApiIssue[]): ApiFailure {
  const f: ApiFailure = { ok: false, code, message };
  if (issues && issues.length > 0) f.issues = issues.map((i) => ({ path: i.path, message: i.message }));
  return f;
}

export function success<T>(result: T): ApiSuccess<T> {
  return { ok: true, result };
}
