import type { SipRequest } from './sip-message.ts';
import { reasonPhrase } from './reason-phrase.ts';

/**
 * A message that cannot be accepted. `status` is the response a UAS or proxy
 * sends for it (RFC 3261 §8.2, §16.3: 400 for syntax, 505 for the version,
 * 413/513 for size) and `reason` a reason phrase naming the defect, e.g.
 * "Bad Request - malformed Via". `request` is set when the message was a
 * request whose Via, From, To, Call-ID and CSeq were read, so a response can
 * be built from it (RFC 3261 §8.2.6.1 copies those).
 */
export class SipParseError extends Error {
  status: number;
  reason: string;
  request?: SipRequest;

  constructor(status: number, defect: string, request?: SipRequest) {
    const reason = defect ? `${reasonPhrase(status)} - ${defect}` : reasonPhrase(status);
    super(reason);
    this.name = 'SipParseError';
    this.status = status;
    this.reason = reason;
    if (request) this.request = request;
  }
}

/** Shorthand for the common 400 case. */
export function badRequest(defect: string): SipParseError {
  return new SipParseError(400, defect);
}
