/**
 * What the transport does to the top Via: stamping sent-by on the way out
 * (RFC 3261 §18.1.1, RFC 3581 §3), `received`/`rport` on the way in
 * (RFC 3261 §18.2.1, RFC 3581 §4), and where a response goes
 * (RFC 3261 §18.2.2, RFC 3581 §4).
 */
import { copyVia, formatVia, topVia } from '../message/index.ts';
import type { SipMessage, Via } from '../message/index.ts';
import { defaultPort, familyOf, normalizeAddress, sameAddress } from './address.ts';
import type { TransportProtocol } from './transport.ts';

/** Replaces the first Via value, keeping the others (a new Via goes on top with `prepend`). */
export function replaceTopVia(message: SipMessage, via: Via): void {
  const all = message.headers.getAll('Via');
  if (all.length === 0) {
    message.headers.prepend('Via', formatVia(via));
    return;
  }
  all[0] = formatVia(via);
  message.headers.set('Via', all);
}

/**
 * RFC 3261 §18.1.1: the transport fills the top Via's transport and sent-by
 * with the listener the request leaves from (the transaction layer chose the
 * branch); RFC 3581 §3: a client SHOULD add an empty `rport` so responses find
 * their way back through NAT. Mutates the request so that the caller (e.g. a
 * later CANCEL, RFC 3261 §9.1) sees the Via that went on the wire.
 */
export function stampRequestVia(message: SipMessage, protocol: TransportProtocol, host: string, port: number): void {
  const via = copyVia(topVia(message));
  via.transport = protocol.toUpperCase();
  via.host = host;
  via.port = port;
  // A retransmission or a switch to TCP re-stamps the same request: keep an rport that is already there.
  if (!via.params.has('rport')) via.params.set('rport', null);
  // RFC 5923 §5: over a connection, `alias` asks the server to send its requests to our sent-by over this
  // same connection (requests to a TLS-registered phone then arrive on the connection it registered on).
  if (protocol === 'tcp' || protocol === 'tls') via.params.set('alias', null);
  else via.params.delete('alias');
  replaceTopVia(message, via);
}

/**
 * RFC 3261 §18.2.1: add `received` when the sent-by host is a name or an IP
 * other than the packet's source. RFC 3581 §4: an empty `rport` gets the
 * source port, and then `received` is added even when it equals sent-by.
 * Returns true when the Via changed.
 *
 * `received` and a valued `rport` are the server's to write, never the
 * client's (RFC 3581 §3: the client sends `rport` empty): values a request
 * arrives with are replaced by what the packet shows, so a preset
 * `received=victim;rport=N` cannot steer a response (or anything that reads
 * the Via later) to a third party.
 */
export function addReceivedAndRport(message: SipMessage, sourceAddress: string, sourcePort: number): boolean {
  const via = copyVia(topVia(message));
  const source = normalizeAddress(sourceAddress);
  let changed = false;
  if (via.params.has('received')) {
    via.params.delete('received');
    changed = true;
  }
  if (via.params.has('rport')) {
    via.params.set('rport', String(sourcePort));
    via.params.set('received', source);
    changed = true;
  } else if (!sameAddress(via.host, source)) {
    via.params.set('received', source);
    changed = true;
  }
  if (changed) replaceTopVia(message, via);
  return changed;
}

function ipParam(via: Via, name: string): string | undefined {
  const v = via.params.get(name);
  if (v === undefined || v === null) return undefined;
  const a = normalizeAddress(v);
  return familyOf(a) !== undefined ? a : undefined;
}

/**
 * Where a response goes over an unreliable transport (RFC 3261 §18.2.2 with
 * RFC 3581 §4): maddr:port; else received:rport; else received:port; else
 * sent-by when it is an IP literal. `undefined` when the Via names a host the
 * transport cannot resolve: the caller falls back to the packet's source.
 */
export function unreliableResponseTarget(via: Via): { address: string; port: number } | undefined {
  const port = via.port ?? defaultPort(via.transport);
  const maddr = ipParam(via, 'maddr');
  if (maddr !== undefined) return { address: maddr, port };
  const received = ipParam(via, 'received');
  if (received !== undefined) {
    const rport = via.params.get('rport');
    const rp = rport ? Number(rport) : NaN;
    return { address: received, port: Number.isInteger(rp) && rp > 0 && rp < 65536 ? rp : port };
  }
  const host = normalizeAddress(via.host);
  if (familyOf(host) !== undefined) return { address: host, port };
  return undefined;
}

/**
 * RFC 3261 §18.2.2: when the connection a request came in on has closed, open
 * a new one to `received` (else sent-by) at the sent-by port or the default
 * port of the transport. RFC 3581's rport applies to unreliable transports only.
 */
export function reliableResponseTarget(via: Via): { address: string; port: number } | undefined {
  const port = via.port ?? defaultPort(via.transport);
  const received = ipParam(via, 'received');
  if (received !== undefined) return { address: received, port };
  const host = normalizeAddress(via.host);
  if (familyOf(host) !== undefined) return { address: host, port };
  return undefined;
}
