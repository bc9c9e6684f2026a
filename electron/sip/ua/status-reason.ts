/**
 * SIP final responses in words a person understands (docs/architecture.md §1), with the
 * code kept for the expert. The words are short sentences a call screen or a
 * registration badge can show as they are.
 */
const words: Record<number, string> = {
  200: 'answered',
  202: 'accepted',
  300: 'the number has several possible destinations',
  301: 'the number has moved permanently',
  302: 'the call was redirected',
  305: 'the call must go through a proxy',
  380: 'an alternative service is offered',
  400: 'the server did not understand the request',
  401: 'authentication failed: check the user name and password',
  402: 'payment required',
  403: 'not allowed',
  404: 'no such user',
  405: 'the other side does not allow this request',
  406: 'not acceptable',
  407: 'authentication failed at the proxy: check the user name and password',
  408: 'no answer (the request timed out)',
  410: 'the user is gone',
  413: 'the request was too large for the server',
  414: 'the address is too long for the server',
  415: 'the other side does not support this content',
  416: 'the other side does not support this address scheme',
  420: 'the other side does not support a required extension',
  421: 'the other side requires an extension we do not support',
  423: 'the registration interval is too brief',
  480: 'not reachable now',
  481: 'the call or transaction no longer exists',
  482: 'a routing loop was detected',
  483: 'too many hops',
  484: 'the address is incomplete',
  485: 'the address is ambiguous',
  486: 'busy',
  487: 'the call was cancelled',
  488: 'no common codec',
  489: 'the event package is not supported',
  491: 'a request was already pending; try again',
  493: 'the request could not be decrypted',
  494: 'a security agreement is required',
  500: 'the server had an internal error',
  501: 'the other side does not implement this request',
  502: 'a gateway received a bad answer',
  503: 'the service is unavailable (server or network down)',
  504: 'a server timed out',
  505: 'the SIP version is not supported',
  513: 'the message was too large',
  580: 'the call could not be set up (preconditions failed)',
  600: 'busy everywhere',
  603: 'declined',
  604: 'the user does not exist anywhere',
  606: 'not acceptable',
  607: 'rejected as unwanted',
  608: 'rejected by an intermediary',
};

/** The words for a status code: exact where known, else by class (RFC 3261 §8.1.3.2: x00 of its class). */
export function statusInWords(status: number): string {
  const exact = words[status];
  if (exact) return exact;
  if (status >= 100 && status < 200) return 'in progress';
  if (status >= 200 && status < 300) return 'succeeded';
  if (status >= 300 && status < 400) return 'the call was redirected';
  if (status >= 400 && status < 500) return 'the request failed';
  if (status >= 500 && status < 600) return 'the server failed';
  if (status >= 600 && status < 700) return 'the call failed everywhere';
  return `unexpected answer ${status}`;
}

/** A one-line description for the UI: words first, the code and the server's phrase after. */
export function describeStatus(status: number, serverReason?: string): string {
  const reason = serverReason && serverReason.trim() ? ` "${serverReason.trim()}"` : '';
  return `${statusInWords(status)} (${status}${reason})`;
}
