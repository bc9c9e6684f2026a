/**
 * The web host's transport: one WebSocket to ws://HOST/api?token=…
 * (electron/api/wire.ts). Requests carry a numeric id and are matched with
 * their reply, in any order; a reply that does not come within `timeoutMs`
 * answers 'timeout', and a connection that drops answers every pending
 * request 'unavailable' (results, never throws: docs/conventions.md item 6).
 *
 * With a SocketWorker (worker-socket.ts) the WebSocket itself lives in a
 * Worker and the audio worklets get ports straight to it (audioPorts),
 * so audio frames do not pass through the page's main thread.
 *
 * A dropped connection is retried with exponential back-off (backoff.ts)
 * until close() is called. Events missed while away are not replayed: the
 * store reloads app.snapshot when the status turns 'open' again.
 *
 *   connecting ──open──▶ open ──close──▶ reconnecting ──timer──▶ connecting
 *        │                                    ▲                       │
 *        └──────────────close─────────────────┘◀──────close───────────┘
 *   any ──close()──▶ closed
 */
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import { isArrayBuffer, listenerSet, type AudioPorts, type ConnectionStatus, type Transport } from './transport.ts';
import type { ApiEvent, ApiFailure, ApiResult } from './types.ts';

/** Where the sockets live when not on the page: SocketWorker (worker-socket.ts), a Worker that relays audio too. */
export interface SocketHost {
  createSocket(url: string): SocketLike;
  /** Undefined when it cannot relay (audio then goes through the page). */
  audioPorts(): AudioPorts | undefined;
  disconnectAudio(): void;
  terminate(): void;
}

/** The part of the browser's WebSocket this transport uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  binaryType: BinaryType;
  send(data: string | ArrayBufferView<ArrayBuffer> | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: (event: Event) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/**
 * Asked after a connection was refused before it opened: 'unauthorized' when
 * the host no longer knows our token (it was restarted: a new token, a new
 * link), so that the page stops retrying and says so.
 */
export type TokenProbe = () => Promise<'unauthorized' | 'ok' | 'unreachable'>;

/** ConnectionStatus.reason when the host refused our token: it was restarted. */
export const RESTARTED = 'restarted';

export interface WsTransportOptions {
  url: string;
  probe?: TokenProbe;
  createSocket?: (url: string) => SocketLike;
  timeoutMs?: number;
  backoff?: BackoffOptions;
  timers?: Timers;
  random?: () => number;
  /** Holds the sockets in a Worker (createSocket is then ignored). */
  worker?: SocketHost;
}

const OPEN = 1;

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

function fail(code: ApiFailure['code'], message: string): ApiFailure {
  return { ok: false, code, message };
}

export class WsTransport implements Transport {
  readonly kind = 'ws';
  #options: Required<Omit<WsTransportOptions, 'backoff' | 'probe' | 'worker'>> & { backoff: BackoffOptions; probe: TokenProbe | undefined };
  readonly #worker: SocketHost | undefined;
  #socket: SocketLike | undefined;
  #status: ConnectionStatus = { state: 'connecting', attempt: 0 };
  #nextId = 1;
  #pending = new Map<number, { resolve: (r: ApiResult<unknown>) => void; timer: unknown }>();
  #retryTimer: unknown;
  #closed = false;
  #events = listenerSet<[ApiEvent]>();
  #statuses = listenerSet<[ConnectionStatus]>();
  #audio = listenerSet<[Uint8Array]>();

  constructor(options: WsTransportOptions) {
    const worker = options.worker;
    this.#worker = worker;
    this.#options = {
      url: options.url,
      createSocket: worker ? (url) => worker.createSocket(url) : (options.createSocket ?? ((url) => new WebSocket(url))),
      timeoutMs: options.timeoutMs ?? 15_000,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      timers: options.timers ?? browserTimers,
      random: options.random ?? Math.random,
      probe: options.probe,
    };
    this.#connect();
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Requests waiting for their reply. */
  get pending(): number {
    return this.#pending.size;
  }

