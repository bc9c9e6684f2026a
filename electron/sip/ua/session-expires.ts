/**
 * The header side of session timers (RFC 4028): Session-Expires and Min-SE
 * read and written, and the choice of interval and refresher that §7 (UAC)
 * and §9 (UAS) make from them. The timer that acts on the choice is
 * session-timer.ts. Every interval from the network is clamped
 * (sip/message/timer-bounds.ts: 90 s … a day) before it becomes a timer.
 */
import { clampNetworkSeconds, parseTokenList } from '../message/index.ts';
import type { SipMessage } from '../message/index.ts';

/** RFC 4028 §4: our wish for a new session (30 min, the RFC's recommended value). */
export const DEFAULT_SESSION_EXPIRES_S = 1800;
/** RFC 4028 §4: the smallest interval anyone may ask of us (the RFC's floor of 90 s). */
export const MIN_SE_S = 90;

export type Refresher = 'uac' | 'uas';

export interface SessionExpires {
  seconds: number;
  refresher?: Refresher;
}

/** What a dialog agreed: the interval and whether we send the refreshes. */
export interface SessionInterval {
  seconds: number;
  /** We are the refresher (RFC 4028 §7.2 / §9). */
  local: boolean;
}

/** `Session-Expires: 1800;refresher=uac` (compact `x`); undefined when absent or malformed. */
export function parseSessionExpires(message: SipMessage): SessionExpires | undefined {
  const value = message.headers.get('Session-Expires');
  const m = /^\s*(\d{1,10})\s*((?:;[^;]*)*)$/.exec(value ?? '');
  if (!m) return undefined;
  const result: SessionExpires = { seconds: clampNetworkSeconds('session-expires', Number(m[1])) };
  const refresher = /;\s*refresher\s*=\s*(uac|uas)\s*(?:;|$)/i.exec(m[2] ?? '');
  if (refresher) result.refresher = refresher[1]!.toLowerCase() as Refresher;
  return result;
}

/** Min-SE in seconds, clamped; undefined when absent or malformed. */
export function parseMinSe(message: SipMessage): number | undefined {
  const m = /^\s*(\d{1,10})\s*(?:;.*)?$/.exec(message.headers.get('Min-SE') ?? '');
  return m ? clampNetworkSeconds('session-expires', Number(m[1])) : undefined;
}

export function formatSessionExpires(se: SessionExpires): string {
  return se.refresher ? `${se.seconds};refresher=${se.refresher}` : String(se.seconds);
}

/** Does the message list `tag` in Supported (or Require)? */
export function supportsOption(message: SipMessage, tag: string): boolean {
  const tags = parseTokenList([...message.headers.getAll('Supported'), ...message.headers.getAll('Require')]);
  return tags.some((t) => t.toLowerCase() === tag);
}

/** Does the peer allow `method` (its Allow header, RFC 3261 §20.5)? */
export function allowsMethod(message: SipMessage, method: string): boolean {
  return parseTokenList(message.headers.getAll('Allow')).some((m) => m.toUpperCase() === method);
}

/** UAC, §7.1: the headers of an INVITE (or a refresh) asking for `seconds`, with our floor. */
export function requestTimerHeaders(seconds: number, minSe: number, refresher?: Refresher): [string, string][] {
  const se: SessionExpires = refresher ? { seconds, refresher } : { seconds };
  return [['Session-Expires', formatSessionExpires(se)], ['Min-SE', String(minSe)]];
}

/**
 * UAS, §9: what a request asks of us. `tooSmall` is the Min-SE to answer
 * 422 with; otherwise the interval (none when neither side wants one) and
 * the headers for our 2xx (Session-Expires with the refresher, and
 * `Require: timer` when the UAC supports it, §9).
 */
export function answerTimerRequest(request: SipMessage, ourSeconds = DEFAULT_SESSION_EXPIRES_S):
  | { tooSmall: number }
  | { interval: SessionInterval | undefined; headers: [string, string][] } {
  const asked = parseSessionExpires(request);
  const raw = /^\s*(\d{1,10})/.exec(request.headers.get('Session-Expires') ?? '');
  // §9: below our Min-SE is refused, so the UAC can retry with a larger value; the clamp must not hide that.
  if (raw && Number(raw[1]) < MIN_SE_S) return { tooSmall: MIN_SE_S };
  const uacSupports = supportsOption(request, 'timer');
  if (!asked && !uacSupports) return { interval: undefined, headers: [] };
  const seconds = asked ? asked.seconds : Math.max(ourSeconds, parseMinSe(request) ?? MIN_SE_S);
  // §9: the UAC's choice stands; without one the UAC refreshes when it can, else we do.
  const refresher: Refresher = asked?.refresher ?? (uacSupports ? 'uac' : 'uas');
  const headers: [string, string][] = [['Session-Expires', formatSessionExpires({ seconds, refresher })]];
  if (uacSupports) headers.push(['Require', 'timer']);
  return { interval: { seconds, local: refresher === 'uas' }, headers };
}

/**
 * UAC, §7.2: what the 2xx agreed. No Session-Expires: no timer. A 2xx without
 * a refresher parameter leaves the refreshes to us.
 */
export function timerFromAnswer(response: SipMessage): SessionInterval | undefined {
  const se = parseSessionExpires(response);
  if (!se) return undefined;
  return { seconds: se.seconds, local: (se.refresher ?? 'uac') === 'uac' };
}
