/**
 * One bound UDP socket (RFC 3261 §18 over node:dgram), IPv4 or IPv6. Each
 * datagram is one message (RFC 3261 §18.3: Content-Length only trims); a
 * datagram the parser rejects is answered (at its source) with its 400/505/513 when the
 * parser recovered the request's routing headers, otherwise dropped. Nothing
 * a peer sends can throw out of here.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isStun } from '../../net/stun/index.ts';
import { checkMessage, parseMessage, serializeMessage } from '../message/index.ts';
import type { SipMessage } from '../message/index.ts';
import { isWildcard, normalizeAddress } from './address.ts';
import { describeParseError, responseToMalformed } from './malformed-request.ts';
import type { Endpoint } from './transport.ts';
import type { TransportContext } from './transport-context.ts';
import { toTransportError, TransportError } from './transport-error.ts';
import { literalFirstLookup, UdpFlows } from './udp-flows.ts';

/** Largest UDP payload: 65,535 minus the IP and UDP headers (RFC 768; RFC 8200 for IPv6 without jumbograms). */
export function maxDatagram(family: 4 | 6): number {
  return family === 4 ? 65_507 : 65_527;
}

export interface UdpBindOptions {
  address: string;
  port: number;
  family: 4 | 6;
  /** For '::': refuse IPv4-mapped traffic (default true: IPv4 gets its own listener). */
  ipv6Only?: boolean;
  /**
   * SO_RCVBUF in bytes (default: the OS's, often 208 KiB, where each small
   * datagram costs ~1.3 KiB: a burst of ~160 requests overflows it).
   */
  receiveBufferBytes?: number;
  /** Connected sockets kept for request destinations (default 32); see udp-flows.ts. */
  maxFlows?: number;
}

/** A datagram that is only CR/LF: an RFC 5626 §4.4.1-style keep-alive some UAs send over UDP too. */
function isBlank(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x09) return false;
  return true;
}

export class UdpTransport {
  readonly family: 4 | 6;
  readonly local: Endpoint;
  readonly #socket: Socket;
  readonly #ctx: TransportContext;
  readonly #flows: UdpFlows;
  #closed = false;

