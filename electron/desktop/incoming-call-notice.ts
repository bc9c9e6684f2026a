/**
 * What the OS notification for an incoming call says and offers, and
 * whether the window comes to the front. Pure; notifications.ts shows it.
 *
 *  - Answer/Decline buttons where Electron supports notification button
 *    actions (macOS, with NSUserNotificationAlertStyle 'alert' in Info.plist;
 *    Windows); elsewhere (Linux) a click on the notification brings the
 *    window up.
 *  - The window is not raised on its own (no focus stealing: the user may be
 *    typing elsewhere) unless the user turned `focusOnIncomingCall` on.
 *  - Nothing while Do Not Disturb is on (the phone declines those calls).
 *
 * Caller names come from the network (the From display name): they are
 * shown as text only, clipped, and without control or bidi characters.
 */
import type { IncomingCallSnapshot, Settings } from '../api/contract.ts';

export interface IncomingCallNotice {
  title: string;
  body: string;
  actions: ReadonlyArray<{ type: 'button'; text: string }>;
  /** Index in `actions` → what it does. */
  actionCommands: ReadonlyArray<'answer' | 'decline'>;
}

/**
 * Settings the desktop shell reads beyond the contract's Settings (proposed
 * for electron/api/snapshots.ts; absent = false).
 */
export type DesktopSettings = Settings & { focusOnIncomingCall?: boolean };

const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const MAX_TEXT = 80;

export function cleanText(text: string | undefined, max = MAX_TEXT): string {
  const t = (text ?? '').replace(UNSAFE_TEXT, '').replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** 'sip:alice@example.com;transport=tcp' → 'alice@example.com'; 'tel:+1555' → '+1555'. */
export function shortAddress(uri: string): string {
  const noScheme = uri.replace(/^(sips?|tel):/i, '');
  return cleanText(noScheme.split(/[;?>]/, 1)[0]);
}

export function actionsSupported(platform: string): boolean {
  return platform === 'darwin' || platform === 'win32';
}

export function incomingCallNotice(call: IncomingCallSnapshot, platform: string): IncomingCallNotice {
  const who = cleanText(call.contact?.name ?? call.remote.contactName ?? call.remote.displayName);
  const address = shortAddress(call.remote.uri);
  const title = who ? `${who} is calling` : `${address || 'Someone'} is calling`;
  const lines = [who ? address : '', call.calledAlias ? `to ${shortAddress(call.calledAlias)}` : ''].filter((l) => l !== '');
  const withActions = actionsSupported(platform);
  return {
    title,
    body: lines.join(' ') || 'Incoming call',
    actions: withActions ? [{ type: 'button', text: 'Answer' }, { type: 'button', text: 'Decline' }] : [],
    actionCommands: withActions ? ['answer', 'decline'] : [],
  };
}

export function shouldNotify(settings: Pick<Settings, 'dnd'>): boolean {
  return !settings.dnd;
}

export function shouldFocusOnIncoming(settings: Partial<DesktopSettings>): boolean {
  return settings.focusOnIncomingCall === true;
}
