/**
 * Pure functions that fold API events into the renderer's state. Every event
 * carries a whole snapshot (electron/api/events.ts), so a reducer replaces by
 * id and never patches fields; a missed event is healed by the next one.
 */
import type {
  AccountSnapshot,
  CallSnapshot,
  CallState,
  ContactSnapshot,
  HistoryEntry,
  RegistrationSnapshot,
} from '../api/types.ts';

export type HistoryFilter = 'all' | 'missed' | 'in' | 'out';

/** States in which audio flows (or may flow: early media), so the renderer must capture and play. */
const MEDIA_STATES: ReadonlySet<CallState> = new Set(['early', 'connecting', 'active', 'held', 'remote-held']);

export function isLive(call: CallSnapshot): boolean {
  return call.state !== 'ended';
}

export function needsAudio(call: CallSnapshot): boolean {
  return MEDIA_STATES.has(call.state);
}

/** Replaces the item with the same id (keeping its place) or appends it. */
export function upsertById<T extends { id: string }>(list: readonly T[], item: T): T[] {
  const i = list.findIndex((x) => x.id === item.id);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

export function removeById<T extends { id: string }>(list: readonly T[], id: string): T[] {
  return list.filter((x) => x.id !== id);
}

/**
 * A call event. An 'ended' call stays (the screen shows how it ended) until
 * pruneEndedCalls drops it; a late event for a call we already saw end is
 * ignored, so a reordered 'active' cannot bring a call back to life.
 */
export function applyCall(calls: readonly CallSnapshot[], call: CallSnapshot): CallSnapshot[] {
  const known = calls.find((c) => c.id === call.id);
  if (known && known.state === 'ended' && call.state !== 'ended') return calls as CallSnapshot[];
  return upsertById(calls, call);
}

export function pruneEndedCalls(calls: readonly CallSnapshot[], now: number, keepMs: number): CallSnapshot[] {
  const kept = calls.filter((c) => c.state !== 'ended' || (c.endedAt ?? now) > now - keepMs);
  return kept.length === calls.length ? (calls as CallSnapshot[]) : kept;
}

export function applyRegistration(registrations: Readonly<Record<string, RegistrationSnapshot>>, r: RegistrationSnapshot): Record<string, RegistrationSnapshot> {
  return { ...registrations, [r.accountId]: r };
}

/** A new account list: registrations of accounts that are gone are dropped. */
export function keepRegistrationsOf(registrations: Readonly<Record<string, RegistrationSnapshot>>, accounts: readonly AccountSnapshot[]): Record<string, RegistrationSnapshot> {
  const ids = new Set(accounts.map((a) => a.id));
  return Object.fromEntries(Object.entries(registrations).filter(([id]) => ids.has(id)));
}

export function registrationsById(list: readonly RegistrationSnapshot[]): Record<string, RegistrationSnapshot> {
  return Object.fromEntries(list.map((r) => [r.accountId, r]));
}

/** Newest first, one entry per id, at most `limit`. */
export function addHistory(history: readonly HistoryEntry[], entry: HistoryEntry, limit = 500): HistoryEntry[] {
  return [entry, ...history.filter((h) => h.id !== entry.id)].sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
}

/**
 * How a call in the history went. For an incoming call the final answer was
 * ours, so its code says who ended it: 603 (Decline) or 486 (Busy) pressed
 * here, 486 "Do Not Disturb" sent by the phone without ringing, 200 for a
 * call answered whose ACK never came (the caller gave up: never connected),
 * anything else (487 after the caller's CANCEL, 408/480) a missed call.
 */
export type HistoryOutcome = 'answered' | 'missed' | 'declined' | 'busy' | 'dnd' | 'not-connected' | 'failed' | 'forwarded';

export function historyOutcome(entry: Pick<HistoryEntry, 'direction' | 'answeredAt' | 'code' | 'reason' | 'forwardedTo'>): HistoryOutcome {
  // We forwarded it (302, or joined to a new call): neither missed nor a conversation of ours.
  if (entry.forwardedTo !== undefined) return 'forwarded';
  if (entry.answeredAt !== undefined) return 'answered';
  if (entry.direction === 'out') return 'failed';
  if (entry.code === 603) return 'declined';
  if (entry.code === 486) return /do not disturb/i.test(entry.reason ?? '') ? 'dnd' : 'busy';
  if (entry.code !== undefined && entry.code >= 200 && entry.code < 300) return 'not-connected';
  return 'missed';
}

/** Calls that rang unseen: missed, and refused by do-not-disturb (they never rang). Declined ones were seen. */
export function isMissed(entry: HistoryEntry): boolean {
  const o = historyOutcome(entry);
  return o === 'missed' || o === 'dnd';
}

/** Missed calls after the last visit to History (settings.missedSeenAt, kept by the phone). */
export function unseenMissed(history: readonly HistoryEntry[], seenAt: number): HistoryEntry[] {
  return history.filter((h) => isMissed(h) && h.startedAt > seenAt);
}

export function filterHistory(history: readonly HistoryEntry[], filter: HistoryFilter): HistoryEntry[] {
  switch (filter) {
    case 'all':
      return history.slice();
    case 'missed':
      return history.filter(isMissed);
    case 'in':
    case 'out':
      return history.filter((h) => h.direction === filter);
  }
}

/** Favourites first, then by name as the user's language sorts it. */
export function sortContacts(contacts: readonly ContactSnapshot[]): ContactSnapshot[] {
  return contacts.slice().sort((a, b) => Number(b.favorite) - Number(a.favorite) || a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }));
}

/** Matches names and addresses case-insensitively, and numbers by their digits ("4567 89" finds "+55 48 4567-8901"). */
export function searchContacts(contacts: readonly ContactSnapshot[], query: string): ContactSnapshot[] {
  const q = query.trim().toLowerCase();
  if (q === '') return sortContacts(contacts);
  const digits = q.replace(/[^\d]/g, '');
  const numeric = digits.length > 0 && /^[\d\s+\-.()]+$/.test(q);
  return sortContacts(
    contacts.filter(
      (c) =>
        c.name.toLowerCase().includes(q) ||
        c.addresses.some((a) => a.uri.toLowerCase().includes(q) || (a.label ?? '').toLowerCase().includes(q)) ||
        c.numbers.some((n) => (numeric ? n.number.replace(/[^\d]/g, '').includes(digits) : n.number.toLowerCase().includes(q))),
    ),
  );
}
