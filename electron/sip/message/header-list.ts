import { Buffer } from 'node:buffer';
import { scratchCodesOf } from './chars.ts';
import { nameInfo, type NameInfo } from './header-names.ts';
import { firstElement, splitList } from './header-split.ts';

/**
 * One header field: name as written, comparison key, raw value. A field read
 * off the wire also knows its bytes (the whole line, continuation lines and
 * CRLF included) so an edited message is written by copying the untouched
 * lines; src is undefined for fields made through the API.
 */
export interface HeaderField {
  readonly name: string;
  readonly key: string;
  readonly value: string;
  readonly src: Buffer | undefined;
  readonly rawStart: number;
  readonly rawEnd: number;
}

/** A field as this module makes them: with room for the typed value built from it (see typedFirst). */
interface OwnField extends HeaderField {
  typed: unknown;
}

/**
 * The received head the wire fields of one message read: text is the head
 * decoded and bytes mirrors it for the scanners (see codesOf). When src is
 * set, text is src's latin1 decoding, so a text index is a byte offset of src.
 */
export class WireHead {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly src: Buffer | undefined;
  /** where the blank line ending the header lines starts (set by the parser once it is found) */
  end = -1;

  constructor(text: string, bytes: Uint8Array, src: Buffer | undefined) {
    this.text = text;
    this.bytes = bytes;
    this.src = src;
  }
}

/**
 * @internal The fields of the headers every layer reads, as the parser met
 * them (the first Via and Contact, the only From, To, Call-ID, CSeq and
 * Max-Forwards, how many Contact fields): the accessors find them without
 * a search while the list is unchanged.
 */
export interface KnownFields {
  readonly via: WireField | undefined;
  readonly from: WireField | undefined;
  readonly to: WireField | undefined;
  readonly callId: WireField | undefined;
  readonly cseq: WireField | undefined;
  readonly maxFwd: WireField | undefined;
  readonly contact: WireField | undefined;
  readonly contacts: number;
}

/**
 * One change to a received head, in its bytes: src[at, end) is replaced by
 * the line of `field` (undefined: removed); at === end inserts it there.
 */
export class WireEdit {
  at: number;
  end: number;
  field: MadeField | undefined;

  constructor(at: number, end: number, field: MadeField | undefined) {
    this.at = at;
    this.end = end;
    this.field = field;
  }
}

/**
 * A field as the parser found it: positions in the head, nothing sliced.
 * The name and value are cut out of the head string only when someone reads
 * them (a proxy forwarding a message reads few of its headers); a folded
 * value (continuation lines) is kept joined in v, with vs = -1.
 */
export class WireField implements OwnField {
  readonly key: string;
  readonly head: WireHead;
  /** the line: text[start, end), end past its LF; the name ends at nameEnd, the value is text[vs, ve) */
  readonly start: number;
  readonly nameEnd: number;
  readonly vs: number;
  readonly ve: number;
  readonly end: number;
  v: string | undefined;
  typed: unknown = undefined;

  constructor(key: string, head: WireHead, start: number, nameEnd: number, vs: number, ve: number, end: number, v: string | undefined) {
    this.key = key;
    this.head = head;
    this.start = start;
    this.nameEnd = nameEnd;
    this.vs = vs;
    this.ve = ve;
    this.end = end;
    this.v = v;
  }

  get name(): string {
    return this.head.text.slice(this.start, this.nameEnd);
  }

  get value(): string {
    let v = this.v;
    if (v === undefined) v = this.v = this.head.text.slice(this.vs, this.ve);
    return v;
  }

  get src(): Buffer | undefined {
    return this.head.src;
  }

  get rawStart(): number {
    return this.head.src === undefined ? -1 : this.start;
  }

  get rawEnd(): number {
    return this.head.src === undefined ? -1 : this.end;
  }
}

/**
 * A field made through the API (or copied from one): `name: value` written
 * on serialization. `ascii` says the line is all ASCII, so its length on
 * the wire is name.length + value.length + 4 (found with the CR/LF check).
 */
