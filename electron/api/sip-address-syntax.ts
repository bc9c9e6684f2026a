/**
 * The syntax of the SIP and SIPS URIs the phone keeps as plain strings
 * (account addresses, registrar and proxy, contact addresses): a small,
 * strict reader, and the field checks built on it. It lives beside the API
 * contract, with no Node or DOM imports, so that the engine's validation and
 * the renderer's forms apply the very same rules (a form says what the
 * engine would refuse, on the field, before anything is sent). The SIP
 * stack has its own full parser for the wire; this one only has to accept
 * what a person would store: `sip:user@host[:port][;params][?headers]`.
 *
 * Character classes are RFC 3261 §25.1 (user, paramchar, hname/hvalue);
 * comparison follows §19.1.4 where it matters to us: user parts compare
 * exactly after %-decoding, hosts without regard to case.
 */

const IPV4_PART = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_PART}(?:\\.${IPV4_PART}){3}$`);
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** Dotted-quad IPv4 without leading zeros (as Node's net.isIPv4). */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** An IPv6 literal (RFC 4291 §2.2 text forms, an embedded IPv4 tail, an optional %zone), as Node's net.isIPv6. */
export function isIPv6(text: string): boolean {
  const zone = text.indexOf('%');
  let addr = zone < 0 ? text : text.slice(0, zone);
  if (zone >= 0 && !/^[A-Za-z0-9_.~-]+$/.test(text.slice(zone + 1))) return false;
  const groups = 8;
  const lastColon = addr.lastIndexOf(':');
  if (lastColon >= 0 && addr.slice(lastColon + 1).includes('.')) {
    if (!isIPv4(addr.slice(lastColon + 1))) return false;
    addr = `${addr.slice(0, lastColon + 1)}0:0`;
  }
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  const parts = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parts(halves[0]!);
  const tail = halves.length === 2 ? parts(halves[1]!) : [];
  if (![...head, ...tail].every((g) => HEX_GROUP.test(g))) return false;
  const count = head.length + tail.length;
  return halves.length === 2 ? count <= groups - 1 : count === groups;
}


export interface SipAddress {
  scheme: 'sip' | 'sips';
  /** The user part as written (still %-escaped), or null for `sip:host`. */
  user: string | null;
  /** As written; IPv6 keeps its brackets. */
  host: string;
  port: number | null;
  /** Raw URI parameters including the leading ';', or ''. */
  params: string;
  /** Raw headers including the leading '?', or ''. */
  headers: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

// unreserved / escaped / user-unreserved (RFC 3261 §25.1)
const USER_CHAR = /[A-Za-z0-9\-_.!~*'()&=+$,;?/]/;
const PARAM_CHAR = /[A-Za-z0-9\-_.!~*'()[\]/:&+$]/;
const HEADER_CHAR = /[A-Za-z0-9\-_.!~*'()[\]/?:+$]/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export const MAX_ADDRESS_LENGTH = 256;

/** Finds the first character not allowed by `allowed` (percent-escapes checked). */
function badChar(text: string, allowed: RegExp): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '%') {
      if (!/^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) return '%';
      i += 2;
    } else if (!allowed.test(c)) {
      return c;
    }
  }
  return undefined;
}

function describeChar(c: string): string {
  if (c === ' ') return 'a space';
  if (c === '%') return 'a "%" that is not a %XX escape';
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code === 0x7f) return `a control character (U+${code.toString(16).padStart(4, '0').toUpperCase()})`;
  return `"${c}"`;
}

/** Validates a host: a DNS name (RFC 3261 hostname), IPv4, or [IPv6]. */
export function checkHost(host: string): string | undefined {
  if (host === '') return 'the address has no host';
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || !isIPv6(host.slice(1, -1))) return `"${host}" is not a valid IPv6 reference`;
    return undefined;
  }
  if (isIPv4(host)) return undefined;
  if (host.length > 253) return 'the host name is too long';
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) {
      const bad = [...label].find((c) => !/[A-Za-z0-9-]/.test(c));
      return bad ? `the host contains ${describeChar(bad)}` : `"${host}" is not a valid host name`;
    }
  }
  // RFC 3261 toplabel starts with a letter; all-digit dotted names must be IPv4.
  if (!/^[A-Za-z]/.test(labels[labels.length - 1]!)) return `"${host}" is not a valid host name or IPv4 address`;
  return undefined;
}

/** Splits and validates `host[:port]`. */
export function parseHostPort(text: string): Parsed<{ host: string; port: number | null }> {
  let host = text;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, reason: `"${text}" has an unclosed "["` };
    host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return { ok: false, reason: `unexpected "${rest}" after the host` };
      portText = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  const hostError = checkHost(host);
  if (hostError) return { ok: false, reason: hostError };
  let port: number | null = null;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return { ok: false, reason: `"${portText}" is not a port number (1-65535)` };
  }
  return { ok: true, value: { host, port } };
}

export function parseSipAddress(input: string): Parsed<SipAddress> {
  if (input.length > MAX_ADDRESS_LENGTH) return { ok: false, reason: `the address is too long (over ${MAX_ADDRESS_LENGTH} characters)` };
  const m = /^(sips?):/i.exec(input);
  if (!m) return { ok: false, reason: 'the address does not start with sip: or sips:' };
  const scheme = m[1]!.toLowerCase() as 'sip' | 'sips';
  const rest = input.slice(m[0].length);
  if (rest === '') return { ok: false, reason: 'the address has no host' };

  let user: string | null = null;
  let hostPart = rest;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    if (userinfo === '') return { ok: false, reason: 'the user part before "@" is empty' };
    if (hostPart.includes('@')) return { ok: false, reason: 'the address has more than one "@"' };
    // RFC 3261 §19.1.1: passwords in URIs are NOT RECOMMENDED; we refuse to store one.
    if (userinfo.includes(':')) return { ok: false, reason: 'a password in the address is not allowed' };
    const bad = badChar(userinfo, USER_CHAR);
    if (bad) return { ok: false, reason: `the user part contains ${describeChar(bad)}` };
    user = userinfo;
  }

  let headers = '';
  const q = hostPart.indexOf('?');
  if (q >= 0) {
    headers = hostPart.slice(q);
    hostPart = hostPart.slice(0, q);
    for (const h of headers.slice(1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) return { ok: false, reason: `the header "${h}" is not name=value` };
      const bad = badChar(h.slice(0, eq), HEADER_CHAR) ?? badChar(h.slice(eq + 1), HEADER_CHAR);
      if (bad) return { ok: false, reason: `a header contains ${describeChar(bad)}` };
    }
  }

  let params = '';
  const semi = hostPart.indexOf(';');
  if (semi >= 0) {
    params = hostPart.slice(semi);
    hostPart = hostPart.slice(0, semi);
    for (const p of params.slice(1).split(';')) {
      const eq = p.indexOf('=');
      const name = eq < 0 ? p : p.slice(0, eq);
      if (name === '') return { ok: false, reason: 'the address has an empty parameter' };
      const bad = badChar(name, PARAM_CHAR) ?? (eq < 0 ? undefined : p.length === eq + 1 ? '=' : badChar(p.slice(eq + 1), PARAM_CHAR));
      if (bad === '=') return { ok: false, reason: `the parameter "${name}" has an empty value` };
      if (bad) return { ok: false, reason: `a parameter contains ${describeChar(bad)}` };
    }
  }

  const hp = parseHostPort(hostPart);
  if (!hp.ok) return hp;
  return { ok: true, value: { scheme, user, host: hp.value.host, port: hp.value.port, params, headers } };
}

export function formatSipAddress(a: SipAddress): string {
  const user = a.user === null ? '' : `${a.user}@`;
  const port = a.port === null ? '' : `:${a.port}`;
  return `${a.scheme}:${user}${a.host}${port}${a.params}${a.headers}`;
}

/** %-decodes a user part for comparison; a malformed escape is kept as written. */
export function decodeUser(user: string): string {
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

/** The user part without telephone-subscriber parameters (`+1555;phone-context=x` → `+1555`). */
export function userBase(user: string): string {
  const decoded = decodeUser(user);
  const semi = decoded.indexOf(';');
  return semi < 0 ? decoded : decoded.slice(0, semi);
}

/** `host[:port]` of an address, as written; the domain a bare number or name is completed with. */
export function hostPortOf(a: SipAddress): string {
  return a.port === null ? a.host : `${a.host}:${a.port}`;
}

/** Case-insensitive host comparison key (a trailing root dot is ignored). */
export function hostKey(host: string): string {
  const h = host.toLowerCase();
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * Same address-of-record: user equal after %-decoding, host equal ignoring
 * case, same port. Parameters and headers are ignored, and so is sip vs sips:
 * both name the same subscriber for our purposes (choosing an identity,
 * recognising a caller), even though RFC 3261 §19.1.4 keeps them apart as URIs.
 */
export function sameAddress(a: SipAddress, b: SipAddress): boolean {
  return (
    (a.user === null ? b.user === null : b.user !== null && decodeUser(a.user) === decodeUser(b.user)) &&
    hostKey(a.host) === hostKey(b.host) &&
    a.port === b.port
  );
}

/** `sameAddress` on strings; false when either does not parse. */
export function sameAddressText(a: string, b: string): boolean {
  const pa = parseSipAddress(a);
  const pb = parseSipAddress(b);
  return pa.ok && pb.ok && sameAddress(pa.value, pb.value);
}

/**
 * Why `text` is not a storable SIP address, or undefined when it is: the rule
 * the engine applies to account addresses and aliases (`needUser`), registrar
 * and outbound proxy, and contact addresses. No ?headers: a stored address
 * must not add headers to our requests (RFC 3261 §19.1.1 lets a URI carry them).
 */
export function sipAddressProblem(text: string, needUser: boolean): string | undefined {
  const t = text.trim();
  if (t === '') return 'is empty';
  const parsed = parseSipAddress(t);
  if (!parsed.ok) return parsed.reason;
  if (needUser && parsed.value.user === null) return 'needs a user part (user@host)';
  if (parsed.value.headers !== '') return 'must not carry ?headers';
  return undefined;
}

/** A telephone number as a person writes it: digits, an optional leading +, spaces - . ( ) * #. */
export const PHONE_NUMBER_TEXT = /^\+?[0-9\s\-.()*#]+$/;

export function phoneNumberProblem(text: string): string | undefined {
  const n = text.trim();
  if (n === '') return 'is empty';
  if (!PHONE_NUMBER_TEXT.test(n) || n.indexOf('+', 1) >= 0 || !/[0-9]/.test(n)) return 'is not a telephone number (digits, an optional leading +, spaces - . ( ) * #)';
  return undefined;
}
