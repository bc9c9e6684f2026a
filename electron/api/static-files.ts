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
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
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
  const realRoot = await realpath(root);
  if (!(await stat(realRoot)).isDirectory()) throw new Error(`staticRoot ${root} is not a folder`);
  const headers = securityHeaders(csp);

  const answer = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  };

  /** Resolves to a regular file inside the root, or undefined. */
  const locate = async (segments: string[]): Promise<{ path: string; size: number } | undefined | 'outside'> => {
    let candidate = join(realRoot, ...segments);
    let real: string;
    try {
      real = await realpath(candidate);
      if ((await stat(real)).isDirectory()) {
        candidate = join(real, 'index.html');
        real = await realpath(candidate);
      }
    } catch {
      return undefined;
    }
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return 'outside';
    const info = await stat(real);
    return info.isFile() ? { path: real, size: info.size } : undefined;
  };

  return async (req, res, pathname) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return answer(res, 405, 'method not allowed\n');
    }
    const checked = safeSegments(pathname);
    if (!checked.ok) return answer(res, checked.status, checked.status === 404 ? 'not found\n' : 'refused\n');
    const file = await locate(checked.segments);
    if (file === 'outside') return answer(res, 403, 'refused\n');
    if (!file) return answer(res, 404, 'not found\n');
    res.writeHead(200, {
      ...headers,
      'Content-Type': CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': file.size,
      'Cache-Control': 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    try {
      await pipeline(createReadStream(file.path), res);
    } catch {
      res.destroy();
    }
  };
}
