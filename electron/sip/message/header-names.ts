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

const displayByKey = new Map<string, string>();
/** Exact spellings seen on the wire mapped to their key, so the common case skips toLowerCase. */
const keyBySpelling = new Map<string, string>();

for (const name of CANONICAL) {
  const key = name.toLowerCase();
  displayByKey.set(key, name);
  keyBySpelling.set(name, key);
  keyBySpelling.set(key, key);
  keyBySpelling.set(name.toUpperCase(), key);
}
for (const [c, key] of Object.entries(COMPACT)) {
  keyBySpelling.set(c, key);
  keyBySpelling.set(c.toUpperCase(), key);
}

/**
 * Spellings bucketed by (first letter, length), so the parser maps a name it
 * just sliced off the wire with a couple of string comparisons instead of
 * hashing it (measured: hashing fresh strings dominated header parsing).
 */
const buckets: ([string, string][] | undefined)[] = [];
function bucketOf(name: string): number {
  return ((name.charCodeAt(0) | 0x20) & 0x7f) * 32 + (name.length & 31);
}
for (const [spelling, key] of keyBySpelling) {
  if (spelling.length >= 32) continue;
  (buckets[bucketOf(spelling)] ??= []).push([spelling, key]);
}

/** Key of a header name as written on the wire when it is a known spelling; undefined otherwise. */
export function knownKey(name: string): string | undefined {
  if (name.length >= 32) return undefined;
  const b = buckets[bucketOf(name)];
  if (b === undefined) return undefined;
  for (let i = 0; i < b.length; i++) {
    const e = b[i] as [string, string];
    if (e[0] === name) return e[1];
  }
  return undefined;
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

/** Whether values of this header (by key) are comma-separated lists that may be split. */
export function isListHeader(key: string): boolean {
  return LIST_HEADERS.has(key);
}
