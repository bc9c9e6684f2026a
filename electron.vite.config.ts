/**
 * electron-vite: builds the desktop app into out/ (what electron-builder packs).
 *
 *   out/main/main.js          electron/desktop/main.ts + the engine (ESM: package.json "type": "module");
 *                             npm "dependencies" stay external and ship in the app's node_modules
 *   out/preload/preload.cjs   electron/desktop/preload.ts, one CommonJS file: a sandboxed
 *                             preload cannot load ES modules or anything but 'electron'
 *   out/renderer/             renderer/index.html + the Svelte app
 *
 *   npx electron-vite build
 *
 * The renderer section mirrors renderer/vite.config.ts (owned with the renderer;
 * it builds the same out/renderer for the web host): relative base './' so the
 * files load from app://parley/, no inlined assets (the CSP allows only 'self'
 * scripts, and audio worklets must load as files), ES workers.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

const here = (p: string) => resolve(fileURLToPath(new URL('.', import.meta.url)), p);

export default defineConfig({
  main: {
    build: {
      outDir: here('out/main'),
      emptyOutDir: true,
      sourcemap: false,
      rolldownOptions: {
        input: { main: here('electron/desktop/main.ts') },
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: here('out/preload'),
      emptyOutDir: true,
      sourcemap: false,
      // Everything but 'electron' bundled in: the sandbox has no module loader for the rest.
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: here('electron/desktop/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: here('renderer'),
    base: './',
    plugins: [svelte()],
    build: {
      outDir: here('out/renderer'),
      emptyOutDir: true,
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
      rolldownOptions: {
        input: { index: here('renderer/index.html') },
      },
    },
    worker: { format: 'es' },
  },
});
