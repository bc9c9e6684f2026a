/**
 * Media keys and global shortcuts (electron/desktop/call-keys.ts) against the
 * fake Electron's globalShortcut: what each key does with a ringing call, a
 * call in progress, both or none; the shortcuts from desktop-shortcuts.json;
 * one another program holds is reported; dispose gives every key back.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CallSnapshot } from '../../../electron/api/contract.ts';
import { CallKeys, callKeyCommand, readCallKeysConfig, type CallKeyAction } from '../../../electron/desktop/call-keys.ts';
import { createLogger, type LogRecord } from '../../../electron/shared/logger.ts';
import { makeTempDir } from '../../interop/harness/managed-process.ts';
import { control, globalShortcut } from './fake-electron.ts';

const call = (id: string, state: CallSnapshot['state'], direction: 'in' | 'out' = 'in', held = false) => ({ id, state, direction, held }) as CallSnapshot;

test('what a key means: the ringing call first, else the call in progress', () => {
  const ringing = call('r', 'incoming');
  const talking = call('t', 'active', 'out');
  assert.deepEqual(callKeyCommand([ringing], 'toggle'), { command: 'call.answer', callId: 'r' });
  assert.deepEqual(callKeyCommand([talking], 'toggle'), { command: 'call.hangup', callId: 't' });
  assert.deepEqual(callKeyCommand([talking, ringing], 'toggle'), { command: 'call.answer', callId: 'r' }, 'a waiting call is answered (the phone holds the other)');
  assert.deepEqual(callKeyCommand([talking, ringing], 'hangup'), { command: 'call.hangup', callId: 't' });
  assert.deepEqual(callKeyCommand([ringing], 'hangup'), { command: 'call.decline', callId: 'r' });
  assert.deepEqual(callKeyCommand([call('h', 'active', 'out', true), talking], 'hangup'), { command: 'call.hangup', callId: 't' }, 'the call not on hold');
  assert.equal(callKeyCommand([talking], 'answer'), undefined);
  assert.equal(callKeyCommand([], 'toggle'), undefined);
  assert.equal(callKeyCommand([call('o', 'ringing', 'out')], 'answer'), undefined, 'our own outgoing call is not answered');
});

test('media keys by default; the shortcuts of desktop-shortcuts.json; a held one is reported; dispose unregisters', () => {
  const tmp = makeTempDir('call-keys');
  const logs: LogRecord[] = [];
  const logger = createLogger((r) => logs.push(r));
  try {
    assert.deepEqual(readCallKeysConfig(tmp.path, logger), { mediaKeys: true, answer: null, hangup: null }, 'no file: media keys only');
    writeFileSync(join(tmp.path, 'desktop-shortcuts.json'), JSON.stringify({ answer: 'CommandOrControl+Alt+A', hangup: 'CommandOrControl+Alt+H', mediaKeys: true }));
    const config = readCallKeysConfig(tmp.path, logger);
    assert.deepEqual(config, { mediaKeys: true, answer: 'CommandOrControl+Alt+A', hangup: 'CommandOrControl+Alt+H' });
    control.heldShortcuts = ['CommandOrControl+Alt+H'];
    const acted: CallKeyAction[] = [];
    const keys = new CallKeys({ shortcuts: globalShortcut, act: (a) => acted.push(a), logger });
    assert.deepEqual(keys.apply(config), ['CommandOrControl+Alt+H'], 'the one another program holds');
    assert.ok(logs.some((l) => l.level === 'warn' && /held by another program/.test(l.message)));
    assert.equal(globalShortcut.press('MediaPlayPause'), true);
    assert.equal(globalShortcut.press('MediaStop'), true);
    assert.equal(globalShortcut.press('CommandOrControl+Alt+A'), true);
    assert.equal(globalShortcut.press('CommandOrControl+Alt+H'), false);
    assert.deepEqual(acted, ['toggle', 'hangup', 'answer']);
    keys.dispose();
    for (const a of ['MediaPlayPause', 'MediaStop', 'CommandOrControl+Alt+A']) assert.equal(globalShortcut.isRegistered(a), false, `${a} given back`);
    writeFileSync(join(tmp.path, 'desktop-shortcuts.json'), '{ not json');
    assert.deepEqual(readCallKeysConfig(tmp.path, logger), { mediaKeys: true, answer: null, hangup: null }, 'a broken file: the defaults');
    writeFileSync(join(tmp.path, 'desktop-shortcuts.json'), JSON.stringify({ mediaKeys: false, answer: 'Ctrl+"; rm -rf', hangup: 42 }));
    assert.deepEqual(readCallKeysConfig(tmp.path, logger), { mediaKeys: false, answer: null, hangup: null }, 'nonsense accelerators are dropped');
  } finally {
    control.heldShortcuts = [];
    tmp.remove();
  }
});
