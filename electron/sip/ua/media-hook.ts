/**
 * What the UA core needs from the media engine: SDP offers and answers
 * (RFC 3264), nothing more. The SIP layer keeps SDP opaque — it carries the
 * text in INVITE/200/ACK bodies and never reads it — so `sip/` stays free of
 * media code and `media/` free of SIP (docs/conventions.md item 2: the lower layer declares
 * the interface it needs, the layer above implements it).
 *
 * One hook serves one call (one media session), for the life of the call:
 * the initial offer/answer and every re-INVITE (hold, resume, the peer's
 * changes). `setAnswer` may be called twice for one offer: first with the
 * answer of a 183 (early media), then with the one of the 2xx.
 */
export interface OfferOptions {
  /** RFC 3264 §8.4: offer a held stream (sendonly, or inactive if the peer holds us too). */
  hold?: boolean;
}

/**
 * 488 when nothing in the offer is acceptable; `busy` when the offer may be
 * fine but there is no room for another call now (no free media port, too
 * many calls): answered 486 Busy Here with Retry-After, never a misleading 488.
 */
export type AnswerResult = { answer: string } | { reject: 488 } | { busy: string; retryAfterS?: number };

export interface MediaHook {
  /** A new offer: for the initial INVITE, a re-INVITE, or a 2xx to an INVITE that came without one. */
  createOffer(options?: OfferOptions): Promise<string>;
  /** The peer's offer; the answer, or { reject: 488 } when nothing in it is acceptable (no common codec). */
  answerOffer(offer: string): Promise<AnswerResult>;
  /** The peer's answer to our last offer. Rejects when the answer is unusable (the call is then ended). */
  setAnswer(answer: string): Promise<void>;
  /** Our last offer was refused (e.g. 488 to a hold re-INVITE): go back to the previous session. */
  offerRejected?(): void;
  /** The call is over: release ports and devices. */
  close?(): void;
}

export interface MediaCallInfo {
  /** The UA's id of the call (its Call-ID). */
  callId: string;
  accountId: string;
  direction: 'outgoing' | 'incoming';
}

/** Makes the hook for a new call. */
export type MediaHookFactory = (call: MediaCallInfo) => MediaHook;

/** The SDP content type (RFC 4566 §5); the only session description we carry. */
export const SDP_CONTENT_TYPE = 'application/sdp';

/** Used when no factory is configured: every offer is refused with 488, no offer can be made. */
export const noMediaHook: MediaHookFactory = () => ({
  createOffer: () => Promise.reject(new Error('no media engine configured')),
  answerOffer: () => Promise.resolve({ reject: 488 }),
  setAnswer: () => Promise.reject(new Error('no media engine configured')),
});
