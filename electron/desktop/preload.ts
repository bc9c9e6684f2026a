/**
 * The preload: exposes `window.parley` exactly as renderer/src/api/bridge.ts
 * defines it, as one-liners over fixed IPC channels (docs/architecture.md §2: the Electron glue is thin). The page
 * never gets ipcRenderer or any way to name a channel itself.
 *
 * It runs sandboxed (sandbox: true), so it is bundled into one CommonJS file
 * that requires only 'electron'. The audio MessagePorts (capture, playback)
 * cannot cross the context bridge as values, so they are transferred into the
 * page with window.postMessage (Electron's MessagePort guide, "main world"
 * pattern), which hands them on to its audio worklets; the renderer accepts
 * them only from its own window and with the agreed tag.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { AUDIO_PORT_MESSAGE, BRIDGE_GLOBAL, type ParleyBridge } from '../../renderer/src/api/bridge.ts';
import { IPC } from './ipc-channels.ts';

const bridge: ParleyBridge = {
  version: 1,
  invoke: (cmd, params) => ipcRenderer.invoke(IPC.invoke, cmd, params),
  onEvent: (listener) => {
    const forward = (_event: IpcRendererEvent, apiEvent: Parameters<typeof listener>[0]) => listener(apiEvent);
    ipcRenderer.on(IPC.event, forward);
    return () => void ipcRenderer.removeListener(IPC.event, forward);
  },
  requestAudioPort: () => ipcRenderer.send(IPC.audioPortRequest),
};

ipcRenderer.on(IPC.audioPort, (event) => window.postMessage(AUDIO_PORT_MESSAGE, window.location.origin, [...event.ports]));

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
