/**
 * Serves the built renderer as app://parley/… (see app-url.ts for why a
 * custom scheme). Every answer carries the desktop CSP and nosniff, so the
 * policy holds even if the page's own <meta> policy were edited away.
 * Only files under the renderer folder are served, GET only.
 */
import { readFile } from 'node:fs/promises';
import { protocol, type Session } from 'electron';
import type { Logger } from '../common/logger.ts';
import { APP_SCHEME, resolveAppFile } from './app-url.ts';

/** Must run before app 'ready' (Electron registers scheme privileges at startup). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      // standard: real origin and relative URLs; secure: a secure context (getUserMedia, AudioWorklet).
      // No bypassCSP, no service workers, no CORS to other origins.
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true },
    },
  ]);
}

export function serveAppProtocol(session: Session, root: string, csp: string, logger: Logger): void {
  session.protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
    const file = resolveAppFile(request.url, root);
    if (!file.ok) {
      logger.warn('app:// request refused', { status: file.status, reason: file.reason });
      return new Response(null, { status: file.status });
    }
    try {
      const body = request.method === 'HEAD' ? null : await readFile(file.path);
      return new Response(body, {
        status: 200,
        headers: {
          'Content-Type': file.contentType,
          'Content-Security-Policy': csp,
          'X-Content-Type-Options': 'nosniff',
          'Cross-Origin-Opener-Policy': 'same-origin',
          'Referrer-Policy': 'no-referrer',
          'Cache-Control': 'no-store',
        },
      });
    } catch {
      return new Response(null, { status: 404 });
    }
  });
}
