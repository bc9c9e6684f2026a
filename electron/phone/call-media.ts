/**
 * A call's MediaSession as the SIP user agent's media hook (sip/ua/media-hook.ts):
 * the UA keeps SDP opaque and asks for offers and answers; the session does
 * RFC 3264 and runs the audio. Holding is an offer too (§8.4): the UA asks
 * for `createOffer({ hold: true })`, which the session makes with a=sendonly
 * and stops sending the microphone at once.
 */
import type { MediaSession } from '../media/session/media-session.ts';
import type { MediaHook } from '../sip/ua/media-hook.ts';

export function mediaHookFor(session: MediaSession, onClose?: () => void): MediaHook {
  return {
    createOffer(options) {
      if (options?.hold === true) return session.hold();
      if (options?.hold === false && session.localHold) return session.resume();
      return session.createOffer();
    },
    async answerOffer(offer) {
      const result = await session.answerOffer(offer);
      if ('busy' in result) return { busy: result.reason };
      return 'reject' in result ? { reject: 488 } : { answer: result.answer };
    },
    setAnswer: (answer) => session.setAnswer(answer),
    offerRejected: () => session.rollback(),
    close() {
      void session.stop();
      onClose?.();
    },
  };
}

/** The session has negotiated and may run (after the answer, or our answer to the peer's offer). */
export function startIfNegotiated(session: MediaSession): boolean {
  if (session.state === 'negotiated') {
    session.start();
    return true;
  }
  return session.state === 'running';
}
