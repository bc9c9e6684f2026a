/**
 * What a received MESSAGE (RFC 3428) carries, decided before it is answered,
 * so a body we cannot show gets its SIP refusal instead of a 200 that would
 * let the sender believe it was read:
 *
 *   text/plain                    → text (charset honoured; UTF-8 by default, RFC 3428 §9)
 *   text/html                     → its text (tags dropped; never rendered as HTML)
 *   message/cpim (RFC 3862)       → its content, read by these same rules (one level)
 *   application/im-iscomposing+xml → a typing indication (RFC 3994), not stored
 *   message/imdn+xml              → a disposition notification (RFC 5438) → 200, dropped:
 *                                   we never ask for one (our messages carry no
 *                                   imdn.Message-ID), but liblinphone sends a
 *                                   "delivered" for every message it gets
 *   bytes that are not text in the charset, binary, unknown charset → 415
 *   empty text, a cpim or isComposing body that does not parse      → 400
 *
 * Text from the network is made safe to store and show: CR LF and lone CR
 * become LF, other C0/C1 controls, DEL and non-characters become U+FFFD.
 * Bidi controls are kept (they belong to right-to-left text); clients show a
 * message isolated (dir=auto, unicode-bidi: isolate) so they cannot reorder
 * anything around it, and the CLI escapes them (cli/terminal-text.ts).
 */
import { readCpim } from './cpim.ts';
import { COMPOSING_TYPE, readComposing, type ComposingState } from './is-composing.ts';

export type ReceivedContent =
  | { kind: 'text'; text: string; contentType: string }
  | { kind: 'composing'; state: ComposingState }
  | { kind: 'receipt' }
  | { kind: 'refused'; status: 400 | 415; reason: string };

/** RFC 5438 §7.2.1. */
export const IMDN_TYPE = 'message/imdn+xml';

/** A body with more than this share of control bytes is binary, whatever it claims. */
const BINARY_SHARE = 0.1;

export function readMessageContent(contentType: string, body: Uint8Array, nested = false): ReceivedContent {
  const { type, charset } = mediaType(contentType);
  switch (type) {
    case 'text/plain':
    case 'text/html': {
      const decoded = decode(body, charset);
      if (typeof decoded !== 'string') return decoded;
      const text = safeText(type === 'text/html' ? htmlToText(decoded) : decoded).trim();
      if (text === '') return { kind: 'refused', status: 400, reason: 'Bad Request (empty message)' };
      return { kind: 'text', text, contentType: type };
    }
    case 'message/cpim': {
      if (nested) return { kind: 'refused', status: 415, reason: 'Unsupported Media Type (nested message/cpim)' };
      const inner = readCpim(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      if (!inner) return { kind: 'refused', status: 400, reason: 'Bad Request (malformed message/cpim)' };
      const content = readMessageContent(inner.contentType, inner.content, true);
      return content.kind === 'text' ? { ...content, contentType: 'message/cpim' } : content;
    }
    case COMPOSING_TYPE: {
      const decoded = decode(body, charset);
      if (typeof decoded !== 'string') return decoded;
      const state = readComposing(decoded);
      return state ? { kind: 'composing', state } : { kind: 'refused', status: 400, reason: 'Bad Request (malformed isComposing document)' };
    }
    case IMDN_TYPE: {
      const decoded = decode(body, charset);
      if (typeof decoded !== 'string') return decoded;
      return /<imdn[\s>]/.test(decoded) ? { kind: 'receipt' } : { kind: 'refused', status: 400, reason: 'Bad Request (malformed IMDN document)' };
    }
    default:
      return { kind: 'refused', status: 415, reason: 'Unsupported Media Type' };
  }
}

function mediaType(contentType: string): { type: string; charset: string } {
  const [type = '', ...params] = contentType.split(';');
  let charset = 'utf-8';
  for (const p of params) {
    const m = /^\s*charset\s*=\s*"?([^";\s]+)"?\s*$/i.exec(p);
    if (m) charset = m[1]!.toLowerCase();
  }
  return { type: type.trim().toLowerCase(), charset };
}

function decode(body: Uint8Array, charset: string): string | { kind: 'refused'; status: 415; reason: string } {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(charset, { fatal: true });
  } catch {
    return { kind: 'refused', status: 415, reason: `Unsupported Media Type (charset ${charset.slice(0, 40)})` };
  }
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    return { kind: 'refused', status: 415, reason: `Unsupported Media Type (not ${decoder.encoding} text)` };
  }
  let controls = 0;
  for (const ch of text) if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(ch)) controls++;
  if (text.length > 0 && controls / text.length > BINARY_SHARE) return { kind: 'refused', status: 415, reason: 'Unsupported Media Type (binary content)' };
  return text;
}

/** Line ends as LF; other controls and non-characters as U+FFFD. */
export function safeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/g, '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** The text of an HTML fragment: scripts and styles dropped, breaks kept as lines, tags removed, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
      }
      return ENTITIES[e.toLowerCase()] ?? whole;
    })
    .replace(/\n{3,}/g, '\n\n');
}
