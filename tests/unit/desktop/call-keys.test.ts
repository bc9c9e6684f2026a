/**
 * Media keys and global shortcuts (electron/desktop/call-keys.ts,
 * global-shortcuts-host.ts) against the fake Electron's globalShortcut and
 * the real API dispatcher over the fake phone: what each key does with a
 * ringing call, a call in progress, a held one or none; the keys registered
 * from the engine's `globalShortcuts` setting and registered again when it
 * changes; a key another program holds and one Electron refuses reported in
 * words; the old desktop-shortcuts.json taken into the setting once.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CallSnapshot, GlobalShortcuts, GlobalShortcutsStatus } from '../../../electron/api/contract.ts';
import { createDispatcher } from '../../../electron/api/dispatcher.ts';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../../electron/api/global-shortcuts.ts';
import { CallKeys, callKeyCommand, type CallKeyAction } from '../../../electron/desktop/call-keys.ts';
import { hostGlobalShortcuts } from '../../../electron/desktop/global-shortcuts-host.ts';
import { createLogger, nullLogger, type LogRecord } from '../../../electron/common/logger.ts';
import { createFakePhone, ringIn } from '../api/fake-phone.ts';
import { makeTempDir } from '../../interop/harness/managed-process.ts';
import { control, globalShortcut } from './fake-electron.ts';

const call = (id: string, state: CallSnapshot['state'], direction: 'in' | 'out' = 'in', over: Partial<CallSnapshot> = {}) =>
  ({ id, state, direction, held: state === 'held', muted: false, ...over }) as CallSnapshot;
const keys = (over: Partial<GlobalShortcuts>): GlobalShortcuts => ({ ...DEFAULT_GLOBAL_SHORTCUTS, ...over });
const settle = () => new Promise((r) => setTimeout(r, 20));

test('what a key means: the ringing call first, else the call in progress, else the held one', () => {
  const ringing = call('r', 'incoming');
  const talking = call('t', 'active', 'out');
  const held = call('h', 'held', 'out');
  const cmd = (calls: CallSnapshot[], action: CallKeyAction) => {
    const c = callKeyCommand(calls, action);
    return c && `${c.command} ${c.params.callId}${'muted' in c.params ? ` muted=${c.params.muted}` : ''}`;
  };
  assert.equal(cmd([ringing], 'toggle'), 'call.answer r');
  assert.equal(cmd([talking], 'toggle'), 'call.hangup t');
  assert.equal(cmd([talking, ringing], 'toggle'), 'call.answer r', 'a waiting call is answered (the phone holds the other)');
  assert.equal(cmd([talking, ringing], 'hangup'), 'call.hangup t');
  assert.equal(cmd([ringing], 'hangup'), 'call.decline r');
  assert.equal(cmd([held, talking], 'hangup'), 'call.hangup t', 'the call not on hold');
  assert.equal(cmd([held], 'hangup'), 'call.hangup h', 'only a held call: that one');
  assert.equal(cmd([talking], 'answer'), undefined);
  assert.equal(cmd([], 'toggle'), undefined);
  assert.equal(cmd([call('o', 'ringing', 'out')], 'answer'), undefined, 'our own outgoing call is not answered');
  assert.equal(cmd([talking], 'mute'), 'call.mute t muted=true');
  assert.equal(cmd([call('m', 'active', 'out', { muted: true })], 'mute'), 'call.mute m muted=false', 'mute toggles');
  assert.equal(cmd([ringing], 'mute'), undefined, 'a ringing call has no microphone to mute');
  assert.equal(cmd([talking, held], 'hold'), 'call.hold t');
  assert.equal(cmd([held], 'hold'), 'call.resume h');
  assert.equal(cmd([talking], 'show'), undefined, 'show is the window, not a call command');
});

test('registering: media keys and shortcuts; a held key and a string Electron refuses are reported in words; the same set twice changes nothing', () => {
  const logs: LogRecord[] = [];
  const acted: CallKeyAction[] = [];
  control.heldShortcuts = ['Ctrl+Alt+H'];
  const callKeys = new CallKeys({ shortcuts: globalShortcut, act: (a) => acted.push(a), logger: createLogger((r) => logs.push(r)) });
  try {
    const status = callKeys.apply(keys({ answer: 'Ctrl+Alt+A', hangup: 'Ctrl+Alt+H', mute: 'Ctrl+Alt+Nonsense', show: 'Super+F9' }));
    assert.ok(status);
    assert.deepEqual(status.registered, ['MediaPlayPause', 'MediaStop', 'Ctrl+Alt+A', 'Super+F9']);
    assert.deepEqual(
      status.refused.map((r) => [r.action, r.reason]),
      [
        ['hangup', 'held'],
        ['mute', 'invalid'],
      ],
    );
    assert.match(status.refused[0]!.words, /Ctrl\+Alt\+H is taken by another program/);
    assert.match(status.refused[1]!.words, /could not be made a global shortcut/);
    assert.ok(logs.some((l) => l.level === 'warn' && /refused/.test(l.message)));
    for (const a of ['MediaPlayPause', 'MediaStop', 'Ctrl+Alt+A', 'Super+F9']) assert.equal(globalShortcut.press(a), true, a);
    assert.equal(globalShortcut.press('Ctrl+Alt+H'), false);
    assert.deepEqual(acted, ['toggle', 'hangup', 'answer', 'show']);
    assert.equal(callKeys.apply(keys({ answer: 'Ctrl+Alt+A', hangup: 'Ctrl+Alt+H', mute: 'Ctrl+Alt+Nonsense', show: 'Super+F9' })), undefined, 'unchanged: not registered again');
    const off = callKeys.apply(keys({ mediaKeys: false }));
    assert.deepEqual(off, { registered: [], refused: [] });
    for (const a of ['MediaPlayPause', 'MediaStop', 'Ctrl+Alt+A', 'Super+F9']) assert.equal(globalShortcut.isRegistered(a), false, `${a} given back`);
  } finally {
    callKeys.dispose();
    control.heldShortcuts = [];
  }
});

test('the desktop host: keys from the settings, registered again on a change, reported to the window; keys act on the engine', async () => {
  const tmp = makeTempDir('call-keys');
  const bus = createEventBus();
  const phone = createFakePhone(bus);
  const dispatcher = createDispatcher(phone, { logger: nullLogger });
  const reports: GlobalShortcutsStatus[] = [];
  let shown = 0;
  const host = hostGlobalShortcuts({ shortcuts: globalShortcut, dispatcher, dataDir: tmp.path, logger: nullLogger, showWindow: () => shown++, report: (s) => reports.push(s) });
  const offSettings = bus.subscribe((e) => e.event === 'settings' && host.settingsChanged(e.data));
  try {
    // The hand-written file of earlier versions: taken into the setting (validated by the API), then renamed.
    writeFileSync(join(tmp.path, 'desktop-shortcuts.json'), JSON.stringify({ mediaKeys: true, answer: 'commandorcontrol+alt+a', hangup: 'CommandOrControl+Alt+H' }));
    const start = await dispatcher.call('settings.get', {});
    assert.ok(start.ok);
    await host.start(start.result);
    const stored = await dispatcher.call('settings.get', {});
    assert.ok(stored.ok);
    assert.deepEqual(stored.result.globalShortcuts, keys({ answer: 'CommandOrControl+Alt+A', hangup: 'CommandOrControl+Alt+H' }), 'written the one way');
    assert.equal(existsSync(join(tmp.path, 'desktop-shortcuts.json')), false);
    assert.equal(existsSync(join(tmp.path, 'desktop-shortcuts.json.imported')), true);
    assert.deepEqual(reports.at(-1)?.registered, ['MediaPlayPause', 'MediaStop', 'CommandOrControl+Alt+A', 'CommandOrControl+Alt+H']);

    // A ringing call: the answer key answers it through the API.
    ringIn(phone, bus, 'c1');
    assert.equal(globalShortcut.press('CommandOrControl+Alt+A'), true);
    await settle();
    assert.equal(phone.calls.get('c1')?.state, 'active');

    // The user picks other keys in Settings: the old ones are given back, the new ones taken, the window told.
    control.heldShortcuts = ['Ctrl+Shift+M'];
    const changed = await dispatcher.call('settings.update', { globalShortcuts: keys({ mediaKeys: false, mute: 'Ctrl+Shift+M', hold: 'Ctrl+Alt+Space', show: 'Alt+Super+P' }) });
    assert.ok(changed.ok);
    assert.equal(globalShortcut.isRegistered('CommandOrControl+Alt+A'), false);
    assert.equal(globalShortcut.isRegistered('MediaPlayPause'), false);
    const last = reports.at(-1)!;
    assert.deepEqual(last.registered, ['Ctrl+Alt+Space', 'Alt+Super+P']);
    assert.deepEqual(last.refused.map((r) => `${r.action} ${r.accelerator} ${r.reason}`), ['mute Ctrl+Shift+M held']);
    const count = reports.length;
    await dispatcher.call('settings.update', { dnd: true });
    assert.equal(reports.length, count, 'another setting: nothing registered again, nothing reported');
    host.rendererReady();
    assert.deepEqual(reports.at(-1), last, 'a reloaded window hears the status again');

    assert.equal(globalShortcut.press('Ctrl+Alt+Space'), true);
    await settle();
    assert.equal(phone.calls.get('c1')?.state, 'held', 'the hold key held the call in progress');
    assert.equal(globalShortcut.press('Ctrl+Alt+Space'), true);
    await settle();
    assert.equal(phone.calls.get('c1')?.state, 'active', 'and resumed it');
    assert.equal(globalShortcut.press('Alt+Super+P'), true);
    assert.equal(shown, 1);

    // The API refuses what the form refuses, on the field.
    const bad = await dispatcher.call('settings.update', { globalShortcuts: keys({ answer: 'A', hangup: 'Ctrl+Alt+X', mute: 'ctrl+alt+x', hold: 'Alt+3' }) });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok);
    assert.deepEqual(
      bad.issues?.map((i) => i.path),
      ['globalShortcuts.answer', 'globalShortcuts.mute', 'globalShortcuts.hold'],
    );
    assert.match(bad.issues![0]!.message, /from every program/);
    assert.match(bad.issues![1]!.message, /already the shortcut to hang up/);
    assert.match(bad.issues![2]!.message, /Parley’s own key/);
  } finally {
    offSettings();
    host.dispose();
    control.heldShortcuts = [];
    tmp.remove();
  }
});

test('a desktop-shortcuts.json the API refuses is left out, renamed all the same (read once)', async () => {
  const tmp = makeTempDir('call-keys');
  const phone = createFakePhone();
  const dispatcher = createDispatcher(phone, { logger: nullLogger });
  const logs: LogRecord[] = [];
  const host = hostGlobalShortcuts({ shortcuts: globalShortcut, dispatcher, dataDir: tmp.path, logger: createLogger((r) => logs.push(r)), showWindow: () => {}, report: () => {} });
  try {
    writeFileSync(join(tmp.path, 'desktop-shortcuts.json'), JSON.stringify({ answer: 'Ctrl+"; rm -rf', hangup: 42 }));
    const start = await dispatcher.call('settings.get', {});
    assert.ok(start.ok);
    await host.start(start.result);
    const after = await dispatcher.call('settings.get', {});
    assert.ok(after.ok);
    assert.deepEqual(after.result.globalShortcuts, DEFAULT_GLOBAL_SHORTCUTS);
    assert.ok(logs.some((l) => /not taken/.test(l.message)));
    assert.equal(existsSync(join(tmp.path, 'desktop-shortcuts.json.imported')), true);
  } finally {
    host.dispose();
    tmp.remove();
  }
});
