/** Per-source rate limit and password-guessing blocks, on a fake clock, with bounded memory. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourceGuard } from '../../../electron/server/source-guard.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('a source gets its burst, then its rate', () => {
  const clock = new FakeClock();
  const g = new SourceGuard({ clock, ratePerSecond: 10, burst: 20 });
  let ok = 0;
  for (let i = 0; i < 100; i++) if (g.admit('192.0.2.1') === 'ok') ok++;
  assert.equal(ok, 20);
  assert.equal(g.admit('192.0.2.2'), 'ok', 'other sources are not affected');
  clock.advance(1000);
  ok = 0;
  for (let i = 0; i < 100; i++) if (g.admit('192.0.2.1') === 'ok') ok++;
  assert.equal(ok, 10);
});

test('five failed passwords block the source, and each new block lasts twice as long', () => {
  const clock = new FakeClock();
  const g = new SourceGuard({ clock, failuresBeforeBlock: 5, blockMs: 2000 });
  for (let i = 0; i < 4; i++) assert.equal(g.authFailed('198.51.100.7'), false);
  assert.equal(g.authFailed('198.51.100.7'), true);
  assert.equal(g.admit('198.51.100.7'), 'blocked');
  clock.advance(2001);
  assert.equal(g.admit('198.51.100.7'), 'ok');
  for (let i = 0; i < 5; i++) g.authFailed('198.51.100.7');
  clock.advance(3000);
  assert.equal(g.admit('198.51.100.7'), 'blocked', 'second block: 4 s');
  clock.advance(1001);
  assert.equal(g.admit('198.51.100.7'), 'ok');
});

test('memory is bounded however many sources there are', () => {
  const g = new SourceGuard({ clock: new FakeClock(), maxSources: 100 });
  for (let i = 0; i < 10_000; i++) {
    g.admit(`10.0.${i >> 8}.${i & 255}`);
    g.authFailed(`10.1.${i >> 8}.${i & 255}`);
  }
  assert.ok(g.trackedSources <= 200, String(g.trackedSources));
});
