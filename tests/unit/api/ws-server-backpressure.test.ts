/**
 * A client that stops reading must not make the server buffer without bound:
 * past maxBufferedBytes it is disconnected, while a client that keeps up
 * stays connected and keeps getting every event.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectOk, startRig } from './ws-helpers.ts';

test('a client that stops reading is cut off; one that reads stays', async () => {
  const rig = await startRig({ limits: { maxBufferedBytes: 1024 * 1024 } });
  const slow = await connectOk(rig.server);
  const fast = await connectOk(rig.server);
  try {
    // Both follow the SIP trace (the events this test sends); a client that does not gets none.
    for (const [id, who] of [['s', slow], ['f', fast]] as const) {
      who.send({ id, cmd: 'trace.follow', params: { on: true } });
      assert.equal((await who.reply(id)).ok, true);
    }
    slow.ws.pause(); // stop reading from the TCP socket (so it will not notice being cut off either)
    const text = 'x'.repeat(64 * 1024);
    let sent = 0;
    const cut = () => rig.server.clientCount < 2;
    // 2 events per turn of the event loop, so the reading client can drain between them; at most 64 MB.
    while (!cut() && sent < 1000) {
      for (let i = 0; i < 2; i++) {
        rig.bus.emit('trace', { time: sent++, direction: 'in', transport: 'udp', remote: '127.0.0.1:5060', local: '127.0.0.1:5070', text });
      }
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(cut(), true, `the slow client was still connected after ${sent} events of 64 kB`);
    assert.ok(sent > 16, `cut off after only ${sent} events`);
    // The reading client got every event so far and still works.
    fast.send({ id: 'alive', cmd: 'calls.list' });
    assert.equal((await fast.reply('alive', 10_000)).ok, true);
    const traces = fast.received.filter((m) => m.kind === 'json' && m.value.event === 'trace').length;
    assert.equal(traces, sent);
  } finally {
    await fast.close();
    slow.ws.terminate();
    await rig.close();
  }
});
