import { after, afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../../electron/phone/store/store.ts';
import { SettingsRepository } from '../../../../electron/phone/store/settings-repository.ts';
import { SETTINGS_DEFAULTS, type Settings } from '../../../../electron/phone/settings.ts';
import { createLogger, type LogRecord } from '../../../../electron/common/logger.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { expectStoreError } from './expect-store-error.ts';

after(removeTempDirs);

let dir: string;
let store: Store;
let settings: SettingsRepository;
let records: LogRecord[];
beforeEach(() => {
  dir = tempDir();
  store = Store.open(dir);
  records = [];
  settings = new SettingsRepository(store, createLogger((r) => records.push(r)));
});
afterEach(() => store.close());

test('an empty store reads as the typed defaults', () => {
  assert.deepEqual(settings.getAll(), SETTINGS_DEFAULTS);
  assert.equal(settings.get('theme'), 'system');
  assert.equal(settings.get('linkAction'), 'fill');
  assert.equal(settings.get('echoCancellation'), true);
  assert.equal(settings.get('audioInputDeviceId'), null);
  assert.equal(settings.get('dnd'), false);
});

test('set and update persist across reopen', () => {
  settings.set('theme', 'dark');
  settings.set('audioInputDeviceId', 'abc123');
  const all = settings.update({ dnd: true, numberingPlan: { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 } });
  assert.equal(all.dnd, true);
  store.close();
  store = Store.open(dir);
  settings = new SettingsRepository(store);
  const expected: Settings = { ...SETTINGS_DEFAULTS, theme: 'dark', audioInputDeviceId: 'abc123', dnd: true, numberingPlan: { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 } };
  assert.deepEqual(settings.getAll(), expected);
  settings.set('audioInputDeviceId', null);
  assert.equal(settings.get('audioInputDeviceId'), null);
});

test('invalid values and unknown keys are refused; a bad key in an update writes nothing', () => {
  expectStoreError(() => settings.set('theme', 'pink' as never), 'invalid', '', /setting theme/);
  expectStoreError(() => settings.set('echoCancellation', 'yes' as never), 'invalid');
  expectStoreError(() => settings.set('ringtone', '' as never), 'invalid');
  expectStoreError(() => settings.set('numberingPlan', { countryCode: '+55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 }), 'invalid', 'countryCode');
  expectStoreError(() => settings.set('volume' as never, 3 as never), 'invalid', 'volume');
  expectStoreError(() => settings.get('volume' as never), 'invalid');
  expectStoreError(() => settings.update({ theme: 'dark', linkAction: 'explode' as never }), 'invalid');
  assert.deepEqual(settings.getAll(), SETTINGS_DEFAULTS);
});

test('a stored value that no longer validates reads as the default, with a warning', () => {
  store.run("INSERT INTO settings (key, value) VALUES ('theme', '\"neon\"'), ('dnd', 'not json'), ('obsolete', '1')");
  assert.equal(settings.get('theme'), 'system');
  assert.equal(settings.getAll().dnd, false);
  assert.ok(records.some((r) => r.level === 'warn' && r.data?.key === 'theme'));
});

test('reset one key or all', () => {
  settings.update({ theme: 'light', dnd: true });
  settings.reset('theme');
  assert.equal(settings.get('theme'), 'system');
  assert.equal(settings.get('dnd'), true);
  settings.reset();
  assert.deepEqual(settings.getAll(), SETTINGS_DEFAULTS);
});

test('returned values are copies: changing them does not change the defaults', () => {
  const plan = settings.get('numberingPlan');
  plan.countryCode = '1';
  assert.equal(settings.get('numberingPlan').countryCode, '');
  assert.equal(SETTINGS_DEFAULTS.numberingPlan.countryCode, '');
});

test('settings changed by another connection (another process) are read again', async () => {
  assert.equal(settings.get('dnd'), false);
  const other = Store.open(dir);
  try {
    new SettingsRepository(other).set('dnd', true);
  } finally {
    other.close();
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settings.get('dnd'), true);
  settings.set('dnd', false);
  assert.equal(settings.get('dnd'), false);
});

test('peek hands out the kept value itself, frozen, and a write is seen at once', () => {
  const plan = settings.peek('numberingPlan');
  assert.deepEqual(plan, SETTINGS_DEFAULTS.numberingPlan);
  assert.equal(settings.peek('numberingPlan'), plan, 'no copy per read');
  assert.throws(() => {
    (plan as { countryCode: string }).countryCode = '99';
  }, TypeError);
  assert.deepEqual(settings.get('numberingPlan'), SETTINGS_DEFAULTS.numberingPlan);
  settings.set('rtpPorts', { min: 20000, max: 20999 });
  assert.deepEqual(settings.peek('rtpPorts'), { min: 20000, max: 20999 });
});
