/**
 * What the dial field does with pasted or clicked text. People paste links
 * (sip:, sips:, tel:, callto:), name-addrs copied from an e-mail signature
 * ("Alice <sip:alice@example.com>") and numbers with visual separators
 * ("+55 (48) 4567-8901"); the field shows the plain target the engine dials.
 *
 *  - sip:  the scheme is dropped (the engine assumes sip:), URI headers
 *          (`?subject=…`) are dropped so a link cannot smuggle headers into
 *          our INVITE (RFC 3261 §19.1.1 lets a URI carry them), the user part
 *          is %-decoded; URI parameters (`;transport=tcp`) are kept.
 *  - sips: kept as `sips:…`: dropping it would silently downgrade to sip
 *          (RFC 3261 §19.1.2 requires TLS on every hop).
 *  - tel:  the number without visual separators and without parameters
 *          (RFC 3966 §5.1.1: "-", ".", "(", ")" carry no meaning).
 *  - a bare phone number: the same separators and spaces removed.
 *  - anything else (a name, user@host) is only trimmed.
 */

export type DialKind = 'empty' | 'number' | 'extension' | 'address' | 'secure-address' | 'name' | 'invalid';

const VISUAL_SEPARATORS = /[\s\-.()/\u00a0\u2010-\u2015]/g;
const PHONE_LIKE = /^\+?[\d\s\-.()/\u00a0\u2010-\u2015*#]+$/;

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function stripNumber(text: string): string {
  const plus = text.trim().startsWith('+') ? '+' : '';
  return plus + text.replace(/\+/g, '').replace(VISUAL_SEPARATORS, '');
}

/** "Alice <sip:a@b>" → "sip:a@b"; also strips quotes and angle brackets around a bare URI. */
function unwrap(text: string): string {
  const angle = /<([^<>]+)>/.exec(text);
  if (angle) return angle[1]!.trim();
  return text.replace(/^["'\s]+|["'\s]+$/g, '');
}

function normalizeSipUri(rest: string): string {
  const noHeaders = rest.split('?', 1)[0]!;
  const at = noHeaders.lastIndexOf('@');
  if (at < 0) return percentDecode(noHeaders);
  const user = percentDecode(noHeaders.slice(0, at));
  const hostAndParams = noHeaders.slice(at + 1);
  const params = hostAndParams.slice(hostAndParams.indexOf(';') >= 0 ? hostAndParams.indexOf(';') : hostAndParams.length);
  // A phone number in the user part (";user=phone", RFC 3261 §19.1.6) may carry visual separators too.
  const cleanUser = /;user=phone/i.test(params) && PHONE_LIKE.test(user) ? stripNumber(user) : user;
  return `${cleanUser}@${hostAndParams}`;
}

/** The dial target for pasted or clicked text (see the file comment). */
export function normalizeDialInput(raw: string): string {
  const line = raw.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  const text = unwrap(line);
  const scheme = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(text);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    const rest = scheme[2]!.trim();
    if (name === 'sip') return normalizeSipUri(rest);
    if (name === 'sips') return `sips:${normalizeSipUri(rest)}`;
    if (name === 'tel' || name === 'callto') {
      const value = percentDecode(rest.replace(/^\/\//, '').split(/[;?]/, 1)[0]!);
      return PHONE_LIKE.test(value) ? stripNumber(value) : value;
    }
  }
  if (PHONE_LIKE.test(text) && /\d/.test(text)) return stripNumber(text);
  return text.replace(/\s+/g, ' ');
}

/** Characters of a user name the engine completes with the account's domain (RFC 3261 §25.1 unreserved). */
const NAME = /^[A-Za-z0-9\-_.!~*'()]+$/;

/**
 * Why the engine would refuse what the field holds, said before the user presses
 * Enter: angle brackets or quotes (a pasted name-addr is unwrapped on paste, so
 * typed ones are a mistake, and the engine would silently keep only the inside),
 * spaces inside a name or an address, other characters no SIP user part has.
 */
export function dialInputProblem(text: string): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  if (/[<>"]/.test(t)) return 'Remove < > and quotes: type a number, a user name or user@host';
  if (/^\+?[\d*#\s\-.()]+$/.test(t)) return undefined;
  if (/\s/.test(t)) return 'A name or address has no spaces: type user@host or a number';
  if (/^sips?:/i.test(t) || t.includes('@')) return undefined;
  if (!NAME.test(t)) return 'A user name has only letters, digits and - _ . ! ~ * \' ( )';
  return undefined;
}

/** What the field holds, for the hint under it and for the dial button's label. */
export function classifyDialInput(text: string): DialKind {
  const t = text.trim();
  if (t === '') return 'empty';
  if (dialInputProblem(t)) return 'invalid';
  if (/^sips:/i.test(t)) return 'secure-address';
  const compact = t.replace(/[\s\-.()]/g, '');
  if (/^\+?[\d*#]+$/.test(compact)) return compact.startsWith('+') || compact.replace(/[*#]/g, '').length > 6 ? 'number' : 'extension';
  if (t.includes('@') || /^sip:/i.test(t)) return 'address';
  return 'name';
}

export const DIAL_KIND_HINTS: Record<DialKind, string> = {
  empty: 'Type a number, a SIP address or a name',
  number: 'Phone number',
  extension: 'Extension or short number',
  address: 'SIP address',
  'secure-address': 'Secure SIP address: TLS on every hop',
  name: 'A user name: your server will look it up',
  invalid: 'This cannot be dialled',
};

/** Replaces the selection [start, end) of `value` with `text`; returns the new value and caret. */
export function insertAtSelection(value: string, start: number, end: number, text: string): { value: string; caret: number } {
  const s = Math.max(0, Math.min(start, value.length));
  const e = Math.max(s, Math.min(end, value.length));
  return { value: value.slice(0, s) + text + value.slice(e), caret: s + text.length };
}

/** Keys the dial pad and DTMF pad offer (RFC 4733 events 0–11). */
export const KEYPAD_KEYS: ReadonlyArray<{ key: string; letters: string }> = [
  { key: '1', letters: '' },
  { key: '2', letters: 'ABC' },
  { key: '3', letters: 'DEF' },
  { key: '4', letters: 'GHI' },
  { key: '5', letters: 'JKL' },
  { key: '6', letters: 'MNO' },
  { key: '7', letters: 'PQRS' },
  { key: '8', letters: 'TUV' },
  { key: '9', letters: 'WXYZ' },
  { key: '*', letters: '' },
  { key: '0', letters: '+' },
  { key: '#', letters: '' },
];
