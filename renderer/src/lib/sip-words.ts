/**
 * SIP status codes in words a person understands (docs/api.md, "Words"). The engine
 * sends `words` with its events; this table is the fallback when it does not
 * (an older engine, a code it has no words for).
 */
const WORDS: Record<number, string> = {
  400: 'the server did not understand the request',
  401: 'wrong user name or password',
  403: 'not allowed',
  404: 'no such user',
  405: 'not supported by the other side',
  407: 'the proxy wants a user name and password',
  408: 'no answer from the server',
  410: 'this address is gone',
  413: 'the request is too large',
  414: 'the address is too long',
  415: 'the other side cannot read what we sent',
  416: 'unsupported kind of address',
  420: 'the other side lacks a needed feature',
  423: 'the registration interval is too short',
  480: 'not reachable now',
  481: 'the call no longer exists',
  482: 'the call went round in a loop',
  483: 'too many hops',
  484: 'the number is incomplete',
  485: 'the address is ambiguous',
  486: 'busy',
  487: 'cancelled',
  488: 'no common codec',
  491: 'both sides changed the call at once; try again',
  500: 'the server failed',
  501: 'the server does not support this',
  502: 'a gateway failed',
  503: 'the service is unavailable',
  504: 'a server did not answer in time',
  513: 'the message is too large',
  600: 'busy everywhere',
  603: 'declined',
  604: 'this address does not exist anywhere',
  606: 'the call cannot be accepted as offered',
};

export function wordsForCode(code: number | undefined): string | undefined {
  if (code === undefined) return undefined;
  if (WORDS[code]) return WORDS[code];
  if (code >= 300 && code < 400) return 'the call was redirected';
  if (code >= 400 && code < 500) return 'the request was refused';
  if (code >= 500 && code < 600) return 'a server failed';
  if (code >= 600) return 'refused everywhere';
  return undefined;
}

/** "Busy (486)", "No such user (404)", or just the words / the code when one is missing. */
export function describeOutcome(code: number | undefined, words?: string, reason?: string): string | undefined {
  const text = words ?? wordsForCode(code) ?? reason;
  if (!text && code === undefined) return undefined;
  const sentence = text ? text.charAt(0).toUpperCase() + text.slice(1) : `SIP ${code}`;
  return code !== undefined && text ? `${sentence} (${code})` : sentence;
}
