/** The server's layering rules in tests/lint/run.ts: sip and phone never import server; server imports only sip and shared. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkFile } from '../../lint/run.ts';

test('sip or phone importing server is a finding', () => {
  assert.equal(checkFile('electron/sip/ua/x.ts', "import { SipServer } from '../../server/index.ts';\n").length, 1);
  assert.equal(checkFile('electron/phone/x.ts', "import { SipServer } from '../server/sip-server.ts';\n").length, 1);
});

test('server importing phone or cli is a finding; sip and shared are fine', () => {
  assert.equal(checkFile('electron/server/x.ts', "import { Store } from '../phone/store/store.ts';\n").length, 1);
  assert.equal(checkFile('electron/server/x.ts', "import { run } from '../cli/run-cli.ts';\n").length, 1);
  assert.deepEqual(checkFile('electron/server/x.ts', "import { TransactionLayer } from '../sip/transaction/index.ts';\nimport type { Clock } from '../common/clock.ts';\n"), []);
  assert.equal(checkFile('electron/server/x.ts', 'console.log(1)\n').length, 1, 'no console in the server either');
});
