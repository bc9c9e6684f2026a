/**
 * RTCP and statistics while a call runs and after it ends: SR/RR exchanged
 * (RFC 3550 §6.4; the interval is shortened here from the 5 s minimum),
 * round-trip time from LSR/DLSR, periodic 'stats' events, BYE at stop()
 * reaching the peer, final figures kept after stop().
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import type { MediaSessionStats } from '../../../../electron/media/session/media-session-options.ts';
import { RecordingSink, negotiate, waitFor } from './session-fixture.ts';

let engine: MediaEngine;

before(async () => {
  engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
});

after(async () => {
  await engine.close();
});

describe('RTCP and statistics', () => {
  it('reports flow both ways, RTT is measured, stats are emitted, and BYE reaches the peer', async () => {
    const options = { codecs: ['G722'], rtcpMinIntervalMs: 400, statsIntervalMs: 500 };
    const a = engine.createSession({ ...options, source: new ToneSource({ frequency: 600 }), sink: new RecordingSink() });
    const b = engine.createSession({ ...options, source: new ToneSource({ frequency: 1000 }), sink: new RecordingSink() });
    const periodic: MediaSessionStats[] = [];
    const byes: (string | undefined)[] = [];
    a.on('stats', (s) => periodic.push(s));
    b.on('remote-bye', (reason) => byes.push(reason));
    try {
      await negotiate(a, b);
      a.start();
      b.start();
      await waitFor(() => a.stats().rttMs !== null && b.stats().rttMs !== null, 5000, 'an RTT from RTCP on both sides');
      await waitFor(() => periodic.length >= 1, 2000, 'a periodic stats event');
      const sa = a.stats();
      assert.ok(sa.rtcp.sent >= 1 && sa.rtcp.received >= 1, JSON.stringify(sa.rtcp));
      assert.ok(sa.rttMs! >= 0 && sa.rttMs! < 50, `RTT ${sa.rttMs} ms on loopback`);
      assert.equal(sa.remoteLossPercent, 0, 'the peer reports no loss of what we send');
      assert.ok(sa.remoteJitterMs !== null);
      assert.ok(periodic.length >= 1, 'stats events while running');
      assert.equal(periodic[0]!.state, 'running');
      assert.ok(sa.mos! > 4 && sa.rFactor! > 80);
      assert.equal(sa.codec, 'G722');
      assert.equal(sa.direction, 'sendrecv');

      const finalEvent = new Promise<MediaSessionStats>((resolve) => a.once('stats', resolve));
      await a.stop('call ended');
      const final = await finalEvent;
      assert.equal(final.state, 'stopped');
      await waitFor(() => byes.length > 0, 2000, 'RTCP BYE at the peer');
      assert.deepEqual(byes, ['call ended']);
      // The figures stay readable after the call.
      const later = a.stats();
      assert.equal(later.packetsSent, final.packetsSent);
      assert.ok(later.packetsSent >= 20 && later.durationMs >= 480, `${later.packetsSent} packets in ${later.durationMs} ms`);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
