/**
 * The control API contract, in one import (docs/conventions.md item 9): the commands,
 * the events, the snapshot types, the result and error shapes, the WebSocket
 * wire messages and the audio frame format. Plain data only: no class
 * instance crosses the API.
 *
 * This module and everything it re-exports are free of Node and of zod, so
 * the renderer (DOM types, no Node) may import it. Validation (schemas.ts),
 * the dispatcher and the servers live beside it for the main process only.
 */
export type * from './snapshots.ts';
export {
  AUDIO_DEVICE_KINDS,
  CALLER_ID_PRIVACY,
  CALL_STATES,
  CONVERSATION_STATES,
  DIRECTIONS,
  DTMF_MODES,
  LINK_ACTIONS,
  MESSAGE_STATUSES,
  RECORDING_FORMATS,
  REGISTRATION_STATES,
  SRTP_MODES,
  THEMES,
  TRANSPORTS,
} from './snapshots.ts';

export type * from './commands.ts';
export { COMMAND_NAMES, NETWORK_CHANGE_REASONS, isCommandName } from './commands.ts';

export type * from './presence-contract.ts';
export {
  LINE_DIALOG_STATES,
  LINE_STATES,
  PRESENCE_COMMAND_NAMES,
  PRESENCE_EVENT_NAMES,
  PRESENCE_STATUSES,
  PUBLICATION_STATES,
  SUBSCRIPTION_STATES,
  WATCHED_STATUSES,
  WATCHER_DECISIONS,
  WATCHER_STATES,
} from './presence-contract.ts';

export type * from './diagnostics-api.ts';
export type * from './recording-api.ts';
export { RECORDING_COMMAND_NAMES } from './recording-api.ts';
export type * from './connection-api.ts';
export { CONNECTION_COMMAND_NAMES } from './connection-api.ts';
export type * from './phone-system-api.ts';
export { PHONE_SYSTEM_COMMAND_NAMES, PHONE_SYSTEM_EXPOSURES, PHONE_SYSTEM_STATES } from './phone-system-api.ts';

export type * from './forwarding-contract.ts';
export { FORWARD_METHODS, FORWARD_REASONS, FORWARDING_COMMAND_NAMES, MAX_FORWARD_HOPS, NO_ANSWER_DEFAULT_S, NO_ANSWER_MAX_S, NO_ANSWER_MIN_S, emptyForwardingRule, forwardsAnything } from './forwarding-contract.ts';

export type * from './global-shortcuts.ts';
export { DEFAULT_GLOBAL_SHORTCUTS, GLOBAL_SHORTCUT_ACTIONS, GLOBAL_SHORTCUT_LABELS, MEDIA_KEY_ACCELERATORS } from './global-shortcuts.ts';

export type * from './events.ts';
export { EVENT_NAMES, isEventName } from './events.ts';

export type { ApiErrorCode, ApiFailure, ApiIssue, ApiResult, ApiSuccess, SipStatus } from './errors.ts';
export { API_ERROR_CODES, isApiErrorCode } from './errors.ts';

export type * from './wire.ts';
export { API_PATH, PROTOCOL_VERSION, isRequestId } from './wire.ts';

export type * from './audio-frames.ts';
export {
  AUDIO_FRAME_HEADER_BYTES,
  AUDIO_FRAME_KINDS,
  AUDIO_FRAME_MS,
  AUDIO_SAMPLE_RATES,
  MAX_AUDIO_FRAME_BYTES,
  MIX_STREAM,
  decodeAudioFrame,
  encodeAudioFrame,
  samplesPerFrame,
  streamIdOf,
} from './audio-frames.ts';
