/**
 * What the API client needs from a connection to the phone. Two
 * implementations: the web host's WebSocket (ws-transport.ts) and Electron's
 * preload bridge (bridge-transport.ts).
 */
import type { ApiEvent, ApiResult } from './types.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Reconnect attempts since the last successful connection. */
  attempt: number;
  /** When the next attempt starts (ms since epoch), while reconnecting. */
  retryAt?: number;
  /** Why the connection is not open, in words. */
  reason?: string;
}

/** The audio worklets' ends of two channels to the engine's audio, off the page's main thread (Transport.audioPorts). */
export interface AudioPorts {
  capture: MessagePort;
  playback: MessagePort;
}

export interface Transport {
  readonly kind: 'ws' | 'bridge';
  readonly status: ConnectionStatus;
  /** Never rejects: a failure is an ApiFailure (unavailable, timeout…). */
  request(cmd: string, params: unknown): Promise<ApiResult<unknown>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** One encoded audio frame (audio-frame-codec.ts); dropped when not connected. */
  sendAudio(frame: Uint8Array<ArrayBuffer>): void;
  onAudio(listener: (frame: Uint8Array) => void): () => void;
  /**
   * The ends of two channels for the audio worklets: encoded capture frames
   * posted on `capture` reach the engine, the engine's playback frames arrive
   * on `playback`, and neither passes through the page's main thread (the web
   * host's socket Worker, or Electron's main process directly). Undefined
   * when this transport cannot (yet): the page then uses sendAudio and
   * onAudio. Until disconnectAudio the page's own audio path is idle.
   */
  audioPorts?(): AudioPorts | undefined;
  /** The worklets' ports stop carrying audio; sendAudio and onAudio work again. */
  disconnectAudio?(): void;
  close(): void;
}

export function listenerSet<T extends unknown[]>(): { add(l: (...a: T) => void): () => void; emit(...a: T): void } {
  const listeners = new Set<(...a: T) => void>();
  return {
    add(l) {
      listeners.add(l);
      return () => void listeners.delete(l);
    },
    emit(...a) {
      for (const l of [...listeners]) {
        try {
          l(...a);
        } catch (e) {
          // One broken view must not stop the others from hearing about a call.
          console.error('listener failed', e);
        }
      }
    },
  };
}

/** True for an ArrayBuffer from any realm (a MessagePort may deliver one made in another global). */
export function isArrayBuffer(x: unknown): x is ArrayBuffer {
  return x instanceof ArrayBuffer || Object.prototype.toString.call(x) === '[object ArrayBuffer]';
}
