/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { ParleyBridge } from './api/bridge.ts';

declare global {
  /** package.json's version, put in by the build (vite.config.ts `define`). */
  const __PARLEY_VERSION__: string;

  interface Window {
    /** Present only in the Electron app (the desktop preload defines it). */
    parley?: ParleyBridge;
  }
}
