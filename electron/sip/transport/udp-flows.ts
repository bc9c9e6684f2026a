/**
 * Connected UDP sockets, one per remote we send requests to (a "flow" in
 * RFC 5626's sense), sharing the listener's address and port. A connected
 * socket is the only way Node surfaces the ICMP errors of UDP: port or host
 * unreachable arrives as ECONNREFUSED / EHOSTUNREACH on it, where the
 * unconnected listener would leave a dead server to Timer F (32 s). What the
 * flow receives from its remote is delivered exactly like what the listener
 * receives; the kernel routes a datagram from that remote to the connected
 * socket and everything else to the listener.
 *
 * All sockets of the port carry SO_REUSEPORT (same user only); the listener
 * first proves an explicit port is free with an exclusive probe bind, so two
 * Parley processes still cannot share a port by accident.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import type { LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Endpoint } from './transport.ts';
import { toTransportError, TransportError } from './transport-error.ts';

/**
 * The socket's name lookup: an IP literal (every address this layer sends
 * to) answers at once, where Node's dns.lookup defers even those to the
 * next tick — a queued callback per datagram sent. Every UDP socket of the
 * SIP transport takes it: one made without a lookup makes dgram load
 * node:dns (≈ 0.5 MB for the life of an idle phone).
 */
export function literalFirstLookup(hostname: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else process.getBuiltinModule('node:dns').lookup(hostname, options, callback);
}

/** ICMP-backed errors that mean "nothing answers there" (RFC 1122 §3.2.2.1 port/host unreachable). */
const unreachableCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

export interface UdpFlowsOptions {
  family: 4 | 6;
  ipv6Only: boolean;
  local: { address: string; port: number };
  /** Most flows kept open; the least recently used one closes beyond it. */
  maxFlows: number;
  /**
   * SO_RCVBUF of each flow, like the listener's: the answers from a remote
   * arrive on its flow (a proxy's busiest socket), and the OS default
   * overflowed under a burst of calls when the process was briefly not scheduled.
   */
  receiveBufferBytes?: number;
  onDatagram(buf: Buffer, rinfo: RemoteInfo): void;
  onUnreachable(remote: Endpoint, error: TransportError): void;
  onError(message: string, detail: Record<string, unknown>): void;
}

interface Flow {
  socket: Socket;
  ready: Promise<void>;
  /** Bound and connected: a send goes out at once, not a promise turn later (an ACK must not wait behind the answer's work). */
  open: boolean;
  lastUsed: number;
}

export class UdpFlows {
  readonly #opts: UdpFlowsOptions;
  readonly #flows = new Map<string, Flow>();
  #uses = 0;
  #closed = false;

  constructor(opts: UdpFlowsOptions) {
    this.#opts = opts;
  }

  get size(): number {
    return this.#flows.size;
  }

  /** Sends on the flow to address:port, opening it first if needed. */
  async send(data: Buffer, address: string, port: number): Promise<void> {
    const remote: Endpoint = { protocol: 'udp', address, port };
    if (this.#closed) throw new TransportError('closed', 'UDP listener is closed', { endpoint: remote });
    const flow = this.#flowTo(address, port);
    if (!flow.open) await flow.ready;
    await new Promise<void>((resolve, reject) => {
      try {
        flow.socket.send(data, (err) => (err ? reject(toTransportError(err, remote)) : resolve()));
      } catch (err) {
        reject(toTransportError(err, remote));
      }
    });
  }

  /** Closes the flow to address:port, if open (e.g. a registrar we no longer use). */
  drop(address: string, port: number): void {
    const key = flowKey(address, port);
    const flow = this.#flows.get(key);
    if (!flow) return;
    this.#flows.delete(key);
    closeQuietly(flow.socket);
  }

  /**
   * Closes every flow; the next send opens a new one. A connected socket
   * keeps the source address chosen when it connected (even when bound to a
   * wildcard), so after the machine's address changed its datagrams would
   * leave from an address we no longer have (RFC 5626 §4.5: form a new flow).
   */
  reset(): void {
    for (const f of this.#flows.values()) closeQuietly(f.socket);
    this.#flows.clear();
  }

  close(): void {
    this.#closed = true;
    for (const f of this.#flows.values()) closeQuietly(f.socket);
    this.#flows.clear();
  }

  #flowTo(address: string, port: number): Flow {
    const key = flowKey(address, port);
    const existing = this.#flows.get(key);
    if (existing) {
      existing.lastUsed = ++this.#uses;
      return existing;
    }
    if (this.#flows.size >= this.#opts.maxFlows) this.#evictOldest();
    const o = this.#opts;
    const socket = o.family === 4 ? createSocket({ type: 'udp4', reusePort: true, lookup: literalFirstLookup }) : createSocket({ type: 'udp6', reusePort: true, ipv6Only: o.ipv6Only, lookup: literalFirstLookup });
    const remote: Endpoint = { protocol: 'udp', address, port };
    socket.on('message', (buf, rinfo) => o.onDatagram(buf, rinfo));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== undefined && unreachableCodes.has(err.code)) {
        o.onUnreachable(remote, toTransportError(err, remote));
        return;
      }
      o.onError('udp flow error', { remote: address, port, error: err.message });
    });
    const ready = new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        this.#flows.delete(key);
        closeQuietly(socket);
        reject(toTransportError(err, remote));
      };
      socket.once('error', fail);
      socket.bind({ address: o.local.address, port: o.local.port }, () => {
        if (o.receiveBufferBytes !== undefined) {
          try {
            socket.setRecvBufferSize(o.receiveBufferBytes);
          } catch (err) {
            o.onError('could not set the UDP receive buffer size of a flow', { remote: address, port, error: String(err) });
          }
        }
        socket.connect(port, address, (err?: Error) => {
          socket.off('error', fail);
          if (err) fail(err);
          else resolve();
        });
      });
    });
    // A failed open rejects the send that waits on it; nothing else may see it unhandled.
    ready.catch(() => {});
    const flow: Flow = { socket, ready, open: false, lastUsed: ++this.#uses };
    ready.then(() => (flow.open = true), () => undefined);
    this.#flows.set(key, flow);
    return flow;
  }

  #evictOldest(): void {
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [k, f] of this.#flows) {
      if (f.lastUsed < oldest) {
        oldest = f.lastUsed;
        oldestKey = k;
      }
    }
    if (oldestKey === undefined) return;
    const f = this.#flows.get(oldestKey)!;
    this.#flows.delete(oldestKey);
    closeQuietly(f.socket);
  }
}

function flowKey(address: string, port: number): string {
  return `${address}|${port}`;
}

function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}
