/**
 * The WebSocket binding of the control API, and the web host's file server,
 * on one loopback HTTP port. The protocol is described in wire.ts; this file
 * is about who gets in and how much they may ask:
 *
 *   HTTP upgrade on /api    path → Host (DNS rebinding) → Origin → token
 *                           → client count; refusals are plain HTTP answers
 *                           (404, 403, 403, 401, 503) and no WebSocket.
 *   text message            ≤ maxMessageBytes, JSON, a valid envelope; the
 *                           dispatcher validates the command and its params.
 *   commands in flight      ≤ maxInFlight per client, else 'busy' at once.
 *   binary message          an audio frame (audio-frames.ts) for the hook.
 *   SIP trace               only to the clients that follow it (`trace.follow`,
 *                           connection-api.ts); none at connect.
 *   slow reader             a client that lets more than maxBufferedBytes of
 *                           events pile up is disconnected (events are state;
 *                           dropping some would leave its view wrong); audio
 *                           frames to it are dropped instead (late audio is
 *                           useless anyway).
 *
 * Nothing a client sends can stop the server: every failure is answered or
 * logged, and the connection stays usable unless the WebSocket layer itself
 * is violated (invalid UTF-8, a frame over the hard limit).
 *
 * An Origin header, when present, must be this server's own origin or one of
 * `allowedOrigins`; browsers always send one, so a foreign page is refused.
 * Clients that are not browsers (the CLI, tests) send none and are let in on
 * the token alone.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { nullLogger, type Logger } from '../common/logger.ts';
import { decodeAudioFrame, encodeAudioFrame, MAX_AUDIO_FRAME_BYTES, type AudioFrame } from './audio-frames.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { ApiErrorCode } from './errors.ts';
import type { EventBus } from './event-bus.ts';
import type { ConnectionControl } from './connection-api.ts';
import { acceptedHostHeaders, hostLiteral, isLoopbackAddress } from './loopback.ts';
import { createStaticHandler, defaultCsp, securityHeaders, type StaticHandler } from './static-files.ts';
import { checkToken, newToken, tokensEqual } from './token.ts';
import { API_PATH, parseRequest, PROTOCOL_VERSION, readLeadingId, type HelloMessage, type RequestId, type WireErrorMessage, type WireReply } from './wire.ts';

export interface ApiServerLimits {
  /** Largest JSON message read; a longer one is answered 'bad-request' unread. */
  maxMessageBytes: number;
  /** Hard WebSocket frame limit: beyond it the connection is closed (1009). */
  maxPayloadBytes: number;
  maxInFlight: number;
  maxClients: number;
  maxBufferedBytes: number;
  /** Error events (unanswerable bad input) per client per second; more are only logged. */
  maxErrorEventsPerSecond: number;
}

export const DEFAULT_LIMITS: Readonly<ApiServerLimits> = Object.freeze({
  maxMessageBytes: 64 * 1024,
  maxPayloadBytes: 1024 * 1024,
  maxInFlight: 64,
  maxClients: 8,
  maxBufferedBytes: 8 * 1024 * 1024,
  maxErrorEventsPerSecond: 10,
});

/** Where the web host's audio goes: capture frames from clients, and which clients are there. */
export interface AudioHook {
  onFrame(frame: AudioFrame, clientId: string): void;
  onClientClosed?(clientId: string): void;
}

export interface ApiServerOptions {
  dispatcher: Dispatcher;
  events: EventBus;
  /** An IP literal on loopback (127.0.0.0/8 or ::1); anything else is refused. Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (default). */
  port?: number;
  /** Default: 32 random bytes, hex, new for every run. */
  token?: string;
  /** Origins allowed besides this server's own (http://127.0.0.1:PORT, http://localhost:PORT). */
  allowedOrigins?: string[];
  /** The built renderer; without it, plain HTTP answers 404 to everything. */
  staticRoot?: string;
  /** Replaces the default Content-Security-Policy of served files. */
  csp?: string;
  audio?: AudioHook;
  logger?: Logger;
  limits?: Partial<ApiServerLimits>;
}

export interface ApiServer {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** http://127.0.0.1:PORT — where the web UI is served. */
  readonly origin: string;
  /** ws://127.0.0.1:PORT/api?token=… — what a client connects to. */
  readonly apiUrl: string;
  readonly clientCount: number;
  /** Sends a playback frame to one client or to all; returns how many got it (slow ones are skipped). */
  sendAudio(frame: AudioFrame, clientId?: string): number;
  /**
   * Resolves once no HTTP connection, request or upgrade has come for `quietMs`,
   * or after `maxMs` at most. The web host's start waits on it between its
   * steps (cli/web-command.ts), so that a page loading its files is answered
   * in one go instead of one file per step.
   */
  whenQuiet(quietMs: number, maxMs: number): Promise<void>;
  close(): Promise<void>;
}

