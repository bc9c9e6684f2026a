/** The call media session and the engine that makes them (issue "Media engine" §6–§9). */
export { MediaEngine } from './media-engine.ts';
export type { MediaEngineOptions } from './media-engine.ts';
export { MediaSession } from './media-session.ts';
export { MediaSessionError } from './media-session-error.ts';
export type { MediaSessionErrorCode } from './media-session-error.ts';
export type {
  AnswerResult,
  DtmfToneOptions,
  MediaOfferAnswer,
  MediaSessionEvents,
  MediaSessionOptions,
  MediaSessionState,
  MediaSessionStats,
  PacketSentInfo,
  ReceivedDtmf,
} from './media-session-options.ts';
export { MediaClock } from './media-clock.ts';
export type { FrameTick, FrameTicker, FrameTickListener, MediaClockOptions, MediaClockStats } from './media-clock.ts';
export type { DelayFigures } from './delay-figures.ts';
