/**
 * The SIP trace the UI shows (docs/conventions.md item 7: a first-class stream, not a log
 * scrape): every message in and out, as it crossed the wire, with
 * credentials redacted (Authorization / Proxy-Authorization values,
 * anything named password) before it leaves the engine.
 */
import { mayHoldSecret, redactSecrets } from '../../common/logger.ts';
import type { Endpoint, TraceEvent, TransportProtocol } from '../transport/transport.ts';

export interface SipTraceEntry {
  direction: 'in' | 'out';
  protocol: TransportProtocol;
  local: Endpoint;
  remote: Endpoint;
  /** The message text, redacted. */
  text: string;
  /** The first line ("INVITE sip:bob@… SIP/2.0", "SIP/2.0 180 Ringing"), for a ladder view. */
  summary: string;
  /** Clock time (ms). */
  time: number;
}

export function toTraceEntry(event: TraceEvent): SipTraceEntry {
  // Line by line: redactSecrets' patterns end at a line end, and SIP lines end in CRLF. A message that names no
  // credential (every one but a REGISTER or request with Authorization) comes back unchanged, so it is not split.
  const text = mayHoldSecret(event.text) ? event.text.split('\r\n').map(redactSecrets).join('\r\n') : event.text;
  const end = text.indexOf('\r\n');
  return {
    direction: event.direction,
    protocol: event.protocol,
    local: event.local,
    remote: event.remote,
    text,
    summary: end >= 0 ? text.slice(0, end) : text.slice(0, 120),
    time: event.time,
  };
}
