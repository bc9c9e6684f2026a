/**
 * A small, bounded, namespace-aware XML reader for the event bodies we take
 * from the network (PIDF, RPID, dialog-info, watcher-info). It reads
 * elements, attributes, text and CDATA, the five predefined entities and
 * character references; it refuses a DOCTYPE (no entity definitions, so
 * no entity expansion), and caps the depth, the number of elements and the
 * size, so a hostile document costs at most a bounded amount of work.
 * Names are resolved to {namespace URI, local name}: documents are matched
 * by namespace, whatever prefixes the sender chose (RFC 3863 §4.1).
 */

export interface XmlElement {
  /** Namespace URI ('' when none). */
  ns: string;
  local: string;
  /** Attributes by local name (unprefixed ones, and prefixed ones by local name when not taken). */
  attrs: Map<string, string>;
  children: XmlElement[];
  /** The element's own text (concatenated, not trimmed). */
  text: string;
}

export class XmlError extends Error {}

export const XML_LIMITS = { maxBytes: 65_536, maxDepth: 32, maxElements: 4_000 } as const;

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0) throw new XmlError(`bad character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    const e = ENTITIES[ref];
    if (e === undefined) throw new XmlError(`unknown entity ${whole}`);
    return e;
  });
}

interface Open {
  qname: string;
  el: XmlElement;
  scope: Map<string, string>;
}

/** Parses a document; throws XmlError on anything malformed or over the limits. */
export function parseXml(input: string | Buffer): XmlElement {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (Buffer.byteLength(text, 'utf8') > XML_LIMITS.maxBytes) throw new XmlError('document too large');
  let i = 0;
  let root: XmlElement | undefined;
  let count = 0;
  const stack: Open[] = [];
  const top = () => stack[stack.length - 1];
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    if (chunk.length > 0) {
      const open = top();
      if (open) open.el.text += decode(chunk);
      else if (chunk.trim() !== '' && !(i === 0 && chunk.trim() === '\ufeff')) throw new XmlError('text outside the root element');
    }
    if (lt < 0) break;
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt);
      if (end < 0) throw new XmlError('unterminated processing instruction');
      i = end + 2;
    } else if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment');
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0) throw new XmlError('unterminated CDATA');
      const open = top();
      if (!open) throw new XmlError('CDATA outside the root element');
      open.el.text += text.slice(lt + 9, end);
      i = end + 3;
    } else if (text.startsWith('<!', lt)) {
      throw new XmlError('DOCTYPE and declarations are not accepted');
    } else if (text.startsWith('</', lt)) {
      const end = text.indexOf('>', lt);
      if (end < 0) throw new XmlError('unterminated end tag');
      const name = text.slice(lt + 2, end).trim();
      const open = stack.pop();
      if (!open || open.qname !== name) throw new XmlError(`unexpected </${name}>`);
      i = end + 1;
    } else {
      const { end, qname, rawAttrs, selfClosing } = readTag(text, lt);
      if (++count > XML_LIMITS.maxElements) throw new XmlError('too many elements');
      if (stack.length >= XML_LIMITS.maxDepth) throw new XmlError('nested too deeply');
      if (root && stack.length === 0) throw new XmlError('more than one root element');
      const parentScope = top()?.scope ?? new Map<string, string>([['xml', 'http://www.w3.org/XML/1998/namespace']]);
      let scope = parentScope;
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) {
          if (scope === parentScope) scope = new Map(parentScope);
          scope.set(k === 'xmlns' ? '' : k.slice(6), v);
        }
      }
      const [prefix, local] = qname.includes(':') ? (qname.split(':') as [string, string]) : ['', qname];
      const ns = scope.get(prefix);
      if (ns === undefined && prefix !== '') throw new XmlError(`undeclared prefix ${prefix}`);
      const attrs = new Map<string, string>();
      for (const [k, v] of rawAttrs) {
        if (k === 'xmlns' || k.startsWith('xmlns:')) continue;
        const name = k.includes(':') ? k.split(':')[1]! : k;
        if (!attrs.has(name) || !k.includes(':')) attrs.set(name, v);
      }
      const el: XmlElement = { ns: ns ?? '', local, attrs, children: [], text: '' };
      const parent = top();
      if (parent) parent.el.children.push(el);
      else root = el;
      if (!selfClosing) stack.push({ qname, el, scope });
      i = end;
    }
  }
  if (stack.length > 0) throw new XmlError(`<${top()!.qname}> is not closed`);
  if (!root) throw new XmlError('no root element');
  return root;
}

function readTag(text: string, lt: number): { end: number; qname: string; rawAttrs: [string, string][]; selfClosing: boolean } {
  let i = lt + 1;
  const nameMatch = /^[^\s/>]+/.exec(text.slice(i, i + 200));
  if (!nameMatch || !NAME.test(nameMatch[0])) throw new XmlError('bad element name');
  const qname = nameMatch[0];
  i += qname.length;
  const rawAttrs: [string, string][] = [];
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) throw new XmlError('unterminated tag');
    if (text[i] === '>') return { end: i + 1, qname, rawAttrs, selfClosing: false };
    if (text.startsWith('/>', i)) return { end: i + 2, qname, rawAttrs, selfClosing: true };
    const m = /^([^\s=/>]+)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(i, i + 8_192));
    if (!m || !NAME.test(m[1]!)) throw new XmlError(`bad attribute in <${qname}>`);
    if (rawAttrs.some(([k]) => k === m[1])) throw new XmlError(`attribute ${m[1]} given twice`);
    if (rawAttrs.length >= 64) throw new XmlError('too many attributes');
    rawAttrs.push([m[1]!, decode(m[3] ?? m[4] ?? '')]);
    i += m[0].length;
  }
}

/** Children of `el` with this namespace and local name. */
export function childrenOf(el: XmlElement, ns: string, local: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && c.local === local);
}

export function childOf(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.ns === ns && c.local === local);
}

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
