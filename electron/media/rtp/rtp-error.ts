/**
 * The one error RTP parsing and serialization throw. Garbage from the network
 * is a catchable condition (docs/conventions.md item 6), never a raw TypeError/RangeError:
 * a receive loop catches `RtpError`, counts the packet as bad and moves on.
 */
export type RtpErrorCode =
  | 'invalid-input' // not a byte array at all
  | 'truncated' // shorter than its header says
  | 'bad-version' // RFC 3550 §5.1: V must be 2
  | 'bad-padding' // padding count zero or larger than the payload
  | 'invalid-field'; // a value out of range when serializing

export class RtpError extends Error {
  readonly code: RtpErrorCode;

  constructor(code: RtpErrorCode, message: string) {
    super(message);
    this.name = 'RtpError';
    this.code = code;
  }
}
