/**
 * Header names: case-insensitive (RFC 3261 §7.3.1), compact forms equal to the
 * long forms (§7.3.3 and the registry), canonical spellings for writing, and
 * which headers are comma-separated lists (§7.3.1: only those whose grammar is
 * a comma list may be split; WWW-Authenticate, Authorization,
 * Proxy-Authenticate, Proxy-Authorization and Date contain commas of their
 * own, and an unknown header's grammar is unknown, so they are never split).
 */
const CANONICAL = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority', 'Alert-Info',
  'Allow', 'Allow-Events', 'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact',
  'Content-Disposition', 'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq',
  'Date', 'Error-Info', 'Event', 'Expires', 'Flow-Timer', 'From', 'History-Info', 'Identity', 'In-Reply-To',
  'Max-Breadth', 'Max-Forwards', 'MIME-Version', 'Min-Expires', 'Min-SE', 'Organization',
  'P-Asserted-Identity', 'P-Associated-URI', 'P-Preferred-Identity', 'Path', 'Priority', 'Privacy',
  'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route',
  'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact', 'Replaces', 'Reply-To', 'Request-Disposition',
  'Require', 'Resource-Priority', 'Retry-After', 'Route', 'RSeq', 'Security-Client', 'Security-Server',
  'Security-Verify', 'Server', 'Service-Route', 'Session-Expires', 'SIP-ETag', 'SIP-If-Match', 'Subject',
  'Subscription-State', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
  'WWW-Authenticate',
];

/** RFC 3261 §7.3.3 and later registrations. */
const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type', f: 'from',
  s: 'subject', k: 'supported', t: 'to', v: 'via', o: 'event', u: 'allow-events', r: 'refer-to',
  b: 'referred-by', x: 'session-expires', y: 'identity', d: 'request-disposition', a: 'accept-contact',
  j: 'reject-contact',
};

const LIST_HEADERS = new Set([
  'accept', 'accept-contact', 'accept-encoding', 'accept-language', 'accept-resource-priority', 'alert-info',
  'allow', 'allow-events', 'call-info', 'contact', 'content-encoding', 'content-language', 'error-info',
  'history-info', 'in-reply-to', 'p-asserted-identity', 'p-associated-uri', 'p-preferred-identity', 'path',
  'privacy', 'proxy-require', 'reason', 'record-route', 'reject-contact', 'request-disposition', 'require',
  'resource-priority', 'route', 'security-client', 'security-server', 'security-verify', 'service-route',
  'supported', 'unsupported', 'via', 'warning',
]);

/**
 * The same string, internalized (V8 interns property names): keys built with
 * toLowerCase at load time then compare with the literals in the parser by
 * pointer instead of by content.
 */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0] as string;
}

const displayByKey = new Map<string, string>();

for (const name of CANONICAL) {
  const key = intern(name.toLowerCase());
  displayByKey.set(key, name);
}

/**
 * Header names known to us, identified in place without slicing or hashing a
 * fresh string (measured: those dominated header parsing): by the parser
 * with a trie walked as it reads the name (NAME_TRIE), by the API
 * (nameInfo) bucketed by (first letter, length) and matched
 * case-insensitively with a char-code loop.
 */
export interface NameEntry {
  /** lower-case spelling matched against (long or compact form) */
  lower: string;
  key: string;
  /** which of the headers the parser checks this is (see ROLE), 0 for others */
  role: number;
}

/** The headers parseMessage checks on every message (1-7) or notes for the accessors (8), numbered for a quick dispatch. */
export const ROLE: Record<string, number> = { via: 1, from: 2, to: 3, 'call-id': 4, cseq: 5, 'content-length': 6, 'max-forwards': 7, contact: 8 };
/** Every known name; NAME_ACCEPT and knownNameAt give an index into it. */
export const nameEntries: NameEntry[] = [];
const nameBuckets: (number[] | undefined)[] = [];
function addName(spelling: string, key: string): void {
  const lower = intern(spelling.toLowerCase());
  key = intern(key);
  const idx = (lower.charCodeAt(0) & 0x1f) * 32 + (lower.length & 31);
  (nameBuckets[idx] ??= []).push(nameEntries.length);
  nameEntries.push({ lower, key, role: ROLE[key] ?? 0 });
}
for (const name of CANONICAL) addName(name, name.toLowerCase());
for (const [c, key] of Object.entries(COMPACT)) addName(c, key);

/**
 * The known names as a trie over the bytes of a header line, so the parser
 * recognises a name in the same loop that checks it is a token (measured: a
 * second pass comparing the name with the candidates of its bucket cost
 * about a sixth of parsing a message). NAME_COL maps a byte to its column:
 * letters (either case) 0-25, '-' 26, any other token character 27 (no
 * known name has one), NOT_TOKEN for a byte that ends the token. From state
 * st, column c leads to NAME_TRIE[(st << 5) | c]; state 0 is the start,
 * state 1 a dead end that stays there (an unknown name); NAME_ACCEPT[st] is
 * the nameEntries index of the name spelled so far, or -1.
 */
