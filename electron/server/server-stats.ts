/** Counters the server keeps, for `parley serve --json`, the UI and the tests. */
export interface ServerStats {
  requests: number;
  /** Requests the parser rejected (answered 400/505/513 by the transport when it could). */
  malformed: number;
  /** Requests dropped by the per-source rate limit. */
  rateLimited: number;
  /** Requests dropped because their source is blocked after failed passwords. */
  blocked: number;
  authFailures: number;
  registrations: number;
  /** Requests forwarded by the proxy (initial and in-dialog). */
  forwarded: number;
  redirects: number;
  loops: number;
  tooManyHops: number;
  /** New requests dropped because too many were already waiting to be handled (the server is behind). */
  overloaded: number;
}

export function emptyStats(): ServerStats {
  return { requests: 0, malformed: 0, rateLimited: 0, blocked: 0, authFailures: 0, registrations: 0, forwarded: 0, redirects: 0, loops: 0, tooManyHops: 0, overloaded: 0 };
}
