import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { NamedTimers, defaultTimerConfig, timerConfig, timerValues } from '../../../../electron/sip/transaction/timers.ts';

describe('timer values (RFC 3261 Table 4, RFC 6026)', () => {
  it('defaults are T1 500, T2 4000, T4 5000 ms', () => {
    assert.deepEqual(defaultTimerConfig, { T1: 500, T2: 4000, T4: 5000, D: 32000 });
  });

  it('unreliable transport: A/E/G start at T1, B/F/H/J/L/M are 64*T1, D 32 s, I/K are T4', () => {
    const v = timerValues(defaultTimerConfig, false);
    assert.deepEqual(v, { A: 500, B: 32000, D: 32000, E: 500, F: 32000, G: 500, H: 32000, I: 5000, J: 32000, K: 5000, L: 32000, M: 32000, T2: 4000 });
  });

  it('reliable transport: no retransmit timers, D/I/J/K are zero', () => {
    const v = timerValues(defaultTimerConfig, true);
    assert.equal(v.A, undefined);
    assert.equal(v.E, undefined);
    assert.equal(v.G, undefined);
    assert.deepEqual([v.D, v.I, v.J, v.K], [0, 0, 0, 0]);
    assert.deepEqual([v.B, v.F, v.H, v.L, v.M], [32000, 32000, 32000, 32000, 32000]);
  });

  it('derives from configured T1/T4', () => {
    const v = timerValues(timerConfig({ T1: 100, T4: 1000 }), false);
    assert.equal(v.A, 100);
    assert.equal(v.B, 6400);
    assert.equal(v.K, 1000);
  });
});

describe('NamedTimers', () => {
  it('fires, restarts and stops by RFC name', () => {
    const clock = new FakeClock();
    const t = new NamedTimers<'timerA' | 'timerB'>(clock);
    const fired: string[] = [];
    t.start('timerA', 100, () => fired.push('A'));
    t.start('timerB', 50, () => fired.push('B'));
    assert.deepEqual(t.running().sort(), ['timerA', 'timerB']);
    t.start('timerA', 200, () => fired.push('A2')); // restart replaces
    clock.advance(150);
    assert.deepEqual(fired, ['B']);
    assert.equal(t.isRunning('timerB'), false);
    t.stop('timerA');
    clock.advance(1000);
    assert.deepEqual(fired, ['B']);
    t.start('timerA', 10, () => fired.push('A3'));
    t.stopAll();
    clock.advance(100);
    assert.deepEqual(fired, ['B']);
    assert.equal(clock.pending, 0);
  });
});
