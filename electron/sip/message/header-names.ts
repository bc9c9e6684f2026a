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
 * Header names known to us, bucketed by (first letter, length) and matched
 * case-insensitively with a char-code loop, so the parser identifies a name
 * in place, without slicing or hashing a fresh string (measured: those
 * dominated header parsing).
 */
export interface NameEntry {
  /** lower-case spelling matched against (long or compact form) */
  lower: string;
  key: string;
  /** the usual spelling ("Via", "v", "Call-ID"): reused when the wire has exactly it */
  usual: string;
  /** which of the headers the parser checks this is (see ROLE), 0 for others */
  role: number;
}

/** The headers parseMessage checks on every message, numbered for a quick dispatch. */
export const ROLE: Record<string, number> = { via: 1, from: 2, to: 3, 'call-id': 4, cseq: 5, 'content-length': 6, 'max-forwards': 7 };
/** Every known name; knownNameAt returns an index into it. */
export const nameEntries: NameEntry[] = [];
const nameBuckets: (number[] | undefined)[] = [];
function addName(usual: string, key: string): void {
  const lower = intern(usual.toLowerCase());
  key = intern(key);
  const idx = (lower.charCodeAt(0) & 0x1f) * 32 + (lower.length & 31);
  (nameBuckets[idx] ??= []).push(nameEntries.length);
  nameEntries.push({ lower, key, usual, role: ROLE[key] ?? 0 });
}
for (const name of CANONICAL) addName(name, name.toLowerCase());
for (const [c, key] of Object.entries(COMPACT)) addName(c, key);

/**
 * The known header name at s[start, end) in any letter case: returns
 * 2 * (index in nameEntries) + (1 when spelled exactly as `usual`), or -1.
 */
export function knownNameAt(s: string, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len >= 32) return -1;
  const b = nameBuckets[(s.charCodeAt(start) & 0x1f) * 32 + len];
  if (b === undefined) return -1;
  for (let i = 0; i < b.length; i++) {
    const idx = b[i] as number;
    const e = nameEntries[idx] as NameEntry;
    const lower = e.lower;
    const usual = e.usual;
    let exact = 1;
    let k = 0;
    for (; k < len; k++) {
      const c = s.charCodeAt(start + k);
      if (c !== usual.charCodeAt(k)) {
        exact = 0;
        if ((c | 0x20) !== lower.charCodeAt(k)) break;
      }
    }
    if (k === len) return idx * 2 + exact;
  }
  return -1;
}

/** Key of a header name when it is a known one (any letter case); undefined otherwise. */
export function knownKey(name: string): string | undefined {
  const r = knownNameAt(name, 0, name.length);
  return r < 0 ? undefined : (nameEntries[r >> 1] as NameEntry).key;
}

/** The comparison key of a header name: lower-case long form. */
export function headerKey(name: string): string {
  const k = knownKey(name);
  if (k !== undefined) return k;
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
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
