import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TraceEntry } from '../../../electron/api/snapshots.ts';
import { TraceRing } from '../../../electron/phone/trace-ring.ts';

function entry(time: number, text: string, callId?: string): TraceEntry {
  return { time, direction: 'in', transport: 'udp', remote: '127.0.0.1:5060', local: '127.0.0.1:5062', text, ...(callId ? { callId } : {}) };
}

describe('TraceRing: the engine\'s kept SIP trace', () => {
  test('keeps at most maxEntries, the oldest going first, and lists oldest first', () => {
    let now = 0;
    const ring = new TraceRing({ now: () => now, maxEntries: 100 });
    for (let i = 0; i < 1000; i++) ring.add(entry((now = i), `m${i}`));
    const kept = ring.list();
    assert.equal(kept.length, 100);
    assert.deepEqual(kept.map((e) => e.text), Array.from({ length: 100 }, (_, i) => `m${900 + i}`));
    assert.equal(ring.size, 100);
    assert.equal(ring.chars, kept.reduce((n, e) => n + e.text.length, 0));
  });

  test('keeps at most maxChars of text: one huge message pushes out the older ones', () => {
    const ring = new TraceRing({ now: () => 0, maxChars: 1000 });
    for (let i = 0; i < 10; i++) ring.add(entry(0, 'x'.repeat(100)));
    assert.equal(ring.size, 10);
    ring.add(entry(0, 'y'.repeat(950)));
    assert.deepEqual(ring.list().map((e) => e.text[0]), ['y']);
    ring.add(entry(0, 'z'.repeat(2000)));
    assert.equal(ring.size, 0, 'a message larger than the whole bound is not kept');
    assert.equal(ring.chars, 0);
  });

  test('forgets what is older than keepMs, also with nothing new coming; minutes and callId filter', () => {
    let now = 0;
    const ring = new TraceRing({ now: () => now, keepMs: 30 * 60_000 });
    ring.add(entry(0, 'INVITE a', 'a'));
    now = 10 * 60_000;
    ring.add(entry(now, 'INVITE b', 'b'));
    ring.add(entry(now, 'BYE a', 'a'));
    assert.deepEqual(ring.list({ callId: 'a' }).map((e) => e.text), ['INVITE a', 'BYE a']);
    assert.deepEqual(ring.list({ minutes: 5 }).map((e) => e.text), ['INVITE b', 'BYE a']);
    now = 35 * 60_000;
    assert.deepEqual(ring.list().map((e) => e.text), ['INVITE b', 'BYE a']);
    now = 41 * 60_000;
    assert.deepEqual(ring.list(), []);
    assert.equal(ring.chars, 0);
  });
});
