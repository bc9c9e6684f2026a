/** The one error RTCP parsing and serialization throw (see RtpError for why). */
export type RtcpErrorCode = 'invalid-input' | 'truncated' | 'bad-version' | 'bad-length' | 'bad-padding' | 'invalid-field';

export class RtcpError extends Error {
  readonly code: RtcpErrorCode;

  constructor(code: RtcpErrorCode, message: string) {
    super(message);
    this.name = 'RtcpError';
    this.code = code;
  }
}
