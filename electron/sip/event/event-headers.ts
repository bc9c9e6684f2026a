/**
 * The RFC 6665 header fields: Event (§8.2.1: a package name, an optional
 * id parameter), Subscription-State (§8.2.3: active / pending / terminated
 * with expires, reason and retry-after), Allow-Events (§8.2.2), and the
 * Expires of a SUBSCRIBE or PUBLISH (RFC 3261 §20.19, RFC 3903 §4.1).
 * Every number from the network is clamped before it can become a timer.
 */
import { clampNetworkSeconds } from '../message/index.ts';
import type { SipMessage } from '../message/index.ts';

export interface EventHeader {
  /** Lower-case package name ('presence', 'dialog', 'message-summary', 'presence.winfo'). */
  package: string;
  id?: string;
}

export type SubscriptionStateValue = 'active' | 'pending' | 'terminated';

/** RFC 6665 §4.1.3 / §6.3: why a subscription was ended. */
export type TerminationReason = 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource' | 'invariant';

export interface SubscriptionStateHeader {
  state: SubscriptionStateValue;
  /** Seconds, clamped; only for active/pending. */
  expires?: number;
  reason?: TerminationReason | string;
  /** Seconds, clamped. */
  retryAfter?: number;
}

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/** The Event header of a message (compact form 'o' included); undefined when absent or malformed. */
export function parseEvent(message: SipMessage): EventHeader | undefined {
  const value = message.headers.get('Event');
  if (value === undefined) return undefined;
  const [name, ...params] = value.split(';').map((p) => p.trim());
  if (!name || !TOKEN.test(name)) return undefined;
  const event: EventHeader = { package: name.toLowerCase() };
  for (const p of params) {
    const [k, v] = p.split('=', 2).map((x) => x.trim());
    if (k?.toLowerCase() === 'id' && v) event.id = v.replace(/^"|"$/g, '');
  }
  return event;
}

export function formatEvent(event: EventHeader): string {
  return event.id !== undefined ? `${event.package};id=${event.id}` : event.package;
}

/** Same package and same id (§8.2.1: absent id matches absent id only). */
export function sameEvent(a: EventHeader, b: EventHeader): boolean {
  return a.package === b.package && (a.id ?? '') === (b.id ?? '');
}

export function parseSubscriptionState(message: SipMessage): SubscriptionStateHeader | undefined {
  const value = message.headers.get('Subscription-State');
  if (value === undefined) return undefined;
  const [name, ...params] = value.split(';').map((p) => p.trim());
  const state = name?.toLowerCase();
  // §8.2.3: an unknown state value is treated as "pending"… but a missing one is malformed.
  if (!state || !TOKEN.test(state)) return undefined;
  const out: SubscriptionStateHeader = { state: state === 'active' || state === 'terminated' ? state : 'pending' };
  for (const p of params) {
    const [k, v] = p.split('=', 2).map((x) => x.trim());
    const key = k?.toLowerCase();
    if (key === 'expires' && v !== undefined && /^\d{1,10}$/.test(v)) out.expires = clampNetworkSeconds('expires', Number(v));
    else if (key === 'reason' && v && TOKEN.test(v)) out.reason = v.toLowerCase();
    else if (key === 'retry-after' && v !== undefined && /^\d{1,10}$/.test(v)) out.retryAfter = clampNetworkSeconds('retry-after', Number(v));
  }
  return out;
}

export function formatSubscriptionState(s: SubscriptionStateHeader): string {
  let text: string = s.state;
  if (s.state !== 'terminated' && s.expires !== undefined) text += `;expires=${s.expires}`;
  if (s.state === 'terminated' && s.reason !== undefined) text += `;reason=${s.reason}`;
  if (s.state === 'terminated' && s.retryAfter !== undefined) text += `;retry-after=${s.retryAfter}`;
  return text;
}

/** The Expires header as delta-seconds; undefined when absent or not a number (RFC 3261 §20.19). */
export function expiresOf(message: SipMessage): number | undefined {
  const v = message.headers.get('Expires')?.trim();
  if (v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
  return Number(v);
}

/** Min-Expires of a 423 (RFC 3261 §20.23), clamped. */
export function minExpiresOf(message: SipMessage): number | undefined {
  const v = message.headers.get('Min-Expires')?.trim();
  if (v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
  return clampNetworkSeconds('min-expires', Number(v));
}

/** The media type of a body, lower-case, without parameters. */
export function bodyType(message: SipMessage): string | undefined {
  return message.headers.get('Content-Type')?.split(';')[0]?.trim().toLowerCase();
}
