/**
 * Helpers for the WebSocket tests: a real server on 127.0.0.1 port 0 with a
 * fake phone behind it, and a raw `ws` client that queues what it receives so
 * a test can wait (with a timeout) for the message it expects.
 */
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { createDispatcher } from '../../../electron/api/dispatcher.ts';
import { createEventBus, type EventBus } from '../../../electron/api/event-bus.ts';
import type { PhoneApi } from '../../../electron/api/phone-api.ts';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../../electron/api/ws-server.ts';
import { createFakePhone, type FakePhone } from './fake-phone.ts';

export interface Rig {
  server: ApiServer;
  bus: EventBus;
  phone: FakePhone;
  close(): Promise<void>;
}

export async function startRig(options: Partial<ApiServerOptions> = {}, overrides: Partial<PhoneApi> = {}): Promise<Rig> {
  const bus = createEventBus();
  const phone = createFakePhone(bus, overrides);
  const server = await startApiServer({ dispatcher: createDispatcher(phone), events: bus, ...options });
  return { server, bus, phone, close: () => server.close() };
}

export type Received = { kind: 'json'; value: Record<string, unknown> } | { kind: 'binary'; value: Buffer };

export interface Peer {
  ws: WebSocket;
  received: Received[];
  /** Waits for the first unread message that matches, and marks it read. */
  next(match?: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Waits for the JSON reply with this id. */
  reply(id: string | number, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Waits for the next JSON event with this name. */
  event(name: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(value: unknown): void;
  close(): Promise<void>;
}

export function peer(ws: WebSocket): Peer {
  const received: Received[] = [];
  const unread: Received[] = [];
  const waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];
  ws.on('message', (data, isBinary) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
    const m: Received = isBinary ? { kind: 'binary', value: buf } : { kind: 'json', value: JSON.parse(buf.toString('utf8')) as Record<string, unknown> };
    received.push(m);
    const w = waiters.findIndex((x) => x.match(m));
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(m);
    else unread.push(m);
  });
  const next = (match: (m: Received) => boolean = () => true, timeoutMs = 3000): Promise<Received> => {
    const i = unread.findIndex(match);
    if (i >= 0) return Promise.resolve(unread.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: Received) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(received.slice(-5).map((r) => (r.kind === 'json' ? r.value : `<${r.value.length} bytes>`)))}`));
      }, timeoutMs);
      waiters.push(waiter);
    });
  };
  return {
    ws,
    received,
    next,
    reply: async (id, timeoutMs) => (await next((m) => m.kind === 'json' && m.value.id === id, timeoutMs)).value as Record<string, unknown>,
    event: async (name, timeoutMs) => (await next((m) => m.kind === 'json' && m.value.event === name, timeoutMs)).value as Record<string, unknown>,
    send: (value) => ws.send(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)),
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

export type ConnectResult = { ok: true; peer: Peer } | { ok: false; status: number };

/** Opens a WebSocket; resolves with the HTTP status if the upgrade is refused. */
export function connect(url: string, options: { origin?: string; headers?: Record<string, string> } = {}, timeoutMs = 3000): Promise<ConnectResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin: options.origin, headers: options.headers, handshakeTimeout: timeoutMs });
    const p = peer(ws);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('connect timed out'));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({ ok: true, peer: p });
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      ws.terminate();
      resolve({ ok: false, status: res.statusCode ?? 0 });
    });
    ws.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Connects with the right token and waits for the hello. */
export async function connectOk(server: ApiServer, options: { origin?: string } = {}): Promise<Peer> {
  const r = await connect(server.apiUrl, options);
  if (!r.ok) throw new Error(`upgrade refused with ${r.status}`);
  await r.peer.event('hello');
  return r.peer;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given (no client-side '..' normalization). */
export function httpGet(port: number, path: string, options: { method?: string; host?: string } = {}, timeoutMs = 3000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {}, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('http request timed out')));
    req.on('error', reject);
    req.end();
  });
}
