/**
 * Telephone numbers as people and servers write them, and the one rule by
 * which Parley decides that two of them are the same line. Used by caller ID
 * (caller-id.ts) and by incoming alias matching (alias-match.ts).
 *
 * Reading a number (`parsePhoneNumber`), with the NumberingPlan of the user's
 * home country (say countryCode '55', trunkPrefix '0', internationalPrefix '00'):
 *   - visual separators are dropped: space - . ( ) (RFC 3966 §5.1.1); a
 *     "(0)" right after "+<country code>" is the trunk prefix written for
 *     national callers and is dropped too ("+44 (0)20 …");
 *   - "+D…" or "<internationalPrefix>D…" is INTERNATIONAL: `international` =
 *     the digits with the country code. If they start with the home country
 *     code, `national` = the rest (the national significant number);
 *     otherwise `national` = null (a foreign number);
 *   - anything else is NATIONAL as dialled at home: a leading trunk prefix is
 *     dropped, `national` = the rest; `international` = null, because a bare
 *     "45678901" may lack its area code and cannot be made E.164 honestly.
 *
 * Comparing two numbers (`compareNumbers`), first rule that applies:
 *   1. both international: the same digits → 'exact', otherwise no match;
 *   2. both have a national form: equal → 'exact'; else if the shorter has at
 *      least `minMatchDigits` digits (default 8) and the longer ends with it →
 *      'suffix' (a number given without its area code, or a home number
 *      without the country code when the plan has none);
 *   3. a foreign number against a national-only one: if the national one's
 *      digits as written equal the foreign number's international digits (a
 *      server that sends "15551234567" without the "+") → 'exact'; if the plan
 *      has no home country code, rule 2's suffix test on the international
 *      digits → 'suffix'; otherwise no match.
 * Numbers of fewer than 3 digits, or with '*' or '#', are service codes, not
 * numbers: they compare only as exact text.
 *
 * Example (plan 55/0/00): +554845678901 = 00554845678901 = 04845678901 =
 * 4845678901 (exact); 45678901 matches them as 'suffix'; 5678901 (7 digits)
 * does not; +14845678901 does not. Android's loose comparison uses 7 digits;
 * we ask for 8 to keep false matches rarer.
 */

export interface NumberingPlan {
  /** Home country calling code without '+' ('55', '1', '44'); '' if unknown. */
  countryCode: string;
  /** Prefix for national calls ('0' in most of the world, '1' in NANP, '' if none). */
  trunkPrefix: string;
  /** Prefix for international calls ('00', '011' in NANP); '+' always works. */
  internationalPrefix: string;
  /** The fewest trailing digits a suffix match may rest on. */
  minMatchDigits: number;
}

export const DEFAULT_NUMBERING_PLAN: Readonly<NumberingPlan> = Object.freeze({
  countryCode: '',
  trunkPrefix: '0',
  internationalPrefix: '00',
  minMatchDigits: 8,
});

export interface PhoneNumberKey {
  /** Every digit as written, without '+' and separators. */
  digits: string;
  /** Country code + national number, when the number was written internationally. */
  international: string | null;
  /** National significant number in the home country, when known. */
  national: string | null;
}

export type NumberMatch = 'exact' | 'suffix';

const VISUAL_SEPARATORS = /[\s\-.()]/g;
const NUMBER_TEXT = /^\+?[0-9\s\-.()]+$/;

/**
 * True if `text` looks like a telephone number (optional '+', digits, visual
 * separators, at least 3 digits). Telephone-subscriber parameters after ';'
 * are ignored.
 */
export function isPhoneNumberLike(text: string): boolean {
  const base = text.split(';', 1)[0]!.trim();
  return NUMBER_TEXT.test(base) && base.replace(/\D/g, '').length >= 3 && base.replace(/\D/g, '').length <= 20;
}

/** Reads a number under `plan`; undefined if it is not number-like. */
export function parsePhoneNumber(text: string, plan: NumberingPlan = DEFAULT_NUMBERING_PLAN): PhoneNumberKey | undefined {
  if (!isPhoneNumberLike(text)) return undefined;
  let base = text.split(';', 1)[0]!.trim();
  if (plan.trunkPrefix !== '' && plan.countryCode !== '') {
    const cc = escapeRegExp(plan.countryCode);
    const tp = escapeRegExp(plan.trunkPrefix);
    const m = new RegExp(`^\\+\\s*${cc}[\\s\\-.]*\\(${tp}\\)`).exec(base);
    if (m) base = `+${plan.countryCode}${base.slice(m[0].length)}`;
  }
  const compact = base.replace(VISUAL_SEPARATORS, '');
  const digits = compact.replace(/^\+/, '');
  let international: string | null = null;
  if (compact.startsWith('+')) international = digits;
  else if (plan.internationalPrefix !== '' && digits.startsWith(plan.internationalPrefix) && digits.length > plan.internationalPrefix.length) {
    international = digits.slice(plan.internationalPrefix.length);
  }
  let national: string | null;
  if (international !== null) {
    national = plan.countryCode !== '' && international.startsWith(plan.countryCode) ? international.slice(plan.countryCode.length) : null;
  } else {
    national = plan.trunkPrefix !== '' && digits.startsWith(plan.trunkPrefix) ? digits.slice(plan.trunkPrefix.length) : digits;
  }
  return { digits, international, national };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function suffixMatch(a: string, b: string, min: number): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= min && long.endsWith(short);
}

/** The rule in the file comment. */
export function compareNumberKeys(a: PhoneNumberKey, b: PhoneNumberKey, plan: NumberingPlan = DEFAULT_NUMBERING_PLAN): NumberMatch | null {
  if (a.international !== null && b.international !== null) return a.international === b.international ? 'exact' : null;
  if (a.national !== null && b.national !== null) {
    if (a.national === b.national) return 'exact';
    return suffixMatch(a.national, b.national, plan.minMatchDigits) ? 'suffix' : null;
  }
  const [foreign, local] = a.national === null ? [a, b] : [b, a];
  if (foreign.international === null || local.national === null) return null;
  if (local.digits === foreign.international) return 'exact';
  if (plan.countryCode === '' && suffixMatch(foreign.international, local.national, plan.minMatchDigits)) return 'suffix';
  return null;
}

/** Compares two texts as numbers; null if either is not number-like or they differ. */
export function compareNumbers(a: string, b: string, plan: NumberingPlan = DEFAULT_NUMBERING_PLAN): NumberMatch | null {
  const ka = parsePhoneNumber(a, plan);
  const kb = parsePhoneNumber(b, plan);
  return ka && kb ? compareNumberKeys(ka, kb, plan) : null;
}
