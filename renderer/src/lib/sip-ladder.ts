/**
 * The SIP trace as ladders (what people use sngrep for): the engine's `trace`
 * events grouped by Call-ID — one dialog or one registration each (RFC 3261
 * §10.2: a UA keeps the Call-ID of its registrations; §12: a dialog's) —
 * each message an arrow between this phone and the address it went to or
 * came from. The engine redacts credentials before a trace leaves it; the
 * view redacts again (digest responses, nonces, tokens) so that an exported
 * ladder can be attached to a bug report as it is.
 */
import type { TraceEntry } from '../api/types.ts';

export interface LadderMessage {
  index: number;
  time: number;
  direction: 'in' | 'out';
  /** host:port of the other side. */
  remote: string;
  local: string;
  transport: string;
  /** "INVITE", "407 Proxy Authentication Required". */
  label: string;
  method: string;
  status?: number;
  cseq: string;
  text: string;
}

export type DialogKind = 'call' | 'registration' | 'other';

export interface Ladder {
  callId: string;
  kind: DialogKind;
  /** "INVITE sip:bob@example.com", "REGISTER sip:example.com". */
  title: string;
  started: number;
  messages: LadderMessage[];
  /** The columns, left to right: this phone, then each remote in order of appearance. */
  parties: string[];
}

/** Credentials and tokens a SIP message may carry, blanked (digest response/nonce/cnonce, bearer and URI tokens). */
export function redactTrace(text: string): string {
  return text
    // Also inside JSON text (a log record's data), where the quotes come escaped: nonce=\"…\".
    .replace(/\b(response|nonce|cnonce|opaque)=(\\?)"[^"\\]*\2"/gi, '$1=$2"…$2"')
    .replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/g, '$1 …')
    .replace(/([?&;]token=)[^&;\s>"]+/gi, '$1…')
    .replace(/(password\s*[=:]\s*)\S+/gi, '$1…');
}

function header(text: string, names: readonly string[]): string | undefined {
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (names.includes(line.slice(0, colon).trim().toLowerCase())) return line.slice(colon + 1).trim();
  }
  return undefined;
}

export function parseTrace(entry: TraceEntry, index: number): LadderMessage & { callId: string } {
  const text = redactTrace(entry.text);
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  const status = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/.exec(first);
  const cseq = header(text, ['cseq']) ?? '';
  const method = status ? (cseq.split(/\s+/)[1] ?? '') : (first.split(' ')[0] ?? '');
  const callId = entry.callId ?? header(text, ['call-id', 'i']) ?? '(no Call-ID)';
  return {
    index,
    time: entry.time,
    direction: entry.direction,
    remote: entry.remote,
    local: entry.local,
    transport: entry.transport,
    label: status ? `${status[1]} ${status[2]}`.trim() : method,
    method,
    ...(status ? { status: Number(status[1]) } : {}),
    cseq,
    text,
    callId,
  };
}

/** Ladders, newest first. */
export function buildLadders(trace: readonly TraceEntry[]): Ladder[] {
  const byId = new Map<string, Ladder>();
  trace.forEach((entry, i) => {
    const m = parseTrace(entry, i);
    let ladder = byId.get(m.callId);
    if (!ladder) {
      const firstLine = m.text.split(/\r?\n/, 1)[0] ?? '';
      ladder = { callId: m.callId, kind: 'other', title: m.status === undefined ? firstLine.replace(/\s+SIP\/2\.0$/, '') : `${m.method} (answer)`, started: m.time, messages: [], parties: ['This phone'] };
      byId.set(m.callId, ladder);
    }
    if (ladder.kind === 'other' && m.status === undefined) ladder.kind = m.method === 'REGISTER' ? 'registration' : m.method === 'INVITE' ? 'call' : 'other';
    if (!ladder.parties.includes(m.remote)) ladder.parties.push(m.remote);
    ladder.messages.push(m);
  });
  return [...byId.values()].sort((a, b) => b.started - a.started);
}

export function filterLadders(ladders: readonly Ladder[], kind: 'all' | DialogKind, query: string): Ladder[] {
  const q = query.trim().toLowerCase();
  return ladders.filter((l) => (kind === 'all' || l.kind === kind) && (q === '' || l.callId.toLowerCase().includes(q) || l.messages.some((m) => m.text.toLowerCase().includes(q))));
}

function clock(time: number): string {
  const d = new Date(time);
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * A ladder as text: one block per message, headed the way text2pcap-style
 * tools and sngrep's save-as-text head them (time, transport, from → to),
 * then the message as it crossed the wire (redacted).
 */
export function ladderText(ladder: Ladder): string {
  const lines = [`Call-ID: ${ladder.callId}`, `${ladder.messages.length} messages`, ''];
  for (const m of ladder.messages) {
    const [from, to] = m.direction === 'out' ? [m.local, m.remote] : [m.remote, m.local];
    lines.push(`${new Date(m.time).toISOString()} ${m.transport.toUpperCase()} ${from} -> ${to}`, m.text.replace(/\r\n/g, '\n').trimEnd(), '');
  }
  return lines.join('\n');
}

/** The arrows of a ladder as one short line each ("10:01:02.345 → INVITE"), for a screen reader or a quick copy. */
export function ladderSummary(ladder: Ladder): string[] {
  return ladder.messages.map((m) => `${clock(m.time)} ${m.direction === 'out' ? '→' : '←'} ${m.label} (${m.remote})`);
}

export { clock as traceClock };
