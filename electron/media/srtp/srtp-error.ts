/**
 * The one error SRTP/SRTCP processing throws (RFC 3711 §3.3, §3.4). A receive
 * loop catches it and drops the packet: a failed tag or a replay is an
 * attack or a keying mismatch, never a crash.
 */
export type SrtpErrorCode =
  | 'invalid-key' // wrong key/salt length, bad inline key
  | 'too-short' // shorter than header + tag
  | 'malformed' // RTP/RTCP header unreadable
  | 'auth-failed' // HMAC tag mismatch: tampered, wrong key or wrong ROC guess
  | 'replay' // already seen, or older than the 64-packet window (§3.3.2)
  | 'index-exhausted' // 2^48 RTP or 2^31 RTCP packets: re-key required (§9.2)
  | 'too-many-sources'; // more SSRCs than the context keeps state for

export class SrtpError extends Error {
  readonly code: SrtpErrorCode;

  constructor(code: SrtpErrorCode, message: string) {
    super(message);
    this.name = 'SrtpError';
    this.code = code;
  }
}