interface Client {
  id: string;
  ws: WebSocket;
  /** This client's side of the connection commands (trace.follow). */
  connection: ConnectionControl;
  inFlight: number;
  errorWindowStart: number;
  errorsInWindow: number;
}

/** WebSocket readyState values (RFC 6455 states as the WHATWG API numbers them). */
const WS_OPEN = 1;
const WS_CLOSED = 3;

/**
 * The WebSocket package is loaded once the server listens, not before:
 * loading it (with the TLS, HTTPS, zlib and stream modules it takes) costs
 * tens of milliseconds (at load 12 on two cores, `parley web` printed its
 * URL 180 ms later with it loaded first), and no page upgrades before it has
 * loaded and run its scripts. It loads in a turn of its own after the first
 * HTTP request has been answered (the page's index.html: then the browser
 * is busy for a while with the page), or at the first upgrade (a client that
 * is not a page), or after WS_LOAD_LATEST_MS; an upgrade that comes first
 * waits for it.
 */
const WS_LOAD_LATEST_MS = 1000;

function webSocketServerLoader(maxPayload: number): { ready: () => Promise<WebSocketServer>; soon: () => void; close: () => Promise<void> } {
  let loading: Promise<WebSocketServer> | undefined;
  // require, not import(): one synchronous step. Node's ESM loader reads the package's dozen files
  // asynchronously, a turn of the event loop each, and each turn may wait behind a step of the engine's start.
  const ready = () =>
    (loading ??= new Promise<WebSocketServer>((resolve) => {
      const { WebSocketServer: Server } = createRequire(import.meta.url)('ws') as typeof import('ws');
      resolve(new Server({ noServer: true, maxPayload, clientTracking: false }));
    }));
  let soon: NodeJS.Immediate | undefined;
  const latest = setTimeout(() => void ready().catch(() => {}), WS_LOAD_LATEST_MS);
  latest.unref();
  return {
    ready,
    soon() {
      if (loading || soon) return;
      soon = setImmediate(() => void ready().catch(() => {}));
    },
    /** Stops a load not yet begun; closes the WebSocket server if there is one. */
    async close() {
      clearTimeout(latest);
      if (soon) clearImmediate(soon);
      (await loading?.catch(() => undefined))?.close();
    },
  };
}

function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

