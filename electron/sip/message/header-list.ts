import { displayNameOfKey, headerKey, isListHeader } from './header-names.ts';
import { firstElement, splitList } from './header-split.ts';

/**
 * One header field as it sits in the message: name as written, comparison
 * key, raw value. A field read off the wire also knows its bytes (the whole
 * line, continuation lines and CRLF included) so an edited message can be
 * written by copying the untouched lines; src is undefined for fields made
 * through the API.
 */
export interface HeaderField {
  readonly name: string;
  readonly key: string;
  readonly value: string;
  readonly src: Buffer | undefined;
  readonly rawStart: number;
  readonly rawEnd: number;
}

/**
 * A field as the parser found it: the value is cut out of the head string
 * only when someone reads it (a proxy forwarding a message reads few of its
 * headers; the parser's own checks read the head in place).
 */
export class WireField implements HeaderField {
  readonly name: string;
  readonly key: string;
  readonly src: Buffer | undefined;
  readonly rawStart: number;
  readonly rawEnd: number;
  /** the value is text[vs, ve) until read; then cached in v */
  readonly text: string;
  /** text's characters as bytes, index for index (what the scanners read; see codesOf) */
  readonly bytes: Uint8Array;
  readonly vs: number;
  readonly ve: number;
  v: string | undefined;

  constructor(
    name: string,
    key: string,
    text: string,
    bytes: Uint8Array,
    vs: number,
    ve: number,
    v: string | undefined,
    src: Buffer | undefined,
    rawStart: number,
    rawEnd: number,
  ) {
    this.name = name;
    this.key = key;
    this.text = text;
    this.bytes = bytes;
    this.vs = vs;
    this.ve = ve;
    this.v = v;
    this.src = src;
    this.rawStart = rawStart;
    this.rawEnd = rawEnd;
  }

  get value(): string {
    let v = this.v;
    if (v === undefined) v = this.v = this.text.slice(this.vs, this.ve);
    return v;
  }
}

function checkValue(name: string, value: string): void {
  if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
    throw new TypeError(`header ${name}: value must not contain CR or LF`);
  }
}

function field(name: string, value: string, key = headerKey(name)): HeaderField {
  checkValue(name, value);
  return { name: displayNameOfKey(key) ?? name, key, value, src: undefined, rawStart: -1, rawEnd: -1 };
}

/**
 * The ordered header fields of a message (RFC 3261 §7.3). Names compare
 * case-insensitively and compact forms equal long forms; values stay raw text
 * and typed views (parseVia, parseNameAddr...) are built on demand. Unknown
 * headers are kept verbatim and in order. `version` changes on every
 * mutation, which lets the serializer reuse the received bytes of a message
 * nobody modified.
 */
export class HeaderList {
  /** The fields in order. Read freely; change only through the methods. */
  fields: HeaderField[];
  /** Bumped on every mutation. */
  version = 0;

  constructor(init?: Iterable<readonly [string, string]>) {
    this.fields = [];
    if (init) for (const [n, v] of init) this.fields.push(field(n, v));
  }

  /** Wraps fields produced by the parser (already trimmed and keyed): no copying, no checks. */
  static fromFields(fields: HeaderField[]): HeaderList {
    const h = new HeaderList();
    h.fields = fields;
    return h;
  }

  /** The first field with this comparison key (see headerKey), if any. */
  firstField(key: string): HeaderField | undefined {
    const f = this.fields;
    for (let i = 0; i < f.length; i++) if ((f[i] as HeaderField).key === key) return f[i];
    return undefined;
  }

  get size(): number {
    return this.fields.length;
  }

  /** First value; for comma-list headers (Via, Contact, Route...) the first element. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const f = this.fields;
    for (let i = 0; i < f.length; i++) {
      const fld = f[i] as HeaderField;
      if (fld.key === key) {
        if (!isListHeader(key)) return fld.value;
        const first = firstElement(fld.value);
        if (first !== undefined) return first;
      }
    }
    return undefined;
  }

  /** Every value in order, comma lists split (never for auth headers, Date or unknown headers). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const list = isListHeader(key);
    const out: string[] = [];
    for (const fld of this.fields) {
      if (fld.key !== key) continue;
      if (!list) out.push(fld.value);
      else if (fld.value.indexOf(',') < 0) {
        if (fld.value) out.push(fld.value);
      } else out.push(...splitList(fld.value));
    }
    return out;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    for (const fld of this.fields) if (fld.key === key) return true;
    return false;
  }

  /** Replaces every field of that name by the given value(s), at the position of the first (else at the end). */
  set(name: string, value: string | string[]): void {
    const key = headerKey(name);
    if (typeof value === 'string' && this.#setOne(key, field(name, value, key))) return;
    const added: HeaderField[] = [];
    if (typeof value === 'string') added.push(field(name, value, key));
    else for (const v of value) added.push(field(name, v, key));
    const f = this.fields;
    const out: HeaderField[] = [];
    let placed = false;
    for (let i = 0; i < f.length; i++) {
      const fld = f[i] as HeaderField;
      if (fld.key !== key) out.push(fld);
      else if (!placed) {
        for (const a of added) out.push(a);
        placed = true;
      }
    }
    if (!placed) for (const a of added) out.push(a);
    this.fields = out;
    this.version++;
  }

  /** set() of one value over exactly one field of that key, in place (a proxy's Max-Forwards): false when not that case. */
  #setOne(key: string, added: HeaderField): boolean {
    const f = this.fields;
    let at = -1;
    for (let i = 0; i < f.length; i++) {
      if ((f[i] as HeaderField).key !== key) continue;
      if (at >= 0) return false;
      at = i;
    }
    if (at < 0) return false;
    f[at] = added;
    this.version++;
    return true;
  }

  /** Adds a field at the end. */
  append(name: string, value: string): void {
    this.fields.push(field(name, value));
    this.version++;
  }

  /** Adds a field before the first field of that name (a new top Via or Record-Route), else at the top. */
  prepend(name: string, value: string): void {
    const f = field(name, value);
    const fields = this.fields;
    let idx = 0;
    while (idx < fields.length && (fields[idx] as HeaderField).key !== f.key) idx++;
    if (idx === fields.length) idx = 0;
    fields.splice(idx, 0, f);
    this.version++;
  }

  /** Removes every field of that name. */
  remove(name: string): void {
    const key = headerKey(name);
    const before = this.fields.length;
    this.fields = this.fields.filter((x) => x.key !== key);
    if (this.fields.length !== before) this.version++;
  }

  /** [name as written (or canonical when added through this API), raw field value], in order. */
  *entries(): IterableIterator<[string, string]> {
    for (const fld of this.fields) yield [fld.name, fld.value];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  clone(): HeaderList {
    return HeaderList.fromFields(this.fields.slice());
  }
}
