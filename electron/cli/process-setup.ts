/**
 * What every start of the `parley` command does before any of its code runs,
 * from the sources (main.ts) and from the bundle (bundle-main.ts) alike: the
 * password off the process list, V8's flags, and, at the end, the exit.
 *
 * V8's young generation is kept at its initial size (1 MB semi-spaces)
 * instead of growing to 8 MB ones: loading ~300 modules at start-up, where
 * nearly everything survives, makes V8 grow it to the maximum, and an idle
 * phone then never collects garbage again, so the 16 MB stay resident
 * (measured: ≈ 8 MB of the idle RSS, tests/bench/cli-launch.bench.ts). The
 * price is small: start-up does ≈ 25 scavenges instead of ≈ 7 (≈ +12 ms of
 * GC), and a call (≈ 1 MB/s allocated per end) gets ≈ 1.4 scavenges a
 * second of ≈ 0.3 ms instead of one of ≈ 0.7 ms every few seconds (measured
 * on a two-ended loopback opus call: 0.08 % instead of 0.04 % of a core,
 * and shorter pauses, far below a 20 ms frame). It has to be set from
 * here: `--max-semi-space-size` only takes effect on the command line (the
 * heap is sized before any JS runs; set here it is ignored, measured),
 * while the growth factor is read each time V8 considers growing the
 * nursery. A semi-space flag given by the user (NODE_OPTIONS, node …) wins.
 *
 * V8's memory saver mode is on for the phone: a burst of work (1,000
 * subscriptions made at start, 500 watched lines) grows the heap, and in a
 * plain Node process V8's memory reducer — the idle-time GC that gives the
 * heap back — never runs: it judges the allocation rate "high" even in a
 * process that only wakes once a second (--trace-memory-reducer: "high
 * alloc, foreground" every 8 s, for ever), so the heap stays at its peak.
 * In memory saver mode it runs (two GCs 8 s after the last full one) and
 * the heap grows less eagerly. Measured with tests/bench/presence.bench.ts
 * (`parley web` watching 500 lines, RSS over the registered idle phone):
 * +25…29 MB without, +13…18 MB with; the memory reducer's GCs cost
 * ≈ 0.3 s of CPU once after the burst. A two-ended loopback call's CPU
 * (media.bench.ts, PCMU and Opus) and the per-frame media work are the
 * same within the noise. `parley serve` turns it off again (a server's
 * throughput wins over its footprint); a memory-saver flag of the user's
 * wins. `parley call` and `parley echo` (one call, then exit) go without
 * it: their heap grows through the call's set-up, and in memory saver mode
 * that growth met the old generation's tighter limit as a full
 * mark-compact (reduce) between the 200 and the first RTP packet, 10–27 ms
 * of the event loop on an idle machine (setup-time.bench.ts --stages with
 * --trace-gc; main-thread CPU from the registration to the call's 'active':
 * 53 against 69 ms median, 5 alternating runs each, load 21).
 *
 * The flags are set before the bundle's code is compiled (bundle-main.ts):
 * V8 refuses code cached under other flags, so they must be the same when a
 * cache is made and when it is read (code-cache.ts keeps one per command).
 */
import v8 from 'node:v8';
import { ExitCode } from './exit-codes.ts';

/** `parley call` and `parley echo`: one call, then exit (no memory saver, see above). */
export function isOneCallCommand(argv: readonly string[]): boolean {
  return argv[2] === 'call' || argv[2] === 'echo';
}

export function prepareProcess(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): void {
  // `--password X` is readable by every user in the process list (/proc/PID/cmdline):
  // rewrite it first thing (libuv overwrites argv's memory on Linux and macOS).
  // Node's own start-up, before this line, is the only moment it shows.
  if (argv.some((a) => a === '--password' || a.startsWith('--password='))) process.title = 'parley';
  const givenFlags = `${process.execArgv.join(' ')} ${env.NODE_OPTIONS ?? ''}`;
  if (!/semi-space/.test(givenFlags)) v8.setFlagsFromString('--semi-space-growth-factor=1');
  if (!/memory-saver/.test(givenFlags) && !isOneCallCommand(argv)) v8.setFlagsFromString('--memory-saver-mode');
}

/** Exits with the command's code once it is done; a throw that escaped run-cli.ts is a bug (exit 1, with its stack). */
export function exitWhenDone(done: Promise<number>): void {
  done.then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`parley: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(ExitCode.failure);
    },
  );
}
