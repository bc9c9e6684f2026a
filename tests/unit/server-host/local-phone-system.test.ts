/**
 * The phone system host of Settings (electron/server-host): settings kept in
 * server.db across restarts, off → starting → running, a taken port is
 * 'failed' in words (and a new port recovers), loopback unless 'network' is
 * chosen, changes announced, closing frees the port.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { LocalPhoneSystem } from '../../../electron/server-host/local-phone-system.ts';
import { systemClock } from '../../../electron/common/clock.ts';
import { nullLogger } from '../../../electron/common/logger.ts';
import { freePort, portBound } from '../../interop/harness/free-port.ts';
import { makeTempDir } from '../../interop/harness/managed-process.ts';

const open = (dataDir: string) => new LocalPhoneSystem({ dataDir, logger: nullLogger, clock: systemClock, networkAddress: '127.0.0.2' });

test('a taken port fails in words, another port runs; "network" binds the network address; settings survive a restart', async () => {
  const tmp = makeTempDir('phone-system-host');
  const taken = dgram.createSocket('udp4');
  const takenPort = await freePort(['udp4', 'tcp4']);
  await new Promise<void>((resolve) => taken.bind(takenPort, '127.0.0.1', resolve));
  let host = open(tmp.path);
  try {
    const states: string[] = [];
    host.onChange(() => states.push(host.snapshot().state));
    assert.equal(host.snapshot().state, 'off');
    await host.configure({ enabled: true, port: takenPort });
    assert.equal(host.snapshot().state, 'failed');
    assert.equal(host.snapshot().error, `port ${takenPort} is in use by another program: choose another port`);
    const port = await freePort(['udp4', 'tcp4']);
    await host.configure({ port });
    assert.equal(host.snapshot().state, 'running');
    assert.deepEqual(host.snapshot().listening, [`udp 127.0.0.1:${port}`, `tcp 127.0.0.1:${port}`]);
    await host.configure({ exposure: 'network' });
    assert.deepEqual(host.snapshot().listening, [`udp 127.0.0.2:${port}`, `tcp 127.0.0.2:${port}`]);
    assert.deepEqual(states, ['starting', 'failed', 'off', 'starting', 'running', 'off', 'starting', 'running']);
    host.addUser({ username: 'johndoe', password: 'secret', aliases: ['200'] });
    assert.throws(() => host.addUser({ username: 'JohnDoe', password: 'x', aliases: [] }), /already a user/);
    assert.throws(() => host.addUser({ username: 'mary', password: 'x', aliases: ['200'] }), /already names another subscriber/);
    await host.close();
    assert.equal(await portBound(port), false, 'closed: the port is free');
    host = open(tmp.path);
    const again = host.snapshot();
    assert.deepEqual(again.settings, { enabled: true, domain: 'home.arpa', exposure: 'network', port, redirect: false });
    assert.deepEqual(again.users.map((u) => [u.username, u.aliases]), [['johndoe', ['200']]]);
    assert.equal(again.state, 'off', 'the phone starts it (PhoneSystemService.start), not the constructor');
  } finally {
    await host.close();
    taken.close();
    tmp.remove();
  }
});
