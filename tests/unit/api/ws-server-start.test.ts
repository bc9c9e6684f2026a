/**
 * The web host's start (cli/web-command.ts): the WebSocket package loads
 * after the server listens, so upgrades that come first wait for it; and
 * whenQuiet, which the start waits on between its steps while a page loads
 * its files. Real sockets on 127.0.0.1, port 0.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, connectOk, httpGet, startRig } from './ws-helpers.ts';

const settled = (p: Promise<unknown>): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50))]);

describe('API server: start', () => {
  test('upgrades right after listening (the WebSocket package loads then) are let in, within maxClients', async () => {
    const rig = await startRig({ limits: { maxClients: 2 } });
    try {
      const results = await Promise.all([1, 2, 3].map(() => connect(rig.server.apiUrl)));
      const ok = results.filter((r) => r.ok);
      assert.equal(ok.length, 2);
      assert.deepEqual(
        results.filter((r) => !r.ok),
        [{ ok: false, status: 503 }],
      );
      for (const r of ok) {
        const hello = await r.peer.event('hello');
        assert.equal((hello.data as { protocol: number }).protocol, 1);
      }
      await Promise.all(ok.map((r) => r.peer.close()));
    } finally {
      await rig.close();
    }
  });

  test('a page that was served files first still gets its WebSocket', async () => {
    const rig = await startRig();
    try {
      assert.equal((await httpGet(rig.server.port, '/')).status, 404);
      const p = await connectOk(rig.server);
      await p.close();
    } finally {
      await rig.close();
    }
  });

  test('whenQuiet: at once with no HTTP traffic; after a request it waits, bounded by maxMs and by close', async () => {
    const rig = await startRig();
    try {
      assert.equal(await settled(rig.server.whenQuiet(60_000, 60_000)), true, 'no traffic: quiet already');
      await httpGet(rig.server.port, '/');
      const waiting = rig.server.whenQuiet(60_000, 60_000);
      assert.equal(await settled(waiting), false, 'a request just came: not quiet');
      await rig.server.whenQuiet(60_000, 10);
      const closing = rig.close();
      assert.equal(await settled(waiting), true, 'the server closing ends the wait');
      await closing;
    } finally {
      await rig.close();
    }
  });
});