export class MadeField implements OwnField {
  readonly name: string;
  readonly key: string;
  readonly value: string;
  readonly ascii: boolean;
  typed: unknown = undefined;
  /**
   * The received field this one took the place of (set() of one value over
   * one field, a proxy's Max-Forwards): when both lines have the same length
   * the serializer copies the received bytes around it as one run and writes
   * this line over the old one.
   */
  replaces: WireField | undefined = undefined;

  constructor(name: string, key: string, value: string, ascii: boolean) {
    this.name = name;
    this.key = key;
    this.value = value;
    this.ascii = ascii;
  }

  get src(): undefined {
    return undefined;
  }

  get rawStart(): number {
    return -1;
  }

  get rawEnd(): number {
    return -1;
  }
}

/** The same field without the typed value built from it (each list builds its own). */
export function freshField(f: HeaderField): HeaderField {
  if (f instanceof WireField) return new WireField(f.key, f.head, f.start, f.nameEnd, f.vs, f.ve, f.end, f.v);
  if (f instanceof MadeField) return new MadeField(f.name, f.key, f.value, f.ascii);
  return f;
}

/** Whether s is all ASCII; throws when it holds CR or LF (a header value cannot). */
function checkValue(name: string, value: string): boolean {
  // A longer value (a new Via, a Record-Route): two string searches and the
  // encoder's length measured cheaper than a loop over its characters.
  if (value.length > 24 && value.indexOf('\r') < 0 && value.indexOf('\n') < 0) return Buffer.byteLength(value, 'utf8') === value.length;
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20) {
      if (c === 0x0a || c === 0x0d) throw new TypeError(`header ${name}: value must not contain CR or LF`);
    } else if (c >= 0x80) ascii = false;
  }
  return ascii;
}

function field(name: string, value: string, info: NameInfo = nameInfo(name)): MadeField {
  const ascii = checkValue(name, value);
  const display = info.display;
  return new MadeField(display, info.key, value, ascii && info.asciiDisplay);
}

