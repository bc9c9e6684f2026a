/**
 * The Content-Security-Policy of the desktop window, and a checker that
 * says what is wrong with a policy (used by the unit tests, and by main.ts
 * to refuse to start with a weakened one).
 *
 * The page is our own built renderer, served from app://parley: it needs
 * its own scripts (including the AudioWorklet modules, which fall under
 * script-src), its own styles and images, media from blob:/data: (ringtones
 * decoded in the page), and nothing from anywhere else. Commands and audio
 * travel over IPC and a MessagePort, so connect-src needs no network origin.
 * No 'unsafe-inline', no 'unsafe-eval' (Electron's own security checklist,
 * item 7; Svelte builds need neither).
 */
import { APP_ORIGIN } from './app-url.ts';

export type CspDirectives = Record<string, readonly string[]>;

export const DESKTOP_CSP: CspDirectives = Object.freeze({
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'media-src': ["'self'", 'blob:', 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'none'"],
  'frame-src': ["'none'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
});

export function buildCsp(directives: CspDirectives = DESKTOP_CSP): string {
  return Object.entries(directives)
    .map(([name, sources]) => (sources.length > 0 ? `${name} ${sources.join(' ')}` : name))
    .join('; ');
}

/** Directive name → sources; names lower-cased; the first occurrence wins, as in CSP3 §2.2.1. */
export function parseCsp(policy: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of policy.split(';')) {
    const tokens = part.trim().split(/\s+/).filter((t) => t !== '');
    const name = tokens.shift()?.toLowerCase();
    if (name && !out.has(name)) out.set(name, tokens);
  }
  return out;
}

/** Directives that fall back to default-src when absent (CSP3 §6.8.3). */
const FETCH_DIRECTIVES = ['script-src', 'style-src', 'img-src', 'font-src', 'media-src', 'connect-src', 'worker-src', 'frame-src', 'manifest-src', 'object-src'];
const MUST_BE_NONE = ['object-src', 'base-uri', 'frame-ancestors', 'form-action'];
/** Sources that would let remote or injected code run, or content load from anywhere. */
const UNSAFE = /^('unsafe-inline'|'unsafe-eval'|'unsafe-hashes'|'wasm-unsafe-eval'|\*|https?:|wss?:|ftp:|file:|filesystem:|\*\..*)$/i;
const SCRIPT_UNSAFE = /^(data:|blob:)$/i;

/** What is wrong with a policy for the desktop window; [] means it is as strict as ours. */
export function checkCsp(policy: string, appOrigin = APP_ORIGIN): string[] {
  const problems: string[] = [];
  const csp = parseCsp(policy);
  const def = csp.get('default-src');
  if (!def) problems.push('default-src is missing');
  else if (!(def.length === 1 && (def[0] === "'none'" || def[0] === "'self'"))) problems.push(`default-src must be 'none' or 'self', not "${def.join(' ')}"`);
  for (const name of MUST_BE_NONE) {
    const v = csp.get(name) ?? (name === 'object-src' ? def : undefined);
    if (!v || !(v.length === 1 && v[0] === "'none'")) problems.push(`${name} must be 'none'`);
  }
  for (const name of FETCH_DIRECTIVES) {
    const sources = csp.get(name) ?? def ?? [];
    for (const s of sources) {
      // Our own origin spelled out is as good as 'self'; any other host is remote content.
      if (s.toLowerCase() === appOrigin) continue;
      if (UNSAFE.test(s)) problems.push(`${name} allows ${s}`);
      else if ((name === 'script-src' || name === 'worker-src') && SCRIPT_UNSAFE.test(s)) problems.push(`${name} allows ${s}`);
      else if (!s.startsWith("'") && !/^(data:|blob:|mediastream:)$/i.test(s)) problems.push(`${name} allows a remote source ${s}`);
    }
  }
  return problems;
}

/**
 * Chromium's own pages whose responses also pass through the session's
 * onHeadersReceived: DevTools (devtools://) in a development build is one, and
 * our CSP would break it ("Refused to load the script"). They are not content
 * of ours; everything else gets the policy.
 */
const BROWSER_OWN_SCHEMES = ['devtools:', 'chrome:', 'chrome-extension:', 'chrome-untrusted:'];

/** The response headers with our CSP and nosniff, or undefined to leave the response as it is. */
export function headersWithCsp(url: string, headers: Record<string, string | string[]> | undefined, csp: string): Record<string, string | string[]> | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  if (scheme !== undefined && BROWSER_OWN_SCHEMES.includes(scheme)) return undefined;
  const out: Record<string, string | string[]> = { ...(headers ?? {}) };
  for (const name of Object.keys(out)) if (name.toLowerCase() === 'content-security-policy') delete out[name];
  out['Content-Security-Policy'] = [csp];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}
