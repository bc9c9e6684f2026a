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
