import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountSnapshot, RegistrationSnapshot, Settings } from '../../../electron/api/contract.ts';
import { MAX_STATUS_LINES, TrayStatus } from '../../../electron/desktop/tray-model.ts';

const account = (id: string, enabled = true): AccountSnapshot => ({ id, displayName: id === 'a' ? 'Alice' : '', aor: `sip:${id}@example.com`, enabled } as AccountSnapshot);
const reg = (accountId: string, state: RegistrationSnapshot['state'], words?: string): RegistrationSnapshot => ({ accountId, state, otherBindings: [], ...(words ? { words } : {}) });
const settings = (dnd: boolean) => ({ dnd } as Settings);

function status(accounts: AccountSnapshot[], registrations: RegistrationSnapshot[], dnd = false): TrayStatus {
  const t = new TrayStatus();
  t.load({ accounts, registrations, settings: settings(dnd) });
  return t;
}

test('no account: offline, and the tooltip says so', () => {
  const m = status([], []).model();
  assert.equal(m.state, 'offline');
  assert.equal(m.icon, 'tray-offline.png');
  assert.equal(m.tooltip, 'Parley: no account');
  assert.deepEqual(m.statusLines, []);
});

test('all enabled accounts registered: registered; disabled ones do not count', () => {
  const m = status([account('a'), account('b'), account('c', false)], [reg('a', 'registered'), reg('b', 'registered')]).model();
  assert.equal(m.state, 'registered');
  assert.equal(m.tooltip, 'Parley: all 2 accounts registered');
  assert.deepEqual(m.statusLines, ['Alice: registered', 'sip:b@example.com: registered']);
});

test('a failure wins over registering, registering over registered', () => {
  assert.equal(status([account('a'), account('b')], [reg('a', 'registered'), reg('b', 'registering')]).model().state, 'registering');
  const m = status([account('a'), account('b')], [reg('a', 'registering'), reg('b', 'failed', 'wrong user name or password')]).model();
  assert.equal(m.state, 'failed');
  assert.equal(m.icon, 'tray-failed.png');
  assert.match(m.tooltip, /0 of 2 accounts registered, a registration failed/);
  assert.deepEqual(m.statusLines, ['Alice: registering…', 'sip:b@example.com: failed: wrong user name or password']);
  assert.equal(status([account('a')], []).model().state, 'offline', 'an account never registered is offline');
});

test('events update the model; removed accounts drop their registration', () => {
  const t = status([account('a'), account('b')], []);
  assert.equal(t.apply({ event: 'registration', data: reg('a', 'registered') }), true);
  assert.equal(t.apply({ event: 'registration', data: reg('b', 'failed') }), true);
  assert.equal(t.model().state, 'failed');
  assert.equal(t.apply({ event: 'accounts', data: [account('a')] }), true);
  assert.equal(t.model().state, 'registered');
  assert.equal(t.apply({ event: 'trace', data: {} as never }), false);
});

test('Do Not Disturb picks the badge icon and is said in the tooltip', () => {
  const t = status([account('a')], [reg('a', 'registered')]);
  assert.equal(t.apply({ event: 'settings', data: settings(true) }), true);
  assert.equal(t.apply({ event: 'settings', data: settings(true) }), false, 'no redraw when nothing changed');
  const m = t.model();
  assert.equal(m.dnd, true);
  assert.equal(m.icon, 'tray-registered-dnd.png');
  assert.match(m.tooltip, /\(do not disturb\)$/);
});

test('the menu lists at most MAX_STATUS_LINES accounts and says how many more', () => {
  const accounts = Array.from({ length: MAX_STATUS_LINES + 3 }, (_, i) => account(`x${i}`));
  const m = status(accounts, []).model();
  assert.equal(m.statusLines.length, MAX_STATUS_LINES + 1);
  assert.equal(m.statusLines.at(-1), '…and 3 more');
});
