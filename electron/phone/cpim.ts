/**
 * Reading message/cpim (RFC 3862, the Common Presence and Instant Messaging
 * message format some clients wrap their MESSAGE text in):
 *
 *   From: Alice <im:alice@example.com>        message headers (RFC 3862 §3)
 *   DateTime: 2026-12-06T21:00:00Z
 *                                             blank line
 *   Content-Type: text/plain; charset=utf-8   MIME headers of the content
 *                                             blank line
 *   Hello                                     the content
 *
 * We read only what the content is: its type and its bytes. The wrapper's
 * From is not trusted over the SIP request's (anyone can write it).
 */

export interface CpimContent {
  contentType: string;
  content: Buffer;
}

/** At most this many header lines in either block (a hostile body cannot make us loop long). */
const MAX_HEADER_LINES = 64;

/** The content of a message/cpim body, or undefined when it is not one (no blank lines where RFC 3862 wants them). */
export function readCpim(body: Buffer): CpimContent | undefined {
  const first = blankLine(body, 0);
  if (!first) return undefined;
  const second = blankLine(body, first.end);
  if (!second) return undefined;
  const mimeHeaders = body.subarray(first.end, second.start).toString('latin1').split(/\r?\n/);
  if (mimeHeaders.length > MAX_HEADER_LINES || body.subarray(0, first.start).toString('latin1').split(/\r?\n/).length > MAX_HEADER_LINES) return undefined;
  let contentType = 'text/plain';
  for (const line of mimeHeaders) {
    const m = /^content-type\s*:\s*(.+)$/i.exec(line);
    if (m) contentType = m[1]!.trim();
  }
  return { contentType, content: body.subarray(second.end) };
}

function blankLine(body: Buffer, from: number): { start: number; end: number } | undefined {
  const crlf = body.indexOf('\r\n\r\n', from);
  const lf = body.indexOf('\n\n', from);
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { start: crlf, end: crlf + 4 };
  if (lf >= 0) return { start: lf, end: lf + 2 };
  return undefined;
}
