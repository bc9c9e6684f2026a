/** Nonces: expiry on the injected clock, one use per nonce-count (with a window for out-of-order counts), forgeries refused, memory bounded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonceTracker } from '../../../electron/server/nonce-tracker.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('a nonce is ok until its lifetime, then stale', () => {
  const clock = new FakeClock();
  const t = new NonceTracker({ clock, lifetimeMs: 1000 });
  const n = t.issue();
  assert.equal(t.check(n, undefined), 'ok');
  clock.advance(999);
  assert.equal(t.check(n, 1), 'ok');
  clock.advance(2);
  assert.equal(t.check(n, 2), 'stale');
});

test('each count is used once; counts may come a little out of order', () => {
  const t = new NonceTracker({ clock: new FakeClock() });
  const n = t.issue();
  assert.equal(t.check(n, 1), 'ok');
  assert.equal(t.check(n, 1), 'stale');
  assert.equal(t.check(n, 3), 'ok');
  assert.equal(t.check(n, 2), 'ok');
  assert.equal(t.check(n, 2), 'stale');
  assert.equal(t.check(n, 100), 'ok');
  assert.equal(t.check(n, 30), 'stale', 'below the 64-count window');
  assert.equal(t.check(n, 0), 'stale');
});

test('forged or foreign nonces are unknown', () => {
  const a = new NonceTracker({ clock: new FakeClock() });
  const b = new NonceTracker({ clock: new FakeClock() });
  const n = a.issue();
  assert.equal(b.check(n, 1), 'unknown', 'another key (a restarted server)');
  assert.equal(a.check('abc', 1), 'unknown');
  const raw = Buffer.from(n, 'base64url');
  raw[0] = (raw[0] ?? 0) ^ 1;
  assert.equal(a.check(raw.toString('base64url'), 1), 'unknown', 'issue time changed');
});

test('at most maxTracked nonces are remembered; an evicted one is stale, never accepted', () => {
  const t = new NonceTracker({ clock: new FakeClock(), maxTracked: 3 });
  const first = t.issue();
  for (let i = 0; i < 5; i++) t.issue();
  assert.equal(t.tracked, 3);
  assert.equal(t.check(first, 1), 'stale');
});
