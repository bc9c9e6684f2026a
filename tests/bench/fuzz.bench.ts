/**
 * The nightly-style fuzz run: a million mutated inputs per decoder (SIP
 * datagram and stream, SDP, RTP, RTCP, STUN) through tests/robustness/fuzz-engine.ts.
 * Prints per target the inputs run, crashes, inputs slower than 50 ms, the
 * slowest input and the rate; exits 1 on any crash or hang.
 *
 *   node tests/bench/fuzz.bench.ts [count] [seed] [target...]   (default 1,000,000, seed from the date, every target)
 */
import { describeReport, fuzz } from '../robustness/fuzz-engine.ts';
import { allTargets } from '../robustness/fuzz-targets.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Math.floor(Date.now() / 86_400_000));
process.stdout.write(`fuzz: ${count.toLocaleString('en-US')} inputs per target, seed ${seed}, hang limit 50 ms\n`);
let bad = 0;
const only = process.argv.slice(4);
for (const target of allTargets().filter((t) => only.length === 0 || only.includes(t.name))) {
  const report = fuzz(target, { count, seed, hangMs: 50 });
  process.stdout.write(describeReport(report) + '\n');
  for (const f of [...report.crashes, ...report.hangs]) {
    process.stdout.write(`  #${f.index} (${f.bytes} B): ${f.detail.split('\n')[0]}\n  base64: ${f.input.slice(0, 600)}\n`);
  }
  bad += report.crashCount + report.hangCount;
}
process.exit(bad === 0 ? 0 : 1);