  private constructor(socket: Socket, local: Endpoint, family: 4 | 6, ctx: TransportContext, options: UdpBindOptions) {
    this.#socket = socket;
    this.local = local;
    this.family = family;
    this.#ctx = ctx;
    this.#flows = new UdpFlows({
      family,
      ipv6Only: options.ipv6Only ?? true,
      local: { address: options.address, port: local.port },
      maxFlows: options.maxFlows ?? 32,
      ...(options.receiveBufferBytes !== undefined ? { receiveBufferBytes: options.receiveBufferBytes } : {}),
      onDatagram: (buf, rinfo) => this.#onDatagram(buf, rinfo),
      onUnreachable: (remote, error) => ctx.unreachable(remote, error),
      onError: (message, detail) => ctx.logger.warn(message, detail),
    });
    socket.on('message', (buf, rinfo) => this.#onDatagram(buf, rinfo));
    // After bind, errors are per-send (reported through the send callback) or ICMP noise: log, never crash.
    socket.on('error', (err) => ctx.logger.warn('udp socket error', { local: local.address, port: local.port, error: err.message }));
  }

  static async bind(options: UdpBindOptions, ctx: TransportContext): Promise<UdpTransport> {
    // SO_REUSEPORT (for the flows) would let a second process share an explicit port: prove it free first.
    if (options.port !== 0) await probeFree(options);
    return new Promise((resolve, reject) => {
      const socket =
        options.family === 4
          ? createSocket({ type: 'udp4', reusePort: true, lookup: literalFirstLookup })
          : createSocket({ type: 'udp6', ipv6Only: options.ipv6Only ?? true, reusePort: true, lookup: literalFirstLookup });
      const onError = (err: Error) => {
        socket.close();
        reject(toTransportError(err, { protocol: 'udp', address: options.address, port: options.port }));
      };
      socket.once('error', onError);
      socket.bind({ address: options.address, port: options.port }, () => {
        socket.off('error', onError);
        if (options.receiveBufferBytes !== undefined) {
          try {
            socket.setRecvBufferSize(options.receiveBufferBytes);
          } catch (err) {
            ctx.logger.warn('could not set the UDP receive buffer size', { error: String(err) });
          }
        }
        const a = socket.address();
        resolve(new UdpTransport(socket, { protocol: 'udp', address: normalizeAddress(a.address), port: a.port }, options.family, ctx, options));
      });
    });
  }

  get wildcard(): boolean {
    return isWildcard(this.local.address);
  }

  send(data: Buffer, address: string, port: number): Promise<void> {
    const remote: Endpoint = { protocol: 'udp', address, port };
    if (this.#closed) return Promise.reject(new TransportError('closed', 'UDP listener is closed', { endpoint: remote }));
    if (data.length > maxDatagram(this.family)) {
      return Promise.reject(new TransportError('too-large', `${data.length} bytes do not fit in a UDP datagram`, { endpoint: remote }));
    }
    return new Promise((resolve, reject) => {
      try {
        this.#socket.send(data, port, address, (err) => {
          if (err) {
            reject(toTransportError(err, remote));
            return;
          }
          if (this.#ctx.tracing) this.#ctx.trace({ direction: 'out', protocol: 'udp', local: this.local, remote, text: data.toString('utf8') });
          resolve();
        });
      } catch (err) {
        reject(toTransportError(err, remote));
      }
    });
  }

  /**
   * Sends a request on the flow (connected socket) to address:port, so that an
   * ICMP unreachable for it reaches the layer above (TransportContext.unreachable).
   */
  async sendRequest(data: Buffer, address: string, port: number): Promise<void> {
    const remote: Endpoint = { protocol: 'udp', address, port };
    if (this.#closed) throw new TransportError('closed', 'UDP listener is closed', { endpoint: remote });
    if (data.length > maxDatagram(this.family)) {
      throw new TransportError('too-large', `${data.length} bytes do not fit in a UDP datagram`, { endpoint: remote });
    }
    await this.#flows.send(data, address, port);
    if (this.#ctx.tracing) this.#ctx.trace({ direction: 'out', protocol: 'udp', local: this.local, remote, text: data.toString('utf8') });
  }

  /** Raw bytes (a STUN keep-alive) on the flow to address:port. */
  async sendRaw(data: Buffer, address: string, port: number): Promise<void> {
    if (this.#closed) throw new TransportError('closed', 'UDP listener is closed', { endpoint: { protocol: 'udp', address, port } });
    await this.#flows.send(data, address, port);
  }

  /** Forgets every flow (the machine's address changed): new requests open new ones. */
  resetFlows(): void {
    this.#flows.reset();
  }

  get flowCount(): number {
    return this.#flows.size;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#flows.close();
    return new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  #onDatagram(buf: Buffer, rinfo: RemoteInfo): void {
    const source: Endpoint = { protocol: 'udp', address: normalizeAddress(rinfo.address), port: rinfo.port };
    if (buf.length === 0 || isBlank(buf)) return;
    // RFC 5626 §4.4.2 / §8: STUN shares the SIP port; a SIP message never starts with bits 00.
    if (isStun(buf)) {
      this.#ctx.stun(buf, source, this.local);
      return;
    }
    if (this.#ctx.tracing) this.#ctx.trace({ direction: 'in', protocol: 'udp', local: this.local, remote: source, text: buf.toString('utf8') });
    let message: SipMessage;
    try {
      message = parseMessage(buf, this.#ctx.parseLimits);
      checkMessage(message);
    } catch (err) {
      this.#onMalformed(err, source, buf.length);
      return;
    }
    this.#ctx.deliver(message, source, this.local);
  }

  #onMalformed(err: unknown, source: Endpoint, bytes: number): void {
    const response = responseToMalformed(err, source);
    const log = { source: source.address, port: source.port, bytes, ...describeParseError(err) };
    if (!response) {
      this.#ctx.logger.info('malformed datagram dropped', log);
      return;
    }
    this.#ctx.logger.info('malformed request answered', log);
    // Only ever to the packet's source: a malformed request is nobody's trusted flow (no maddr, no preset rport).
    const target = { address: source.address, port: source.port };
    let data: Buffer;
    try {
      data = serializeMessage(response);
    } catch (e) {
      this.#ctx.logger.warn('could not serialize the answer to a malformed request', { error: String(e) });
      return;
    }
    this.send(data, target.address, target.port).catch((e: unknown) =>
      this.#ctx.logger.info('answer to a malformed request not sent', { error: String(e) }),
    );
  }
}

/** Binds and releases an exclusive socket on the port: EADDRINUSE when anyone holds it. */
function probeFree(options: UdpBindOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = options.family === 4 ? createSocket({ type: 'udp4', lookup: literalFirstLookup }) : createSocket({ type: 'udp6', ipv6Only: options.ipv6Only ?? true, lookup: literalFirstLookup });
    probe.once('error', (err) => {
      probe.close();
      reject(toTransportError(err, { protocol: 'udp', address: options.address, port: options.port }));
    });
    probe.bind({ address: options.address, port: options.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
