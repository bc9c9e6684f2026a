/**
 * A typed client for the WebSocket protocol (wire.ts), over anything shaped
 * like the browser's WebSocket: the renderer's `new WebSocket(url)`, Node's
 * global WebSocket, or the `ws` package's client. Used by the web renderer,
 * by tests, and by any remote CLI.
 *
 *   const api = createApiClient(socket);
 *   const r = await api.call('call.dial', { target: 'alice' });
 *   if (r.ok) show(r.result); else complain(r.code, r.message);
 *   api.on('call', (call) => …);
 *
 * Like the server side, `call` never rejects: a closed connection answers
 * `unavailable`, a reply that does not come within `timeoutMs` answers
 * `timeout`. No Node APIs.
 */
import { decodeAudioFrame, encodeAudioFrame, type AudioFrame } from './audio-frames.ts';
import type { CommandName, CommandParams, CommandResult } from './commands.ts';
import { failure, type ApiResult } from './errors.ts';
import type { ApiEvent, EventName, Events } from './events.ts';
import type { HelloMessage, RequestId, WireErrorMessage } from './wire.ts';

/** The part of the WebSocket interface the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: () => void): void;
}

export interface ApiClient {
  call<N extends CommandName>(name: N, ...params: {} extends CommandParams<N> ? [params?: CommandParams<N>] : [params: CommandParams<N>]): Promise<ApiResult<CommandResult<N>>>;
  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  onHello(listener: (hello: HelloMessage['data']) => void): () => void;
  /** Errors the server could not tie to a request (not JSON, no id, bad audio). */
  onError(listener: (error: WireErrorMessage['data']) => void): () => void;
  onAudio(listener: (frame: AudioFrame) => void): () => void;
  sendAudio(frame: AudioFrame): void;
  readonly pending: number;
  close(): void;
}

const OPEN = 1;

export function createApiClient(socket: WebSocketLike, options: { timeoutMs?: number } = {}): ApiClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  socket.binaryType = 'arraybuffer';
  let nextId = 1;
  let closed = false;
  const pending = new Map<RequestId, { resolve: (r: ApiResult<unknown>) => void; timer: ReturnType<typeof setTimeout> }>();
  const eventListeners = new Set<(e: ApiEvent) => void>();
  const helloListeners = new Set<(h: HelloMessage['data']) => void>();
  const errorListeners = new Set<(e: WireErrorMessage['data']) => void>();
  const audioListeners = new Set<(f: AudioFrame) => void>();

  const add = <T>(set: Set<T>, listener: T) => {
    set.add(listener);
    return () => void set.delete(listener);
  };

  const settle = (id: RequestId, result: ApiResult<unknown>) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(result);
  };

  const onText = (text: string) => {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (message === null || typeof message !== 'object') return;
    if ('id' in message && typeof message.ok === 'boolean') {
      const { id, ...result } = message;
      settle(id as RequestId, result as unknown as ApiResult<unknown>);
      return;
    }
    const event = message.event;
    if (event === 'hello') helloListeners.forEach((l) => l(message.data as HelloMessage['data']));
    else if (event === 'error') errorListeners.forEach((l) => l(message.data as WireErrorMessage['data']));
    else if (typeof event === 'string') eventListeners.forEach((l) => l(message as unknown as ApiEvent));
  };

  socket.addEventListener('message', ({ data }) => {
    if (typeof data === 'string') return onText(data);
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    if (!bytes) return;
    const decoded = decodeAudioFrame(bytes);
    if (decoded.ok) audioListeners.forEach((l) => l(decoded.frame));
  });

  socket.addEventListener('close', () => {
    closed = true;
    for (const id of [...pending.keys()]) settle(id, failure('unavailable', 'the connection to the phone closed'));
  });

  return {
    call(name, ...rest) {
      const params = rest[0];
      if (closed || socket.readyState !== OPEN) return Promise.resolve(failure('unavailable', 'not connected to the phone'));
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => settle(id, failure('timeout', `${name} got no answer within ${timeoutMs} ms`)), timeoutMs);
        pending.set(id, { resolve: resolve as (r: ApiResult<unknown>) => void, timer });
        socket.send(JSON.stringify(params === undefined ? { id, cmd: name } : { id, cmd: name, params }));
      });
    },
    on(event, listener) {
      return add(eventListeners, (e: ApiEvent) => {
        if (e.event === event) listener(e.data as Events[typeof event]);
      });
    },
    onEvent: (listener) => add(eventListeners, listener),
    onHello: (listener) => add(helloListeners, listener),
    onError: (listener) => add(errorListeners, listener),
    onAudio: (listener) => add(audioListeners, listener),
    sendAudio(frame) {
      if (!closed && socket.readyState === OPEN) socket.send(encodeAudioFrame(frame));
    },
    get pending() {
      return pending.size;
    },
    close() {
      socket.close(1000, 'bye');
    },
  };
}
