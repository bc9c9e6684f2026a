/**
 * The Electron preload bridge, as the renderer expects it. The desktop
 * preload implements this interface and exposes it with
 * `contextBridge.exposeInMainWorld('parley', bridge)`; each member should be a
 * one-liner over ipcRenderer (docs/architecture.md §2: the Electron glue is thin).
 *
 *   invoke(cmd, params)   → ipcRenderer.invoke('parley:api', cmd, params)
 *                           resolves an ApiResult; never rejects (errors are results)
 *   onEvent(listener)     → ipcRenderer.on('parley:event', (_e, ev) => listener(ev));
 *                           returns the unsubscribe function
 *   requestAudioPort()    → ipcRenderer.send('parley:audio-port'); main answers with two
 *                           MessagePorts (capture, playback), which the preload hands to
 *                           the page with window.postMessage(AUDIO_PORT_MESSAGE,
 *                           location.origin, [capture, playback]).
 *
 * Why the detour for the ports: contextBridge cannot pass a MessagePort as a
 * value, but window.postMessage can transfer one into the main world (the
 * pattern Electron's MessagePort guide shows). The page passes them on to its
 * audio worklets, so a call's frames do not wait for the page's main thread.
 * On them the renderer posts capture frames and main posts playback frames,
 * ArrayBuffers holding one audio frame each in the same 8-byte-header format
 * as the WebSocket's binary messages (electron/api/audio-frames.ts), so the
 * renderer's audio code does not care which host it runs in.
 *
 * Types only and no DOM globals, so electron/desktop can implement it.
 */
import type { ApiEvent, ApiResult, CommandName, CommandParams, CommandResult } from './types.ts';

/** The global the preload defines: `window.parley`. */
export const BRIDGE_GLOBAL = 'parley';

/** `event.data` of the window message that carries the audio port in `event.ports[0]`. */
export const AUDIO_PORT_MESSAGE = 'parley:audio-port';

export interface ParleyBridge {
  /** Bumped when this interface changes incompatibly. */
  readonly version: 1;
  invoke<N extends CommandName>(cmd: N, params?: CommandParams<N>): Promise<ApiResult<CommandResult<N>>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  requestAudioPort(): void;
}
