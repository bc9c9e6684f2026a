/**
 * The page's side of socket-worker.ts: a SocketLike for WsTransport whose
 * real WebSocket lives in a Worker, and the hand-over of the audio worklets'
 * ports to that Worker (so audio frames bypass the main thread; see
 * socket-relay.ts).
 *
 * If the Worker cannot start (an old browser, a policy that refuses it), the
 * first socket reports the failure and every socket from then on is an
 * ordinary WebSocket on the page, with audio through the page as before.
 */
import type { FromRelay, ToRelay } from './socket-relay.ts';
import type { AudioPorts } from './transport.ts';
import socketWorkerUrl from './socket-worker.ts?worker&url';
import type { SocketHost, SocketLike } from './ws-transport.ts';

/** The part of a Worker used here (tests pass a fake). */
export interface WorkerLike {
  postMessage(message: ToRelay, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<FromRelay>) => void): void;
  addEventListener(type: 'error', listener: (event: Event) => void): void;
  terminate(): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

class RelayedSocket implements SocketLike {
  readyState = CONNECTING;
  binaryType: BinaryType = 'arraybuffer';
  readonly #id: number;
  readonly #worker: WorkerLike;
  readonly #listeners = new Map<string, Array<(event: never) => void>>();

  constructor(id: number, worker: WorkerLike) {
    this.#id = id;
    this.#worker = worker;
  }

  send(data: string | ArrayBufferView<ArrayBuffer> | ArrayBuffer): void {
    if (this.readyState !== OPEN) throw new DOMException('the socket is not open', 'InvalidStateError');
    if (typeof data === 'string') {
      this.#worker.postMessage({ type: 'send', id: this.#id, data }, []);
      return;
    }
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const copy = bytes.slice().buffer;
    this.#worker.postMessage({ type: 'send', id: this.#id, data: copy }, [copy]);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= CLOSING) return;
    this.readyState = CLOSING;
    this.#worker.postMessage({ type: 'close', id: this.#id, code, reason }, []);
  }

  addEventListener(type: string, listener: (event: never) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  /** From the relay. */
  deliver(message: FromRelay): void {
    if (message.type === 'open') {
      if (this.readyState !== CONNECTING) return;
      this.readyState = OPEN;
      this.#fire('open', new Event('open'));
    } else if (message.type === 'message') {
      if (this.readyState === OPEN) this.#fire('message', new MessageEvent('message', { data: message.data }));
    } else this.fail();
  }

  fail(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#fire('close', new Event('close'));
  }

  #fire(type: string, event: Event): void {
    for (const l of this.#listeners.get(type) ?? []) (l as (e: Event) => void)(event);
  }
}

export class SocketWorker implements SocketHost {
  readonly #worker: WorkerLike;
  readonly #sockets = new Map<number, RelayedSocket>();
  #nextId = 1;
  #broken = false;
  #terminated = false;

  constructor(worker: WorkerLike) {
    this.#worker = worker;
    worker.addEventListener('message', (event) => this.#sockets.get(event.data.id)?.deliver(event.data));
    worker.addEventListener('error', () => {
      // The script did not load or threw: fall back to sockets on the page.
      this.#broken = true;
      for (const s of [...this.#sockets.values()]) s.fail();
      this.#sockets.clear();
    });
  }

  /** A SocketWorker on a new Worker, or undefined where Workers are not available. */
  static start(win: Window = window): SocketWorker | undefined {
    const WorkerCtor = (win as Window & { Worker?: typeof Worker }).Worker;
    if (typeof WorkerCtor !== 'function') return undefined;
    try {
      return new SocketWorker(new WorkerCtor(socketWorkerUrl, { type: 'module', name: 'parley-socket' }) as unknown as WorkerLike);
    } catch {
      return undefined;
    }
  }

  /** True while sockets go through the Worker (audio ports can be handed over). */
  get relaying(): boolean {
    return !this.#broken && !this.#terminated;
  }

  createSocket(url: string): SocketLike {
    if (!this.relaying) return new WebSocket(url);
    const id = this.#nextId++;
    const socket = new RelayedSocket(id, this.#worker);
    this.#sockets.set(id, socket);
    socket.addEventListener('close', () => this.#sockets.delete(id));
    this.#worker.postMessage({ type: 'open', id, url }, []);
    return socket;
  }

  /**
   * Two channels between the worklets and the Worker: the Worker gets one end
   * of each, the caller the others. Undefined when it is not relaying (the
   * caller keeps audio on the page).
   */
  audioPorts(): AudioPorts | undefined {
    if (!this.relaying) return undefined;
    const capture = new MessageChannel();
    const playback = new MessageChannel();
    this.#worker.postMessage({ type: 'audio', capture: capture.port2, playback: playback.port2 }, [capture.port2, playback.port2]);
    return { capture: capture.port1, playback: playback.port1 };
  }

  disconnectAudio(): void {
    if (this.relaying) this.#worker.postMessage({ type: 'audio' }, []);
  }

  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    for (const s of [...this.#sockets.values()]) s.fail();
    this.#sockets.clear();
    this.#worker.terminate();
  }
}
