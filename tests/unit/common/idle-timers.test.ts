import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdleTimers } from '../../../electron/common/idle-timers.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

/** A clock that counts the real timers that fire (each one is a wake-up of the process). */
class CountingClock extends FakeClock {
  fired = 0;
  override setTimeout(fn: () => void, ms: number) {
    return super.setTimeout(() => {
      this.fired++;
      fn();
    }, ms);
  }
}

describe('IdleTimers', () => {
  it('a timer alone runs at its latest time, once', () => {
    const clock = new FakeClock();
    const t = new IdleTimers(clock);
    const at: number[] = [];
    t.schedule(() => at.push(clock.now()), 1000, 5000);
    clock.advance(4999);
    assert.deepEqual(at, []);
    clock.advance(1);
    assert.deepEqual(at, [5000]);
    clock.advance(60_000);
    assert.deepEqual(at, [5000]);
    assert.equal(t.pending, 0);
    assert.equal(clock.pending, 0, 'no timer left armed');
  });

  it('timers whose window is open run in the same wake-up as the one due; the others wait for theirs', () => {
    const clock = new FakeClock();
    const t = new IdleTimers(clock);
    const runs: string[] = [];
    t.schedule(() => runs.push(`a@${clock.now()}`), 20_000, 22_000);
    t.schedule(() => runs.push(`b@${clock.now()}`), 20_000, 24_000);
    t.schedule(() => runs.push(`c@${clock.now()}`), 23_000, 25_000);
    clock.advance(22_000);
    assert.deepEqual(runs, ['a@22000', 'b@22000'], 'b rides along, c is not open yet');
    clock.advance(3000);
    assert.deepEqual(runs, ['a@22000', 'b@22000', 'c@25000']);
  });

  it("three flows' keep-alives and a wide check (the engine's idle network check) fall into step: one wake-up per round", () => {
    const clock = new CountingClock();
    const t = new IdleTimers(clock);
    const sent = [0, 0, 0];
    let checks = 0;
    const randoms = [0.1, 0.7, 0.4, 0.9, 0.2, 0.5, 0.8];
    let r = 0;
    const random = () => randoms[r++ % randoms.length]!;
    // Each flow re-schedules itself as a keep-alive does: due at a random 80–100 % of 25 s, open from 50 %.
    const flow = (i: number, first: number) => {
      const again = () => {
        sent[i]!++;
        t.schedule(again, 12_500, 25_000 * (0.8 + 0.2 * random()));
      };
      t.schedule(again, first, first);
    };
    // The check: open after 2 s, due at a random 80–100 % of 25 s.
    const check = () => {
      checks++;
      t.schedule(check, 2000, 25_000 * (0.8 + 0.2 * random()));
    };
    t.schedule(check, 2000, 2000);
    flow(0, 1000);
    flow(1, 9000);
    flow(2, 17_000);
    clock.advance(10 * 60_000);
    const before = { fired: clock.fired, sent: [...sent], checks };
    clock.advance(10 * 60_000);
    const wakeUps = clock.fired - before.fired;
    assert.ok(wakeUps <= 30, `${wakeUps} wake-ups in 10 minutes (one per 20–25 s)`);
    assert.ok(checks - before.checks >= 24, `the check ran ${checks - before.checks} times`);
    sent.forEach((n, i) => {
      const rounds = n - before.sent[i]!;
      assert.ok(rounds >= 24 && rounds <= 30, `flow ${i}: a keep-alive every 20–25 s (${rounds} in 10 minutes)`);
    });
  });

  it('cancel() removes a timer, and the next one is armed for its own time', () => {
    const clock = new FakeClock();
    const t = new IdleTimers(clock);
    const runs: string[] = [];
    const a = t.schedule(() => runs.push('a'), 0, 1000);
    t.schedule(() => runs.push('b'), 0, 3000);
    a.cancel();
    a.cancel();
    clock.advance(2999);
    assert.deepEqual(runs, []);
    clock.advance(1);
    assert.deepEqual(runs, ['b']);
  });

  it('a timer scheduled from inside a batch waits for its own window', () => {
    const clock = new FakeClock();
    const t = new IdleTimers(clock);
    const at: number[] = [];
    t.schedule(() => {
      at.push(clock.now());
      t.schedule(() => at.push(clock.now()), 0, 2000);
    }, 0, 1000);
    clock.advance(10_000);
    assert.deepEqual(at, [1000, 3000]);
  });

  it('a callback that throws does not stop the others of its batch, nor the timers after', () => {
    const clock = new FakeClock();
    const t = new IdleTimers(clock);
    const runs: string[] = [];
    t.schedule(() => {
      throw new Error('boom');
    }, 0, 1000);
    t.schedule(() => runs.push('b'), 0, 1000);
    t.schedule(() => runs.push('c'), 2000, 5000);
    assert.throws(() => clock.advance(1000), /boom/);
    assert.deepEqual(runs, ['b']);
    clock.advance(4000);
    assert.deepEqual(runs, ['b', 'c']);
  });
});
