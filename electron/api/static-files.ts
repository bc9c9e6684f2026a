/**
 * Serves the built renderer (GET/HEAD only) from one folder, for the web
 * host. What it refuses, and why:
 *  - any path segment '..' (also %2e%2e, and backslashes, which some
 *    clients treat as separators), NUL bytes, malformed %-escapes: 400/403;
 *  - dot-files ('.env', '.git'): 404, as if absent;
 *  - anything whose real path (symlinks resolved) is outside the root: 403;
 *  - directory listings: a folder serves its index.html or nothing.
 * Every answer carries a strict Content-Security-Policy (the renderer loads
 * only its own scripts, and connects only to this server) and nosniff.
 */
import { createReadStream, readFileSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * Content types of the built renderer's files. The desktop's app:// handler
 * (electron/desktop/app-url.ts) serves exactly these and answers 404 for any
 * other extension.
 */
export const RENDERER_CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.txt': 'text/plain; charset=utf-8',
};

/** The web host serves anything in its folder; source maps and the manifest get their types too. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ...RENDERER_CONTENT_TYPES,
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** The default policy: only our own files, and WebSocket connections back to this server. */
export function defaultCsp(wsOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "media-src 'self' blob: data:",
    `connect-src 'self' ${wsOrigin}`,
    "worker-src 'self' blob:",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

/** Files up to this size are read and sent in one go (the built UI's largest is ≈ 180 kB); larger ones are streamed. */
const READ_AT_ONCE_BYTES = 1024 * 1024;

export type StaticHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

/** The checked path segments of a request path, or the status to answer. */
export function safeSegments(pathname: string): { ok: true; segments: string[] } | { ok: false; status: 400 | 403 | 404 } {
  const raw = pathname.split('/').filter((s) => s !== '');
  const segments: string[] = [];
  for (const part of raw) {
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return { ok: false, status: 400 };
    }
    if (seg.includes('\0')) return { ok: false, status: 400 };
    if (seg === '..' || seg.includes('/') || seg.includes('\\')) return { ok: false, status: 403 };
    if (seg === '.') continue;
    if (seg.startsWith('.')) return { ok: false, status: 404 };
    segments.push(seg);
  }
  return { ok: true, segments };
}

export async function createStaticHandler(root: string, csp: string): Promise<StaticHandler> {
  const realRoot = realpathSync(root);
  if (!statSync(realRoot).isDirectory()) throw new Error(`staticRoot ${root} is not a folder`);
  const headers = securityHeaders(csp);

  const answer = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  };

  /**
   * Resolves to a regular file inside the root, or undefined. Synchronous on
   * purpose, like the read below: the web host serves its page while the
   * engine starts on the same thread (cli/web-command.ts), and each
   * asynchronous step of a request waits for a turn of the event loop —
   * four steps behind a busy start cost the page hundreds of milliseconds.
   * The files are the built UI's, on a local disk and small.
   */
  const locate = (segments: string[]): { path: string; size: number } | undefined | 'outside' => {
    let candidate = join(realRoot, ...segments);
    let real: string;
    let info: ReturnType<typeof statSync>;
    try {
      real = realpathSync(candidate);
      info = statSync(real);
      if (info.isDirectory()) {
        candidate = join(real, 'index.html');
        real = realpathSync(candidate);
        info = statSync(real);
      }
    } catch {
      return undefined;
    }
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return 'outside';
    return info.isFile() ? { path: real, size: info.size } : undefined;
  };

  return async (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'method not allowed\n');
    }
    const checked = safeSegments(pathname);
    if (!checked.ok) return answer(res, checked.status, checked.status === 404 ? 'not found\n' : 'refused\n');
    const file = locate(checked.segments);
    if (file === 'outside') return answer(res, 403, 'refused\n');
    if (!file) return answer(res, 404, 'not found\n');
    // A small file is read at once (one step, see locate); a larger one is streamed.
    let body: Buffer | undefined;
    if (req.method === 'GET' && file.size <= READ_AT_ONCE_BYTES) {
      try {
        body = readFileSync(file.path);
      } catch {
        return answer(res, 404, 'not found\n');
      }
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': body?.length ?? file.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    if (body) return void res.end(body);
    try {
      await pipeline(createReadStream(file.path), res);
    } catch {
      res.destroy();
    }
  };
}
