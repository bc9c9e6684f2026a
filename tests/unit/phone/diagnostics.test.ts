/**
 * LiveObjectCounter: after `collect`, `alive` is what is really held — the
 * reports of what the GC freed, which V8 delivers in a later task, have all
 * come in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LiveObjectCounter } from '../../../electron/phone/diagnostics.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('after collect, every freed object is counted and every held one is still alive', async () => {
  const counter = new LiveObjectCounter();
  const kept: object[] = [];
  (() => {
    for (let i = 0; i < 2000; i++) {
      const o = { i, payload: new Array(16).fill(i) };
      counter.track(o);
      if (i % 100 === 0) kept.push(o);
    }
  })();
  assert.equal(counter.alive, 2000, 'nothing reported before a collection');
  assert.equal(await counter.collect(gc), true, 'the sentinel was reported');
  assert.equal(counter.alive, kept.length);
  kept.length = 0;
  assert.equal(await counter.collect(gc), true);
  assert.equal(counter.alive, 0);
});
