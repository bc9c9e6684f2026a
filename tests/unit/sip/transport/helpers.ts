/** Shared pieces of the transport tests: message builders, bounded waits, raw loopback peers. */
import { createSocket } from 'node:dgram';
import type { Socket as DgramSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseMessage } from '../../../../electron/sip/message/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import type { IncomingMessage, TransportLayer } from '../../../../electron/sip/transport/index.ts';

const tlsDir = fileURLToPath(new URL('../../../fixtures/tls/', import.meta.url));
export const pki = {
  ca: readFileSync(tlsDir + 'ca.pem'),
  serverCert: readFileSync(tlsDir + 'server.pem'),
  serverKey: readFileSync(tlsDir + 'server.key'),
  clientCert: readFileSync(tlsDir + 'client.pem'),
  clientKey: readFileSync(tlsDir + 'client.key'),
};

let seq = 1;

/** A request as text, with a Via the transport will re-stamp (host 'placeholder.invalid' never reaches a resolver). */
export function requestText(
  method: string,
  options: { uri?: string; via?: string; callId?: string; body?: string; extra?: string[]; contentLength?: number | string } = {},
): string {
  const n = seq++;
  const body = options.body ?? '';
  const lines = [
    `${method} ${options.uri ?? 'sip:bob@127.0.0.1'} SIP/2.0`,
    `Via: ${options.via ?? `SIP/2.0/UDP placeholder.invalid;branch=z9hG4bKtest${n}`}`,
    'Max-Forwards: 70',
    'From: <sip:alice@127.0.0.1>;tag=a1',
    'To: <sip:bob@127.0.0.1>',
    `Call-ID: ${options.callId ?? `call-${n}@test`}`,
    `CSeq: ${n} ${method}`,
    ...(options.extra ?? []),
    `Content-Length: ${options.contentLength ?? Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

export function request(method: string, options: Parameters<typeof requestText>[1] = {}): SipRequest {
  const m = parseMessage(requestText(method, options));
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

/** Resolves with `p`, or rejects after `ms`. */
export function within<T>(p: Promise<T>, ms = 3000, what = 'event'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `cond` every 5 ms until true; throws after `ms`. */
export async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
}

/** A FIFO of things arriving asynchronously, read with bounded waits. */
export class Inbox<T> {
  readonly items: T[] = [];
  #waiters: Array<{ pred: (x: T) => boolean; resolve: (x: T) => void }> = [];

  push = (x: T): void => {
    const i = this.#waiters.findIndex((w) => w.pred(x));
    if (i >= 0) {
      const [w] = this.#waiters.splice(i, 1);
      w.resolve(x);
      return;
    }
    this.items.push(x);
  };

  next(pred: (x: T) => boolean = () => true, ms = 3000, what = 'message'): Promise<T> {
    const i = this.items.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]);
    return within(new Promise<T>((resolve) => this.#waiters.push({ pred, resolve })), ms, what);
  }
}

export function inboxOf(layer: TransportLayer): Inbox<IncomingMessage> {
  const inbox = new Inbox<IncomingMessage>();
  layer.onMessage(inbox.push);
  return inbox;
}

/** A raw UDP peer on loopback. */
export async function rawUdp(family: 4 | 6 = 4): Promise<{ socket: DgramSocket; port: number; inbox: Inbox<string>; send(text: string | Buffer, port: number): Promise<void>; close(): void }> {
  const socket = createSocket(family === 4 ? 'udp4' : 'udp6');
  const inbox = new Inbox<string>();
  socket.on('message', (b) => inbox.push(b.toString('utf8')));
  const host = family === 4 ? '127.0.0.1' : '::1';
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return {
    socket,
    port: socket.address().port,
    inbox,
    send: (text, port) => new Promise((resolve, reject) => socket.send(text, port, host, (e) => (e ? reject(e) : resolve()))),
    close: () => socket.close(),
  };
}

/** A raw TCP client on loopback collecting everything it reads. */
export async function rawTcpClient(port: number, host = '127.0.0.1'): Promise<{ socket: Socket; data: () => string; closed: Promise<void> }> {
  const socket = connect({ host, port });
  let received = '';
  socket.on('data', (b) => (received += b.toString('utf8')));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await within(new Promise<void>((resolve) => socket.once('connect', () => resolve())), 3000, 'connect');
  return { socket, data: () => received, closed };
}

/** A raw TCP server on loopback that records what it reads and never answers (unless `onData` does). */
export async function rawTcpServer(onData?: (socket: Socket, chunk: Buffer) => void): Promise<{ server: Server; port: number; data: () => string; sockets: Socket[]; close(): Promise<void> }> {
  let received = '';
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.on('data', (b) => {
      received += b.toString('utf8');
      onData?.(s, b);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no address');
  return {
    server,
    port: a.port,
    data: () => received,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
