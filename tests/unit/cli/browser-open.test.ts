import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openerFor } from '../../../electron/cli/browser-open.ts';

test('the platform opener for the URL', () => {
  const url = 'http://127.0.0.1:5173/#token=abc';
  assert.deepEqual(openerFor('linux', url), { command: 'xdg-open', args: [url] });
  assert.deepEqual(openerFor('darwin', url), { command: 'open', args: [url] });
  assert.deepEqual(openerFor('win32', 'http://x/?a=1&b=2'), { command: 'cmd', args: ['/c', 'start', '""', 'http://x/?a=1^&b=2'] });
});
