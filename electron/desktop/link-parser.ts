/**
 * Links the OS hands us (a clicked `sip:alice@example.com`, `tel:+1-555-0100`,
 * `callto://+1555`) → a dial target for `call.dial`, or a refusal.
 *
 * A link is untrusted input from any web page or document the user clicked,
 * so this is strict:
 *   - only sip:, sips:, tel:, callto:; any other scheme (javascript:, file:,
 *     http:, a flag like --inspect) is refused;
 *   - at most MAX_LINK_LENGTH characters in, MAX_TARGET_LENGTH out;
 *   - %-escapes are decoded once; control characters, invisible formatting
 *     and bidi overrides (which could show one number and dial another),
 *     quotes, angle brackets, backslashes and other characters no phone
 *     number or SIP URI needs are refused, before and after decoding;
 *   - junk is dropped rather than followed: `//` after the scheme (callto://,
 *     sip://), one trailing '/' (Windows appends it), surrounding quotes and
 *     spaces, a password in the user part, URI headers (`?subject=…`: RFC 3261
 *     §19.1.1 lets a URI carry headers, and a link must not add headers to our
 *     INVITE), and URI parameters other than transport and user (maddr or
 *     method would let a link steer where or what we send);
 *   - sips: stays sips: (RFC 3261 §19.1.2: dropping it would downgrade TLS).
 *
 * Output forms: `sip:user@host[:port][;transport=…][;user=phone]`,
 * `sips:…`, `tel:+15550100[;ext=7]` (visual separators dropped, RFC 3966
 * §5.1.1), or for `callto:` a number as tel:, an address as sip:, a bare
 * name as itself (the phone completes it with the account's domain).
 *
 * Pure, so the command-line, second-instance and macOS open-url paths all
 * share it and tests run it under plain Node.
 */

export const LINK_SCHEMES = ['sip', 'sips', 'tel', 'callto'] as const;
export type LinkScheme = (typeof LINK_SCHEMES)[number];

export const MAX_LINK_LENGTH = 2048;
export const MAX_TARGET_LENGTH = 256;

export interface ParsedLink {
  scheme: LinkScheme;
  /** What call.dial gets (DialParams.target). */
  target: string;
}

