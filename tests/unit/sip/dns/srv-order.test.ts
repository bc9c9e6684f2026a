import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderSrvRecords } from '../../../../electron/sip/dns/srv-order.ts';
import type { SrvRecord } from '../../../../electron/sip/dns/dns-records.ts';

const srv = (target: string, priority: number, weight: number): SrvRecord => ({ target, priority, weight, port: 5060, ttl: 60 });

/** A seeded PRNG (mulberry32) so that the distribution test is repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

test('lower priority always comes first, whatever the weights', () => {
  const order = orderSrvRecords([srv('c', 30, 100), srv('a', 10, 0), srv('b', 20, 1000)], () => 0.999);
  assert.deepEqual(
    order.map((r) => r.target),
    ['a', 'b', 'c'],
  );
});

test('within a priority, the draw walks the running sum of weights (RFC 2782)', () => {
  const records = [srv('s1', 10, 60), srv('s2', 10, 20), srv('s3', 10, 20), srv('s4', 20, 0)];
  // 0.7 -> draw 70 of 0..100: running sums 60, 80 -> s2; then 0 -> s1 (running 60 >= 0); then s3.
  assert.deepEqual(
    orderSrvRecords(records, sequence([0.7, 0, 0, 0])).map((r) => r.target),
    ['s2', 's1', 's3', 's4'],
  );
  // 0.999 -> draw 100 -> the last of the three; then 0.999 of 0..80 -> s2's end.
  assert.deepEqual(
    orderSrvRecords(records, sequence([0.999])).map((r) => r.target),
    ['s3', 's2', 's1', 's4'],
  );
});

test('weight 0 records go first in the list, so only a draw of 0 picks them', () => {
  const records = [srv('heavy', 1, 10), srv('zero', 1, 0)];
  assert.deepEqual(
    orderSrvRecords(records, () => 0).map((r) => r.target),
    ['zero', 'heavy'],
  );
  assert.deepEqual(
    orderSrvRecords(records, () => 0.5).map((r) => r.target),
    ['heavy', 'zero'],
  );
});

test('over many draws, first places follow the weights', () => {
  const records = [srv('a', 0, 60), srv('b', 0, 30), srv('c', 0, 10)];
  const random = seeded(42);
  const first: Record<string, number> = { a: 0, b: 0, c: 0 };
  const n = 20000;
  for (let i = 0; i < n; i++) first[orderSrvRecords(records, random)[0].target]++;
  // A draw in 0..100 picks a for 0..60 (61 values), b for 61..90 (30), c for 91..100 (10).
  assert.ok(Math.abs(first.a / n - 61 / 101) < 0.02, `a ${first.a}`);
  assert.ok(Math.abs(first.b / n - 30 / 101) < 0.02, `b ${first.b}`);
  assert.ok(Math.abs(first.c / n - 10 / 101) < 0.02, `c ${first.c}`);
});

test('"." targets are dropped; every other record appears exactly once', () => {
  const records = [srv('.', 0, 0), srv('x', 5, 1), srv('y', 5, 1), srv('z', 6, 1)];
  const order = orderSrvRecords(records, seeded(7));
  assert.deepEqual(order.map((r) => r.target).sort(), ['x', 'y', 'z']);
  assert.equal(order[2].target, 'z');
});

test('a misbehaving random source cannot break the order', () => {
  const records = [srv('a', 0, 1), srv('b', 0, 1)];
  assert.equal(orderSrvRecords(records, () => 5).length, 2);
  assert.equal(orderSrvRecords(records, () => -1).length, 2);
  assert.equal(orderSrvRecords(records, () => Number.NaN).length, 2);
});
