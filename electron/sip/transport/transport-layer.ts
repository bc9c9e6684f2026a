/**
 * The SIP transport layer (RFC 3261 §18) over UDP, TCP and TLS, IPv4 and IPv6:
 * the one `SipTransport` the transaction layer talks to.
 *
 * Out: requests get their top Via stamped with the listener's sent-by and an
 * empty rport (RFC 3581 §3); a request over UDP larger than 1300 bytes (or
 * path MTU - 200) goes over TCP to the same address and port
 * (RFC 3261 §18.1.1); TCP/TLS reuse an open connection to the destination.
 * In: requests get received/rport (RFC 3261 §18.2.1, RFC 3581 §4); responses
 * whose top Via we did not write are dropped (RFC 3261 §18.1.2). Responses go
 * back on the request's connection, or over UDP to the packet's source
 * (RFC 3581 §4 symmetric response routing): the Via's maddr, received and
 * sent-by port are followed (RFC 3261 §18.2.2) only for a `trustedPeer`, so
 * one spoofed or crafted request cannot aim our responses and their
 * retransmissions at a third party (reflection, amplification).
 */
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { systemClock } from '../../common/clock.ts';
import type { Clock } from '../../common/clock.ts';
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { serializeMessage, topVia } from '../message/index.ts';
import type { ParseLimits, SipMessage, SipResponse } from '../message/index.ts';
import { canonicalAddress, defaultPort, familyOf, guessAdvertisedAddress, isWildcard, normalizeAddress, sameAddress } from './address.ts';
import { ConnectionPool, connectionKey } from './connection-pool.ts';
import { StreamConnection } from './stream-connection.ts';
import type { TlsSessionInfo } from './stream-connection.ts';
import { connectStream, StreamListener } from './stream-transport.ts';
import type { TlsClientOptions, TlsServerOptions } from './stream-transport.ts';
import type {
  ConnectionClosedEvent, Endpoint, IncomingMessage, SendResult, SendTarget, SipTransport, TraceHook, TransportProtocol, UnreachableEvent,
} from './transport.ts';
import { createTracer } from './transport-context.ts';
import type { TransportContext } from './transport-context.ts';
import { TransportError } from './transport-error.ts';
import { TlsCertificateError } from './tls-verify.ts';
import { maxDatagram, UdpTransport } from './udp-transport.ts';
import { addReceivedAndRport, reliableResponseTarget, stampRequestVia, unreliableResponseTarget } from './via-processing.ts';

export interface TransportLayerOptions {
  logger?: Logger;
  clock?: Clock;
  /** Raw text of every message in and out. The transport redacts nothing: the hook's owner must. */
  trace?: TraceHook;
  /** Whether the hook wants the messages now (default: always); while it does not, their text is not even made. */
  tracing?: () => boolean;
  /** Close a TCP/TLS connection after this long without a SIP message (default 120 s; 0 = never). */
  idleTimeoutMs?: number;
  /** Give up opening a TCP/TLS connection after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Send RFC 5626 CRLF pings on every connection we open, this often (default 0 = off). */
  keepAliveIntervalMs?: number;
  /** RFC 5626 §4.4.1: no pong within 10 s means the flow failed. */
  pongTimeoutMs?: number;
  /** Known path MTU; requests over UDP larger than MTU - 200 go over TCP (RFC 3261 §18.1.1; default: 1300 bytes). */
  pathMtu?: number;
  /** When the TCP attempt for a big request fails, send it over UDP anyway if it fits a datagram (default true). */
  udpFallback?: boolean;
  /** Trust and client certificate for the TLS connections we open. */
  tlsClient?: TlsClientOptions;
  parseLimits?: Partial<ParseLimits>;
  /** RFC 3261 §18.1.2: drop responses whose top Via sent-by we never wrote (default true). */
  checkResponseSentBy?: boolean;
  /** SO_RCVBUF for UDP listeners (default: the OS's); raise it for servers taking bursts. */
  udpReceiveBufferBytes?: number;
  /**
   * Sources whose Via steers UDP responses as RFC 3261 §18.2.2 says (maddr,
   * received, the sent-by port): e.g. a proxy we route through that listens on
   * another port than it sends from. Default: none, every response goes to
   * the packet's source. Also asked (with port 0) when a TCP/TLS connection
   * arrives: a trusted address is exempt from the connection limits.
   */
  trustedPeer?: (source: Endpoint) => boolean;
  /** Cap on connections accepted per TCP/TLS listener (default 1024). */
  maxIncomingConnections?: number;
  /** Connections one address may hold on a listener (default 16); trusted and known peers are exempt. */
  maxConnectionsPerSource?: number;
  /**
   * Of maxIncomingConnections, how many only trusted peers and peers we hold
   * a connection to (our registrar, our proxy) may take (default 32): a flood
   * from strangers cannot lock out the server delivering our calls.
   */
  reservedConnections?: number;
  /**
   * From its first byte, a message's head must arrive within this long (its
   * body gets as long again), and a connection a peer opens must bring its
   * first message within it; else it closes (slowloris). Default 10 s; 0 = off.
   */
  messageDeadlineMs?: number;
}

