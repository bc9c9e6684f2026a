/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { ParleyBridge } from './api/bridge.ts';

declare global {
  interface Window {
    /** Present only in the Electron app (the desktop preload defines it). */
    parley?: ParleyBridge;
  }
}
