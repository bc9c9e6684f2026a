import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import type { CallSnapshot } from '../../../electron/api/snapshots.ts';
import { CallTracker, isAnswered } from '../../../electron/cli/call-tracker.ts';

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
