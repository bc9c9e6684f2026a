import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWebPreferences, webPreferences, windowOptions } from '../../../electron/desktop/window-options.ts';

const input = { preload: '/app/out/preload/preload.cjs' };

test('webPreferences are locked down', () => {
  const p = webPreferences(input);
  assert.equal(p.contextIsolation, true);
  assert.equal(p.sandbox, true);
  assert.equal(p.nodeIntegration, false);
  assert.equal(p.nodeIntegrationInWorker, false);
  assert.equal(p.nodeIntegrationInSubFrames, false);
  assert.equal(p.webSecurity, true);
  assert.equal(p.allowRunningInsecureContent, false);
  assert.equal(p.experimentalFeatures, false);
  assert.equal(p.webviewTag, false);
  assert.equal(p.navigateOnDragDrop, false);
  assert.equal(p.devTools, false, 'no DevTools unless asked (development runs)');
  assert.equal(p.preload, input.preload);
  assert.equal('enableBlinkFeatures' in p, false);
  assert.equal('additionalArguments' in p, false);
  // 'Auxclick' is no Blink runtime feature any more: the option disabled nothing and only looked safe.
  assert.equal('disableBlinkFeatures' in p, false);
  assert.deepEqual(checkWebPreferences(p as unknown as Record<string, unknown>), []);
});

test('softphone needs: ringing without a click, timers alive while hidden', () => {
  const p = webPreferences(input);
  assert.equal(p.autoplayPolicy, 'no-user-gesture-required');
  assert.equal(p.backgroundThrottling, false);
});

test('the window starts hidden and carries the preferences', () => {
  const w = windowOptions({ ...input, icon: '/i.png', devTools: true });
  assert.equal(w.show, false);
  assert.equal(w.icon, '/i.png');
  assert.equal(w.webPreferences.devTools, true);
  assert.equal(w.webPreferences.sandbox, true);
  assert.equal('icon' in windowOptions(input), false);
});

test('checkWebPreferences names each weakened setting', () => {
  const weak = { ...webPreferences(input), nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false, enableBlinkFeatures: 'X', additionalArguments: ['--x'] };
  const problems = checkWebPreferences(weak as unknown as Record<string, unknown>).join('\n');
  for (const key of ['nodeIntegration', 'contextIsolation', 'sandbox', 'webSecurity', 'enableBlinkFeatures', 'additionalArguments']) assert.match(problems, new RegExp(key));
  assert.match(checkWebPreferences({}).join('\n'), /preload must be set/);
  // Electron's defaults are not enough: an absent key is a problem, not a pass.
  assert.ok(checkWebPreferences({ preload: '/p' }).length >= 8);
});
