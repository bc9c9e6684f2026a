/**
 * The dedicated Worker that holds the web host's WebSocket (socket-relay.ts
 * says why and what goes where). Started by worker-socket.ts.
 */
import { SocketRelay, type FromRelay, type ToRelay } from './socket-relay.ts';

/** The parts of DedicatedWorkerGlobalScope used here (the renderer compiles with the DOM lib, not the worker one). */
interface WorkerScope {
  postMessage(message: FromRelay, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToRelay>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const relay = new SocketRelay({
  post: (message, transfer) => scope.postMessage(message, transfer ?? []),
  createSocket: (url) => new WebSocket(url),
});
scope.addEventListener('message', (event) => relay.handle(event.data));
