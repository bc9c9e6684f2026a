import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isoTime } from '../../../electron/common/iso-time.ts';

test('isoTime: the same text as Date.prototype.toISOString at the calendar edges', () => {
  const edges = [
    0, -1, 1, 999, 86_399_999, 86_400_000, -86_400_000, 951_782_400_000 /* 2000-02-29 */, 4_107_456_000_000 /* 2100-02-28 */,
    4_107_542_400_000 /* 2100-03-01 */, 2_147_483_647_000, 253_402_300_799_999 /* 9999-12-31T23:59:59.999Z */,
    -62_167_219_200_000 /* 0000-01-01 */, -62_135_596_800_000 /* 0001-01-01 */, -2_208_988_800_000 /* 1900-01-01 */, 1.5, -0.5,
  ];
  for (const ms of edges) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
});

test('isoTime: the same text as toISOString for any time in years 0–9999', () => {
  fc.assert(
    fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => isoTime(ms) === new Date(ms).toISOString()),
    { numRuns: 20_000 },
  );
});

test('isoTime: outside years 0–9999 it gives what Date gives, and refuses what Date refuses', () => {
  for (const ms of [253_402_300_800_000, -62_167_219_200_001, 8.64e15, -8.64e15]) assert.equal(isoTime(ms), new Date(ms).toISOString());
  assert.throws(() => isoTime(Number.NaN), RangeError);
  assert.throws(() => isoTime(8.64e15 + 1), RangeError);
});
