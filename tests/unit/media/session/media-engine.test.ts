import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import { MediaClock } from '../../../../electron/media/session/media-clock.ts';
import { negotiate } from './session-fixture.ts';
import { createSocket } from 'node:dgram';

/** Whether a UDP port of 127.0.0.1 is free (binds it for a moment). */
function portFree(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

describe('MediaEngine', () => {
  it('makes sessions with its defaults, binds in its port range, and stops them all on close', async () => {
    const engine = await MediaEngine.create({
      bindAddress: '127.0.0.1',
      portRange: { min: 40000, max: 40999 },
      sessionDefaults: { codecs: ['G722', 'PCMU'], srtp: 'optional' },
    });
    assert.ok(engine.ticker instanceof MediaClock);
    const a = engine.createSession();
    const b = engine.createSession({ codecs: ['PCMU'] });
    const { offer } = await negotiate(a, b);
    assert.match(offer, /m=audio 4\d{4} RTP\/AVP 9 0 101\r\n/);
    assert.match(offer, /a=crypto:1 /);
    assert.ok(a.localPort! >= 40000 && a.localPort! <= 40999 && a.localPort! % 2 === 0);
    assert.equal(a.negotiated?.codec.name, 'PCMU');
    a.start();
    b.start();
    assert.equal(engine.sessions.length, 2);
    assert.equal((engine.ticker as MediaClock).running, true, 'one shared clock ticks for both calls');
    await engine.close();
    assert.equal(a.state, 'stopped');
    assert.equal(b.state, 'stopped');
    assert.equal(engine.sessions.length, 0);
    assert.equal((engine.ticker as MediaClock).running, false);
    await assert.rejects(a.createOffer(), { code: 'closed' });
  });

  it('lets a stopped session go at once: the engine holds only live ones (nothing of an ended call stays)', async () => {
    const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
    const sessions = Array.from({ length: 5 }, () => engine.createSession());
    assert.equal(engine.sessionCount, 5);
    await sessions[0]!.stop();
    await sessions[3]!.stop('bye');
    assert.equal(engine.sessionCount, 3, 'stopped sessions leave the engine without anyone reading `sessions`');
    assert.deepEqual(engine.sessions, [sessions[1], sessions[2], sessions[4]]);
    await engine.close();
    assert.equal(engine.sessionCount, 0);
  });

  it('makes a spare session ahead of a call: bound by prepare(), not live until adopted, closed with the engine if never used', async () => {
    const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
    const spare = engine.createSpare({ codecs: ['PCMU'] });
    await spare.prepare();
    const port = spare.localPort!;
    assert.ok(port > 0, 'prepare() bound the RTP socket');
    assert.equal(await portFree(port), false, 'the port is held before any offer');
    assert.equal(spare.state, 'new');
    assert.equal(engine.sessionCount, 0, 'a spare is no call: not among the live sessions');
    engine.adopt(spare);
    assert.equal(engine.sessionCount, 1, 'adopted: a call\'s media now');
    const peer = engine.createSession({ codecs: ['PCMU'] });
    const { offer } = await negotiate(spare, peer);
    assert.match(offer, new RegExp(`m=audio ${port} RTP/AVP 0 101\r\n`), 'the offer names the port bound ahead');
    await spare.stop();
    assert.equal(engine.sessionCount, 1);
    engine.adopt(spare);
    assert.equal(engine.sessionCount, 1, 'a stopped spare is not adopted');
    const unused = engine.createSpare();
    await unused.prepare();
    const unusedPort = unused.localPort!;
    await engine.close();
    assert.equal(unused.state, 'stopped', 'the engine stops a spare nobody took');
    assert.equal(await portFree(unusedPort), true, 'and frees its sockets');
  });

  it('refuses a wildcard bind without an address to advertise, and unknown codecs', async () => {
    const engine = await MediaEngine.create();
    assert.throws(() => engine.createSession(), /advertisedAddress/);
    assert.throws(() => engine.createSession({ advertisedAddress: '127.0.0.1', codecs: ['speex'] }), { code: 'not-acceptable' });
    const s = engine.createSession({ advertisedAddress: '127.0.0.1', bindAddress: '127.0.0.1' });
    assert.match(await s.createOffer(), /c=IN IP4 127\.0\.0\.1/);
    await engine.close();
  });
});
