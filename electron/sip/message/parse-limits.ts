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
  };
}
