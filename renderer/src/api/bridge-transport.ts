/**
 * The Electron transport: commands and events through the preload bridge
 * (bridge.ts), audio frames through two MessagePorts the main process makes
 * and the preload hands over (capture: page → engine, playback: engine →
 * page). IPC inside one app does not drop, so the status is simply 'open'.
 *
 * While a call's audio runs, the two ports go on to the audio worklets
 * (audioPorts), so frames pass between the audio thread and the main
 * process without the page's main thread; disconnectAudio asks main for a
 * fresh pair (which closes the worklets' pair) for the page's own use.
 */
import { portMessage } from './audio-frame-codec.ts';
import { AUDIO_PORT_MESSAGE, type ParleyBridge } from './bridge.ts';
import { isArrayBuffer, listenerSet, type AudioPorts, type ConnectionStatus, type Transport } from './transport.ts';
import type { ApiEvent, ApiResult, CommandName } from './types.ts';

export class BridgeTransport implements Transport {
  readonly kind = 'bridge';
  readonly status: ConnectionStatus = { state: 'open', attempt: 0 };
  #bridge: ParleyBridge;
  /** The pair the page uses itself (sendAudio, onAudio); undefined while the worklets hold it or before main sent one. */
  #ports: AudioPorts | undefined;
  /** True while the worklets hold main's last pair. */
  #handedOver = false;
  #audio = listenerSet<[Uint8Array]>();
  #unsubscribe: Array<() => void> = [];

  constructor(bridge: ParleyBridge, win: Window = window) {
    this.#bridge = bridge;
    const onWindowMessage = (event: MessageEvent) => {
      const [capture, playback] = event.ports;
      if (event.source !== win || event.data !== AUDIO_PORT_MESSAGE || !capture || !playback) return;
      // A new pair: main has closed the one before, wherever it was.
      this.#closePorts();
      this.#handedOver = false;
      playback.onmessage = (e: MessageEvent) => {
        if (isArrayBuffer(e.data)) this.#audio.emit(new Uint8Array(e.data));
      };
      this.#ports = { capture, playback };
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
    const port = this.#ports?.capture;
    if (!port) return;
    port.postMessage(portMessage(frame));
  }

  onAudio(listener: (frame: Uint8Array) => void): () => void {
    return this.#audio.add(listener);
  }

  /** Main's pair, for the worklets; undefined before main sent one (the page's path serves meanwhile). */
  audioPorts(): AudioPorts | undefined {
    const ports = this.#ports;
    if (!ports || this.#handedOver) return undefined;
    ports.playback.onmessage = null;
    this.#ports = undefined;
    this.#handedOver = true;
    return ports;
  }

  disconnectAudio(): void {
    if (!this.#handedOver) return;
    this.#handedOver = false;
    // Main replaces (and so closes) the worklets' pair.
    this.#bridge.requestAudioPort();
  }

  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#closePorts();
  }

  #closePorts(): void {
    this.#ports?.capture.close();
    this.#ports?.playback.close();
    this.#ports = undefined;
  }
}
