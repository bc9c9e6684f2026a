/**
 * What build/electron-builder.yml promises the platforms (issue "The desktop
 * app in a real Electron 45" §1.2): no AppImage (it aborts at launch on
 * Ubuntu 23.10 and later: AppArmor and the SUID sandbox, electron/electron
 * issue 42510), and a deb that declares the libraries the Electron binary
 * needs. Read with js-yaml, the parser electron-builder itself uses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  appId: string;
  linux: { target: string[] };
  deb: { depends: string[]; recommends?: string[] };
}

const config = yaml.load(readFileSync(new URL('../../../build/electron-builder.yml', import.meta.url), 'utf8')) as BuilderConfig;

test('Linux ships no AppImage', () => {
  assert.deepEqual(config.linux.target.map((t) => t.toLowerCase()), ['deb']);
});

test('the deb declares what the Electron binary needs (ALSA under either name, GBM) and the password store', () => {
  const depends = config.deb.depends;
  assert.ok(depends.some((d) => /^libasound2\b/.test(d) && d.includes('libasound2t64')), `libasound2 | libasound2t64 in ${depends.join(', ')}`);
  for (const lib of ['libgbm1', 'libsecret-1-0', 'libnss3', 'libgtk-3-0']) assert.ok(depends.includes(lib), lib);
});
