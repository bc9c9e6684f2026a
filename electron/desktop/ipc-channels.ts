/**
 * The IPC channel names shared by main.ts (ipc-binding.ts) and preload.ts,
 * and the one event the desktop shell adds to the API's events.
 *
 * Pure constants: the preload bundle inlines them (a sandboxed preload can
 * require only 'electron' and a few built-ins).
 */
import type { ApiEvent } from '../api/contract.ts';

export const IPC = Object.freeze({
  /** renderer → main, invoke: (cmd, params) → ApiResult. */
  invoke: 'parley:invoke',
  /** main → renderer: one ApiEvent (or DesktopEvent) per message. */
  event: 'parley:event',
  /** renderer → main: please send me audio MessagePorts (replace any earlier ones). */
  audioPortRequest: 'parley:audio-port-request',
  /** main → renderer: the capture port in event.ports[0], the playback port in event.ports[1]. */
  audioPort: 'parley:audio-port',
});

/**
 * A sip:/tel: link the user clicked, for the renderer to put in the dial
 * field (`linkAction: 'fill'`), or that was dialled and failed at once.
 * Not (yet) in the API contract's events: see the report of the desktop
 * shell; the renderer ignores event names it does not know.
 */
export interface LinkOpenEvent {
  event: 'link.open';
  data: { target: string; action: 'fill' };
}

/** A message notification was clicked: the renderer opens this conversation (message-notifier.ts). */
export interface ConversationOpenEvent {
  event: 'conversation.open';
  data: { peer: string };
}

export type DesktopEvent = ApiEvent | LinkOpenEvent | ConversationOpenEvent;
