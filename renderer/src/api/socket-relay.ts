/**
 * The web host's WebSocket, kept in a dedicated Worker (socket-worker.ts) so
 * that audio never waits for the page's main thread:
 *
 *   capture worklet ──MessagePort──▶ relay ──WebSocket──▶ engine
 *   engine ──WebSocket──▶ relay ──MessagePort──▶ playback worklet
 *   page (WsTransport) ◀──worker messages──▶ relay   (commands, replies, events)
 *
 * The main thread runs the views (Svelte updates, layout, the meters); under
 * load it handled audio frames 100–500 ms late, and both directions passed
 * through it. Here a binary message (a playback frame) goes straight to the
 * playback worklet's port, and a capture frame from the capture worklet's
 * port straight to the socket; text (the API) goes to the page as before.
 * Without the worklets' ports (no call audio open) binary frames go to the
 * page too, so nothing is lost.
 *
 * Capture frames are dropped, not queued, while the socket has more than
 * MAX_BUFFERED_BYTES unsent (a stalled connection): late audio is worse than
 * none, and the queue would grow without bound.
 *
 * Pure, with the socket and the scope injected: socket-relay.test.ts drives
 * it with fakes.
 */
import { isArrayBuffer } from './transport.ts';

/** Page → relay. */
export type ToRelay =
  | { type: 'open'; id: number; url: string }
  | { type: 'send'; id: number; data: string | ArrayBuffer }
  | { type: 'close'; id: number; code?: number; reason?: string }
  /** The worklets' ends (replacing any before); without ports, audio goes back through the page. */
  | { type: 'audio'; capture?: MessagePort; playback?: MessagePort };

/** Relay → page. */
export type FromRelay = { type: 'open'; id: number } | { type: 'message'; id: number; data: string | ArrayBuffer } | { type: 'close'; id: number };

/** The part of a WebSocket the relay uses. */
export interface RelaySocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: BinaryType;
  send(data: string | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/** The part of a MessagePort the relay uses. */
export interface RelayPort {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
  close(): void;
}

const OPEN = 1;
/** ≈ 15 capture frames of 1,928 bytes. */
export const MAX_BUFFERED_BYTES = 32 * 1024;

export class SocketRelay {
  readonly #post: (message: FromRelay, transfer?: Transferable[]) => void;
  readonly #createSocket: (url: string) => RelaySocket;
  readonly #sockets = new Map<number, RelaySocket>();
  /** The newest socket: capture frames go there. */
  #current: RelaySocket | undefined;
  #capture: RelayPort | undefined;
  #playback: RelayPort | undefined;
  /** Capture frames dropped because the socket was not open or was backed up. */
  dropped = 0;

  constructor(opts: { post: (message: FromRelay, transfer?: Transferable[]) => void; createSocket: (url: string) => RelaySocket }) {
    this.#post = opts.post;
    this.#createSocket = opts.createSocket;
  }

  handle(message: ToRelay): void {
    switch (message.type) {
      case 'open':
        this.#open(message.id, message.url);
        return;
      case 'send': {
        const socket = this.#sockets.get(message.id);
        if (socket?.readyState === OPEN) socket.send(message.data);
        return;
      }
      case 'close':
        this.#sockets.get(message.id)?.close(message.code, message.reason);
        return;
      case 'audio':
        this.#setPorts(message.capture, message.playback);
        return;
    }
  }

  #open(id: number, url: string): void {
    let socket: RelaySocket;
    try {
      socket = this.#createSocket(url);
    } catch {
      this.#post({ type: 'close', id });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.#sockets.set(id, socket);
    this.#current = socket;
    socket.addEventListener('open', () => this.#post({ type: 'open', id }));
    socket.addEventListener('message', (event) => this.#onMessage(id, event.data));
    socket.addEventListener('close', () => {
      this.#sockets.delete(id);
      if (this.#current === socket) this.#current = undefined;
      this.#post({ type: 'close', id });
    });
    // 'error' is always followed by 'close'.
  }

  #onMessage(id: number, data: unknown): void {
    if (typeof data === 'string') {
      this.#post({ type: 'message', id, data });
      return;
    }
    if (!isArrayBuffer(data)) return;
    if (this.#playback) this.#playback.postMessage(data, [data]);
    else this.#post({ type: 'message', id, data }, [data]);
  }

  #setPorts(capture: MessagePort | undefined, playback: MessagePort | undefined): void {
    this.#capture?.close();
    this.#playback?.close();
    this.#capture = capture;
    this.#playback = playback;
    if (capture) capture.onmessage = (event: MessageEvent) => this.#sendCapture(event.data);
  }

  #sendCapture(data: unknown): void {
    if (!isArrayBuffer(data)) return;
    const socket = this.#current;
    if (!socket || socket.readyState !== OPEN || socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.dropped++;
      return;
    }
    socket.send(data);
  }
}
