/**
 * The TCP and TLS socket plumbing shared by both stream transports
 * (RFC 3261 §18, RFC 5246 via node:tls): a listener that accepts connections,
 * and `connectStream` that opens one. TLS verifies the peer's certificate by
 * default (RFC 5922 §7.2: the name checked is the SIP domain, passed as
 * `serverName`, which also goes out as SNI, RFC 6066 §3).
 */
import { connect as netConnect, createServer as createNetServer, isIP } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { ConnectionOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { normalizeAddress } from './address.ts';
import type { Endpoint } from './transport.ts';
import { toTransportError, TransportError } from './transport-error.ts';
import { TlsTrust } from './tls-trust.ts';
import { verifyServerCertificate } from './tls-verify.ts';

type Pem = string | Buffer | Array<string | Buffer>;

const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * node:tls, loaded when the first TLS connection is made or accepted: an idle
 * phone without a TLS account never pays for it (≈ 3 MB of RSS and its
 * start-up time; OpenSSL's contexts come on top).
 */
export function nodeTls(): typeof import('node:tls') {
  return process.getBuiltinModule('node:tls');
}

/** Server side of TLS: our certificate, and optionally client-certificate checks (mutual TLS). */
export interface TlsServerOptions {
  key: Pem;
  cert: Pem;
  /** CAs that client certificates must chain to (only with requestCert). */
  ca?: Pem;
  requestCert?: boolean;
  /** With requestCert: refuse clients without a valid certificate (default true). */
  rejectUnauthorized?: boolean;
}

/** Client side of TLS for the connections we open. */
export interface TlsClientOptions {
  /**
   * What is trusted, per server name (tls-trust.ts): system + bundled CAs, an
   * account's CA file, pinned fingerprints. Default: system + bundled CAs, or `ca` alone when given.
   */
  trust?: TlsTrust;
  /** Trusted CAs, replacing the system's (tests with their own CA). Ignored when `trust` is given. */
  ca?: Pem;
  /** Our client certificate and key, for servers that ask for one. */
  cert?: Pem;
  key?: Pem;
  /** Default true. False disables certificate checks: for lab use only. */
  rejectUnauthorized?: boolean;
}

/** The trust used when the options bring none: their `ca` alone, else the system's (made once). */
let systemTrust: TlsTrust | undefined;
function trustOf(t: TlsClientOptions): TlsTrust {
  if (t.trust) return t.trust;
  if (t.ca !== undefined) {
    const list = (Array.isArray(t.ca) ? t.ca : [t.ca]).map((c) => c.toString());
    return new TlsTrust({ extraCa: list, onlyExtraCa: true });
  }
  systemTrust ??= new TlsTrust();
  return systemTrust;
}

export interface StreamListenOptions {
  protocol: 'tcp' | 'tls';
  address: string;
  port: number;
  /** Our certificate; a function is asked only when the first TLS client connects (it may make the certificate). */
  tls?: TlsServerOptions | (() => TlsServerOptions);
  ipv6Only?: boolean;
  /** Hard cap on accepted connections (default 1024); see `admit`. */
  maxConnections?: number;
  /**
   * Asked for each new connection (TLS: before its handshake) with the number
   * this listener holds in total and from that address; false resets it.
   */
  admit?: (remote: string, total: number, fromSource: number) => boolean;
}

export class StreamListener {
  readonly protocol: 'tcp' | 'tls';
  readonly local: Endpoint;
  readonly #server: Server;
  /** Every accepted socket, including TLS ones still in their handshake, so close() can end them all. */
  readonly #sockets: Set<Socket>;
  readonly #stats: { refused: number };
  #closed = false;

  private constructor(server: Server, protocol: 'tcp' | 'tls', local: Endpoint, sockets: Set<Socket>, stats: { refused: number }) {
    this.#server = server;
    this.protocol = protocol;
    this.local = local;
    this.#sockets = sockets;
    this.#stats = stats;
  }

  /** Connections held now (TLS: handshakes included). */
  get connectionCount(): number {
    return this.#sockets.size;
  }

  /** Connections reset at once because `admit` said no. */
  get refusedCount(): number {
    return this.#stats.refused;
  }

  /** Binds and listens; `onSocket` gets each accepted socket (for TLS: after a good handshake). */
  static listen(options: StreamListenOptions, onSocket: (socket: Socket) => void, logger: Logger): Promise<StreamListener> {
    const { protocol } = options;
    const tlsOptions = options.tls;
    if (protocol === 'tls' && !tlsOptions) return Promise.reject(new Error('a TLS listener needs tls: { key, cert }'));
    // TLS: the TCP server below admits each connection, then hands it to a
    // tls.Server that never listens itself (made at the first client, with the
    // certificate asked for then), which runs the handshake.
    let tlsServer: TlsServer | undefined;
    const handshake = (socket: Socket): void => {
      try {
        if (!tlsServer) {
          const t = typeof tlsOptions === 'function' ? tlsOptions() : tlsOptions!;
          const s = nodeTls().createServer({
            key: t.key, cert: t.cert, ca: t.ca, requestCert: t.requestCert ?? false, rejectUnauthorized: t.rejectUnauthorized ?? true,
            // A peer that opens TCP and never finishes the handshake holds a socket: not for Node's default 120 s.
            handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
          });
          s.on('secureConnection', (tlsSocket) => onSocket(tlsSocket));
          // A failed handshake (bad certificate, plain TCP, garbage) must not reach 'error'.
          s.on('tlsClientError', (err, tlsSocket) =>
            logger.info('TLS handshake with a client failed', { remote: tlsSocket.remoteAddress, port: tlsSocket.remotePort, error: err.message }),
          );
          tlsServer = s;
        }
        tlsServer.emit('connection', socket);
      } catch (err) {
        logger.warn('cannot accept a TLS client: our certificate is not usable', { error: err instanceof Error ? err.message : String(err) });
        socket.destroy();
      }
    };
    // Handed on from the 'connection' handler below, once admitted.
    const server: Server = createNetServer();
    if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
    const sockets = new Set<Socket>();
    const perSource = new Map<string, number>();
    const stats = { refused: 0 };
    server.on('connection', (socket: Socket) => {
      const remote = normalizeAddress(socket.remoteAddress ?? '');
      const fromSource = perSource.get(remote) ?? 0;
      if (options.admit && !options.admit(remote, sockets.size, fromSource)) {
        stats.refused++;
        socket.on('error', () => {});
        socket.resetAndDestroy();
        return;
      }
      sockets.add(socket);
      perSource.set(remote, fromSource + 1);
      socket.once('close', () => {
        sockets.delete(socket);
        const left = (perSource.get(remote) ?? 1) - 1;
        if (left > 0) perSource.set(remote, left);
        else perSource.delete(remote);
      });
      if (protocol === 'tcp') onSocket(socket);
      else handshake(socket);
    });
    const requested: Endpoint = { protocol, address: options.address, port: options.port };
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        server.close();
        reject(toTransportError(err, requested));
      };
      server.once('error', onError);
      server.listen({ host: options.address, port: options.port, ipv6Only: options.ipv6Only ?? true, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => logger.warn('stream listener error', { protocol, error: err.message }));
        const a = server.address();
        const local: Endpoint =
          a !== null && typeof a === 'object' ? { protocol, address: normalizeAddress(a.address), port: a.port } : requested;
        resolve(new StreamListener(server, protocol, local, sockets, stats));
      });
    });
  }

  /** Stops accepting and destroys every socket it accepted (server.close waits for them all). */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const done = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    return done;
  }
}