  request(cmd: string, params: unknown): Promise<ApiResult<unknown>> {
    const socket = this.#socket;
    if (this.#closed || !socket || socket.readyState !== OPEN || this.#status.state !== 'open') {
      return Promise.resolve(fail('unavailable', 'Not connected to the phone'));
    }
    const id = this.#nextId++;
    const { timers, timeoutMs } = this.#options;
    return new Promise((resolve) => {
      const timer = timers.setTimeout(() => this.#settle(id, fail('timeout', `${cmd} got no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      this.#pending.set(id, { resolve, timer });
      try {
        socket.send(JSON.stringify(params === undefined ? { id, cmd } : { id, cmd, params }));
      } catch {
        this.#settle(id, fail('unavailable', 'Could not send to the phone'));
      }
    });
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    return this.#events.add(listener);
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.#statuses.add(listener);
  }

  sendAudio(frame: Uint8Array<ArrayBuffer>): void {
    const socket = this.#socket;
    if (socket && socket.readyState === OPEN && this.#status.state === 'open') socket.send(frame);
  }

  onAudio(listener: (frame: Uint8Array) => void): () => void {
    return this.#audio.add(listener);
  }

  audioPorts(): AudioPorts | undefined {
    return this.#worker?.audioPorts();
  }

  disconnectAudio(): void {
    this.#worker?.disconnectAudio();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.timers.clearTimeout(this.#retryTimer);
    this.#socket?.close(1000, 'bye');
    // Long enough for the close handshake to leave the Worker.
    const worker = this.#worker;
    if (worker) this.#options.timers.setTimeout(() => worker.terminate(), 1000);
    this.#failPending('The connection to the phone was closed');
    this.#setStatus({ state: 'closed', attempt: 0, reason: 'closed' });
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    this.#statuses.emit(status);
  }

  #connect(): void {
    const attempt = this.#status.attempt;
    this.#setStatus({ state: 'connecting', attempt });
    let socket: SocketLike;
    try {
      socket = this.#options.createSocket(this.#options.url);
    } catch (e) {
      this.#scheduleReconnect(e instanceof Error ? e.message : 'Could not open the connection');
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.#socket = socket;
    let opened = false;
    socket.addEventListener('open', () => {
      if (this.#socket !== socket || this.#closed) return;
      opened = true;
      this.#setStatus({ state: 'open', attempt: 0 });
    });
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket) this.#onMessage(event.data);
    });
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#failPending('The connection to the phone closed');
      if (this.#closed) return;
      const probe = this.#options.probe;
      if (opened || !probe) {
        this.#scheduleReconnect('The connection to the phone closed');
        return;
      }
      void probe().then(
        (verdict) => this.#afterProbe(verdict),
        () => this.#afterProbe('unreachable'),
      );
    });
    // 'error' is always followed by 'close'; nothing to do here.
  }

  #scheduleReconnect(reason: string): void {
    const attempt = this.#status.attempt + 1;
    const delay = backoffDelay(attempt, this.#options.backoff, this.#options.random);
    const { timers } = this.#options;
    this.#setStatus({ state: 'reconnecting', attempt, retryAt: timers.now() + delay, reason });
    this.#retryTimer = timers.setTimeout(() => {
      if (!this.#closed) this.#connect();
    }, delay);
  }

  #afterProbe(verdict: 'unauthorized' | 'ok' | 'unreachable'): void {
    if (this.#closed || this.#socket !== undefined) return;
    if (verdict !== 'unauthorized') {
      this.#scheduleReconnect('The connection to the phone closed');
      return;
    }
    // Retrying with a token the host no longer knows would go on forever (HTTP 401 each time).
    this.#closed = true;
    this.#setStatus({ state: 'closed', attempt: 0, reason: RESTARTED });
  }

  /** Tries again now instead of waiting for the back-off timer (a "Retry now" button). */
  reconnectNow(): void {
    if (this.#closed || this.#status.state !== 'reconnecting') return;
    this.#options.timers.clearTimeout(this.#retryTimer);
    this.#connect();
  }

  #onMessage(data: unknown): void {
    if (typeof data !== 'string') {
      if (isArrayBuffer(data)) this.#audio.emit(new Uint8Array(data));
      else if (ArrayBuffer.isView(data)) this.#audio.emit(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    if ('id' in m && typeof m.ok === 'boolean') {
      const { id, ...result } = m;
      if (typeof id === 'number') this.#settle(id, result as unknown as ApiResult<unknown>);
      return;
    }
    // 'hello' (protocol version) and 'error' (unanswerable input) are the wire's own; the rest are API events.
    if (typeof m.event === 'string' && m.event !== 'hello' && m.event !== 'error') this.#events.emit(m as unknown as ApiEvent);
  }

  #settle(id: number, result: ApiResult<unknown>): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    this.#pending.delete(id);
    this.#options.timers.clearTimeout(entry.timer);
    entry.resolve(result);
  }

  #failPending(message: string): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, fail('unavailable', message));
  }
}
