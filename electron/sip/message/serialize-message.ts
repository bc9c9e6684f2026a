import type { HeaderField } from './header-list.ts';
import type { SipMessage } from './sip-message.ts';

/**
 * Writes a message for the wire (RFC 3261 §7). Content-Length always states
 * the body's length (§18.3 requires it on streams; harmless on datagrams).
 * A parsed message whose start line, headers and body length are untouched
 * is written from its received head bytes, so forwarding or logging it costs
 * one copy instead of a rebuild.
 */
export function serializeMessage(m: SipMessage): Buffer {
  const raw = m.raw;
  const body = m.body;
  if (
    raw !== undefined &&
    raw.headers === m.headers &&
    raw.version === m.headers.version &&
    raw.contentLength === body.length &&
    (m.kind === 'request' ? raw.method === m.method && raw.uri === m.uri : raw.status === m.status && raw.reason === m.reason)
  ) {
    const head = raw.bytes;
    const out = Buffer.allocUnsafe(head.length + body.length);
    head.copy(out, 0);
    body.copy(out, head.length);
    return out;
  }
  return build(m);
}

function build(m: SipMessage): Buffer {
  const body = m.body;
  let s = m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  let wroteLength = false;
  const fields = m.headers.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as HeaderField;
    if (f.key === 'content-length') {
      if (!wroteLength) {
        s += f.name + ': ' + body.length + '\r\n';
        wroteLength = true;
      }
      continue;
    }
    s += f.name + ': ' + f.value + '\r\n';
  }
  if (!wroteLength) s += 'Content-Length: ' + body.length + '\r\n';
  s += '\r\n';
  const headLen = Buffer.byteLength(s, 'utf8');
  const out = Buffer.allocUnsafe(headLen + body.length);
  out.write(s, 0, 'utf8');
  body.copy(out, headLen);
  return out;
}
