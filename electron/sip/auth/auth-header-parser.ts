/**
 * A small parser for the values of WWW-Authenticate / Proxy-Authenticate
 * (challenges) and Authorization / Proxy-Authorization (credentials):
 *   challenge = auth-scheme LWS auth-param *(COMMA auth-param)        RFC 3261 §25.1
 *   auth-param = token EQUAL ( token / quoted-string )
 * HTTP (RFC 7235 §4.1) also allows several challenges in one field value and a
 * token68 instead of parameters (Basic, Bearer); both are accepted so that a
 * server mixing schemes in one field cannot hide its Digest challenge from us.
 * Kept here (not in message/) so the auth layer stands on its own.
 */

export interface AuthValue {
  /** As written (compare case-insensitively: RFC 7235 §2.1). */
  scheme: string;
  /** Keys lower-cased, values unquoted and unescaped. The first occurrence of a name wins. */
  params: Map<string, string>;
  /** The token68 form (e.g. Basic's base64 blob), when used instead of parameters. */
  token68?: string;
}

export class AuthParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthParseError';
  }
}

const tokenChar = /[A-Za-z0-9!#$%&'*+\-.^_`|~]/;
// token68 also allows '/' and trailing '=' (RFC 7235 §2.1).
const token68Char = /[A-Za-z0-9\-._~+/]/;

class Cursor {
  pos = 0;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  skipSpace(): void {
    while (!this.done && /[ \t\r\n]/.test(this.peek())) this.pos++;
  }
  /** Reads a token; '/' and ':' are tolerated because some servers leave nonces and opaques unquoted. */
  token(lenient = false): string {
    const start = this.pos;
    while (!this.done && (tokenChar.test(this.peek()) || (lenient && /[/:=@?[\]]/.test(this.peek())))) this.pos++;
    return this.text.slice(start, this.pos);
  }
  quoted(): string {
    // quoted-string with quoted-pair (RFC 3261 §25.1).
    this.pos++;
    let out = '';
    while (!this.done) {
      const c = this.text[this.pos++];
      if (c === '"') return out;
      if (c === '\\' && !this.done) out += this.text[this.pos++];
      else out += c;
    }
    throw new AuthParseError('unterminated quoted-string');
  }
}

/** Parses one credentials value (Authorization / Proxy-Authorization). */
export function parseCredentials(value: string): AuthValue {
  const list = parseAuthValues(value);
  if (list.length !== 1) throw new AuthParseError(`expected one credentials value, found ${list.length}`);
  return list[0]!;
}

/** Parses a challenge field value, which may hold several challenges (RFC 7235 §4.1). */
export function parseChallenges(value: string): AuthValue[] {
  return parseAuthValues(value);
}

function parseAuthValues(value: string): AuthValue[] {
  const c = new Cursor(value);
  const out: AuthValue[] = [];
  c.skipSpace();
  while (!c.done) {
    if (c.peek() === ',') {
      c.pos++;
      c.skipSpace();
      continue;
    }
    const scheme = c.token();
    if (!scheme) throw new AuthParseError(`expected an auth-scheme at offset ${c.pos}`);
    const current: AuthValue = { scheme, params: new Map() };
    out.push(current);
    c.skipSpace();
    if (c.peek() === ',') continue;
    const t68 = tryToken68(c);
    if (t68 !== undefined) {
      current.token68 = t68;
      continue;
    }
    // auth-params until the end or until a token not followed by '=' (the next challenge's scheme).
    while (!c.done) {
      const mark = c.pos;
      const name = c.token();
      if (!name) throw new AuthParseError(`expected an auth-param at offset ${c.pos}`);
      c.skipSpace();
      if (c.peek() !== '=') {
        c.pos = mark;
        break;
      }
      c.pos++;
      c.skipSpace();
      const v = c.peek() === '"' ? c.quoted() : c.token(true);
      const key = name.toLowerCase();
      if (!current.params.has(key)) current.params.set(key, v);
      c.skipSpace();
      if (c.done) break;
      if (c.peek() !== ',') throw new AuthParseError(`expected ',' at offset ${c.pos}`);
      c.pos++;
      c.skipSpace();
      while (c.peek() === ',') {
        c.pos++;
        c.skipSpace();
      }
    }
  }
  return out;
}

/** A token68 is a blob followed by end-of-value or a comma; "name=value" pairs are not token68. */
function tryToken68(c: Cursor): string | undefined {
  const start = c.pos;
  while (!c.done && token68Char.test(c.peek())) c.pos++;
  if (c.pos === start) return undefined;
  let end = c.pos;
  while (c.peek() === '=') c.pos++;
  const padded = c.pos > end;
  end = c.pos;
  c.skipSpace();
  if (c.done || c.peek() === ',') {
    // "realm=x" would have stopped at '=' and continued with a value, so reaching here
    // with padding or a bare blob means token68.
    const blob = c.text.slice(start, end);
    if (padded || !blob.includes('=')) {
      if (!c.done) c.pos++;
      c.skipSpace();
      return blob;
    }
  }
  c.pos = start;
  return undefined;
}

/** Quotes a value as a quoted-string, escaping '"' and '\' (RFC 3261 §25.1). */
export function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** Formats `scheme name=value, ...`; `quoted` names are written as quoted-strings, the rest as tokens. */
export function formatAuthValue(scheme: string, params: ReadonlyArray<[string, string]>, quoted: ReadonlySet<string>): string {
  return `${scheme} ${params.map(([k, v]) => `${k}=${quoted.has(k) ? quote(v) : v}`).join(', ')}`;
}