export interface ListenOptions {
  protocol: TransportProtocol;
  /** IP literal to bind ('0.0.0.0' / '::' for all). */
  address: string;
  /** 0 picks a free port; `listen` resolves with the real one. */
  port: number;
  /** Our certificate; a function is asked only when the first TLS client connects. */
  tls?: TlsServerOptions | (() => TlsServerOptions);
  /** sent-by to put in Via/Contact when it differs from the bound address (wildcard bind, NAT). */
  advertise?: { host: string; port?: number };
}

/** A snapshot of one TCP/TLS connection. */
export interface ConnectionInfo {
  id: string;
  protocol: 'tcp' | 'tls';
  direction: 'in' | 'out';
  remote: Endpoint;
  local: Endpoint;
  pinned: boolean;
  /** An RFC 5626 ping is waiting for its pong. */
  awaitingPong: boolean;
}

interface Listener {
  protocol: TransportProtocol;
  family: 4 | 6;
  local: Endpoint;
  sentBy: { host: string; port: number };
  /** sent-by was guessed from the interfaces (a wildcard bind without `advertise`): guessed again when they change. */
  guessed: boolean;
  udp?: UdpTransport;
  stream?: StreamListener;
}

const UNKNOWN_MTU_LIMIT = 1300;

export class TransportLayer implements SipTransport {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #ctx: TransportContext;
  readonly #options: TransportLayerOptions;
  readonly #listeners: Listener[] = [];
  readonly #pool = new ConnectionPool();
  readonly #handlers: Array<(m: IncomingMessage) => void> = [];
  readonly #closeHandlers: Array<(e: ConnectionClosedEvent) => void> = [];
  readonly #unreachableHandlers: Array<(e: UnreachableEvent) => void> = [];
  readonly #stunHandlers: Array<(data: Buffer, source: Endpoint) => void> = [];
  /** Every sent-by we stamped, for the RFC 3261 §18.1.2 check on responses. */
  readonly #sentBy = new Set<string>();
  /** The last certificate refusal per server name, until a handshake with it succeeds. */
  readonly #tlsFailures = new Map<string, TlsCertificateError>();
  #nextConnection = 1;
  #closed = false;

