/**
 * The Electron transport: commands and events through the preload bridge
 * (bridge.ts), audio frames through a MessagePort the preload hands over.
 * IPC inside one app does not drop, so the status is simply 'open'.
 */
import { AUDIO_PORT_MESSAGE, type ParleyBridge } from './bridge.ts';
import { isArrayBuffer, listenerSet, type ConnectionStatus, type Transport } from './transport.ts';
import type { ApiEvent, ApiResult, CommandName } from './types.ts';

export class BridgeTransport implements Transport {
  readonly kind = 'bridge';
  readonly status: ConnectionStatus = { state: 'open', attempt: 0 };
  #bridge: ParleyBridge;
  #port: MessagePort | undefined;
  #audio = listenerSet<[Uint8Array]>();
  #unsubscribe: Array<() => void> = [];

  constructor(bridge: ParleyBridge, win: Window = window) {
    this.#bridge = bridge;
    const onWindowMessage = (event: MessageEvent) => {
      if (event.source !== win || event.data !== AUDIO_PORT_MESSAGE || !event.ports[0]) return;
      this.#port?.close();
      const port = event.ports[0];
      port.onmessage = (e: MessageEvent) => {
        if (isArrayBuffer(e.data)) this.#audio.emit(new Uint8Array(e.data));
      };
      port.start();
      this.#port = port;
    };
    win.addEventListener('message', onWindowMessage);
    this.#unsubscribe.push(() => win.removeEventListener('message', onWindowMessage));
    bridge.requestAudioPort();
  }

  async request(cmd: string, params: unknown): Promise<ApiResult<unknown>> {
    try {
      return (await this.#bridge.invoke(cmd as CommandName, params as never)) as ApiResult<unknown>;
    } catch (e) {
      // The bridge promises results, but a broken preload must still not throw into the UI.
      return { ok: false, code: 'internal', message: e instanceof Error ? e.message : 'the app bridge failed' };
    }
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    const off = this.#bridge.onEvent(listener);
    this.#unsubscribe.push(off);
    return off;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    listener(this.status);
    return () => {};
  }

  sendAudio(frame: Uint8Array<ArrayBuffer>): void {
    if (!this.#port) return;
    // Posted as a copy, never in the transfer list: the other end is Electron's MessagePortMain, which can
    // take only MessagePorts in a transfer list; a transferred ArrayBuffer arrives there as `data: null`
    // (electron/electron issue 34905), so the frame would be lost. The structured clone copies the
    // buffer once (≈2 KB per 20 ms frame). A view into a larger buffer is cut to the frame first, or the
    // clone would copy all of it.
    const whole = frame.byteOffset === 0 && frame.byteLength === frame.buffer.byteLength;
    this.#port.postMessage(whole ? frame.buffer : frame.slice().buffer);
  }

  onAudio(listener: (frame: Uint8Array) => void): () => void {
    return this.#audio.add(listener);
  }

  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#port?.close();
    this.#port = undefined;
  }
}
