/**
 * What the user typed (or a clicked sip:/tel: link) → the target URI of a call
 * or MESSAGE, as a string. The rules, in order:
 *
 *   "Alice <sip:alice@x>"      the address inside <…> (a pasted name-addr)
 *   sip:… / sips:…             kept, after validation (no ?headers: a link
 *                              must not be able to add headers to our INVITE)
 *   tel:+1-555-0100;ext=7      sip:+15550100;ext=7@<domain>;user=phone, the
 *                              RFC 3261 §19.1.6 mapping (visual separators
 *                              dropped, RFC 3966 §5.1.1), or kept as tel: when
 *                              `tel: 'keep'`
 *   +55 (48) 4567-8901, *97    a number: separators dropped, '#' escaped,
 *                              sip:NUMBER@<domain>;user=phone
 *   user@host[:port]           sip:user@host[:port]
 *   alice                      sip:alice@<domain>
 *
 * Anything else is refused with a sentence saying what is wrong. This is a
 * pure function returning a result (the UI shows `reason` under the field).
 */
import { isPhoneNumberLike } from './phone-number.ts';
import { formatSipAddress, parseHostPort, parseSipAddress } from './sip-address.ts';

export interface DialOptions {
  /** `host[:port]` that completes bare numbers and names: the account's domain. */
  domain?: string;
  /** tel: targets become sip: (default) or stay tel:. */
  tel?: 'sip' | 'keep';
  /** Mark numbers completed with the domain `;user=phone` (default true). */
  userPhone?: boolean;
}

export type DialKind = 'number' | 'name' | 'sip' | 'tel';

export type DialResult = { ok: true; target: string; kind: DialKind } | { ok: false; reason: string };