export interface ConnectOptions {
  localAddress?: string;
  tls?: TlsClientOptions;
  timeoutMs: number;
  clock: Clock;
}

/** Opens a TCP connection, or a TLS one that verified the peer; rejects with a TransportError. */
export function connectStream(target: Endpoint & { protocol: 'tcp' | 'tls'; serverName?: string }, options: ConnectOptions): Promise<Socket> {
  const endpoint: Endpoint = { protocol: target.protocol, address: target.address, port: target.port };
  return new Promise((resolve, reject) => {
    let done = false;
    let timer: TimerHandle | undefined;
    let socket: Socket;
    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      options.clock.clearTimeout(timer);
      socket.destroy();
      reject(toTransportError(err, endpoint));
    };
    const ok = () => {
      if (done) return;
      done = true;
      options.clock.clearTimeout(timer);
      resolve(socket);
    };
    try {
      if (target.protocol === 'tls') {
        const t = options.tls ?? {};
        const name = target.serverName ?? target.address;
        const trust = trustOf(t);
        // node:tls passes localAddress on to net.connect; @types/node omits it from ConnectionOptions.
        const tlsOptions: ConnectionOptions & { localAddress?: string } = {
          host: target.address,
          port: target.port,
          localAddress: options.localAddress,
          // RFC 6066 §3: SNI carries host names only, never IP literals.
          servername: isIP(name) === 0 ? name : undefined,
          secureContext: trust.secureContext(name, { cert: t.cert, key: t.key }),
          minVersion: 'TLSv1.2',
          // OpenSSL verifies the chain; the decision (pins, RFC 5922 names, the words for a refusal)
          // is ours, in verifyServerCertificate, once the handshake is done.
          rejectUnauthorized: false,
          // Node's own name check (RFC 6125, wildcards allowed) would mark `authorized` false before ours runs.
          checkServerIdentity: () => undefined,
        };
        const tlsSocket: TLSSocket = nodeTls().connect(tlsOptions);
        socket = tlsSocket;
        tlsSocket.once('secureConnect', () => {
          if (t.rejectUnauthorized !== false) {
            try {
              verifyServerCertificate(tlsSocket, name, { pins: trust.pinsFor(name) }, endpoint);
            } catch (err) {
              fail(err);
              return;
            }
          }
          ok();
        });
      } else {
        socket = netConnect({ host: target.address, port: target.port, localAddress: options.localAddress });
        socket.once('connect', ok);
      }
    } catch (err) {
      reject(toTransportError(err, endpoint));
      return;
    }
    // Stays attached: after success the connection adds its own handler, and `fail` is then a no-op.
    socket.on('error', fail);
    socket.once('close', () => fail(new TransportError('closed', 'connection closed during setup', { endpoint })));
    timer = options.clock.setTimeout(
      () => fail(new TransportError('timeout', `no connection within ${options.timeoutMs} ms`, { endpoint })),
      options.timeoutMs,
    );
  });
}
