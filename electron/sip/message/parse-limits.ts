/**
 * Bounds on what the parser accepts from the network, so a peer cannot make
 * us buffer without end (RFC 3261 §18.3 lets a stream message be of any size;
 * we refuse past these with 413 / 513).
 */
export interface ParseLimits {
  /** Whole message (head + body). A larger head is 513, a larger body 413. */
  maxMessageBytes: number;
  /** Header fields (lines, not values) in one message: more is 513. */
  maxHeaders: number;
  /** One line of the head (start line or header line): longer is 513. */
  maxLineBytes: number;
  /**
   * Off (the default): parseMessage checks the Request-URI and the values of
   * Via (top), From, To, CSeq, Call-ID and Max-Forwards, so a malformed
   * request is refused at once with a reason naming the defect (RFC 4475).
   * On: parseMessage checks only the start line, the framing (Content-Length)
   * and that Via, From, To, Call-ID and CSeq are present; a malformed value
   * is reported when it is read (topVia, fromOf, toOf, cseqOf... throw
   * SipParseError). About twice as fast; meant for a proxy that forwards
   * most messages untouched, at the price of finding errors later.
   */
  deferHeaderChecks?: boolean;
}

export const defaultParseLimits: ParseLimits = Object.freeze({
  maxMessageBytes: 256 * 1024,
  maxHeaders: 256,
  maxLineBytes: 16 * 1024,
});

export function resolveLimits(limits?: Partial<ParseLimits>): ParseLimits {
  if (!limits) return defaultParseLimits;
  // A complete set (what a transport passes on every datagram) is used as is.
  if (limits.maxMessageBytes !== undefined && limits.maxHeaders !== undefined && limits.maxLineBytes !== undefined) {
    return limits as ParseLimits;
  }
  return {
    maxMessageBytes: limits.maxMessageBytes ?? defaultParseLimits.maxMessageBytes,
    maxHeaders: limits.maxHeaders ?? defaultParseLimits.maxHeaders,
    maxLineBytes: limits.maxLineBytes ?? defaultParseLimits.maxLineBytes,
    deferHeaderChecks: limits.deferHeaderChecks === true,
  };
}
