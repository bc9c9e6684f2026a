/**
 * The `parley` command's launch and idle cost, against the interop harness's
 * Kamailio on loopback, with baresip measured the same way in the same run:
 *
 *   launch → registered   spawn of `parley register --json` to its
 *                         'registered' line (median, min, max of N runs, the
 *                         variants taken in turn after one unmeasured warm-up
 *                         run each); also
 *                         `parley --help` (no engine) and `node -e 0`;
 *                         baresip spawn → REGISTER_OK.
 *   idle                  `parley listen` holding three accounts from a
 *                         data dir: RSS (VmRSS) and CPU % over S s of idle,
 *                         from /proc, the median of K runs (after one
 *                         unmeasured warm-up); PSS beside it, and where the
 *                         RSS lies (the node executable's own pages, anonymous
 *                         memory: V8 heap and WASM, malloc); baresip with the
 *                         same three accounts. Two floors measured the same
 *                         way: an idle `node` process, and one holding what a
 *                         phone needs from Node's native side (a UDP socket,
 *                         node:sqlite, node:crypto) with no Parley code.
 *
 * Three ways to run the same CLI, to show where the cost is:
 *   sources          node bin/parley.js with PARLEY_FROM_SOURCES=1 (what it
 *                    runs when no current bundle is built): TypeScript
 *                    stripped by Node once, then read from the compile cache
 *                    (bin/compile-cache.js: the user's own folder, here one
 *                    in the bench's temporary folder, warm after the warm-up)
 *   bundle           out/cli/parley.mjs (electron/cli/build-bundle.ts; what
 *                    bin/parley.js runs once it is built): one script with
 *                    the V8 code cache of the command's last run
 *                    (electron/cli/code-cache.ts), made by the warm-up run
 *   bundle, empty cache   the bundle with a new, empty cache folder for every
 *                    run (no compile cache, no code cache): a first start
 *                    (after an install or an upgrade)
 * `--baseline CHECKOUT` adds that checkout's bundle (built there with its own
 * build-bundle.ts) as one more variant, taken in turn with the others: an
 * A/B in one run. Beside the wall time to 'registered' the bench prints the
 * main thread's CPU time up to that line (/proc/PID/schedstat, read as the
 * line arrives), which a loaded machine distorts less.
 *
 * --realtime runs the bench, and so every process it starts (Kamailio,
 * Parley, baresip, the floors), at real-time round-robin priority
 * (`chrt -r 10`; see web-interactive.bench.ts for why not FIFO): on a
 * machine busy with other work the launch times then measure the software.
 *
 * The idle variants also include the sources with V8's default young
 * generation (NODE_OPTIONS=--max-semi-space-size=8, which process-setup.ts leaves
 * alone; compare with 'sources'), to show what process-setup.ts's
 * --semi-space-growth-factor=1 saves.
 *
 * Goals (issue "The phone" §6): launch → registered ≤ 400 ms, idle RSS ≤ 60 MB;
 * issue 17 §4: launch → registered ≤ 150 ms bundled.
 * Prints figures; not a pass/fail test.
 *
 *   node tests/bench/cli-launch.bench.ts [--runs N] [--idle-seconds S] [--idle-runs K] [--realtime] [--baseline CHECKOUT]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCliBundle } from '../../electron/cli/build-bundle.ts';
import { startBaresip } from '../interop/harness/baresip.ts';
import { startKamailio } from '../interop/harness/kamailio.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { ParleyProcess, PARLEY_BIN, runParley } from '../unit/cli/parley-process.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('--runs', 10);
const IDLE_S = arg('--idle-seconds', 6);
const IDLE_RUNS = arg('--idle-runs', 3);
const baselineAt = process.argv.indexOf('--baseline');
const BASELINE = baselineAt > 0 ? process.argv[baselineAt + 1] : undefined;
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const users = [
  { username: 'johndoe', password: 'secret' },
  { username: 'u1', password: 'pw1' },
  { username: 'u2', password: 'pw2' },
  { username: 'u3', password: 'pw3' },
];

type Stats = { median: number; min: number; max: number; n: number };

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, n: s.length };
}

const fmt = (s: Stats) => `median ${s.median.toFixed(0).padStart(4)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}, n=${s.n})`;
const goal = (ok: boolean) => (ok ? 'met' : 'NOT met');

/** Resident set size in MB and CPU time in seconds of one process, from /proc. */
function proc(pid: number): { rssMb: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  // After the ")" that ends comm: state, ppid, … utime is the 12th field, stime the 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssMb: rssKb / 1024, cpuS: (Number(rest[11]) + Number(rest[12])) / CLK_TCK };
}

