import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SequenceCompactor } from '../../../../electron/media/session/sequence-compactor.ts';

describe('SequenceCompactor', () => {
  it('renumbers audio around telephone-event packets so the audio numbers stay contiguous', () => {
    const c = new SequenceCompactor();
    const out: number[] = [];
    // audio 100..102, events 103..110, audio 111..113
    for (let s = 100; s <= 113; s++) {
      if (s >= 103 && s <= 110) c.noteEvent(s);
      else out.push(c.audio(s));
    }
    assert.deepEqual(out, [100, 101, 102, 103, 104, 105]);
    assert.equal(c.removed, 8);
  });

  it('handles wrap-around, repeats and reordering within the audio', () => {
    const c = new SequenceCompactor();
    assert.equal(c.audio(65534), 65534);
    c.noteEvent(65535);
    c.noteEvent(65535); // a repeat counts once
    assert.equal(c.audio(1), 0); // reordered ahead of 0
    assert.equal(c.audio(0), 65535);
    assert.equal(c.audio(2), 1);
    assert.equal(c.removed, 1);
  });

  it('folds old events into a count and forgets everything on reset', () => {
    const c = new SequenceCompactor();
    c.noteEvent(10);
    for (let s = 11; s < 3000; s++) c.audio(s);
    assert.equal(c.audio(3000), 2999);
    assert.equal(c.removed, 1);
    c.reset();
    assert.equal(c.audio(5), 5);
  });
});