  constructor(options: TransportLayerOptions = {}) {
    this.#options = options;
    this.#logger = options.logger ?? nullLogger;
    this.#clock = options.clock ?? systemClock;
    this.#ctx = {
      logger: this.#logger,
      clock: this.#clock,
      parseLimits: options.parseLimits,
      get tracing() {
        return options.trace !== undefined && (options.tracing?.() ?? true);
      },
      trace: createTracer(options.trace, this.#logger),
      deliver: (m, source, local, id) => this.#deliver(m, source, local, id),
      unreachable: (remote, error) => this.#unreachable(remote, error),
      stun: (data, source) => {
        for (const h of this.#stunHandlers) h(data, source);
      },
    };
  }

  /** Binds a listener; resolves with the bound endpoint (port 0 becomes the real port). */
  async listen(options: ListenOptions): Promise<Endpoint> {
    if (this.#closed) throw new TransportError('closed', 'transport layer is closed');
    const address = normalizeAddress(options.address);
    const family = familyOf(address);
    if (family === undefined) throw new TransportError('unreachable', `listen needs an IP literal, got "${options.address}"`);
    let listener: Listener;
    if (options.protocol === 'udp') {
      const udp = await UdpTransport.bind(
        { address, port: options.port, family, receiveBufferBytes: this.#options.udpReceiveBufferBytes },
        this.#ctx,
      );
      listener = { protocol: 'udp', family, local: udp.local, sentBy: { host: '', port: 0 }, guessed: false, udp };
    } else {
      const protocol = options.protocol;
      const stream = await StreamListener.listen(
        {
          protocol, address, port: options.port, tls: options.tls, maxConnections: this.#options.maxIncomingConnections ?? 1024,
          admit: (remote, total, fromSource) => this.#admit(protocol, remote, total, fromSource),
        },
        (socket) => this.#accept(socket, protocol),
        this.#logger,
      );
      listener = { protocol, family, local: stream.local, sentBy: { host: '', port: 0 }, guessed: false, stream };
    }
    const host = options.advertise?.host ?? (isWildcard(address) ? guessAdvertisedAddress(family) : listener.local.address);
    listener.sentBy = { host, port: options.advertise?.port ?? listener.local.port };
    listener.guessed = options.advertise?.host === undefined && isWildcard(address);
    this.#listeners.push(listener);
    this.#logger.info('listening', { protocol: listener.protocol, address: listener.local.address, port: listener.local.port });
    return { ...listener.local };
  }

  onMessage(handler: (m: IncomingMessage) => void): void {
    this.#handlers.push(handler);
  }

  /** Reports every TCP/TLS connection that closes, with why (e.g. 'keepalive-timeout' for a failed RFC 5626 flow). */
  onConnectionClosed(handler: (e: ConnectionClosedEvent) => void): void {
    this.#closeHandlers.push(handler);
  }

  onUnreachable(handler: (e: UnreachableEvent) => void): void {
    this.#unreachableHandlers.push(handler);
  }

  onStun(handler: (data: Buffer, source: Endpoint) => void): void {
    this.#stunHandlers.push(handler);
  }

  /** A keep-alive (STUN Binding, RFC 5626 §4.4.2) on the UDP flow to `target`. */
  async sendKeepAlive(target: Endpoint, data: Buffer): Promise<void> {
    if (this.#closed) throw new TransportError('closed', 'transport layer is closed', { endpoint: target });
    const address = normalizeAddress(target.address);
    const family = familyOf(address);
    const listener = family === undefined ? undefined : this.#listenerFor('udp', family);
    if (!listener?.udp) throw new TransportError('no-listener', 'no UDP listener for the keep-alive', { endpoint: target });
    await listener.udp.sendRaw(data, address, target.port);
  }

  #unreachable(remote: Endpoint, error: TransportError): void {
    this.#logger.info('destination unreachable (ICMP)', { remote: remote.address, port: remote.port, error: error.systemCode });
    for (const h of this.#unreachableHandlers) {
      try {
        h({ remote, error });
      } catch (err) {
        this.#logger.error('unreachable handler threw', { error: String(err) });
      }
    }
  }

  /**
   * The machine's addresses changed (network-change.ts): a wildcard listener's
   * sent-by is guessed again from the interfaces, and every UDP flow is closed
   * (its connected socket still sends from the old source address); the next
   * request opens a new one. Returns whether any sent-by changed.
   */
  networkChanged(): boolean {
    let changed = false;
    for (const l of this.#listeners) {
      l.udp?.resetFlows();
      if (!l.guessed) continue;
      const host = guessAdvertisedAddress(l.family);
      if (host === l.sentBy.host) continue;
      this.#logger.info('local address changed', { protocol: l.protocol, from: l.sentBy.host, to: host });
      l.sentBy = { ...l.sentBy, host };
      changed = true;
    }
    return changed;
  }

  localAddress(protocol: TransportProtocol, family?: 4 | 6): { host: string; port: number } | undefined {
    const l = this.#listenerFor(protocol, family ?? 4) ?? (family === undefined ? this.#listenerFor(protocol, 6) : undefined);
    return l ? { ...l.sentBy } : undefined;
  }

  async send(message: SipMessage, target: SendTarget): Promise<SendResult> {
    if (this.#closed) throw new TransportError('closed', 'transport layer is closed', { endpoint: target });
    const address = normalizeAddress(target.address);
    const family = familyOf(address);
    if (family === undefined) {
      throw new TransportError('unreachable', `destination must be an IP literal, got "${target.address}"`, { endpoint: target });
    }
    const dest: SendTarget = { ...target, address };
    if (target.protocol !== 'udp') return this.#sendStream(message, dest, family);

    const listener = this.#listenerFor('udp', family);
    if (!listener?.udp) throw new TransportError('no-listener', `no UDP listener for IPv${family}`, { endpoint: dest });
    let data: Buffer;
    if (message.kind === 'request') {
      this.#stamp(message, 'udp', listener.sentBy);
      data = serializeMessage(message);
      const limit = this.#options.pathMtu !== undefined ? this.#options.pathMtu - 200 : UNKNOWN_MTU_LIMIT;
      // Only when we listen on TCP too: the dialog's later requests follow the
      // transport this one used (a proxy record-routes with transport=tcp), and a
      // phone without a TCP listener could not send its ACK or BYE that way.
      if (data.length > limit && this.#listenerFor('tcp', family)) {
        // RFC 3261 §18.1.1: too close to the MTU for UDP; TCP to the same address and port.
        try {
          return await this.#sendStream(message, { protocol: 'tcp', address, port: dest.port }, family);
        } catch (err) {
          const fits = data.length <= maxDatagram(family);
          if (!(this.#options.udpFallback ?? true) || !fits || !(err instanceof TransportError) || err.code === 'tls') throw err;
          this.#logger.info('TCP for a large request failed, sending it over UDP', { bytes: data.length, error: err.message });
          this.#stamp(message, 'udp', listener.sentBy);
          data = serializeMessage(message);
        }
      }
      await listener.udp.sendRequest(data, address, dest.port);
      return { protocol: 'udp', address, port: dest.port, local: { ...listener.local } };
    }
    data = serializeMessage(message);
    await listener.udp.send(data, address, dest.port);
    return { protocol: 'udp', address, port: dest.port, local: { ...listener.local } };
  }

  async sendResponse(response: SipResponse, to: IncomingMessage, bytes?: Buffer): Promise<void> {
    if (this.#closed) throw new TransportError('closed', 'transport layer is closed', { endpoint: to.source });
    const via = topVia(response);
    const data = bytes ?? serializeMessage(response);
    const protocol = to.source.protocol;
    if (protocol === 'udp') {
      // RFC 3581 §4: answer from the socket the request came in on.
      const family = familyOf(to.source.address) ?? 4;
      const listener =
        this.#listeners.find((l) => l.udp && l.local.port === to.local.port && sameAddress(l.local.address, to.local.address)) ??
        this.#listenerFor('udp', family);
      if (!listener?.udp) throw new TransportError('no-listener', `no UDP listener for IPv${family}`, { endpoint: to.source });
      const source = { address: to.source.address, port: to.source.port };
      const dest = this.#options.trustedPeer?.(to.source) === true ? (unreliableResponseTarget(via) ?? source) : source;
      await listener.udp.send(data, dest.address, dest.port);
      return;
    }
    const existing = to.connectionId !== undefined ? this.#pool.get(to.connectionId) : undefined;
    if (existing) {
      await existing.write(data);
      return;
    }
    // RFC 3261 §18.2.2: the connection is gone; open one to received (or sent-by) at the sent-by port.
    const dest = reliableResponseTarget(via) ?? { address: to.source.address, port: defaultPort(protocol) };
    const family = familyOf(dest.address) ?? 4;
    const serverName = protocol === 'tls' && familyOf(normalizeAddress(via.host)) === undefined ? via.host : undefined;
    const connection = await this.#connectionFor({ protocol, address: dest.address, port: dest.port, serverName }, family);
    await connection.write(data);
  }

  /**
   * Why the last TLS connection to this server (SIP domain, host or IP literal) was
   * refused, while no later one succeeded: the words and the certificate to show.
   */
  tlsFailure(serverName: string): TlsCertificateError | undefined {
    return this.#tlsFailures.get(serverName.replace(/^\[(.*)\]$/, '$1').toLowerCase());
  }

  /**
   * The TLS version and cipher of an open connection to this server (its
   * name as we connected to it, or its address), for the words on what
   * protects a call.
   */
  tlsSession(server: string): TlsSessionInfo | undefined {
    const name = server.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    for (const c of this.#pool.all()) {
      if (c.protocol !== 'tls' || !c.open) continue;
      if (c.serverName?.toLowerCase() === name || c.remote.address === name) return c.tls;
    }
    return undefined;
  }

  /** Starts RFC 5626 §4.4.1 CRLF pings on a connection (e.g. the flow a registration uses). */
  startKeepAlive(connectionId: string, intervalMs: number): boolean {
    const c = this.#pool.get(connectionId);
    c?.startKeepAlive(intervalMs, this.#options.pongTimeoutMs ?? 10_000);
    return c !== undefined;
  }

  stopKeepAlive(connectionId: string): void {
    this.#pool.get(connectionId)?.stopKeepAlive();
  }

  /** Exempts a connection from idle close (or makes it eligible again). */
  pinConnection(connectionId: string, pinned = true): boolean {
    const c = this.#pool.get(connectionId);
    if (c) c.pinned = pinned;
    return c !== undefined;
  }

  closeConnection(connectionId: string): void {
    this.#pool.get(connectionId)?.close('local');
  }

  connections(): ConnectionInfo[] {
    return this.#pool.all().map((c) => ({
      id: c.id, protocol: c.protocol, direction: c.direction, remote: { ...c.remote }, local: { ...c.local }, pinned: c.pinned, awaitingPong: c.awaitingPong,
    }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of this.#pool.all()) c.close('local');
    await Promise.all(this.#listeners.map((l) => (l.udp ? l.udp.close() : l.stream?.close())));
    this.#listeners.length = 0;
  }

  #listenerFor(protocol: TransportProtocol, family: 4 | 6): Listener | undefined {
    return this.#listeners.find((l) => l.protocol === protocol && l.family === family);
  }

  #stamp(message: SipMessage, protocol: TransportProtocol, sentBy: { host: string; port: number }): void {
    stampRequestVia(message, protocol, sentBy.host, sentBy.port);
    this.#sentBy.add(sentByKey(sentBy.host, sentBy.port));
  }

  async #sendStream(message: SipMessage, target: SendTarget, family: 4 | 6): Promise<SendResult> {
    const connection = await this.#connectionFor(target, family);
    if (message.kind === 'request') {
      // Via names our listener so a response can come back on a new connection if this one drops;
      // with no listener for this transport, the connection's own address (client-only use).
      const listener = this.#listenerFor(target.protocol, family);
      this.#stamp(message, target.protocol, listener ? listener.sentBy : { host: connection.local.address, port: connection.local.port });
    }
    await connection.write(serializeMessage(message));
    return {
      protocol: connection.protocol, address: connection.remote.address, port: connection.remote.port,
      connectionId: connection.id, local: { ...connection.local },
    };
  }

  #connectionFor(target: SendTarget, family: 4 | 6): Promise<StreamConnection> {
    const protocol = target.protocol;
    if (protocol === 'udp') return Promise.reject(new Error('UDP has no connections'));
    if (target.connectionId !== undefined) {
      const c = this.#pool.get(target.connectionId);
      if (c && c.protocol === protocol) return Promise.resolve(c);
    }
    const serverName = protocol === 'tls' ? target.serverName : undefined;
    const key = connectionKey({ protocol, address: target.address, port: target.port }, serverName);
    return this.#pool.obtain(key, async () => {
      const listener = this.#listenerFor(protocol, family);
      // Leave from the listener's address when it is a specific one, so the source matches Via.
      const localAddress = listener && !isWildcard(listener.local.address) ? listener.local.address : undefined;
      const nameKey = (serverName ?? target.address).toLowerCase();
      let socket: Socket;
      try {
        socket = await connectStream(
          { protocol, address: target.address, port: target.port, serverName },
          { localAddress, tls: this.#options.tlsClient, timeoutMs: this.#options.connectTimeoutMs ?? 10_000, clock: this.#clock },
        );
      } catch (err) {
        if (err instanceof TlsCertificateError) {
          this.#tlsFailures.set(nameKey, err);
          this.#logger.warn('TLS certificate refused', { server: err.serverName, problem: err.problem, reason: err.message });
        }
        throw err;
      }
      if (protocol === 'tls') this.#tlsFailures.delete(nameKey);
      if (this.#closed) {
        socket.destroy();
        throw new TransportError('closed', 'transport layer is closed');
      }
      const c = this.#adopt(socket, protocol, 'out', key, serverName);
      const interval = this.#options.keepAliveIntervalMs ?? 0;
      if (interval > 0) c.startKeepAlive(interval, this.#options.pongTimeoutMs ?? 10_000);
      return c;
    });
  }

  #accept(socket: Socket, protocol: 'tcp' | 'tls'): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    const remote: Endpoint = { protocol, address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.#adopt(socket, protocol, 'in', connectionKey(remote));
  }

  /**
   * Whether a new incoming connection may stay: strangers get at most
   * maxConnectionsPerSource each and never the reserved last slots; a trusted
   * peer, or one we opened a connection to (the registrar's flow), always may.
   */
  #admit(protocol: 'tcp' | 'tls', remote: string, total: number, fromSource: number): boolean {
    const max = this.#options.maxIncomingConnections ?? 1024;
    const perSource = this.#options.maxConnectionsPerSource ?? 16;
    const reserved = Math.min(this.#options.reservedConnections ?? 32, Math.floor(max / 2));
    if (fromSource < perSource && total < max - reserved) return true;
    const known =
      this.#options.trustedPeer?.({ protocol, address: remote, port: 0 }) === true ||
      this.#pool.all().some((c) => c.direction === 'out' && sameAddress(c.remote.address, remote));
    if (!known) this.#logger.debug('incoming connection refused', { protocol, remote, total, fromSource });
    return known;
  }

  #adopt(socket: Socket, protocol: 'tcp' | 'tls', direction: 'in' | 'out', key: string, serverName?: string): StreamConnection {
    const connection = new StreamConnection({
      id: `${protocol}-${this.#nextConnection++}`,
      protocol,
      socket,
      direction,
      ctx: this.#ctx,
      idleTimeoutMs: this.#options.idleTimeoutMs ?? 120_000,
      messageDeadlineMs: this.#options.messageDeadlineMs ?? 10_000,
      serverName,
      onClose: (c, reason, error) => {
        this.#pool.remove(c);
        this.#logger.debug('connection closed', { id: c.id, reason, error: error?.message });
        const event: ConnectionClosedEvent = { connectionId: c.id, protocol, remote: c.remote, local: c.local, reason, error };
        for (const h of this.#closeHandlers) {
          try {
            h(event);
          } catch (err) {
            this.#logger.error('connection-closed handler threw', { error: String(err) });
          }
        }
      },
    });
    this.#pool.add(connection, key);
    this.#logger.debug('connection open', { id: connection.id, direction, remote: connection.remote.address, port: connection.remote.port });
    return connection;
  }

  #deliver(message: SipMessage, source: Endpoint, local: Endpoint, connectionId?: string): void {
    try {
      if (message.kind === 'request') {
        addReceivedAndRport(message, source.address, source.port);
      } else if (!this.#isOurs(message)) {
        this.#logger.info('response for a Via we did not write, dropped', { source: source.address, port: source.port });
        return;
      }
    } catch (err) {
      this.#logger.info('message without a usable Via dropped', { source: source.address, port: source.port, error: String(err) });
      return;
    }
    const incoming: IncomingMessage = { message, source, local, connectionId };
    for (const handler of this.#handlers) {
      try {
        handler(incoming);
      } catch (err) {
        this.#logger.error('message handler threw', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    }
  }

  /** RFC 3261 §18.1.2: a response whose top Via is not ours is discarded. */
  #isOurs(response: SipMessage): boolean {
    const via = topVia(response);
    if (this.#options.checkResponseSentBy === false) return true;
    return this.#sentBy.has(sentByKey(via.host, via.port ?? defaultPort(via.transport)));
  }
}

function sentByKey(host: string, port: number): string {
  const h = normalizeAddress(host);
  return `${isIP(h) ? canonicalAddress(h) : h.toLowerCase()}|${port}`;
}
