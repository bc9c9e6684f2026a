import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCsp, checkCsp, DESKTOP_CSP, headersWithCsp, parseCsp } from '../../../electron/desktop/csp.ts';

test('our policy passes our checker and reads back as built', () => {
  const csp = buildCsp();
  assert.deepEqual(checkCsp(csp), []);
  const parsed = parseCsp(csp);
  assert.deepEqual(parsed.get('default-src'), ["'none'"]);
  assert.deepEqual(parsed.get('script-src'), ["'self'"]);
  assert.deepEqual(parsed.get('connect-src'), ["'self'"]);
  assert.deepEqual(parsed.get('object-src'), ["'none'"]);
  assert.deepEqual(parsed.get('frame-ancestors'), ["'none'"]);
  assert.equal(parsed.size, Object.keys(DESKTOP_CSP).length);
  assert.doesNotMatch(csp, /unsafe|\*|https?:|wss?:/);
});

test('the checker flags unsafe-inline, unsafe-eval, wildcards and remote hosts', () => {
  const base = "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  assert.match(checkCsp(`${base}; script-src 'self' 'unsafe-inline'`).join('\n'), /script-src allows 'unsafe-inline'/);
  assert.match(checkCsp(`${base}; script-src 'self' 'unsafe-eval'`).join('\n'), /unsafe-eval/);
  assert.match(checkCsp(`${base}; img-src *`).join('\n'), /img-src allows \*/);
  assert.match(checkCsp(`${base}; connect-src https:`).join('\n'), /connect-src allows https:/);
  assert.match(checkCsp(`${base}; connect-src wss://sip.example.com`).join('\n'), /connect-src allows/);
  assert.match(checkCsp(`${base}; script-src cdn.example.com`).join('\n'), /remote source cdn\.example\.com/);
  assert.match(checkCsp(`${base}; script-src data:`).join('\n'), /script-src allows data:/);
  assert.match(checkCsp(`${base}; worker-src blob:`).join('\n'), /worker-src allows blob:/);
  assert.deepEqual(checkCsp(`${base}; img-src 'self' data: blob:`), []);
  assert.deepEqual(checkCsp(`${base}; script-src app://parley`), [], "our origin spelled out is as good as 'self'");
});

test('the checker wants default-src and the must-be-none directives', () => {
  const problems = checkCsp("script-src 'self'").join('\n');
  assert.match(problems, /default-src is missing/);
  assert.match(problems, /object-src must be 'none'/);
  assert.match(problems, /base-uri must be 'none'/);
  assert.match(problems, /frame-ancestors must be 'none'/);
  assert.match(checkCsp("default-src *; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'").join('\n'), /default-src must be/);
  // A fetch directive left out falls back to default-src: a loose default is caught through it.
  assert.match(checkCsp("default-src 'self' https:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'").join('\n'), /script-src allows https:/);
});

test('the renderer page meta policy also passes the checker once frame-ancestors is known to come from our header', () => {
  // The page's <meta> CSP is enforced together with our header; it must not need anything our header forbids.
  const meta = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; media-src 'self' blob: data:; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  assert.deepEqual(checkCsp(meta), []);
});

test('parseCsp: first directive wins, names are case-insensitive, empty parts ignored', () => {
  const p = parseCsp("Script-Src 'self';; script-src *; img-src");
  assert.deepEqual(p.get('script-src'), ["'self'"]);
  assert.deepEqual(p.get('img-src'), []);
});

test('the CSP header is added to our responses, never to DevTools or other pages of Chromium itself', () => {
  const csp = buildCsp();
  const ours = headersWithCsp('app://parley/index.html', { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] }, csp)!;
  assert.deepEqual(ours['Content-Security-Policy'], [csp]);
  assert.equal('content-security-policy' in ours, false, 'a weaker policy from elsewhere is replaced');
  assert.deepEqual(ours['Content-Type'], ['text/html']);
  for (const url of ['devtools://devtools/bundled/devtools_app.html', 'chrome-extension://abc/x.js', 'chrome://gpu/']) assert.equal(headersWithCsp(url, {}, csp), undefined, url);
});
