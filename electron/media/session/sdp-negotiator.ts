/**
 * The offer/answer state of one call (RFC 3264), as text in and text out:
 * it builds our offers and answers, reads the peer's, and keeps the
 * NegotiatedMedia the audio stream runs on. Sockets and audio live in
 * MediaSession; this file is SDP only.
 *
 *            createOffer                 setAnswer
 *   idle ───────────────▶ have-local-offer ───────▶ stable ◀─┐
 *    │                     │   ▲ rollback → previous         │ answerOffer
 *    └── answerOffer ──────┼───┼──────────────────▶ stable ──┘ (re-INVITE)
 *                          │   └──── createOffer (re-offer) ◀─ stable
 *   any ── close ──▶ closed
 *
 * - o= keeps its session id for the call; the version goes up by one for
 *   every description that differs from our previous one (RFC 3264 §8).
 * - An offer we cannot use is refused with 488 and a reason in words; SDP
 *   that cannot even be parsed is refused the same way (a hostile or broken
 *   peer must never reach further than this).
 * - SRTP keys are fresh for every offer and answer: reusing a key after the
 *   crypto context restarts would repeat keystream (RFC 3711 §9.1).
 * - The first offer may get several answers (RFC 3261 §13.2.1, §13.2.2.4):
 *   a forked INVITE's early dialogs each answer it, and the dialog that
 *   answers last (or the 2xx) replaces the media in stable; a new offer
 *   either way ends that. A re-offer has one answer: a second is stray.
 */
import { applyLocalIce } from '../sdp/ice-sdp.ts';
import type { LocalIceDescription } from '../sdp/ice-sdp.ts';
import { createOrigin, incrementOriginVersion } from '../sdp/sdp-origin.ts';
import type { CertificateFingerprint } from '../sdp/dtls-attributes.ts';
import type { KeyExchange, LocalCodec, LocalTelephoneEvent } from '../sdp/local-media.ts';
import type { NegotiatedMedia } from '../sdp/negotiated-media.ts';
import { buildAnswer } from '../sdp/sdp-answer.ts';
import { processAnswer } from '../sdp/sdp-answer-processing.ts';
import { SdpError } from '../sdp/sdp-error.ts';
import { buildOffer } from '../sdp/sdp-offer.ts';
import { parseSdp } from '../sdp/sdp-parser.ts';
import { serializeSdp } from '../sdp/sdp-serializer.ts';
import type { MediaDirection, SdpOrigin, SessionDescription } from '../sdp/session-description.ts';
import type { SrtpCryptoSuite, SrtpPolicy } from '../srtp/srtp-crypto-suite.ts';
import { MediaSessionError } from './media-session-error.ts';

export type NegotiationState = 'idle' | 'have-local-offer' | 'stable' | 'closed';

const TRANSITIONS: Readonly<Record<NegotiationState, readonly NegotiationState[]>> = {
  idle: ['have-local-offer', 'stable', 'closed'],
  'have-local-offer': ['stable', 'idle', 'closed'],
  stable: ['have-local-offer', 'stable', 'closed'],
  closed: [],
};

export interface SdpNegotiatorOptions {
  /** Address for o= and c= (what the peer sends to). */
  address: string;
  codecs: LocalCodec[];
  telephoneEvents: LocalTelephoneEvent[];
  ptime?: number;
  srtpPolicy: SrtpPolicy;
  srtpSuites?: SrtpCryptoSuite[];
  keyExchange?: readonly KeyExchange[];
  dtlsFingerprint?: CertificateFingerprint;
  /** Our role in the current DTLS association, if one exists (re-offers and answers keep it). */
  dtlsRole?: () => 'client' | 'server' | undefined;
  rtcpMux: boolean;
  sessionName?: string;
  username?: string;
}

/** Where we listen and what we want, for the next description. */
export interface LocalStream {
  port: number;
  direction: MediaDirection;
  /** Our ICE candidates and credentials (RFC 8839); the default candidate goes into c= and m=. */
  ice?: LocalIceDescription;
}

export type AnswerOfferResult = { answer: string; negotiated: NegotiatedMedia } | { reject: 488; reason: string };

export class SdpNegotiator {
  readonly #options: SdpNegotiatorOptions;
  #state: NegotiationState = 'idle';
  #origin: SdpOrigin;
  #lastBody: string | undefined; // our previous description without its o= line
  #pendingOffer: SessionDescription | undefined;
  /** Our last offer once answered: another fork's answer to it may still come. */
  #answeredOffer: SessionDescription | undefined;
  #negotiated: NegotiatedMedia | undefined;
  /** c= of our next description (options.address until the address moves). */
  #address: string;

  constructor(options: SdpNegotiatorOptions) {
    this.#options = options;
    this.#address = options.address;
    this.#origin = createOrigin({ address: options.address, username: options.username });
  }

  get state(): NegotiationState {
    return this.#state;
  }

  /** The outcome of the last completed offer/answer, if any. */
  get negotiated(): NegotiatedMedia | undefined {
    return this.#negotiated;
  }

  /** Our address moved (another network): the next offer or answer names this one. */
  setAddress(address: string): void {
    this.#address = address;
  }

