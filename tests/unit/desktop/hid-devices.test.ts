import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseHidDevice, decideDevicePermission, isTelephonyDevice } from '../../../electron/desktop/hid-devices.ts';

const headset = { deviceId: 'h1', name: 'Desk headset', collections: [{ usagePage: 0x0c }, { usagePage: 0x0b }] };
const keyboard = { deviceId: 'k1', name: 'Keyboard', collections: [{ usagePage: 0x01 }] };
const fido = { deviceId: 'f1', name: 'Security key', collections: [{ usagePage: 0xf1d0 }] };

test('a telephony collection anywhere at the top level makes a telephony device', () => {
  assert.equal(isTelephonyDevice(headset), true);
  assert.equal(isTelephonyDevice(keyboard), false);
  assert.equal(isTelephonyDevice(fido), false);
  assert.equal(isTelephonyDevice({}), false);
});

test('device permission: telephony HID devices for our page only', () => {
  assert.equal(decideDevicePermission({ deviceType: 'hid', origin: 'app://parley', device: headset }), true);
  assert.equal(decideDevicePermission({ deviceType: 'hid', origin: 'app://parley/index.html', device: headset }), true);
  for (const d of [keyboard, fido, null, 'x', { collections: 'nope' }]) assert.equal(decideDevicePermission({ deviceType: 'hid', origin: 'app://parley', device: d }), false, JSON.stringify(d));
  for (const origin of ['https://evil.example', 'app://parley.evil', '', 'file://']) assert.equal(decideDevicePermission({ deviceType: 'hid', origin, device: headset }), false, origin);
  for (const t of ['usb', 'serial']) assert.equal(decideDevicePermission({ deviceType: t, origin: 'app://parley', device: headset }), false, t);
});

test('pairing: none, the only headset without asking, else the one picked (each interface once)', async () => {
  const asked: string[][] = [];
  const ask = (answer: number | undefined) => async (names: string[]) => (asked.push(names), answer);
  assert.equal(await chooseHidDevice([keyboard, fido], ask(0)), null);
  assert.equal(await chooseHidDevice([keyboard, headset, { ...headset }], ask(0)), 'h1');
  assert.deepEqual(asked, [], 'one headset (two interfaces of it) needs no question');
  const other = { deviceId: 'h2', name: '', collections: [{ usagePage: 0x0b }] };
  assert.equal(await chooseHidDevice([headset, keyboard, other], ask(1)), 'h2');
  assert.deepEqual(asked.at(-1), ['Desk headset', 'Unnamed headset']);
  assert.equal(await chooseHidDevice([headset, other], ask(undefined)), null, 'Cancel');
  assert.equal(await chooseHidDevice([headset, other], ask(7)), null, 'an answer out of range');
});
