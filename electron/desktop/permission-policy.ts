/**
 * Which web permissions the window may have. Electron grants every
 * permission by default (its security checklist, item 5: "Handle session
 * permission requests from remote content"), so both the request handler
 * (prompts: getUserMedia, Notification.requestPermission) and the check
 * handler (queries: enumerateDevices labels, setSinkId, Notification.permission)
 * call `decidePermission`.
 *
 * A softphone needs exactly four:
 *   media              the microphone: audio only; a request that also asks
 *                      for the camera (or for the screen) is refused whole
 *   speaker-selection  HTMLMediaElement/AudioContext setSinkId (the output device)
 *   notifications      the page may show a notification (the main process
 *                      shows the incoming-call ones itself)
 *   hid                WebHID, for a telephony headset's buttons and lamps
 *                      (which devices: hid-devices.ts, telephony ones only)
 * and only for our own page (app://parley), in its main frame. Everything
 * else (geolocation, clipboard, serial, USB, MIDI, pointer lock,
 * fullscreen, openExternal…) is refused.
 *
 * Pure: `details` is the subset of Electron's PermissionRequest /
 * PermissionCheckHandlerHandlerDetails that the decision reads.
 */
import { APP_ORIGIN, originOf } from './app-url.ts';

export const GRANTED_PERMISSIONS = ['media', 'speaker-selection', 'notifications', 'hid'] as const;
export type GrantedPermission = (typeof GRANTED_PERMISSIONS)[number];

export interface PermissionDetails {
  /** Request handler (media): what the page asks for ('audio', 'video'). */
  mediaTypes?: readonly string[];
  /** Check handler (media): 'audio', 'video' or 'unknown'. */
  mediaType?: string;
  /** URL of the frame that asks. */
  requestingUrl?: string;
  /** Origin of the frame that asks (check handler). */
  securityOrigin?: string;
  /** False for a subframe; our page has none, so a subframe asking is refused. */
  isMainFrame?: boolean;
}

export interface PermissionPolicyOptions {
  appOrigin?: string;
}

function sameOrigin(urlOrOrigin: string | undefined, appOrigin: string): boolean {
  if (urlOrOrigin === undefined || urlOrOrigin === '') return true; // absent: nothing to contradict the main check
  return urlOrOrigin === appOrigin || originOf(urlOrOrigin) === appOrigin;
}

/**
 * True when `permission`, asked by a page of `origin` (a URL or an origin),
 * may be granted. Unknown, missing or malformed input is refused.
 */
export function decidePermission(permission: string, origin: string, details: PermissionDetails = {}, options: PermissionPolicyOptions = {}): boolean {
  const appOrigin = options.appOrigin ?? APP_ORIGIN;
  if (typeof permission !== 'string' || typeof origin !== 'string') return false;
  if (!(GRANTED_PERMISSIONS as readonly string[]).includes(permission)) return false;
  if (!(origin === appOrigin || originOf(origin) === appOrigin)) return false;
  if (!sameOrigin(details.requestingUrl, appOrigin) || !sameOrigin(details.securityOrigin, appOrigin)) return false;
  if (details.isMainFrame === false) return false;
  if (permission === 'media') {
    if (details.mediaTypes !== undefined) {
      return details.mediaTypes.length > 0 && details.mediaTypes.every((t) => t === 'audio');
    }
    // A check names one kind; 'unknown' or none is not the microphone.
    return details.mediaType === 'audio';
  }
  return true;
}