  /** What we offer or answer with: the session's options and this stream's port and direction. */
  #localMedia(local: LocalStream) {
    const o = this.#options;
    return {
      origin: this.#origin,
      sessionName: o.sessionName,
      address: this.#address,
      port: local.port,
      rtcpMux: o.rtcpMux,
      codecs: o.codecs,
      telephoneEvents: o.telephoneEvents,
      ptime: o.ptime,
      direction: local.direction,
      srtpPolicy: o.srtpPolicy,
      srtpSuites: o.srtpSuites,
      keyExchange: o.keyExchange,
      dtlsFingerprint: o.dtlsFingerprint,
      dtlsRole: o.dtlsRole?.(),
    };
  }

  createOffer(local: LocalStream): string {
    this.#transition('have-local-offer');
    this.#answeredOffer = undefined;
    const built = buildOffer(this.#localMedia(local)).sdp;
    const sdp = local.ice ? applyLocalIce(built, local.ice) : built;
    this.#pendingOffer = sdp;
    return this.#stamp(sdp);
  }

  /** The peer's offer (initial or re-INVITE). Never throws for anything the peer sent. */
  answerOffer(offerText: string, local: LocalStream): AnswerOfferResult {
    if (this.#state === 'closed') return { reject: 488, reason: 'the call has ended' };
    if (this.#state === 'have-local-offer') {
      // RFC 3261 §14.2 answers this glare with 491; a media layer can only refuse.
      return { reject: 488, reason: 'an offer of ours is still waiting for its answer' };
    }
    try {
      const offer = parseSdp(offerText);
      const built = buildAnswer(offer, this.#localMedia(local));
      const sdp = local.ice ? applyLocalIce(built.sdp, local.ice) : built.sdp;
      this.#transition('stable');
      this.#answeredOffer = undefined;
      this.#negotiated = built.negotiated;
      return { answer: this.#stamp(sdp), negotiated: built.negotiated };
    } catch (err) {
      return { reject: 488, reason: describe(err, 'offer') };
    }
  }

  /**
   * The peer's answer to our pending offer — or, in stable, another answer to
   * the offer answered last (a fork, or the 2xx after early media). Throws
   * MediaSessionError ('not-acceptable' → 488).
   */
  setAnswer(answerText: string): NegotiatedMedia {
    const offer = this.#state === 'have-local-offer' ? this.#pendingOffer : this.#state === 'stable' ? this.#answeredOffer : undefined;
    if (!offer) {
      throw new MediaSessionError('bad-state', `an answer arrived in state ${this.#state}, without an offer of ours pending`);
    }
    let negotiated: NegotiatedMedia;
    try {
      negotiated = processAnswer(offer, parseSdp(answerText), { defaultPtime: this.#options.ptime });
    } catch (err) {
      throw new MediaSessionError('not-acceptable', describe(err, 'answer'));
    }
    // Only the first offer of a call can be forked (its INVITE); a re-offer has one answer, and a second one is stray.
    const initial = this.#negotiated === undefined || this.#answeredOffer !== undefined;
    this.#pendingOffer = undefined;
    this.#answeredOffer = initial ? offer : undefined;
    this.#transition('stable');
    this.#negotiated = negotiated;
    return negotiated;
  }

  /** Forgets our pending offer (the re-INVITE failed): back to the last negotiated state. */
  rollback(): void {
    if (this.#state !== 'have-local-offer') return;
    this.#pendingOffer = undefined;
    this.#transition(this.#negotiated ? 'stable' : 'idle');
  }

  close(): void {
    if (this.#state !== 'closed') this.#transition('closed');
    this.#pendingOffer = undefined;
  }

  #transition(to: NegotiationState): void {
    if (!TRANSITIONS[this.#state].includes(to)) {
      throw new MediaSessionError(this.#state === 'closed' ? 'closed' : 'bad-state', `offer/answer cannot go from ${this.#state} to ${to}`);
    }
    this.#state = to;
  }

  /** Serializes with the right o= version: +1 whenever the description changed. */
  #stamp(sdp: SessionDescription): string {
    const body = serializeSdp({ ...sdp, origin: { ...this.#origin, sessionVersion: '0' } });
    if (this.#lastBody !== undefined && body !== this.#lastBody) this.#origin = incrementOriginVersion(this.#origin);
    this.#lastBody = body;
    return serializeSdp({ ...sdp, origin: this.#origin });
  }
}

function describe(err: unknown, what: 'offer' | 'answer'): string {
  let text: string;
  if (err instanceof SdpError) text = err.statusCode === 400 ? `unreadable SDP ${what}: ${err.message}` : err.message;
  else if (err instanceof MediaSessionError) text = err.message;
  // Not the peer's fault as far as we can tell; still never let it escape as a crash.
  else text = `could not process the SDP ${what}: ${(err as Error)?.message ?? String(err)}`;
  return printable(text);
}

/**
 * Reasons quote the peer's bytes and may end up in a SIP Warning or Reason
 * header: no control characters (no CR/LF header injection), bounded length.
 */
export function printable(text: string, max = 300): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
