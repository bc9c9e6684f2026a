import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFile } from '../../lint/run.ts';

test('electron import outside desktop is a finding', () => {
  const f = checkFile('electron/phone/x.ts', "import { app } from 'electron';\n");
  assert.equal(f.length, 1);
  assert.match(f[0]!.rule, /electron\/desktop/);
  assert.deepEqual(checkFile('electron/desktop/main.ts', "import { app } from 'electron';\n"), []);
});

test('media importing sip is a finding', () => {
  const f = checkFile('electron/media/sdp/x.ts', "import { parseUri } from '../../sip/message/uri.ts';\n");
  assert.equal(f.length, 1);
  assert.match(f[0]!.rule, /media must not import electron\/sip/);
});

test('sip importing phone is a finding; sip importing shared is fine', () => {
  assert.equal(checkFile('electron/sip/ua/x.ts', "import type { A } from '../../phone/a.ts';\n").length, 1);
  assert.deepEqual(checkFile('electron/sip/ua/x.ts', "import type { Clock } from '../../common/clock.ts';\n"), []);
});

test('net (STUN) is shared by sip and media and imports neither', () => {
  assert.deepEqual(checkFile('electron/sip/ua/x.ts', "import { isStun } from '../../net/stun/index.ts';\n"), []);
  assert.deepEqual(checkFile('electron/media/ice/x.ts', "import { isStun } from '../../net/stun/index.ts';\n"), []);
  assert.equal(checkFile('electron/net/stun/x.ts', "import type { Endpoint } from '../../sip/transport/transport.ts';\n").length, 1);
  assert.equal(checkFile('electron/net/stun/x.ts', "import type { MediaSession } from '../../media/session/index.ts';\n").length, 1);
  assert.equal(checkFile('electron/net/stun/x.ts', 'console.log(1)\n').length, 1);
});

test('console in engine is a finding unless marked', () => {
  assert.equal(checkFile('electron/sip/x.ts', 'console.log(1)\n').length, 1);
  assert.equal(checkFile('electron/sip/x.ts', 'console.log(1) // allow-console\n').length, 0);
  assert.equal(checkFile('electron/cli/x.ts', 'console.log(1)\n').length, 0);
});

test('renderer may import only the api contract', () => {
  assert.equal(checkFile('renderer/src/a.ts', "import { x } from '../../electron/sip/a.ts';\n").length, 1);
  assert.equal(checkFile('renderer/src/a.ts', "import type { x } from '../../electron/api/contract.ts';\n").length, 0);
});

test("zod comes from electron/api/zod.ts (configured before any schema is built), types from 'zod' itself", () => {
  const f = checkFile('electron/phone/x.ts', "import { z } from 'zod';\n");
  assert.equal(f.length, 1);
  assert.match(f[0]!.rule, /electron\/api\/zod\.ts/);
  assert.equal(checkFile('renderer/src/a.ts', "import { z } from 'zod/mini';\n").length, 1);
  assert.deepEqual(checkFile('electron/phone/x.ts', "import { z } from '../api/zod.ts';\n"), []);
  assert.deepEqual(checkFile('electron/phone/store/x.ts', "import type { z } from 'zod';\n"), []);
  assert.deepEqual(checkFile('electron/api/zod.ts', "import { z } from 'zod';\n"), []);
});