export const MAX_DIAL_LENGTH = 256;
const MAX_NUMBER_DIGITS = 32;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Invisible formatting (zero-width, bidi overrides): a link could hide a different number behind them.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const NUMBER_INPUT = /^[0-9*#+\s\-.()]+$/;
const SEPARATORS = /[\s\-.()]/g;
const NAME_CHAR = /[A-Za-z0-9\-_.!~*'()]/;

function fail(reason: string): DialResult {
  return { ok: false, reason };
}

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).padStart(4, '0').toUpperCase()}`;
}

export function normaliseDialString(input: string, options: DialOptions = {}): DialResult {
  if (typeof input !== 'string') return fail('nothing to dial: the input is not text');
  let s = input.trim();
  if (s === '') return fail('nothing to dial: the input is empty');
  if (s.length > MAX_DIAL_LENGTH) return fail(`the input is too long (${s.length} characters; at most ${MAX_DIAL_LENGTH})`);
  const control = CONTROL.exec(s);
  if (control) return fail(`the input contains a control character (${codePoint(control[0])})`);
  const invisible = INVISIBLE.exec(s);
  if (invisible) return fail(`the input contains an invisible formatting character (${codePoint(invisible[0])})`);

  const angle = /^[^<>]*<([^<>]*)>$/.exec(s);
  if (angle) {
    s = angle[1]!.trim();
    if (s === '') return fail('nothing to dial: the <> brackets are empty');
  } else if (/[<>]/.test(s)) {
    return fail('the input has unbalanced "<" or ">"');
  }

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s)?.[1]?.toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return fromSip(s);
  if (scheme === 'tel') return fromTel(s.slice(4), options);
  if (scheme !== undefined) return fail(`"${scheme}:" addresses cannot be dialled (use sip:, sips: or tel:)`);

  if (s.includes('@')) return fromUserAtHost(s);
  if (NUMBER_INPUT.test(s)) return fromNumber(s, options);
  return fromName(s, options);
}

function fromSip(s: string): DialResult {
  const parsed = parseSipAddress(s);
  if (!parsed.ok) return fail(parsed.reason);
  if (parsed.value.headers !== '') return fail('addresses with "?headers" are not accepted: they would add headers to the call');
  return { ok: true, target: formatSipAddress(parsed.value), kind: 'sip' };
}

function fromUserAtHost(s: string): DialResult {
  const at = s.indexOf('@');
  let user = s.slice(0, at);
  if (user.trim() === '') return fail('the user part before "@" is empty');
  // A number typed with separators before "@": keep only what the server routes on.
  if (isPhoneNumberLike(user)) user = compactNumber(user);
  return fromSip(`sip:${user}${s.slice(at)}`);
}

/** Drops visual separators (RFC 3966 §5.1.1); "(+55) 48" → "+5548". */
function compactNumber(text: string): string {
  return text.replace(SEPARATORS, '');
}

function completionDomain(options: DialOptions, what: string): { ok: true; domain: string } | { ok: false; reason: string } {
  if (options.domain === undefined || options.domain === '') {
    return { ok: false, reason: `cannot complete "${what}": no account domain (type a full address like ${what}@example.com)` };
  }
  const hp = parseHostPort(options.domain);
  if (!hp.ok) return { ok: false, reason: `the account domain "${options.domain}" is not valid: ${hp.reason}` };
  return { ok: true, domain: options.domain };
}

function numberTarget(user: string, options: DialOptions, kind: DialKind): DialResult {
  const domain = completionDomain(options, user.replace(/%23/g, '#'));
  if (!domain.ok) return fail(domain.reason);
  const uri = `sip:${user}@${domain.domain}${options.userPhone === false ? '' : ';user=phone'}`;
  // Final check that what we built is a valid SIP URI (it is by construction).
  const parsed = parseSipAddress(uri);
  if (!parsed.ok) return fail(parsed.reason);
  return { ok: true, target: uri, kind };
}

function fromNumber(s: string, options: DialOptions): DialResult {
  const compact = compactNumber(s);
  if (compact.indexOf('+', 1) >= 0) return fail('"+" may only appear at the start of a number');
  const digits = compact.replace(/[^0-9*#]/g, '');
  if (!/[0-9]/.test(digits)) return fail('nothing to dial: the number has no digits');
  if (digits.length > MAX_NUMBER_DIGITS) return fail(`the number is too long (${digits.length} digits; at most ${MAX_NUMBER_DIGITS})`);
  // '#' is not allowed raw in a SIP user part (RFC 3261 §25.1); '*' is.
  return numberTarget(compact.replace(/#/g, '%23'), options, 'number');
}

function fromName(s: string, options: DialOptions): DialResult {
  if (/\s/.test(s)) return fail(`"${s}" contains spaces: a SIP name has none (type a number, a name, or name@domain)`);
  let user = '';
  for (const c of s) {
    if (NAME_CHAR.test(c)) user += c;
    else if (/\p{L}|\p{N}/u.test(c)) user += encodeURIComponent(c); // RFC 3261 users are ASCII; escape letters like "é"
    else return fail(`"${c}" is not allowed in a SIP user name`);
  }
  if (!/[A-Za-z0-9%]/.test(user)) return fail('nothing to dial: no letters or digits');
  const domain = completionDomain(options, s);
  if (!domain.ok) return fail(domain.reason);
  const parsed = parseSipAddress(`sip:${user}@${domain.domain}`);
  if (!parsed.ok) return fail(parsed.reason);
  return { ok: true, target: formatSipAddress(parsed.value), kind: 'name' };
}

/**
 * RFC 3966 telephone-subscriber: a global number "+…" or a local one (we do
 * not insist on its phone-context, people paste "tel:1234"), then ;params.
 */
function fromTel(rest: string, options: DialOptions): DialResult {
  if (rest.startsWith('//')) return fail('"tel://" is not a telephone URI (write tel:+number)');
  const semi = rest.indexOf(';');
  const numberPart = semi < 0 ? rest : rest.slice(0, semi);
  const params = semi < 0 ? '' : rest.slice(semi);
  if (numberPart === '') return fail('the tel: address has no number');
  if (!/^\+?[0-9*#A-Fa-f\-.()]+$/.test(numberPart) || numberPart.indexOf('+', 1) >= 0) {
    const bad = [...numberPart].find((c, i) => !(/[0-9*#A-Fa-f\-.()]/.test(c) || (c === '+' && i === 0)));
    return fail(`the tel: number contains ${bad === ' ' ? 'a space' : `"${bad ?? '+'}"`}`);
  }
  const number = numberPart.replace(/[\-.()]/g, '');
  if (!/[0-9]/.test(number)) return fail('the tel: number has no digits');
  if (number.replace(/\+/, '').length > MAX_NUMBER_DIGITS) return fail(`the tel: number is too long (at most ${MAX_NUMBER_DIGITS} digits)`);
  for (const p of params.split(';').slice(1)) {
    if (!/^[A-Za-z0-9-]+(=[A-Za-z0-9\-_.!~*'()[\]/:&+$%]+)?$/.test(p)) return fail(`the tel: parameter "${p}" is not valid`);
  }
  const escaped = number.replace(/#/g, '%23');
  if (options.tel === 'keep') return { ok: true, target: `tel:${escaped}${params}`, kind: 'tel' };
  return numberTarget(`${escaped}${params}`, options, 'tel');
}
