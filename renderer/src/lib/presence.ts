/**
 * Presence and busy-lamp states in words (for labels and screen readers)
 * and the tone each is drawn in. Pure.
 */
import type { LineDialog, LineState, MwiSnapshot, PresenceStatus, WatchSnapshot, WatchedStatus } from '../api/types.ts';
import { displayAddress } from './party.ts';

export const STATUS_WORDS: Record<WatchedStatus, string> = {
  available: 'Available',
  away: 'Away',
  busy: 'Busy',
  dnd: 'Do not disturb',
  offline: 'Offline',
  unknown: 'Status unknown',
};

export const OWN_STATUSES: readonly PresenceStatus[] = ['available', 'away', 'busy', 'dnd', 'offline'];

/** A watch's presence as one status: 'unknown' until a NOTIFY says otherwise. */
export function watchStatus(w: WatchSnapshot | undefined): WatchedStatus | undefined {
  return w?.presence ? w.presence.status : undefined;
}

/** Who calls the line (or whom it calls), for "Ringing: Alice". */
export function lineParty(d: LineDialog | undefined): string | undefined {
  if (!d?.remote) return undefined;
  return d.remote.displayName?.trim() || displayAddress(d.remote.uri);
}

export function lineWords(w: WatchSnapshot): string {
  const line = w.line;
  if (!line) return '';
  if (line.subscription.state === 'terminated' || line.subscription.state === 'retrying') return line.subscription.reason ? `Not watched: ${line.subscription.reason}` : 'Not watched';
  const ringing = line.dialogs.find((d) => d.state === 'early' || d.state === 'proceeding' || d.state === 'trying');
  const who = lineParty(ringing ?? line.dialogs[0]);
  const states: Record<LineState, string> = {
    unknown: line.subscription.state === 'pending' ? 'Waiting for permission' : 'Unknown',
    idle: 'Idle',
    ringing: ringing?.direction === 'initiator' ? `Calling${who ? ` ${who}` : ''}` : `Ringing${who ? `: ${who}` : ''}`,
    busy: `In a call${who ? ` with ${who}` : ''}`,
  };
  return states[line.state];
}

/** New voicemail of an account in words ("3 new, 1 urgent"), or undefined when nothing waits. */
export function voicemailWords(m: MwiSnapshot | undefined): string | undefined {
  if (!m || (!m.waiting && m.newMessages === 0)) return undefined;
  const parts = [`${m.newMessages} new`];
  if (m.urgentNew > 0) parts.push(`${m.urgentNew} urgent`);
  if (m.oldMessages > 0) parts.push(`${m.oldMessages} old`);
  return parts.join(', ');
}