/** Builds a typed value from a header value in s[start, end), reading its bytes b (see codesOf). */
export type TypedBuilder<T> = (b: Uint8Array, s: string, start: number, end: number) => T;

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
  /**
   * @internal The received head these fields are the lines of, in order and
   * back to back, while every change made since is one the serializer can
   * apply to its bytes (a line inserted before a received one or at the end,
   * a received line replaced or removed: `edits`, in byte order); undefined
   * once any other change is made (the serializer then writes field by
   * field). A proxy's Via, Max-Forwards, Route and Record-Route changes are
   * such edits.
   */
  wire: WireHead | undefined = undefined;
  /** @internal see wire */
  edits: WireEdit[] | undefined = undefined;
  /** @internal what the parser noted (see KnownFields); undefined once the list changes */
  known: KnownFields | undefined = undefined;

  constructor(init?: Iterable<readonly [string, string]>, fields?: HeaderField[]) {
    this.fields = fields ?? [];
    if (init) for (const [n, v] of init) this.fields.push(field(n, v));
  }

  /** Wraps fields produced by the parser or taken from another list: no copying, no checks. */
  static fromFields(fields: HeaderField[]): HeaderList {
    return new HeaderList(undefined, fields);
  }

  /**
   * @internal The fields the parser read from `head`, every line of it in
   * order (see wire).
   */
  static fromWire(fields: HeaderField[], head: WireHead, known: KnownFields): HeaderList {
    const h = new HeaderList(undefined, fields);
    if (head.src !== undefined) h.wire = head;
    h.known = known;
    return h;
  }

  /** Records a change in the received bytes (see wire), keeping the edits in byte order; an insertion at the end goes after earlier ones. */
  #edit(at: number, end: number, f: MadeField | undefined): void {
    const e = new WireEdit(at, end, f);
    const edits = this.edits;
    if (edits === undefined) {
      this.edits = [e];
      return;
    }
    // Moved by hand: cheaper than splice for a few edits.
    let i = edits.length;
    edits.push(e);
    while (i > 0 && (edits[i - 1] as WireEdit).at > at) {
      edits[i] = edits[i - 1] as WireEdit;
      i--;
    }
    edits[i] = e;
  }

  /** Whether f is one of the received lines of this list's wire head. */
  #isWireLine(f: HeaderField | undefined): f is WireField {
    return f instanceof WireField && f.head === this.wire;
  }

  /** The edit that put the made field f in place, if any. */
  #editOf(f: HeaderField): number {
    const edits = this.edits;
    if (edits !== undefined) for (let i = 0; i < edits.length; i++) if ((edits[i] as WireEdit).field === f) return i;
    return -1;
  }

  /** The first field with this comparison key (see headerKey), if any. */
  firstField(key: string): HeaderField | undefined {
    const f = this.fields;
    for (let i = 0; i < f.length; i++) if ((f[i] as HeaderField).key === key) return f[i];
    return undefined;
  }

  /** The raw value of the first field with this comparison key, if any. */
  firstValue(key: string): string | undefined {
    return this.firstField(key)?.value;
  }

  /**
   * @internal The typed value of the first field with this key, built by
   * `build` the first time (reading the value in place in the received head
   * when the field came off the wire) and kept with the field, so it lasts
   * until that field is replaced; undefined when there is no such field.
   * What build throws is not kept: the next read throws again. The value is
   * shared by every reader of this list (a clone builds its own): never
   * change it.
   */
  typedFirst<T>(key: string, build: TypedBuilder<T>): T | undefined {
    return this.typedOf(this.firstField(key), build);
  }

  /** @internal typedFirst of a field of this list found already (see known). */
  typedOf<T>(field: HeaderField | undefined, build: TypedBuilder<T>): T | undefined {
    const f = field as OwnField | undefined;
    if (f === undefined) return undefined;
    let t = f.typed as T | undefined;
    if (t !== undefined) return t;
    if (f instanceof WireField && f.vs >= 0) t = build(f.head.bytes, f.head.text, f.vs, f.ve);
    else {
      const v = f.value;
      t = build(scratchCodesOf(v), v, 0, v.length);
    }
    f.typed = t;
    return t;
  }

  get size(): number {
    return this.fields.length;
  }

  /** First value; for comma-list headers (Via, Contact, Route...) the first element. */
  get(name: string): string | undefined {
    const info = nameInfo(name);
    const key = info.key;
    const f = this.fields;
    for (let i = 0; i < f.length; i++) {
      const fld = f[i] as HeaderField;
      if (fld.key === key) {
        if (!info.list) return fld.value;
        const first = firstElement(fld.value);
        if (first !== undefined) return first;
      }
    }
    return undefined;
  }

  /** Every value in order, comma lists split (never for auth headers, Date or unknown headers). */
  getAll(name: string): string[] {
    const info = nameInfo(name);
    const key = info.key;
    const list = info.list;
    const out: string[] = [];
    const f = this.fields;
    for (let i = 0; i < f.length; i++) {
      const fld = f[i] as HeaderField;
      if (fld.key !== key) continue;
      const v = fld.value;
      if (!list) out.push(v);
      else if (v.indexOf(',') < 0) {
        if (v) out.push(v);
      } else out.push(...splitList(v));
    }
    return out;
  }

  has(name: string): boolean {
    return this.firstField(nameInfo(name).key) !== undefined;
  }

  /** Replaces every field of that name by the given value(s), at the position of the first (else at the end). */
  set(name: string, value: string | string[]): void {
    const info = nameInfo(name);
    const key = info.key;
    if (typeof value === 'string' && this.#setOne(key, field(name, value, info))) return;
    const added: HeaderField[] = [];
    if (typeof value === 'string') added.push(field(name, value, info));
    else for (const v of value) added.push(field(name, v, info));
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
    this.wire = undefined;
    this.version++;
    this.known = undefined;
  }

  /** set() of one value over exactly one field of that key, in place (a proxy's Max-Forwards): false when not that case. */
  #setOne(key: string, added: MadeField): boolean {
    const f = this.fields;
    let at = -1;
    for (let i = 0; i < f.length; i++) {
      if ((f[i] as HeaderField).key !== key) continue;
      if (at >= 0) return false;
      at = i;
    }
    if (at < 0) return false;
    const old = f[at];
    if (old instanceof WireField && old.head.src !== undefined) added.replaces = old;
    if (this.wire !== undefined) {
      if (key === 'content-length') this.wire = undefined;
      else if (this.#isWireLine(old)) this.#edit(old.start, old.end, added);
      else {
        // A field added earlier (a line of its own in the edits) replaced again.
        const e = old === undefined ? -1 : this.#editOf(old);
        if (e >= 0) ((this.edits as WireEdit[])[e] as WireEdit).field = added;
        else this.wire = undefined;
      }
    }
    f[at] = added;
    this.version++;
    this.known = undefined;
    return true;
  }

  /** Adds a field at the end. */
  append(name: string, value: string): void {
    const f = field(name, value);
    const w = this.wire;
    if (w !== undefined) {
      if (f.key === 'content-length') this.wire = undefined;
      else this.#edit(w.end, w.end, f);
    }
    this.fields.push(f);
    this.version++;
    this.known = undefined;
  }

  /** Adds a field before the first field of that name (a new top Via or Record-Route), else at the top. */
  prepend(name: string, value: string): void {
    const f = field(name, value);
    const fields = this.fields;
    const n = fields.length;
    let idx = 0;
    while (idx < n && (fields[idx] as HeaderField).key !== f.key) idx++;
    if (idx === n) idx = 0;
    if (this.wire !== undefined) {
      const before = fields[idx];
      const e = before === undefined || this.#isWireLine(before) ? -1 : this.#editOf(before);
      if (f.key === 'content-length' || before === undefined) this.wire = undefined;
      else if (this.#isWireLine(before)) this.#edit(before.start, before.start, f);
      else if (e >= 0) {
        // Before a line added or set earlier: at its place, ahead of it.
        const edits = this.edits as WireEdit[];
        const at = (edits[e] as WireEdit).at;
        edits.push(edits[edits.length - 1] as WireEdit);
        for (let i = edits.length - 2; i > e; i--) edits[i] = edits[i - 1] as WireEdit;
        edits[e] = new WireEdit(at, at, f);
      } else this.wire = undefined;
    }
    // Moved by hand: cheaper than splice for a head's dozen fields.
    fields.push(f);
    for (let i = n; i > idx; i--) fields[i] = fields[i - 1] as HeaderField;
    fields[idx] = f;
    this.version++;
    this.known = undefined;
  }

  /** Removes every field of that name. */
  remove(name: string): void {
    const key = nameInfo(name).key;
    const before = this.fields.length;
    if (this.wire !== undefined) {
      if (key === 'content-length') this.wire = undefined;
      else {
        for (const f of this.fields) {
          if (f.key !== key) continue;
          if (this.#isWireLine(f)) {
            this.#edit(f.start, f.end, undefined);
            continue;
          }
          const e = this.#editOf(f);
          if (e < 0) {
            this.wire = undefined;
            break;
          }
          const edit = (this.edits as WireEdit[])[e] as WireEdit;
          // An added line goes; a received line it replaced stays removed.
          if (edit.at === edit.end) (this.edits as WireEdit[]).splice(e, 1);
          else edit.field = undefined;
        }
      }
    }
    this.fields = this.fields.filter((x) => x.key !== key);
    if (this.fields.length !== before) {
      this.version++;
      this.known = undefined;
    }
  }

  /** [name as written (or canonical when added through this API), raw field value], in order. */
  *entries(): IterableIterator<[string, string]> {
    for (const fld of this.fields) yield [fld.name, fld.value];
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** A list of its own with the same fields (typed values are built afresh for it). */
  clone(): HeaderList {
    return HeaderList.fromFields(this.fields.map(freshField));
  }
}
