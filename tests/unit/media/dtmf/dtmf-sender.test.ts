import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DtmfSender, type DtmfPacket } from '../../../../electron/media/dtmf/dtmf-sender.ts';
import { decodeTelephoneEvent } from '../../../../electron/media/dtmf/telephone-event.ts';

function drain(s: DtmfSender, stepMs: number, untilMs = 100000): { at: number; p: DtmfPacket }[] {
  const out: { at: number; p: DtmfPacket }[] = [];
  for (let t = 0; s.state !== 'done' && t <= untilMs; t += stepMs) for (const p of s.poll(t)) out.push({ at: t, p });
  return out;
}

test('one 100 ms digit at 8 kHz with 50 ms updates: start, update, three ends', () => {
  const s = new DtmfSender('5', { clockRate: 8000, startTimestamp: 1000, durationMs: 100, intervalMs: 50 });
  const pk = drain(s, 10);
  assert.deepEqual(
    pk.map(({ at, p }) => [at, p.marker, p.end, p.duration, p.timestamp]),
    [
      [0, true, false, 0, 1000],
      [50, false, false, 400, 1000],
      [100, false, true, 800, 1000],
      [150, false, true, 800, 1000],
      [200, false, true, 800, 1000],
    ],
  );
  for (const { p } of pk) {
    const ev = decodeTelephoneEvent(p.payload);
    assert.equal(ev.event, 5);
    assert.equal(ev.volume, 10);
    assert.equal(ev.end, p.end);
    assert.equal(ev.duration, p.duration);
  }
  assert.equal(s.state, 'done');
  assert.equal(s.nextDueMs, undefined);
  assert.deepEqual(s.poll(10000), []);
});

test('20 ms updates beside Opus (48 kHz clock), with a late poll catching up', () => {
  const s = new DtmfSender('#', { clockRate: 48000, startTimestamp: 0xfffffff0, durationMs: 60, intervalMs: 20, volume: 7 });
  assert.equal(s.nextDueMs, 0);
  const first = s.poll(0);
  assert.equal(first.length, 1);
  assert.equal(s.nextDueMs, 20);
  const late = s.poll(65); // a stalled caller gets everything due, in order
  assert.deepEqual(
    late.map((p) => [p.duration, p.end]),
    [
      [960, false],
      [1920, false],
      [2880, true],
    ],
  );
  assert.equal(s.state, 'ending');
  const rest = [...s.poll(85), ...s.poll(105)];
  assert.equal(rest.length, 2);
  assert.ok([...first, ...late, ...rest].every((p) => p.timestamp === 0xfffffff0 && p.event === 11));
  assert.equal(s.state, 'done');
});

test('a duration that is not a multiple of the interval ends on time', () => {
  const s = new DtmfSender('1', { clockRate: 8000, startTimestamp: 0, durationMs: 70, intervalMs: 50 });
  const pk = drain(s, 5);
  assert.deepEqual(
    pk.map(({ at, p }) => [at, p.duration, p.end]),
    [
      [0, 0, false],
      [50, 400, false],
      [70, 560, true],
      [120, 560, true],
      [170, 560, true],
    ],
  );
});

test('events longer than 65535 units are segmented with new timestamps (§2.5.1.3)', () => {
  // 10 s at 8 kHz = 80000 units: one full segment of 65536 then 14464.
  const s = new DtmfSender('0', { clockRate: 8000, startTimestamp: 500, durationMs: 10000, intervalMs: 50 });
  const pk = drain(s, 50).map(({ p }) => p);
  const stamps = [...new Set(pk.map((p) => p.timestamp))];
  assert.deepEqual(stamps, [500, 500 + 65536]);
  assert.ok(pk.every((p) => p.duration <= 0xffff));
  assert.equal(pk.filter((p) => p.marker).length, 1);
  const ends = pk.filter((p) => p.end);
  assert.equal(ends.length, 3);
  assert.ok(ends.every((p) => p.timestamp === 500 + 65536 && p.duration === 80000 - 65536));
});

test('rejects unknown digits', () => {
  assert.throws(() => new DtmfSender('X', { clockRate: 8000, startTimestamp: 0 }));
});