export type LinkResult = { ok: true; link: ParsedLink } | { ok: false; reason: string };

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const INVISIBLE = /[\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8]/;
/** Never needed in a number or a SIP URI we would dial; some are shell or HTML metacharacters. */
const DANGEROUS = /["'<>`\\{}|^\s]/;
/** The same, but spaces allowed: people (and some launchers) write `tel:+1 555 0100` unescaped. */
const DANGEROUS_IN_NUMBER = /["'<>`\\{}|^\t\n\r\f\v]/;
const SCHEME_RE = /^([a-z][a-z0-9+.-]{0,15}):(.*)$/is;

const VISUAL_SEPARATORS = /[\s\-.()\u00a0\u2010-\u2015]/g;
const PHONE_LIKE = /^\+?[0-9*#\s\-.()\u00a0\u2010-\u2015]+$/;
/** RFC 3261 §25.1 allows more in a user part (&=$,;?/ and escapes), but nothing we dial needs them, and ';' or '?' would change the URI's meaning once decoded. */
const USER_CHARS = /^[A-Za-z0-9\-_.!~*()+]+$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV6_REF = /^\[[0-9A-Fa-f:.]{2,45}\]$/;
const TOKEN = /^[A-Za-z0-9\-_.!~*+%]+$/;
const KEPT_SIP_PARAMS = new Set(['transport', 'user']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const fail = (reason: string): LinkResult => ({ ok: false, reason });

function decodeOnce(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** '+1 (555) 010-0' → '+15550100'; undefined when it has no digit or too many. */
function cleanNumber(text: string): string | undefined {
  if (!PHONE_LIKE.test(text)) return undefined;
  const plus = text.trimStart().startsWith('+') ? '+' : '';
  const digits = text.replace(/\+/g, '').replace(VISUAL_SEPARATORS, '');
  if (!/[0-9]/.test(digits) || digits.length > 32) return undefined;
  return plus + digits;
}

function checkText(text: string, what: string): string | undefined {
  if (CONTROL.test(text)) return `${what} contains a control character`;
  if (INVISIBLE.test(text)) return `${what} contains an invisible formatting character`;
  return undefined;
}

function parseHost(hostPort: string): string | undefined {
  const m = /^(\[[^\]]*\]|[^:]+)(?::(\d{1,5}))?$/.exec(hostPort);
  if (!m) return undefined;
  const host = m[1]!;
  if (!HOSTNAME.test(host) && !IPV6_REF.test(host)) return undefined;
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) return undefined;
    return `${host.toLowerCase()}:${port}`;
  }
  return host.toLowerCase();
}

/** `[user[:password]@]host[:port][;params][?headers]` → our canonical form without the scheme. */
function parseSipRest(rest: string): string | undefined {
  const noHeaders = rest.split('?', 1)[0]!;
  const at = noHeaders.lastIndexOf('@');
  const userInfo = at >= 0 ? noHeaders.slice(0, at) : undefined;
  const [hostPort, ...params] = noHeaders.slice(at + 1).split(';');
  const host = parseHost(hostPort ?? '');
  if (!host) return undefined;
  const kept: string[] = [];
  for (const p of params) {
    const [name, value] = p.split('=', 2) as [string, string | undefined];
    const key = name.toLowerCase();
    if (!KEPT_SIP_PARAMS.has(key) || value === undefined || !TOKEN.test(value)) continue;
    if (!kept.some((k) => k.startsWith(`;${key}=`))) kept.push(`;${key}=${value.toLowerCase()}`);
  }
  if (userInfo === undefined) return `${host}${kept.join('')}`;
  // A password in a link is never ours to use (RFC 3261 §19.1.1 calls it NOT RECOMMENDED).
  const rawUser = userInfo.split(':', 1)[0]!;
  const user = decodeOnce(rawUser);
  if (user === undefined || user === '' || checkText(user, 'the user part')) return undefined;
  let cleanUser: string | undefined = user;
  if (/[\s\u00a0]/.test(user)) cleanUser = cleanNumber(user);
  if (!cleanUser || !USER_CHARS.test(cleanUser)) return undefined;
  return `${cleanUser}@${host}${kept.join('')}`;
}

function parseTelRest(rest: string): string | undefined {
  const [numberPart, ...params] = rest.split(/[;?]/);
  const decoded = decodeOnce(numberPart ?? '');
  if (decoded === undefined) return undefined;
  const number = cleanNumber(decoded);
  if (!number) return undefined;
  const ext = params.map((p) => /^ext=([0-9\-.()]{1,16})$/i.exec(p)?.[1]).find((e) => e !== undefined);
  const cleanExt = ext?.replace(VISUAL_SEPARATORS, '');
  return `tel:${number}${cleanExt ? `;ext=${cleanExt}` : ''}`;
}

function parseCalltoRest(rest: string): string | undefined {
  const value = decodeOnce(rest.split(/[;?]/, 1)[0]!);
  if (value === undefined || value === '') return undefined;
  const number = cleanNumber(value);
  if (number) return `tel:${number}`;
  if (value.includes('@')) {
    const sip = parseSipRest(value);
    return sip ? `sip:${sip}` : undefined;
  }
  return NAME.test(value) ? value : undefined;
}

/** One link (a command-line argument or a URL the OS opened) → a dial target. */
export function parseLink(raw: string): LinkResult {
  if (typeof raw !== 'string') return fail('not text');
  if (raw.length > MAX_LINK_LENGTH) return fail(`the link is too long (${raw.length} characters; at most ${MAX_LINK_LENGTH})`);
  const bad = checkText(raw, 'the link');
  if (bad) return fail(bad);
  const text = raw.trim().replace(/^["']+|["']+$/g, '').trim();
  const m = SCHEME_RE.exec(text);
  if (!m) return fail('not a link');
  const scheme = m[1]!.toLowerCase();
  if (!(LINK_SCHEMES as readonly string[]).includes(scheme)) return fail(`${scheme}: links are not phone links`);
  let rest = m[2]!.replace(/^\/\//, '');
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if ((scheme === 'sip' || scheme === 'sips' ? DANGEROUS : DANGEROUS_IN_NUMBER).test(rest)) return fail('the link contains characters no phone address has');
  let target: string | undefined;
  if (scheme === 'sip' || scheme === 'sips') {
    const sip = parseSipRest(rest);
    target = sip ? `${scheme}:${sip}` : undefined;
  } else if (scheme === 'tel') {
    target = parseTelRest(rest);
  } else {
    target = parseCalltoRest(rest);
  }
  if (!target) return fail(`not a valid ${scheme}: address`);
  if (DANGEROUS.test(target) || checkText(target, 'the address')) return fail('the link contains characters no phone address has');
  if (target.length > MAX_TARGET_LENGTH) return fail(`the address is too long (at most ${MAX_TARGET_LENGTH} characters)`);
  return { ok: true, link: { scheme: scheme as LinkScheme, target } };
}

/**
 * The first phone link among command-line arguments (process.argv, or the
 * argv a second instance passes on). Switches ('--hidden', Chromium's own
 * '--allow-file-access…') and the program path are skipped; so is anything
 * that is not a valid phone link. At most `maxArgs` arguments are looked at.
 */
export function findLinkInArgv(argv: readonly unknown[], maxArgs = 64): ParsedLink | undefined {
  for (const arg of argv.slice(0, maxArgs)) {
    if (typeof arg !== 'string' || arg.startsWith('-')) continue;
    if (!/^["']?(sips?|tel|callto):/i.test(arg)) continue;
    const r = parseLink(arg);
    if (r.ok) return r.link;
  }
  return undefined;
}
