/**
 * One TCP or TLS connection carrying SIP (RFC 3261 §18.3: messages framed by
 * Content-Length). Shared by both directions: connections we open and those a
 * peer opens to our listener. It owns
 *  - framing (StreamParser): several messages per chunk, one message over many;
 *    a malformed message whose Content-Length is still readable is answered
 *    (400...) and skipped; a framing error closes the connection, after
 *    answering when possible;
 *  - the RFC 5626 §4.4.1 CRLF keep-alive: a CRLFCRLF ping is answered with a
 *    CRLF pong; optionally we ping every interval (randomized to 80-100 % of
 *    it) and, once the server has answered a ping, treat a pong missing after
 *    `pongTimeoutMs` as a failed flow (a server that never answers pings —
 *    one without RFC 5626 support — still gets them: they keep a NAT's
 *    mapping, and the flow's failures show up as its requests fail);
 *  - idle close: no SIP message either way for `idleTimeoutMs` closes it
 *    (RFC 3261 §18 leaves the lifetime to the implementation; keep-alives do
 *    not count as use). A pinned connection (a registration flow) never idles out;
 *  - a deadline per message (slowloris): from its first byte a message's head
 *    must be complete within `messageDeadlineMs` (its body gets as long
 *    again), and a connection a peer opened must bring its first message
 *    within that time; else it closes as 'incomplete'. Trickling bytes never
 *    counts as use.
 *
 *   connecting ──(connect / TLS handshake)──▶ open ──(close / error / idle / framing)──▶ closed
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TimerHandle } from '../../common/clock.ts';
import { serializeMessage, StreamParser } from '../message/index.ts';
import type { SipMessage, SipParseError } from '../message/index.ts';
import { normalizeAddress } from './address.ts';
import { describeParseError, responseToMalformed } from './malformed-request.ts';
import type { ConnectionCloseReason, Endpoint } from './transport.ts';
import type { TransportContext } from './transport-context.ts';
import { toTransportError, TransportError } from './transport-error.ts';

const PING = Buffer.from('\r\n\r\n');
const PONG = Buffer.from('\r\n');
/** After a framing error we half-close and give the peer this long to read our 400 before we destroy. */
const LINGER_MS = 2000;

/** A TLSSocket says so (`encrypted: true`); checked without loading node:tls for plain TCP. */
function isTlsSocket(socket: Socket): socket is TLSSocket {
  return (socket as Partial<TLSSocket>).encrypted === true;
}

export interface StreamConnectionOptions {
  id: string;
  protocol: 'tcp' | 'tls';
  socket: Socket;
  direction: 'in' | 'out';
  ctx: TransportContext;
  /** 0 or less: never close for idleness. */
  idleTimeoutMs: number;
  /** TLS: the name the peer's certificate was verified against (outgoing only). */
  serverName?: string;
  /** Head of a message complete within this long of its first byte; 0 = no deadline. */
  messageDeadlineMs?: number;
  onClose(connection: StreamConnection, reason: ConnectionCloseReason, error?: TransportError): void;
}

export interface TlsSessionInfo {
  /** As node reports it: 'TLSv1.2', 'TLSv1.3'. */
  version: string;
  /** IANA name: 'TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'. */
  cipher: string;
}

export class StreamConnection {
  readonly id: string;
  readonly protocol: 'tcp' | 'tls';
  readonly direction: 'in' | 'out';
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly serverName?: string;
  readonly #socket: Socket;
  readonly #ctx: TransportContext;
  readonly #parser: StreamParser;
  readonly #idleTimeoutMs: number;
  readonly #onClose: StreamConnectionOptions['onClose'];
  #open = true;
  #pinned = false;
  #idleTimer?: TimerHandle;
  #pingTimer?: TimerHandle;
  #pongTimer?: TimerHandle;
  /** Whether the far end answers our pings: 'unknown' until the first one is answered or not. */
  #pongs: 'unknown' | 'answered' | 'silent' = 'unknown';
  #lingerTimer?: TimerHandle;
  readonly #messageDeadlineMs: number;
  #deadlineTimer?: TimerHandle;
  /** What the armed deadline waits for. */
  #deadlineFor: 'first' | 'head' | 'body' | undefined;
  #closeReason?: ConnectionCloseReason;
  #closeError?: TransportError;

