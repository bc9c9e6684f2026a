/**
 * Headset buttons and media keys (Media Session API): the browser hands the
 * page the actions of the hardware — a headset's call button arrives as
 * play/pause, its hook as `hangup`, its mute as `togglemicrophone` (the
 * video-conferencing actions of the Media Session spec, Chromium 114+).
 *
 *   ringing call   play / pause / call button → answer
 *   call in progress  hangup, or play/pause → hang up; togglemicrophone → mute
 *
 * The handlers are set while calls exist and cleared when none do, so that
 * media keys go back to whatever else plays; they read the calls when pressed,
 * so they are set once when the first call starts, not again at each of its
 * events (four setActionHandler calls cost the page ≈ 1 ms each time). Actions a browser does not know
 * throw from setActionHandler; those are skipped.
 */
import type { CallSnapshot } from '../api/types.ts';

export type MediaAction = 'play' | 'pause' | 'hangup' | 'togglemicrophone';

export interface CallControls {
  answer(callId: string): void;
  hangup(callId: string): void;
  setMute(callId: string, muted: boolean): void;
}

/** The part of navigator.mediaSession used here (tests pass a fake). Action names are strings: the DOM typings lag the spec. */
export interface SessionLike {
  setActionHandler(action: string, handler: (() => void) | null): void;
  playbackState?: MediaSessionPlaybackState;
  setMicrophoneActive?: (active: boolean) => unknown;
}

/** What a headset action does with these calls: the ringing one first, else the one we talk on. */
export function mediaActionTarget(action: MediaAction, calls: readonly CallSnapshot[], focusedId: string | undefined): { kind: 'answer' | 'hangup' | 'mute'; call: CallSnapshot } | undefined {
  const ringing = calls.find((c) => c.state === 'incoming');
  const live = calls.filter((c) => c.state !== 'ended' && c.state !== 'incoming');
  const current = live.find((c) => c.id === focusedId && c.state !== 'held') ?? live.find((c) => c.state === 'active') ?? live[0];
  switch (action) {
    case 'play':
    case 'pause':
      if (ringing) return { kind: 'answer', call: ringing };
      return current ? { kind: 'hangup', call: current } : undefined;
    case 'hangup':
      return current ? { kind: 'hangup', call: current } : ringing ? { kind: 'hangup', call: ringing } : undefined;
    case 'togglemicrophone':
      return current ? { kind: 'mute', call: current } : undefined;
  }
}

/** Sets the handlers for `calls` (or clears them when there are none). Returns the actions the browser took. */
export function bindMediaSession(session: SessionLike | undefined, calls: readonly CallSnapshot[], focusedId: () => string | undefined, controls: CallControls, latest: () => readonly CallSnapshot[]): MediaAction[] {
  if (!session) return [];
  const active = calls.some((c) => c.state !== 'ended');
  const bound: MediaAction[] = [];
  for (const action of ['play', 'pause', 'hangup', 'togglemicrophone'] as const) {
    try {
      session.setActionHandler(
        action,
        active
          ? () => {
              const target = mediaActionTarget(action, latest(), focusedId());
              if (!target) return;
              if (target.kind === 'answer') controls.answer(target.call.id);
              else if (target.kind === 'hangup') controls.hangup(target.call.id);
              else controls.setMute(target.call.id, !target.call.muted);
            }
          : null,
      );
      bound.push(action);
    } catch {
      // This browser does not know the action (older Chromium: hangup, togglemicrophone).
    }
  }
  try {
    session.playbackState = active ? 'playing' : 'none';
  } catch {
    // Informational only.
  }
  return bound;
}

/** Tells the browser whether the call we talk on has its microphone open (`muted` undefined: no such call). */
export function showMicrophone(session: SessionLike | undefined, muted: boolean | undefined): void {
  if (muted === undefined || !session?.setMicrophoneActive) return;
  try {
    void session.setMicrophoneActive(!muted);
  } catch {
    // Informational only.
  }
}
