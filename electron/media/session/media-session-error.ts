/**
 * What a MediaSession caller may catch (docs/conventions.md item 6). `statusCode`
 * is the SIP answer that fits when the condition came from the peer's SDP:
 * 488 Not Acceptable Here (RFC 3261 §21.4.26) for an offer or answer we
 * cannot use.
 */
export type MediaSessionErrorCode =
  | 'bad-state' // e.g. setAnswer() without an offer of ours pending
  | 'not-negotiated' // start() before offer/answer completed
  | 'not-acceptable' // the peer's SDP has nothing we can use
  | 'dtmf-unavailable' // no telephone-event negotiated, or not sending
  | 'closed'; // the session was stopped

export class MediaSessionError extends Error {
  readonly code: MediaSessionErrorCode;
  readonly statusCode: 488 | undefined;

  constructor(code: MediaSessionErrorCode, message: string) {
    super(message);
    this.name = 'MediaSessionError';
    this.code = code;
    this.statusCode = code === 'not-acceptable' ? 488 : undefined;
  }
}
