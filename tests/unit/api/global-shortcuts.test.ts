/**
 * The accelerator grammar and conflict rules shared by the settings form and
 * the API (electron/api/global-shortcuts.ts): what a field may hold, how it
 * is written, and which clashes are named on which field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_GLOBAL_SHORTCUTS, globalShortcutProblems, normalizeGlobalShortcuts, parseAccelerator, type GlobalShortcuts } from '../../../electron/api/global-shortcuts.ts';

test('accelerators Electron takes are written one way', () => {
  const ok = (text: string) => {
    const r = parseAccelerator(text);
    assert.ok(r.ok, `${text}: ${r.ok ? '' : r.problem}`);
    return r.accelerator;
  };
  assert.equal(ok('ctrl+alt+a'), 'Ctrl+Alt+A');
  assert.equal(ok('Alt+Control+a'), 'Ctrl+Alt+A', 'modifiers in one order, Control written Ctrl');
  assert.equal(ok('CmdOrCtrl+Shift+F5'), 'CommandOrControl+Shift+F5');
  assert.equal(ok('Meta+Option+Return'), 'Alt+Super+Enter', 'aliases');
  assert.equal(ok('F9'), 'F9', 'a function key alone');
  assert.equal(ok('MediaPlayPause'), 'MediaPlayPause', 'a media key alone');
  assert.equal(ok('Shift+F24'), 'Shift+F24');
  assert.equal(ok('Ctrl+Alt+Plus'), 'Ctrl+Alt+Plus');
  assert.equal(ok('Super+num5'), 'Super+num5');
  assert.equal(ok('Ctrl+Alt+/'), 'Ctrl+Alt+/');
});

test('what is not an accelerator, or would take keys every program types, is refused in words', () => {
  const problem = (text: string) => {
    const r = parseAccelerator(text);
    assert.equal(r.ok, false, text);
    return r.ok ? '' : r.problem;
  };
  assert.match(problem('A'), /from every program/);
  assert.match(problem('Shift+A'), /Shift\+A from every program/);
  assert.match(problem('Space'), /from every program/);
  assert.match(problem('Ctrl+Alt'), /only modifiers/);
  assert.match(problem('Ctrl+Ctrl+A'), /twice/);
  assert.match(problem('Ctrl+Foo'), /“Foo”, which is not a key/);
  assert.match(problem('Hyper+A'), /“Hyper” where a modifier/);
  assert.match(problem('Ctrl+'), /Plus/);
  assert.match(problem('F25'), /not a key/);
  assert.match(problem(''), /empty/);
  assert.match(problem(`Ctrl+${'A'.repeat(70)}`), /longer than 64/);
});

test('clashes are named on the later field: the same keys, a media key while the media keys are on, Parley’s own view keys', () => {
  const set = (over: Partial<GlobalShortcuts>): GlobalShortcuts => ({ ...DEFAULT_GLOBAL_SHORTCUTS, ...over });
  assert.deepEqual(globalShortcutProblems(DEFAULT_GLOBAL_SHORTCUTS), {}, 'nothing set: nothing wrong');
  assert.deepEqual(globalShortcutProblems(set({ answer: 'Ctrl+Alt+A', hangup: 'Ctrl+Alt+H', mute: 'Ctrl+Alt+M', hold: 'Ctrl+Alt+K', show: 'Super+F9' })), {});
  const dup = globalShortcutProblems(set({ answer: 'Ctrl+Alt+A', mute: 'alt+ctrl+a' }));
  assert.deepEqual(Object.keys(dup), ['mute']);
  assert.match(dup.mute!, /already the shortcut to answer a ringing call/);
  assert.deepEqual(Object.keys(globalShortcutProblems(set({ answer: 'CommandOrControl+Alt+A', hangup: 'Ctrl+Alt+A' }))), ['hangup'], 'CommandOrControl is Ctrl on Linux and Windows');
  assert.deepEqual(Object.keys(globalShortcutProblems(set({ answer: 'CmdOrCtrl+Alt+A', hangup: 'Command+Alt+A' }))), ['hangup'], 'and Command on macOS');
  assert.match(globalShortcutProblems(set({ hangup: 'MediaStop' })).hangup!, /media key/);
  assert.deepEqual(globalShortcutProblems(set({ mediaKeys: false, hangup: 'MediaStop' })), {}, 'media keys off: free to use');
  assert.match(globalShortcutProblems(set({ show: 'Alt+5' })).show!, /Parley’s own key for its views \(Alt\+5\)/);
  assert.match(globalShortcutProblems(set({ answer: 'A' })).answer!, /every program/);
  assert.deepEqual(normalizeGlobalShortcuts(set({ answer: 'ctrl+alt+a', hangup: 'Nope' })), set({ answer: 'Ctrl+Alt+A', hangup: 'Nope' }));
});
