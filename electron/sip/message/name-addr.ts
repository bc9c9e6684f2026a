import { TOKEN, skipWs, trimEndIndex } from './chars.ts';
import { formatHeaderParams, parseHeaderParams, quote, scanQuoted, unquote } from './header-params.ts';
import { SipParseError } from './sip-parse-error.ts';
import { formatUri, parseUri, type SipUri } from './uri.ts';

/**
 * name-addr / addr-spec values of From, To, Contact, Route, Record-Route,
 * Refer-To... (RFC 3261 §20.10, §25.1). In the addr-spec form (no angle
 * brackets) every ';' parameter belongs to the header, not to the URI, and the
 * URI may not carry ',', '?' or ';' of its own (§20.10), so we cut at the
 * first ';'. The display name is returned unquoted and unescaped.
 */
export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  params: Map<string, string | null>;
}

function isDisplayTokens(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) continue;
    if (c >= 0x80 || TOKEN[c] === 0) return false;
  }
  return true;
}

function uriOf(text: string, what: string): SipUri {
  if (text.length === 0) throw new SipParseError(400, `malformed ${what} (empty URI)`);
  try {
    return parseUri(text);
  } catch (e) {
    if (e instanceof SipParseError) {
      // An unknown scheme is well-formed but not ours: 416 (RFC 3261 §8.2.2.1; RFC 4475 unksm2).
      if (e.status === 416) throw new SipParseError(416, `unsupported URI scheme in ${what}`);
      throw new SipParseError(400, `malformed ${what} (malformed URI)`);
    }
    throw e;
  }
}

/** Parses one name-addr or addr-spec; `what` names the header in errors ("From", "Contact"...). */
export function parseNameAddr(value: string, what = 'name-addr'): NameAddr {
  const s = value;
  const end = trimEndIndex(s, 0, s.length);
  let i = skipWs(s, 0, end);
  let displayName: string | undefined;
  let lt: number;
  if (i < end && s.charCodeAt(i) === 0x22) {
    const close = scanQuoted(s, i, end);
    if (close < 0) throw new SipParseError(400, `malformed ${what} (unterminated quoted string)`);
    displayName = unquote(s.slice(i + 1, close - 1));
    lt = skipWs(s, close, end);
    if (lt >= end || s.charCodeAt(lt) !== 0x3c) throw new SipParseError(400, `malformed ${what} (missing <URI>)`);
  } else {
    lt = s.indexOf('<', i);
    if (lt >= 0 && !isDisplayTokens(s, i, lt)) {
      // A '<' after something that is not a display name: a URI with '<' in a
      // parameter is addr-spec; anything else is a broken display name (RFC 4475 baddn).
      const colon = s.indexOf(':', i);
      if (colon < 0 || colon > lt) throw new SipParseError(400, `malformed ${what} (bad display name)`);
      lt = -1;
    }
    if (lt < 0) {
      // addr-spec
      const semi = s.indexOf(';', i);
      const uriEnd = semi < 0 ? end : trimEndIndex(s, i, semi);
      const text = s.slice(i, uriEnd);
      for (let k = 0; k < text.length; k++) {
        const c = text.charCodeAt(k);
        if (c === 0x20 || c === 0x09 || c === 0x2c || c === 0x3f) {
          // RFC 3261 §20.10: such a URI must be in name-addr form (RFC 4475 regbadct).
          throw new SipParseError(400, `malformed ${what} (URI with '${text[k]}' must be enclosed in <>)`);
        }
      }
      const params = new Map<string, string | null>();
      const na: NameAddr = { uri: uriOf(text, what), params };
      if (semi >= 0) parseHeaderParams(s, semi, end, params, what);
      return na;
    }
    const dEnd = trimEndIndex(s, i, lt);
    if (dEnd > i) displayName = s.slice(i, dEnd);
  }
  const gt = s.indexOf('>', lt + 1);
  if (gt < 0) throw new SipParseError(400, `malformed ${what} (missing '>')`);
  // RFC 4475 badaspec: LWS inside <> is not allowed, but being liberal here harms nothing.
  const uStart = skipWs(s, lt + 1, gt);
  const uri = uriOf(s.slice(uStart, trimEndIndex(s, uStart, gt)), what);
  const params = new Map<string, string | null>();
  parseHeaderParams(s, gt + 1, end, params, what);
  const na: NameAddr = { uri, params };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName ? quote(na.displayName) + ' ' : '';
  return `${dn}<${formatUri(na.uri)}>${formatHeaderParams(na.params)}`;
}
