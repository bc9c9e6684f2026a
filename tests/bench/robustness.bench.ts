/**
 * The long robustness runs (the CI versions are tests/robustness/):
 *
 *   node tests/bench/robustness.bench.ts [calls] [flood-seconds] [flood-rate]
 *
 * 1. Soak: `calls` (default 10,000) short calls from sipp against
 *    `parley listen --auto-answer`; heap after GC against the baseline, per
 *    1,000 calls, and what is still held (goal: nothing, heap within +5 MB).
 * 2. Floods: each of tests/robustness/flood.ts's floods for `flood-seconds`
 *    (default 20) at `flood-rate` (default 300) requests/s; RSS before and
 *    after, heap after GC, calls held; then, once the transactions have
 *    ended, the heap again.
 * Prints figures; exits 1 if the soak or the floods leave anything held.
 */
import { FLOODS, flood, floodTable, idle, type FloodRow } from '../robustness/flood.ts';
import { Listener, mb } from '../robustness/listener.ts';
import { soak } from '../robustness/soak.ts';

const calls = Number(process.argv[2] ?? 10_000);
const floodSeconds = Number(process.argv[3] ?? 20);
const floodRate = Number(process.argv[4] ?? 300);
let failed = false;

{
  const listener = await Listener.start();
  try {
    const r = await soak(listener, { calls, warmUp: 100 });
    const { baseline: b, after: a } = r;
    process.stdout.write(
      `soak: ${r.calls} of ${calls} calls completed in ${r.seconds.toFixed(0)} s (${(r.calls / r.seconds).toFixed(0)} calls/s, one at a time)\n` +
        `  heap after GC ${mb(b.heapUsedBytes)} → ${mb(a.heapUsedBytes)} MB: ${(r.heapPerThousandCalls / 1024).toFixed(1)} KB per 1,000 calls (goal: +5 MB at most in all)\n` +
        `  RSS ${mb(b.rssBytes)} → ${mb(a.rssBytes)} MB\n` +
        `  held after: ${a.calls} calls, ${a.mediaSessions} media sessions, ${a.dialogs} dialogs, ${a.transactions} transactions, ${a.callObjectsAlive} call objects\n`,
    );
    if (a.calls + a.mediaSessions + a.dialogs + a.transactions + a.callObjectsAlive > 0 || a.heapUsedBytes - b.heapUsedBytes > 5 * 1048576) failed = true;
  } finally {
    await listener.stop();
  }
}

{
  const listener = await Listener.start({ args: ['--ring-timeout', '3'] });
  try {
    const baseline = await listener.settled(20_000, idle);
    const rows: FloodRow[] = [];
    for (const f of FLOODS) {
      const row = await flood(listener, f, floodRate, floodSeconds);
      rows.push(row);
      if (!row.alive || !idle(row.after)) failed = true;
    }
    process.stdout.write(`\nfloods at ${floodRate}/s for ${floodSeconds} s each:\n${floodTable(rows, baseline)}\n`);
    const drained = await listener.settled(90_000, (d) => idle(d) && d.transactions === 0);
    process.stdout.write(`after the transactions ended: heap ${mb(drained.heapUsedBytes)} MB (baseline ${mb(baseline.heapUsedBytes)}), RSS ${mb(drained.rssBytes)} MB (baseline ${mb(baseline.rssBytes)}), ${drained.transactions} transactions\n`);
  } finally {
    await listener.stop();
  }
}
process.exit(failed ? 1 : 0);