function refuseUpgrade(socket: Socket, status: number, text: string): void {
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
  }
  socket.destroy();
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host)) throw new Error(`the API server listens on loopback only (127.0.0.1 or ::1), not on "${host}"`);
  const token = options.token ?? newToken();
  const tokenProblem = checkToken(token);
  if (tokenProblem) throw new Error(tokenProblem);
  const limits: ApiServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const logger = options.logger ?? nullLogger;
  const { dispatcher, events, audio } = options;

  const server: Server = createServer();
  /** When the last HTTP connection, request or upgrade came (performance.now()); see whenQuiet. */
  let lastHttpActivity = -Infinity;
  const httpActivity = () => (lastHttpActivity = performance.now());
  /** The waits of whenQuiet in progress: close() ends them. */
  const quietWaits = new Set<() => void>();
  server.on('connection', httpActivity);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://${hostLiteral(host)}:${port}`;
  const wsOrigin = `ws://${hostLiteral(host)}:${port}`;
  const hostHeaders = acceptedHostHeaders(host, port);
  const origins = new Set([origin, `http://localhost:${port}`, ...(options.allowedOrigins ?? [])].map(normalizeOrigin));
  const csp = options.csp ?? defaultCsp(wsOrigin);
  let serveStatic: StaticHandler | undefined;
  try {
    serveStatic = options.staticRoot === undefined ? undefined : await createStaticHandler(options.staticRoot, csp);
  } catch (e) {
    server.close();
    throw e;
  }

  const wsLoader = webSocketServerLoader(limits.maxPayloadBytes);
  const clients = new Map<string, Client>();
  /** The clients that follow the SIP trace (trace.follow): only they get `trace` events. */
  const tracing = new Set<Client>();
  let nextClient = 1;
  let closing = false;

  // ---- plain HTTP: the static UI ----

  const plain = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...securityHeaders(csp), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    httpActivity();
    const path = (req.url ?? '/').split(/[?#]/, 1)[0]!;
    if (!hostHeaders.has((req.headers.host ?? '').toLowerCase())) return plain(res, 403, 'wrong Host\n');
    if (path === API_PATH) {
      // A page whose WebSocket was refused asks here why: a browser hides the upgrade's 401, and a tab
      // left open across a restart of the host holds a token that is gone (it must say so, not retry).
      const asked = new URL(req.url ?? '/', 'http://request.invalid').searchParams.get('token');
      return tokensEqual(asked, token) ? plain(res, 426, 'the API needs a WebSocket\n') : plain(res, 401, 'unknown token\n');
    }
    if (!serveStatic || !path.startsWith('/')) return plain(res, 404, 'not found\n');
    wsLoader.soon();
    serveStatic(req, res, path).catch((e: unknown) => {
      logger.warn('static file failed', { path: path.slice(0, 200), error: String(e) });
      if (!res.headersSent) plain(res, 500, 'internal error\n');
      else res.destroy();
    });
  });
  server.on('clientError', (_e, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  // ---- the WebSocket upgrade: who gets in ----

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    httpActivity();
    socket.on('error', () => socket.destroy());
    if (closing) return refuseUpgrade(socket, 503, 'Service Unavailable');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://upgrade.invalid');
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request');
    }
    if (url.pathname !== API_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!hostHeaders.has((req.headers.host ?? '').toLowerCase())) {
      logger.warn('upgrade refused: wrong Host', { host: String(req.headers.host).slice(0, 100) });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    const from = req.headers.origin;
    if (from !== undefined && !origins.has(normalizeOrigin(from))) {
      logger.warn('upgrade refused: foreign Origin', { origin: from.slice(0, 200) });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    if (!tokensEqual(url.searchParams.get('token'), token)) {
      logger.warn('upgrade refused: missing or wrong token');
      return refuseUpgrade(socket, 401, 'Unauthorized');
    }
    if (clients.size >= limits.maxClients) return refuseUpgrade(socket, 503, 'Service Unavailable');
    wsLoader.ready().then(
      (wss) => {
        // Checked again: the server may have begun closing, or other clients come in, while the package loaded.
        if (closing || clients.size >= limits.maxClients) return refuseUpgrade(socket, 503, 'Service Unavailable');
        wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
      },
      (e: unknown) => {
        logger.error('the WebSocket package did not load', { error: String(e) });
        refuseUpgrade(socket, 503, 'Service Unavailable');
      },
    );
  });

  // ---- one connected client ----

  const sendText = (client: Client, text: string): void => {
    const { ws } = client;
    if (ws.readyState !== WS_OPEN) return;
    if (ws.bufferedAmount > limits.maxBufferedBytes) {
      logger.warn('client too slow, disconnecting', { client: client.id, buffered: ws.bufferedAmount });
      ws.terminate();
      return;
    }
    ws.send(text);
  };

  const sendJson = (client: Client, message: WireReply | HelloMessage | WireErrorMessage): void => {
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (e) {
      // A result that is not JSON (a cycle, a BigInt) is the phone's bug; the client still gets an answer.
      logger.error('reply is not serializable', { client: client.id, error: String(e) });
      if (!('id' in message)) return;
      text = JSON.stringify({ id: message.id, ok: false, code: 'internal', message: 'the result could not be sent' });
    }
    sendText(client, text);
  };

  const reject = (client: Client, code: ApiErrorCode, message: string, id?: RequestId): void => {
    if (id !== undefined) return sendJson(client, { id, ok: false, code, message });
    const now = Date.now();
    if (now - client.errorWindowStart >= 1000) {
      client.errorWindowStart = now;
      client.errorsInWindow = 0;
    }
    if (++client.errorsInWindow > limits.maxErrorEventsPerSecond) {
      logger.debug('error event suppressed', { client: client.id, message });
      return;
    }
    sendJson(client, { event: 'error', data: { code, message } });
  };

  const onText = (client: Client, data: Buffer): void => {
    if (data.length > limits.maxMessageBytes) {
      const id = readLeadingId(data.subarray(0, 120).toString('utf8'));
      return reject(client, 'bad-request', `message of ${data.length} bytes is over the ${limits.maxMessageBytes}-byte limit`, id);
    }
    const parsed = parseRequest(data.toString('utf8'));
    if (!parsed.ok) return reject(client, 'bad-request', parsed.message, parsed.id);
    const { id } = parsed;
    if (client.inFlight >= limits.maxInFlight) {
      return reject(client, 'busy', `more than ${limits.maxInFlight} commands in flight; wait for answers`, id);
    }
    client.inFlight++;
    dispatcher
      .dispatch(parsed.cmd, parsed.params, { host: 'ws', client: client.id, connection: client.connection })
      .catch((e: unknown) => {
        logger.error('dispatcher rejected', { client: client.id, error: String(e) });
        return { ok: false as const, code: 'internal' as const, message: 'internal error' };
      })
      .then((result) => {
        client.inFlight--;
        sendJson(client, { id, ...result });
      })
      .catch((e: unknown) => logger.error('reply failed', { client: client.id, error: String(e) }));
  };

  const onBinary = (client: Client, data: Buffer): void => {
    if (!audio) return reject(client, 'unavailable', 'this server takes no audio');
    if (data.length > MAX_AUDIO_FRAME_BYTES) return reject(client, 'bad-request', `binary message of ${data.length} bytes is not an audio frame`);
    const decoded = decodeAudioFrame(data);
    if (!decoded.ok) return reject(client, 'bad-request', decoded.reason);
    if (decoded.frame.kind !== 'capture') return reject(client, 'bad-request', 'clients send capture frames only');
    try {
      audio.onFrame(decoded.frame, client.id);
    } catch (e) {
      logger.error('audio hook failed', { client: client.id, error: String(e) });
    }
  };

  const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

  function onConnection(ws: WebSocket): void {
    const client: Client = {
      id: `ws-${nextClient++}`,
      ws,
      connection: {
        'trace.follow': ({ on }) => {
          if (on && clients.has(client.id)) tracing.add(client);
          else tracing.delete(client);
        },
      },
      inFlight: 0,
      errorWindowStart: 0,
      errorsInWindow: 0,
    };
    clients.set(client.id, client);
    logger.info('client connected', { client: client.id, clients: clients.size });
    ws.on('message', (data, isBinary) => {
      try {
        if (isBinary) onBinary(client, toBuffer(data));
        else onText(client, toBuffer(data));
      } catch (e) {
        logger.error('message handling failed', { client: client.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    });
    ws.on('error', (e) => logger.warn('client connection error', { client: client.id, error: e.message }));
    ws.on('close', () => {
      clients.delete(client.id);
      tracing.delete(client);
      logger.info('client disconnected', { client: client.id, clients: clients.size });
      try {
        audio?.onClientClosed?.(client.id);
      } catch (e) {
        logger.error('audio hook failed', { client: client.id, error: String(e) });
      }
    });
    sendJson(client, { event: 'hello', data: { protocol: PROTOCOL_VERSION, limits: { maxMessageBytes: limits.maxMessageBytes, maxInFlight: limits.maxInFlight } } });
  }

  // ---- events to everyone; the SIP trace to its followers ----

  // While no client follows the trace this server does not take it, so the engine makes none (events.wants).
  const unsubscribe = events.subscribe(
    (event) => {
      const to = event.event === 'trace' ? tracing : clients;
      if (to.size === 0) return;
      let text: string;
      try {
        text = JSON.stringify(event);
      } catch (e) {
        logger.error('event is not serializable', { event: event.event, error: String(e) });
        return;
      }
      for (const client of to.values()) sendText(client, text);
    },
    { takes: (event) => event !== 'trace' || tracing.size > 0 },
  );

  return {
    host,
    port,
    token,
    origin,
    apiUrl: `${wsOrigin}${API_PATH}?token=${token}`,
    get clientCount() {
      return clients.size;
    },
    sendAudio(frame, clientId) {
      // Encoded once, and only when a client takes it: with no page attached a call's frames cost nothing here.
      let bytes: Uint8Array | undefined;
      let sent = 0;
      for (const client of clientId === undefined ? clients.values() : [clients.get(clientId)].filter((c) => c !== undefined)) {
        if (client.ws.readyState !== WS_OPEN || client.ws.bufferedAmount > limits.maxBufferedBytes / 8) continue;
        bytes ??= encodeAudioFrame(frame);
        client.ws.send(bytes);
        sent++;
      }
      return sent;
    },
    async whenQuiet(quietMs, maxMs) {
      const until = performance.now() + maxMs;
      for (;;) {
        const now = performance.now();
        const wait = Math.min(lastHttpActivity + quietMs, until) - now;
        if (wait <= 0 || closing) return;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            quietWaits.delete(done);
            resolve();
          };
          const timer = setTimeout(done, wait);
          quietWaits.add(done);
        });
      }
    },
    async close() {
      if (closing) return;
      closing = true;
      for (const done of [...quietWaits]) done();
      unsubscribe();
      const closed = [...clients.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === WS_CLOSED) return resolve();
            c.ws.once('close', () => resolve());
            c.ws.close(1001, 'server shutting down');
            // A peer that does not answer the close handshake is cut off.
            setTimeout(() => c.ws.terminate(), 1000).unref();
          }),
      );
      await Promise.all(closed);
      await wsLoader.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
