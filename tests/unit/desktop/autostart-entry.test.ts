import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autostartDesktopEntry, autostartPath, launchCommand, quoteExecArg, startedHidden } from '../../../electron/desktop/autostart-entry.ts';

test('the autostart entry starts Parley hidden', () => {
  const text = autostartDesktopEntry('/opt/Parley/parley');
  assert.match(text, /^\[Desktop Entry\]\n/);
  assert.match(text, /\nExec=\/opt\/Parley\/parley --hidden\n/);
  assert.match(text, /\nType=Application\n/);
  assert.match(text, /\nX-GNOME-Autostart-enabled=true\n/);
});

test('Exec quoting follows the Desktop Entry spec', () => {
  assert.equal(quoteExecArg('/opt/Parley/parley'), '/opt/Parley/parley');
  assert.equal(quoteExecArg('/home/me/My Apps/Parley.AppImage'), '"/home/me/My Apps/Parley.AppImage"');
  assert.equal(quoteExecArg('/a/$HOME/`x`/"q"\\'), '"/a/\\$HOME/\\`x\\`/\\"q\\"\\\\"');
  assert.equal(quoteExecArg('/a/100%'), '"/a/100%%"');
  assert.throws(() => autostartDesktopEntry('/a\nExec=/bin/evil'), TypeError);
});

test('paths: XDG_CONFIG_HOME when absolute, else ~/.config; AppImage file over its mount', () => {
  assert.equal(autostartPath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/me'), '/x/cfg/autostart/parley.desktop');
  assert.equal(autostartPath({ XDG_CONFIG_HOME: 'relative' }, '/home/me'), '/home/me/.config/autostart/parley.desktop');
  assert.equal(autostartPath({}, '/home/me'), '/home/me/.config/autostart/parley.desktop');
  assert.equal(launchCommand('/tmp/.mount_Parley/parley', { APPIMAGE: '/home/me/Parley.AppImage' }), '/home/me/Parley.AppImage');
  assert.equal(launchCommand('/opt/Parley/parley', {}), '/opt/Parley/parley');
  assert.equal(startedHidden(['/opt/Parley/parley', '--hidden']), true);
  assert.equal(startedHidden(['/opt/Parley/parley', 'sip:a@b']), false);
});