export const NOT_TOKEN = 31;
export const NAME_COL = (() => {
  const t = new Uint8Array(256).fill(NOT_TOKEN);
  for (const c of "-.!%*_+`'~0123456789") t[c.charCodeAt(0)] = 27;
  for (let c = 0; c < 26; c++) t[0x41 + c] = t[0x61 + c] = c;
  t[0x2d] = 26;
  return t;
})();
const DEAD = 1;
const trieRows: number[] = [];
const accepts: number[] = [];
function newState(): number {
  for (let c = 0; c < 32; c++) trieRows.push(DEAD);
  accepts.push(-1);
  return accepts.length - 1;
}
newState(); // 0: start
newState(); // 1: dead end
nameEntries.forEach((e, idx) => {
  let st = 0;
  for (let k = 0; k < e.lower.length; k++) {
    const at = (st << 5) | (NAME_COL[e.lower.charCodeAt(k)] as number);
    if (trieRows[at] === DEAD) trieRows[at] = newState();
    st = trieRows[at] as number;
  }
  accepts[st] = idx;
});
export const NAME_TRIE = Uint16Array.from(trieRows);
export const NAME_ACCEPT = Int16Array.from(accepts);

/** Letter case folded: A-Z to a-z, every other byte itself (a name with CR is not one with '-'). */
const FOLD = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return t;
})();
/** Every entry's lower-case spelling, back to back: entry i at lowerAt[i]. */
const LOWER = new Uint8Array(nameEntries.reduce((n, e) => n + e.lower.length, 0));
const lowerAt: number[] = [];
{
  let off = 0;
  for (const e of nameEntries) {
    lowerAt.push(off);
    for (let k = 0; k < e.lower.length; k++) LOWER[off++] = e.lower.charCodeAt(k);
  }
}

/** The known header name in s[start, end) in any letter case: its index in nameEntries, or -1. */
function knownNameAt(s: string, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len >= 32) return -1;
  const bucket = nameBuckets[(s.charCodeAt(start) & 0x1f) * 32 + len];
  if (bucket === undefined) return -1;
  for (let i = 0; i < bucket.length; i++) {
    const idx = bucket[i] as number;
    const off = (lowerAt[idx] as number) - start;
    let k = start;
    for (; k < end; k++) {
      const c = s.charCodeAt(k);
      if (c > 0xff || FOLD[c] !== LOWER[off + k]) break;
    }
    if (k === end) return idx;
  }
  return -1;
}

/**
 * What the API needs to know of a header name it is given: the comparison
 * key, the spelling to write and whether the values are comma lists. Found
 * once per spelling and kept (bounded), so HeaderList's get / set / prepend
 * pay one Map lookup for a name like 'Via' or 'Max-Forwards'.
 */
export interface NameInfo {
  readonly key: string;
  /** the spelling written for a field added through the API */
  readonly display: string;
  readonly list: boolean;
  /** whether display is all ASCII (a field written with it can be copied as latin1) */
  readonly asciiDisplay: boolean;
}

function isAscii(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) >= 0x80) return false;
  return true;
}

const infoBySpelling = new Map<string, NameInfo>();
const infoByKey = new Map<string, NameInfo>();

function infoOfKey(key: string, spelling: string): NameInfo {
  let info = infoByKey.get(key);
  if (info === undefined) {
    const display = displayByKey.get(key) ?? spelling;
    info = { key, display, list: LIST_HEADERS.has(key), asciiDisplay: isAscii(display) };
    // Known names only are kept by key: an unknown one's display is the spelling it came with.
    if (displayByKey.has(key)) infoByKey.set(key, info);
  }
  return info;
}

/** The NameInfo of a header name as given to the API (any letter case, compact or long form). */
export function nameInfo(name: string): NameInfo {
  const cached = infoBySpelling.get(name);
  if (cached !== undefined) return cached;
  const r = knownNameAt(name, 0, name.length);
  let info: NameInfo;
  if (r >= 0) info = infoOfKey((nameEntries[r] as NameEntry).key, name);
  else {
    const lower = name.toLowerCase();
    const key = lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
    const display = displayByKey.get(key) ?? name;
    info = { key, display, list: LIST_HEADERS.has(key), asciiDisplay: isAscii(display) };
  }
  // The spellings a program uses are few; a peer's are not (letter-case variants, unknown names): keep the first few hundred.
  if (infoBySpelling.size < 512) infoBySpelling.set(name, info);
  return info;
}

/** The comparison key of a header name: lower-case long form. */
export function headerKey(name: string): string {
  return nameInfo(name).key;
}

/** The spelling we write for a header we add: canonical when known, else as given. */
export function canonicalName(name: string): string {
  return displayByKey.get(headerKey(name)) ?? name;
}

/** The canonical spelling for a key, if the header is known. */
export function displayNameOfKey(key: string): string | undefined {
  return displayByKey.get(key);
}

/** Whether values of this header (by key) are comma-separated lists that may be split. */
export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}