interface Where {
  pssMb: number;
  /** Pages of the node executable itself (file-backed, shared with every other node process). */
  exeMb: number;
  /** Anonymous mappings: the V8 heap, WASM memories, thread stacks. */
  anonMb: number;
  /** The C heap (malloc). */
  mallocMb: number;
}

/** Where a process's RSS lies, from /proc/<pid>/smaps. */
function where(pid: number): Where {
  const exe = process.execPath;
  const out: Where = { pssMb: 0, exeMb: 0, anonMb: 0, mallocMb: 0 };
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      name = head[1]!;
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) {
      const mb = Number(rss[1]) / 1024;
      if (name === exe) out.exeMb += mb;
      else if (name === '') out.anonMb += mb;
      else if (name === '[heap]') out.mallocMb += mb;
    }
    const pss = /^Pss:\s+(\d+)/.exec(line);
    if (pss) out.pssMb += Number(pss[1]) / 1024;
  }
  return out;
}

/** CPU time of a process's main thread so far, in ms (/proc/PID/schedstat: ns on the CPU). */
function mainThreadCpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

type IdleFigures = { rssMb: number; maxRssMb: number; cpuPercent: number } & Where;

async function idle(pid: number, seconds: number): Promise<IdleFigures> {
  const start = proc(pid);
  const t0 = performance.now();
  let maxRss = start.rssMb;
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    maxRss = Math.max(maxRss, proc(pid).rssMb);
  }
  const end = proc(pid);
  const wall = (performance.now() - t0) / 1000;
  return { rssMb: end.rssMb, maxRssMb: maxRss, cpuPercent: ((end.cpuS - start.cpuS) / wall) * 100, ...where(pid) };
}

/** The median of each figure over several runs. */
function medianOf<T extends object>(runs: T[]): T {
  const out: Record<string, number> = {};
  for (const k of Object.keys(runs[0]!)) out[k] = stats(runs.map((r) => (r as Record<string, number>)[k]!)).median;
  return out as T;
}

/** A plain node process running `code`, idle-measured like parley (the floor under it). */
async function nodeFloor(code: string, seconds: number): Promise<IdleFigures> {
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  try {
    await sleep(1500);
    return await idle(child.pid!, seconds);
  } finally {
    child.kill('SIGKILL');
  }
}

const NODE_IDLE = 'setInterval(() => {}, 1000)';
const NODE_NATIVE =
  "const s = require('node:dgram').createSocket('udp4'); s.bind(0, '127.0.0.1');" +
  " const { DatabaseSync } = require('node:sqlite'); const db = new DatabaseSync(':memory:'); db.exec('create table t (x)');" +
  " require('node:crypto').createHash('md5').update('x').digest('hex'); setInterval(() => {}, 1000)";

