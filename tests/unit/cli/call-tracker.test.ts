import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import type { CallSnapshot } from '../../../electron/api/snapshots.ts';
import { CallTracker, ENDED_KEPT, isAnswered } from '../../../electron/cli/call-tracker.ts';

const base: CallSnapshot = { id: 'c1', accountId: 'a', direction: 'out', state: 'dialing', remote: { uri: 'sip:b@x' }, localIdentity: 'sip:a@x', startedAt: 1000, muted: false, held: false, earlyMedia: false, srtp: false };

test('events that come before call.dial returns are not lost', async () => {
  const bus = createEventBus();
  const t = new CallTracker(bus);
  bus.emit('call', { ...base, state: 'ringing', code: 180 });
  assert.equal(t.note(base).state, 'ringing', 'the newer event wins over the dial result');
  const answered = t.waitFor('c1', isAnswered, 1000);
  bus.emit('call', { ...base, state: 'active', answeredAt: 2000, code: 200, codec: 'PCMU/8000' });
  assert.equal((await answered)?.state, 'active');
  assert.equal(await t.waitFor('c1', (c) => c.state === 'ended', 20), undefined, 'bounded wait');
  t.dispose();
});

test('final quality comes from the history entry, else from the last media.stats', async () => {
  const bus = createEventBus();
  const t = new CallTracker(bus);
  bus.emit('media.stats', { callId: 'c1', packetsSent: 150, packetsReceived: 149, lossPercent: 0.7, jitterMs: 2, rttMs: 1, mos: 4.3 });
  const ended: CallSnapshot = { ...base, state: 'ended', answeredAt: 2000, endedAt: 5000, codec: 'PCMU/8000' };
  const q = t.finalQuality(ended, 500);
  bus.emit('history', { id: 'h1', direction: 'out', peer: 'sip:b@x', startedAt: 1000, answeredAt: 2000, endedAt: 5000, code: 200, quality: { mos: 4.4, lossPercent: 0, jitterMs: 1.5, rttMs: 0.4 } });
  assert.deepEqual(await q, { callId: 'c1', mos: 4.4, lossPercent: 0, jitterMs: 1.5, rttMs: 0.4, durationS: 3, packetsSent: 150, packetsReceived: 149, codec: 'PCMU/8000' });
  const other = await t.finalQuality({ ...ended, startedAt: 7 }, 20);
  assert.equal(other.mos, 4.3, 'no history entry for this call: the last RTCP figures');
  t.dispose();
});

test('a long-running listener keeps only the last ended calls: memory stays bounded', async () => {
  const bus = createEventBus();
  const t = new CallTracker(bus);
  for (let i = 0; i < 5 * ENDED_KEPT; i++) {
    const id = `c${i}`;
    bus.emit('call.incoming', { ...base, id, direction: 'in', state: 'incoming', calledAlias: 'sip:a@x' });
    bus.emit('media.stats', { callId: id, packetsSent: 1, packetsReceived: 1, lossPercent: 0, jitterMs: 0 });
    bus.emit('call', { ...base, id, direction: 'in', state: 'ended', endedAt: 2000 + i });
    bus.emit('media.stats', { callId: id, packetsSent: 2, packetsReceived: 2, lossPercent: 0, jitterMs: 0 });
  }
  assert.equal(t.size, ENDED_KEPT, 'snapshots of older ended calls are let go');
  const last = `c${5 * ENDED_KEPT - 1}`;
  assert.equal((await t.ended(last, 10))?.id, last, 'the newest ended call is still there for its report');
  assert.equal((await t.finalQuality(t.latest(last)!, 10)).packetsSent, 1, 'a late media.stats after the end is not taken');
  assert.equal(t.latest('c0'), undefined);
  t.dispose();
});
