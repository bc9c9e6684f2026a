/**
 * Soak (CI version): 1,000 short calls against `parley listen`; afterwards
 * nothing of them is held — no call, media session, dialog or transaction,
 * no call object left after a forced GC — and the heap is within 5 MB of
 * the baseline. The 10,000-call version is `npm run bench` (soak.bench.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Listener, mb } from './listener.ts';
import { soak } from './soak.ts';

const CALLS = 1000;

let listener: Listener;
before(async () => {
  listener = await Listener.start();
});
after(async () => {
  await listener?.stop();
});

test(`${CALLS} short calls leave nothing behind`, { timeout: 180_000 }, async () => {
  const r = await soak(listener, { calls: CALLS });
  const { baseline: b, after: a } = r;
  process.stdout.write(`# soak: ${r.calls} calls in ${r.seconds.toFixed(1)} s; heap ${mb(b.heapUsedBytes)} → ${mb(a.heapUsedBytes)} MB (${(r.heapPerThousandCalls / 1024).toFixed(1)} KB per 1,000 calls), RSS ${mb(b.rssBytes)} → ${mb(a.rssBytes)} MB; after: ${JSON.stringify(a)}\n`);
  assert.equal(a.gcForced, true, 'the listener runs with --expose-gc');
  assert.equal(r.calls, CALLS, `every call completed: ${JSON.stringify(r.sipp.stats?.raw)}\n${r.sipp.errors.slice(0, 2000)}`);
  assert.deepEqual(
    { calls: a.calls, pendingIncoming: a.pendingIncoming, mediaSessions: a.mediaSessions, sipCalls: a.sipCalls, dialogs: a.dialogs, transactions: a.transactions },
    { calls: 0, pendingIncoming: 0, mediaSessions: 0, sipCalls: 0, dialogs: 0, transactions: 0 },
  );
  assert.equal(a.callObjectsAlive, 0, 'every call object was garbage-collected');
  assert.ok(a.heapUsedBytes - b.heapUsedBytes <= 5 * 1048576, `heap grew ${mb(a.heapUsedBytes - b.heapUsedBytes)} MB`);
});
