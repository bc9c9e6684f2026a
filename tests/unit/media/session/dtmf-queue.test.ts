import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DtmfQueue } from '../../../../electron/media/session/dtmf-queue.ts';
import { decodeTelephoneEvent } from '../../../../electron/media/dtmf/telephone-event.ts';

describe('DtmfQueue', () => {
  it('sends each digit as marker + updates every frame + three end packets, with a gap, replacing audio', async () => {
    const q = new DtmfQueue(20);
    let ts = 1000;
    const done = q.enqueue('1#', { durationMs: 100, gapMs: 40 });
    const frames: { replace: boolean; packets: { ts: number; m: boolean; e: boolean; d: number; ev: number }[] }[] = [];
    for (let i = 0; i < 30; i++) {
      const t = q.tick(() => ts, 8000);
      frames.push({ replace: t.replaceAudio, packets: t.packets.map((p) => ({ ts: p.timestamp, m: p.marker, e: p.end, d: p.duration, ev: decodeTelephoneEvent(p.payload).event })) });
      ts += 160; // the audio timeline advances 20 ms per frame either way
    }
    await done;
    const first = frames.slice(0, 8);
    assert.ok(first.every((f) => f.replace && f.packets.length === 1));
    assert.deepEqual(first.map((f) => f.packets[0]!.d), [0, 160, 320, 480, 640, 800, 800, 800]);
    assert.deepEqual(first.map((f) => f.packets[0]!.e), [false, false, false, false, false, true, true, true]);
    assert.deepEqual(first.map((f) => f.packets[0]!.m), [true, false, false, false, false, false, false, false]);
    assert.ok(first.every((f) => f.packets[0]!.ts === 1000 && f.packets[0]!.ev === 1));
    // 40 ms gap: two frames of audio, then '#' starts at the timestamp of its frame.
    assert.deepEqual(frames.slice(8, 10).map((f) => f.replace), [false, false]);
    const hash = frames[10]!.packets[0]!;
    assert.deepEqual([hash.ev, hash.ts, hash.m], [11, 1000 + 10 * 160, true]);
    assert.equal(q.digitsSent, 2);
    assert.equal(q.busy, false);
  });

  it('rejects bad digits up front and pending digits on cancel', async () => {
    const q = new DtmfQueue(20);
    assert.throws(() => q.enqueue('1z'), { name: 'TelephoneEventError' });
    const p = q.enqueue('12');
    q.tick(() => 0, 8000);
    q.cancel(new Error('gone'));
    await assert.rejects(p, /gone/);
    assert.equal(q.busy, false);
  });
});
