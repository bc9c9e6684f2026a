/** Small formatting helpers the views share. Pure functions, so they are easy to test. */

/** A call timer: "0:07", "12:34", "1:02:03". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The same for a screen reader: "1 hour 2 minutes 3 seconds", "7 seconds". */
export function formatDurationWords(ms: number): string {
  const total = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  const parts: string[] = [];
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (h) parts.push(unit(h, 'hour'));
  if (m) parts.push(unit(m, 'minute'));
  if (s || parts.length === 0) parts.push(unit(s, 'second'));
  return parts.join(' ');
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** When a call happened, as a list shows it: "14:05" today, "Yesterday", "Mon", or "3 Mar". */
export function formatWhen(time: number, now: number = Date.now(), locale?: string): string {
  const d = new Date(time);
  const today = new Date(now);
  if (sameDay(d, today)) return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(d);
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (sameDay(d, yesterday)) return 'Yesterday';
  if (now - time < 6 * 24 * 3600 * 1000 && time < now) return new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(d);
  const sameYear = d.getFullYear() === today.getFullYear();
  return new Intl.DateTimeFormat(locale, sameYear ? { day: 'numeric', month: 'short' } : { day: 'numeric', month: 'short', year: 'numeric' }).format(d);
}

/** Full date and time for a tooltip or a screen reader. */
export function formatFullTime(time: number, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(time));
}

/** Up to two initials for an avatar; '' when the name is a number or address without letters. */
export function initials(name: string): string {
  const clean = name.replace(/^(sips?|tel):/i, '').split('@', 1)[0]!.trim();
  const words = clean.split(/[\s._-]+/).filter((w) => /^\p{L}/u.test(w));
  if (words.length === 0) return '';
  const first = words[0]![0]!;
  const last = words.length > 1 ? words[words.length - 1]![0]! : '';
  return (first + last).toUpperCase();
}

/** A stable small number for a text (avatar colour). */
export function hashIndex(text: string, buckets: number): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h % buckets;
}
