/**
 * The event list of a telephone-event fmtp (RFC 4733 §2.4.1): "0-15,66,70".
 * Absent fmtp means 0–15. We generate and understand the DTMF events 0–16
 * (digits, *, #, A–D, flash).
 */
const OUR_EVENTS = new Set(Array.from({ length: 17 }, (_, i) => i));

export function parseEventList(text: string | undefined): Set<number> {
  const out = new Set<number>();
  if (text === undefined || text.trim() === '') {
    for (let i = 0; i <= 15; i++) out.add(i);
    return out;
  }
  for (const part of text.split(',').slice(0, 64)) {
    const m = /^\s*(\d{1,3})(?:-(\d{1,3}))?\s*$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let e = lo; e <= Math.min(hi, 255); e++) out.add(e);
  }
  return out;
}

export function formatEventList(events: Set<number>): string {
  const sorted = [...events].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The events we answer with: the offered ones we also support. */
export function answerEventList(offered: string | undefined): string {
  const events = parseEventList(offered);
  for (const e of events) if (!OUR_EVENTS.has(e)) events.delete(e);
  return formatEventList(events);
}
