/**
 * Human lines for the presence, watched-line, watcher and voicemail events
 * (`parley watch`, `parley status`, `parley listen`); with --json the events
 * go out as they are (output.ts).
 */
import type { MwiSnapshot, OwnPresenceSnapshot, SubscriptionSnapshot, WatchSnapshot, WatcherSnapshot } from '../api/presence-contract.ts';

const STATUS_WORDS: Record<string, string> = {
  available: 'available',
  away: 'away',
  busy: 'busy',
  dnd: 'do not disturb',
  offline: 'offline',
  unknown: 'unknown',
};

function party(p: { uri: string; displayName?: string }): string {
  return p.displayName ? `${p.displayName} <${p.uri}>` : p.uri;
}

function subscriptionNote(s: SubscriptionSnapshot): string {
  if (s.state === 'active') return '';
  const why = s.reason ? `: ${s.reason}` : '';
  const code = s.code !== undefined ? ` (${s.code})` : '';
  const when = s.retryAt !== undefined ? `, again in ${Math.max(0, Math.round((s.retryAt - Date.now()) / 1000))} s` : '';
  return ` [${s.state}${why}${code}${when}]`;
}

export function watchLine(w: WatchSnapshot): string {
  const parts: string[] = [];
  if (w.presence) {
    const note = w.presence.note ? ` "${w.presence.note}"` : '';
    parts.push(`${STATUS_WORDS[w.presence.status] ?? w.presence.status}${note}${subscriptionNote(w.presence.subscription)}`);
  }
  if (w.line) {
    const ringing = w.line.dialogs.find((d) => d.state !== 'confirmed');
    const talking = w.line.dialogs.find((d) => d.state === 'confirmed');
    let text: string = w.line.state;
    if (w.line.state === 'ringing' && ringing) text = ringing.direction === 'initiator' ? `calling ${ringing.remote ? party(ringing.remote) : 'out'}` : `ringing${ringing.remote ? ` (${party(ringing.remote)} calls)` : ''}`;
    if (w.line.state === 'busy') text = `in a call${talking?.remote ? ` with ${party(talking.remote)}` : ''}`;
    parts.push(`line ${text}${subscriptionNote(w.line.subscription)}`);
  }
  return `${w.name ? `${w.name} <${w.target}>` : w.target}: ${parts.join(' · ')}`;
}

export function ownPresenceLine(p: OwnPresenceSnapshot): string {
  const why = p.effective !== p.status ? ` (you picked ${STATUS_WORDS[p.status]}${p.effective === 'busy' ? '; in a call' : p.effective === 'dnd' ? '; do-not-disturb is on' : ''})` : '';
  const pubs = p.publications.map((x) => {
    if (x.state === 'published') return `published (${x.accountId})`;
    if (x.state === 'failed') return `not published (${x.accountId}): ${x.reason ?? 'refused'}${x.code !== undefined ? ` (${x.code})` : ''}`;
    return `${x.state} (${x.accountId})`;
  });
  return `your status: ${STATUS_WORDS[p.effective]}${why}${p.note ? ` "${p.note}"` : ''}${pubs.length > 0 ? ` — ${pubs.join(', ')}` : ''}`;
}

export function watcherLine(w: WatcherSnapshot): string {
  const who = w.displayName ? `${w.displayName} <${w.watcher}>` : w.watcher;
  if (w.state === 'pending') return `${who} asks to see your presence (allow or block it in Parley)`;
  return `${who} ${w.state === 'allowed' ? 'may see' : 'is blocked from'} your presence`;
}

export function mwiLine(m: MwiSnapshot, account: string): string {
  const urgent = m.urgentNew + m.urgentOld > 0 ? ` (urgent ${m.urgentNew}/${m.urgentOld})` : '';
  const dial = m.voicemail ? `; voicemail: ${m.voicemail}` : '';
  if (!m.waiting && m.newMessages === 0) return `voicemail for ${account}: no new messages${m.oldMessages > 0 ? `, ${m.oldMessages} old` : ''}${dial}`;
  return `voicemail for ${account}: ${m.newMessages} new, ${m.oldMessages} old${urgent}${dial}`;
}