function timeSpawn(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'ignore', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

interface Variant {
  label: string;
  bin?: string;
  env: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  /** Every run gets a new, empty compile cache folder (a first start). */
  coldCache?: boolean;
}

async function main(): Promise<void> {
  let realtime = false;
  if (process.argv.includes('--realtime')) {
    try {
      execFileSync('chrt', ['-a', '-r', '-p', '10', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
      realtime = true;
    } catch {
      // not allowed here: ordinary priority, and the report says so
    }
  }
  const tmp = makeTempDir('bench-cli');
  const baseEnv = { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), XDG_CACHE_HOME: join(tmp.path, 'cache'), PARLEY_PASSWORD: '' };
  let coldCaches = 0;
  const envOf = (v: Variant): NodeJS.ProcessEnv => (v.coldCache ? { ...v.env, XDG_CACHE_HOME: join(tmp.path, `cold-cache-${coldCaches++}`) } : v.env);
  const kam = await startKamailio({ users, ipv6: false });
  const proxy = `127.0.0.1:${kam.udpPort}`;
  try {
    const bundle = await buildCliBundle();
    const variants: Variant[] = [
      { label: 'sources', env: { ...baseEnv, PARLEY_FROM_SOURCES: '1' } },
      { label: 'bundle', bin: bundle.entry, env: baseEnv },
      { label: 'bundle, empty cache', bin: bundle.entry, env: baseEnv, coldCache: true },
    ];
    if (BASELINE !== undefined) {
      const built = spawnSync(process.execPath, [join(BASELINE, 'electron', 'cli', 'build-bundle.ts')], { cwd: BASELINE, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`building the baseline's bundle: ${built.stderr}`);
      variants.push({ label: 'bundle (baseline)', bin: join(BASELINE, 'out', 'cli', 'parley.mjs'), env: baseEnv });
    }
    console.log(`Node ${process.version}, ${RUNS} runs, Kamailio on ${proxy}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores), ${realtime ? 'real-time priority (SCHED_RR 10)' : 'ordinary priority'}`);

    const nodeOnly = stats(Array.from({ length: RUNS }, () => timeSpawn(process.execPath, ['-e', '0'])));
    const help = variants.map((v) => {
      timeSpawn(process.execPath, [v.bin ?? PARLEY_BIN, '--help'], envOf(v)); // warm-up (fills a compile cache)
      return stats(Array.from({ length: RUNS }, () => timeSpawn(process.execPath, [v.bin ?? PARLEY_BIN, '--help'], envOf(v))));
    });

    /** One `parley register` run: ms to the 'registered' line and to the exit, and the main thread's CPU ms at that line. */
    const launchOnce = async (v: Variant): Promise<{ registered: number; exit: number; cpu: number }> => {
      const p = new ParleyProcess(['register', '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', proxy, '--bind', '127.0.0.1:0', '--json', '--duration', '0.05'], {
        env: envOf(v),
        ...(v.bin ? { bin: v.bin } : {}),
      });
      try {
        const reg = await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 10_000, 'registered');
        const cpu = mainThreadCpuMs(p.pid);
        const exit = await p.waitForExit(10_000);
        if (exit.code !== 0) throw new Error(`${v.label}: exit ${exit.code}: ${p.stderr}`);
        return { registered: reg.at, exit: exit.at, cpu };
      } finally {
        p.kill();
      }
    };
    // Round robin, after one unmeasured warm-up each: the load of a shared machine then weighs on every variant alike.
    for (const v of variants) await launchOnce(v);
    const samples = variants.map(() => ({ registered: [] as number[], exit: [] as number[], cpu: [] as number[] }));
    for (let i = 0; i < RUNS; i++) {
      for (const [k, v] of variants.entries()) {
        const r = await launchOnce(v);
        samples[k]!.registered.push(r.registered);
        samples[k]!.exit.push(r.exit);
        samples[k]!.cpu.push(r.cpu);
      }
    }
    const launch = samples.map((x) => ({ registered: stats(x.registered), exit: stats(x.exit), cpu: stats(x.cpu) }));

    // baresip: spawn → REGISTER_OK (the harness adds its account over ctrl_tcp once it is up).
    const bareLaunch: number[] = [];
    for (let i = 0; i < Math.min(RUNS, 5); i++) {
      const t0 = performance.now();
      const b = await startBaresip({ accounts: [{ aor: `sip:johndoe@${kam.domain}`, password: 'secret', outbound: `sip:${proxy}`, regint: 60 }] });
      try {
        await b.waitForEvent((e) => e.type === 'REGISTER_OK', 5000);
        bareLaunch.push(performance.now() - t0);
      } finally {
        await b.stop();
      }
    }
    const bare = stats(bareLaunch);

    // Idle with three accounts: parley listen on a data dir holding u1..u3.
    const data = join(tmp.path, 'three');
    for (const u of users.slice(1)) {
      const r = await runParley(['accounts', 'add', '--data-dir', data, '--aor', `sip:${u.username}@${kam.domain}`, '--password', u.password, '--proxy', proxy], { env: baseEnv });
      if (r.code !== 0) throw new Error(`accounts add: ${r.stderr}`);
    }
    const idleOf = async (v: Variant, seconds = IDLE_S): Promise<IdleFigures & { registeredMs: number; stopMs: number }> => {
      const listener = new ParleyProcess(['listen', '--data-dir', data, '--bind', '127.0.0.1:0', '--json'], { env: v.env, ...(v.nodeArgs ? { nodeArgs: v.nodeArgs } : {}), ...(v.bin ? { bin: v.bin } : {}) });
      try {
        const listening = await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
        const regs = listener.events.filter((e) => e.event === 'registration' && e.data.state === 'registered');
        if (regs.length !== 3) throw new Error(`${v.label}: expected 3 registrations, got ${regs.length}`);
        await sleep(1000);
        const figures = await idle(listener.pid, seconds);
        const t0 = performance.now();
        const exit = await listener.stop();
        if (exit.code !== 0) throw new Error(`${v.label}: listen exited ${exit.code}: ${listener.stderr}`);
        return { ...figures, registeredMs: listening.at, stopMs: performance.now() - t0 };
      } finally {
        listener.kill();
      }
    };
    // A cache of its own: V8 rejects code cached under other flags, so sharing one with 'sources' would make both recompile.
    const defaultNursery = { ...baseEnv, PARLEY_FROM_SOURCES: '1', NODE_COMPILE_CACHE: join(tmp.path, 'compile-cache-nursery'), NODE_OPTIONS: '--max-semi-space-size=8' };
    const idleVariants: Variant[] = [...variants.filter((v) => !v.coldCache), { label: "sources, V8's default nursery", env: defaultNursery }];
    for (const v of idleVariants) await idleOf(v, 0); // warm-up: `listen` loads modules `register` does not (into the compile cache)
    const idleRuns = idleVariants.map(() => [] as Awaited<ReturnType<typeof idleOf>>[]);
    for (let i = 0; i < IDLE_RUNS; i++) for (const [k, v] of idleVariants.entries()) idleRuns[k]!.push(await idleOf(v));
    const idles = idleRuns.map((runs) => medianOf(runs));
    const floors = [
      { label: 'node, idle', figures: await nodeFloor(NODE_IDLE, IDLE_S) },
      { label: 'node + UDP socket + sqlite + crypto', figures: await nodeFloor(NODE_NATIVE, IDLE_S) },
    ];

    const b3 = await startBaresip({ accounts: users.slice(1).map((u) => ({ aor: `sip:${u.username}@${kam.domain}`, password: u.password, outbound: `sip:${proxy}`, regint: 3600 })) });
    let bareIdle: Awaited<ReturnType<typeof idle>>;
    try {
      for (const u of users.slice(1)) await b3.waitForEvent((e) => e.type === 'REGISTER_OK' && e.accountaor === `sip:${u.username}@${kam.domain}`, 5000);
      await sleep(1000);
      bareIdle = await idle(b3.pid, IDLE_S);
    } finally {
      await b3.stop();
    }

    console.log('\nlaunch (spawn → exit, or → the JSON line)');
    console.log(`  ${'node -e 0'.padEnd(42)}${fmt(nodeOnly)}`);
    variants.forEach((v, i) => console.log(`  ${`parley --help, ${v.label}`.padEnd(42)}${fmt(help[i]!)}`));
    variants.forEach((v, i) => console.log(`  ${`register → 'registered', ${v.label}`.padEnd(42)}${fmt(launch[i]!.registered)}   ≤ 400 ms: ${goal(launch[i]!.registered.median <= 400)}, bundled ≤ 150 ms (issue 17 §4): ${goal(launch[i]!.registered.median <= 150)}`));
    variants.forEach((v, i) => console.log(`  ${`  main-thread CPU to it, ${v.label}`.padEnd(42)}${fmt(launch[i]!.cpu)}`));
    variants.forEach((v, i) => console.log(`  ${`register whole run, ${v.label}`.padEnd(42)}${fmt(launch[i]!.exit)}   (0.05 s registered, unregister, exit)`));
    console.log(`  ${'baresip spawn → REGISTER_OK'.padEnd(42)}${fmt(bare)}`);
    console.log(`  (bundle built in ${bundle.ms.toFixed(0)} ms)`);
    const whereText = (f: IdleFigures) => `PSS ${f.pssMb.toFixed(1)}; node exe ${f.exeMb.toFixed(1)}, anon ${f.anonMb.toFixed(1)}, malloc ${f.mallocMb.toFixed(1)}`;
    console.log(`\nidle: three registered accounts, ${IDLE_S} s, median of ${IDLE_RUNS} runs (RSS at the end and max of 1 s samples, MB; CPU % of one core)`);
    idleVariants.forEach((v, i) => {
      const f = idles[i]!;
      console.log(`  ${`parley listen, ${v.label}`.padEnd(56)}RSS ${f.rssMb.toFixed(1)} (max ${f.maxRssMb.toFixed(1)}), CPU ${f.cpuPercent.toFixed(2)} %, 3 registered ${f.registeredMs.toFixed(0)} ms after spawn, Ctrl-C → exit ${f.stopMs.toFixed(0)} ms   ≤ 60 MB: ${goal(f.maxRssMb <= 60)}`);
      console.log(`  ${''.padEnd(56)}(${whereText(f)})`);
    });
    console.log(`  ${'baresip'.padEnd(56)}RSS ${bareIdle.rssMb.toFixed(1)} (max ${bareIdle.maxRssMb.toFixed(1)}), CPU ${bareIdle.cpuPercent.toFixed(2)} %`);
    console.log('floors (no Parley code):');
    for (const f of floors) console.log(`  ${f.label.padEnd(56)}RSS ${f.figures.rssMb.toFixed(1)} (${whereText(f.figures)})`);
    console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await kam.stop();
    tmp.remove();
  }
}

await main();
