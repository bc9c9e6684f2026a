/**
 * Builds the Svelte renderer into out/renderer/ with relative asset paths
 * (base './'), so the same files load from Electron's file:// and from the
 * web host's http://127.0.0.1:PORT/. Also configures vitest (jsdom) for the
 * renderer's unit and component tests.
 *
 *   npx vite build --config renderer/vite.config.ts
 *   npx vitest run --config renderer/vite.config.ts
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * The dev server injects component CSS as <style> elements (hot reload), which
 * index.html's strict policy refuses; only while serving, allow inline styles.
 * Built files keep the strict policy: their CSS is one external file.
 */
function devCsp(): Plugin {
  return {
    name: 'parley-dev-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws: http://127.0.0.1:*"),
  };
}

export default defineConfig({
  root: here('.'),
  base: './',
  plugins: [svelte(), svelteTesting(), devCsp()],
  define: { __PARLEY_VERSION__: JSON.stringify((JSON.parse(readFileSync(here('../package.json'), 'utf8')) as { version: string }).version) },
  build: {
    outDir: here('../out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    // Never inline assets as data: URLs: the audio worklets must load from 'self' under the CSP.
    assetsInlineLimit: 0,
    // Vite's modulepreload polyfill would be an inline-free script anyway, but Chromium needs none.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    // Two cores shared with other work: keep the pool small.
    pool: 'threads',
    maxWorkers: 2,
    // Form tests type into many fields; on a loaded 2-core machine one took 7.6 s against the 5 s default.
    testTimeout: 20_000,
  },
});
