/**
 * The one error SDP parsing and offer/answer throw. `statusCode` is the SIP
 * answer the caller should send when the SDP came in a request: 400 for SDP
 * that cannot be read, 488 ("Not Acceptable Here", RFC 3261 §21.4.26) for an
 * offer we read but cannot accept (no common codec, SRTP mismatch).
 */
export type SdpErrorCode =
  | 'invalid-input' // not a string
  | 'limit' // larger than the configured limits (bytes, lines, m-lines…)
  | 'syntax' // a line that is not `x=value`, a field that does not parse
  | 'missing' // a required line is absent (v=, o=, c= of an active stream)
  | 'not-acceptable' // nothing usable: no common codec, crypto mismatch
  | 'invalid-answer'; // an answer that does not match our offer

export class SdpError extends Error {
  readonly code: SdpErrorCode;
  readonly statusCode: 400 | 488;
  /** 1-based line number in the SDP text, when the error is about one line. */
  readonly line: number | undefined;

  constructor(code: SdpErrorCode, message: string, line?: number) {
    super(line === undefined ? message : `SDP line ${line}: ${message}`);
    this.name = 'SdpError';
    this.code = code;
    this.statusCode = code === 'not-acceptable' ? 488 : 400;
    this.line = line;
  }
}
