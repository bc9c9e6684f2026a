/**
 * The fuzz suite in CI: 50,000 mutated inputs per decoder (SIP datagram and
 * stream, SDP, RTP, RTCP, STUN), none may throw anything but the decoder's own
 * error or take more than 50 ms. Deterministic (seed 1, or FUZZ_SEED); the
 * bench (tests/bench/fuzz.bench.ts) runs a million per target.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeReport, fuzz } from './fuzz-engine.ts';
import { allTargets } from './fuzz-targets.ts';

const COUNT = 50_000;
const HANG_MS = 50;
const seed = Number(process.env.FUZZ_SEED ?? 1);

describe(`fuzz: ${COUNT.toLocaleString('en-US')} inputs per decoder, seed ${seed}`, () => {
  for (const target of allTargets()) {
    it(`${target.name}: no crash, nothing slower than ${HANG_MS} ms`, (t) => {
      const report = fuzz(target, { count: COUNT, seed, hangMs: HANG_MS });
      t.diagnostic(describeReport(report));
      const sample = (list: typeof report.crashes) => list.map((f) => `#${f.index} (${f.bytes} B) ${f.detail}\n  input (base64): ${f.input.slice(0, 400)}`).join('\n');
      assert.equal(report.inputs, COUNT);
      assert.equal(report.crashCount, 0, `crashes:\n${sample(report.crashes)}`);
      assert.equal(report.hangCount, 0, `slower than ${HANG_MS} ms:\n${sample(report.hangs)}`);
    });
  }
});

describe('fuzz engine', () => {
  it('reports crashes and inputs slow every time, with the input to reproduce them', () => {
    const target = {
      name: 'planted',
      seeds: [Buffer.from('hello world')],
      dictionary: [Buffer.from('!'), Buffer.from('#')],
      maxBytes: 256,
      run: (input: Buffer) => {
        if (input.includes(0x21)) throw new TypeError('planted crash');
        if (input.includes(0x23)) {
          const until = performance.now() + 60;
          while (performance.now() < until);
        }
        if (input.length === 0) throw new RangeError('empty');
      },
      isExpected: (e: unknown) => e instanceof RangeError,
    };
    const report = fuzz(target, { count: 80, seed: 5, hangMs: 50 });
    assert.ok(report.crashCount > 0, 'the planted crash is found');
    assert.match(report.crashes[0]!.detail, /planted crash/);
    assert.ok(Buffer.from(report.crashes[0]!.input, 'base64').includes(0x21));
    assert.ok(report.hangCount > 0, 'the planted 60 ms input is found');
    assert.ok(report.slowestMs >= 50);
  });
});