  constructor(options: StreamConnectionOptions) {
    const { socket, ctx } = options;
    this.id = options.id;
    this.protocol = options.protocol;
    this.direction = options.direction;
    this.serverName = options.serverName;
    this.#socket = socket;
    this.#ctx = ctx;
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#onClose = options.onClose;
    this.#messageDeadlineMs = options.messageDeadlineMs ?? 0;
    this.#parser = new StreamParser(ctx.parseLimits, (err) => this.#onBadMessage(err));
    this.remote = { protocol: options.protocol, address: normalizeAddress(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
    this.local = { protocol: options.protocol, address: normalizeAddress(socket.localAddress ?? ''), port: socket.localPort ?? 0 };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => {
      if (!this.#closeReason) {
        this.#closeReason = 'error';
        this.#closeError = toTransportError(err, this.remote);
      }
      ctx.logger.debug('connection error', { id: this.id, error: err.message });
    });
    socket.on('end', () => {
      this.#closeReason ??= 'remote';
    });
    socket.on('close', () => this.#finish());
    this.#touch();
    // A connection a peer opens is for sending us something: not for holding a socket.
    if (options.direction === 'in') this.#armDeadline('first');
    // The peer may have gone before we got the socket: 'close' will not fire again.
    if (socket.destroyed) queueMicrotask(() => this.#finish());
  }

  get open(): boolean {
    return this.#open && !this.#socket.destroyed && this.#socket.writable;
  }

  /** The negotiated TLS version ('TLSv1.3') and cipher suite (IANA name) of a TLS connection. */
  get tls(): TlsSessionInfo | undefined {
    if (!isTlsSocket(this.#socket)) return undefined;
    const socket = this.#socket;
    const version = socket.getProtocol();
    const cipher = socket.getCipher();
    if (!version || !cipher) return undefined;
    return { version, cipher: cipher.standardName ?? cipher.name };
  }

  /** A CRLF ping went out and its pong has not come back yet. */
  get awaitingPong(): boolean {
    return this.#pongTimer !== undefined;
  }

  get pinned(): boolean {
    return this.#pinned;
  }

  /** A pinned connection (e.g. the flow a registration uses, RFC 5626) is exempt from idle close. */
  set pinned(value: boolean) {
    this.#pinned = value;
    this.#touch();
  }

  /** Writes one serialized message; resolves once the socket took it. */
  write(data: Buffer, isMessage = true): Promise<void> {
    if (!this.open) return Promise.reject(new TransportError('closed', `connection ${this.id} is closed`, { endpoint: this.remote }));
    if (isMessage) this.#touch();
    return new Promise((resolve, reject) => {
      this.#socket.write(data, (err) => {
        if (err) {
          reject(toTransportError(err, this.remote));
          return;
        }
        if (isMessage) {
          this.#ctx.trace({ direction: 'out', protocol: this.protocol, local: this.local, remote: this.remote, connectionId: this.id, text: data.toString('utf8') });
        }
        resolve();
      });
    });
  }

  /**
   * RFC 5626 §4.4.1: send a CRLFCRLF ping every ~intervalMs; no pong within
   * pongTimeoutMs closes the connection with a 'timeout' TransportError.
   */
  startKeepAlive(intervalMs: number, pongTimeoutMs: number): void {
    this.stopKeepAlive();
    if (!(intervalMs > 0) || !this.#open) return;
    const schedule = () => {
      const delay = Math.max(1, Math.round(intervalMs * (0.8 + 0.2 * Math.random())));
      this.#pingTimer = this.#ctx.clock.setTimeout(() => {
        this.#pingTimer = undefined;
        if (!this.#open) return;
        this.write(PING, false).catch(() => {});
        if (this.#pongTimer === undefined && this.#pongs !== 'silent') {
          this.#pongTimer = this.#ctx.clock.setTimeout(() => {
            this.#pongTimer = undefined;
            if (this.#pongs === 'unknown') {
              // Never answered: a server without RFC 5626 support. Pings go on; missing pongs mean nothing.
              this.#pongs = 'silent';
              return;
            }
            this.close('keepalive-timeout', new TransportError('timeout', `no CRLF pong within ${pongTimeoutMs} ms`, { endpoint: this.remote }));
          }, pongTimeoutMs);
        }
        schedule();
      }, delay);
    };
    schedule();
  }

  stopKeepAlive(): void {
    this.#ctx.clock.clearTimeout(this.#pingTimer);
    this.#ctx.clock.clearTimeout(this.#pongTimer);
    this.#pingTimer = undefined;
    this.#pongTimer = undefined;
  }

  /** Closes now (destroying the socket); `onClose` reports `reason`. */
  close(reason: ConnectionCloseReason = 'local', error?: TransportError): void {
    if (!this.#closeReason || reason !== 'local') {
      this.#closeReason = reason;
      this.#closeError = error;
    }
    this.#socket.destroy();
    this.#finish();
  }

  #touch(): void {
    this.#ctx.clock.clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (!this.#open || this.#pinned || this.#idleTimeoutMs <= 0) return;
    this.#idleTimer = this.#ctx.clock.setTimeout(() => {
      this.#idleTimer = undefined;
      this.#ctx.logger.debug('closing idle connection', { id: this.id, idleMs: this.#idleTimeoutMs });
      this.close('idle');
    }, this.#idleTimeoutMs);
  }

  #onData(chunk: Buffer): void {
    if (!this.#open || this.#closeReason === 'framing') return;
    let items;
    try {
      items = this.#parser.push(chunk);
    } catch (err) {
      this.#onFramingError(err);
      return;
    }
    let delivered = false;
    for (const item of items) {
      if (!this.#open) return;
      if (item.kind !== 'keepalive-ping' && item.kind !== 'keepalive-pong') delivered = true;
      if (item.kind === 'keepalive-ping') {
        this.write(PONG, false).catch(() => {});
      } else if (item.kind === 'keepalive-pong') {
        this.#ctx.clock.clearTimeout(this.#pongTimer);
        this.#pongTimer = undefined;
        this.#pongs = 'answered';
      } else {
        this.#onMessage(item);
      }
    }
    if (this.#open) this.#followMessage(delivered);
  }

  /** Re-arms the message deadline after a chunk: a complete message ends it, the first byte of the next starts it. */
  #followMessage(delivered: boolean): void {
    const partial = this.#parser.buffered > 0 || this.#parser.awaitingBody;
    if (delivered) this.#clearDeadline();
    if (!partial) {
      // Keep-alives alone do not satisfy the wait for a first message.
      if (this.#deadlineFor !== 'first') this.#clearDeadline();
      return;
    }
    // From the message's first byte: its head gets the deadline, then its body as long again.
    if (this.#deadlineTimer === undefined) this.#armDeadline('head');
  }

  #armDeadline(what: 'first' | 'head' | 'body'): void {
    this.#clearDeadline();
    if (this.#messageDeadlineMs <= 0 || !this.#open) return;
    this.#deadlineFor = what;
    this.#deadlineTimer = this.#ctx.clock.setTimeout(() => {
      this.#deadlineTimer = undefined;
      if (!this.#open) return;
      // A head that arrived in time gets as long again for its body.
      if (this.#deadlineFor !== 'body' && this.#parser.awaitingBody) {
        this.#armDeadline('body');
        return;
      }
      const waited = this.#deadlineFor === 'first' ? 'no message' : 'a message incomplete';
      this.#ctx.logger.info('closing a connection that stalls', { id: this.id, remote: this.remote.address, port: this.remote.port, buffered: this.#parser.buffered });
      this.close('incomplete', new TransportError('timeout', `${waited} after ${this.#messageDeadlineMs} ms`, { endpoint: this.remote }));
    }, this.#messageDeadlineMs);
  }

  #clearDeadline(): void {
    this.#ctx.clock.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#deadlineFor = undefined;
  }

  #onMessage(message: SipMessage): void {
    this.#touch();
    if (this.#ctx.tracing) {
      let text = '';
      try {
        text = serializeMessage(message).toString('utf8');
      } catch {
        // Tracing must not stop delivery.
      }
      this.#ctx.trace({ direction: 'in', protocol: this.protocol, local: this.local, remote: this.remote, connectionId: this.id, text });
    }
    this.#ctx.deliver(message, this.remote, this.local, this.id);
  }

  /** A malformed message whose framing survived: answer it if it was a request, and read on. */
  #onBadMessage(err: SipParseError): void {
    const response = responseToMalformed(err, this.remote);
    this.#ctx.logger.info(response ? 'malformed request answered' : 'malformed message dropped', {
      id: this.id, remote: this.remote.address, port: this.remote.port, ...describeParseError(err),
    });
    if (!response) return;
    let data: Buffer;
    try {
      data = serializeMessage(response);
    } catch {
      return;
    }
    this.write(data).catch(() => {});
  }

  /** RFC 3261 §18.3: without a trustworthy Content-Length the stream cannot be resynchronised: close it. */
  #onFramingError(err: unknown): void {
    this.#closeReason = 'framing';
    this.#ctx.logger.info('stream framing error, closing', { id: this.id, remote: this.remote.address, port: this.remote.port, ...describeParseError(err) });
    const response = responseToMalformed(err, this.remote);
    let data: Buffer | undefined;
    try {
      if (response) data = serializeMessage(response);
    } catch {
      data = undefined;
    }
    this.stopKeepAlive();
    this.#clearDeadline();
    this.#ctx.clock.clearTimeout(this.#idleTimer);
    if (data) this.#socket.end(data);
    else this.#socket.end();
    this.#lingerTimer = this.#ctx.clock.setTimeout(() => this.#socket.destroy(), LINGER_MS);
  }

  #finish(): void {
    if (!this.#open) return;
    this.#open = false;
    this.stopKeepAlive();
    this.#clearDeadline();
    this.#ctx.clock.clearTimeout(this.#idleTimer);
    this.#ctx.clock.clearTimeout(this.#lingerTimer);
    this.#idleTimer = undefined;
    this.#lingerTimer = undefined;
    const reason = this.#closeReason ?? 'remote';
    try {
      this.#onClose(this, reason, this.#closeError);
    } catch (err) {
      this.#ctx.logger.error('connection close handler threw', { error: String(err) });
    }
  }
}
