/**
 * The renderer's own origin, `app://parley`, and the mapping from its URLs
 * to files of the built renderer (out/renderer).
 *
 * Why a custom scheme rather than file://: every file:// page shares the one
 * opaque "file://" origin, so a permission check or an IPC sender check on
 * it would also pass for any local HTML file that ever got loaded. A
 * privileged standard + secure scheme gives the page a real origin of its
 * own (and a secure context, which getUserMedia and AudioWorklet require),
 * and the protocol handler can send our security headers with every file.
 *
 * Pure (no 'electron' import): unit tests run it under plain Node.
 */
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { RENDERER_CONTENT_TYPES } from '../api/static-files.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'parley';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * `scheme://host` of a URL, or undefined when it does not parse. Node's URL
 * gives the origin "null" for schemes it does not know (app:), which is why
 * this is computed from the parts instead of `url.origin`.
 */
export function originOf(url: string): string | undefined {
  if (typeof url !== 'string' || url.length > 8192) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol === 'file:') return 'file://';
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}

export function isAppUrl(url: string): boolean {
  return originOf(url) === APP_ORIGIN;
}

export type AppFileResult = { ok: true; path: string; contentType: string } | { ok: false; status: 400 | 403 | 404; reason: string };

/**
 * The file under `root` that an app:// URL names. Refused: another host,
 * '..' segments (also %2e%2e), backslashes, NUL, malformed escapes, dot-files;
 * a folder serves its index.html. The caller still reads the file with the
 * returned absolute path only.
 */
export function resolveAppFile(url: string, root: string): AppFileResult {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'malformed URL' };
  }
  if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return { ok: false, status: 403, reason: 'not the app origin' };
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed escape' };
  }
  if (path.includes('\0') || path.includes('\\')) return { ok: false, status: 400, reason: 'bad character in path' };
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'path escapes the app folder' };
  if (segments.some((s) => s.startsWith('.'))) return { ok: false, status: 404, reason: 'not found' };
  if (segments.length === 0 || path.endsWith('/')) segments.push('index.html');
  const file = join(root, ...segments);
  const rel = relative(root, file);
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return { ok: false, status: 403, reason: 'path escapes the app folder' };
  const contentType = RENDERER_CONTENT_TYPES[extname(file).toLowerCase()];
  if (!contentType) return { ok: false, status: 404, reason: 'not a type the app serves' };
  return { ok: true, path: file, contentType };
}
