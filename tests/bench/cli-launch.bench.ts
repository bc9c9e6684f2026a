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
 *   idle                  one `parley listen` holding three accounts from a
 *                         data dir: RSS (VmRSS) and CPU % over S s of idle,
 *                         from /proc; baresip with the same three accounts.
 *
 * Three ways to run the same CLI, to show where the cost is:
 *   sources          node bin/parley.js as shipped: TypeScript stripped by
 *                    Node; main.ts turns the compile cache on for every
 *                    module after itself
 *   sources + cache  the same with NODE_COMPILE_CACHE set, i.e. what
 *                    bin/parley.js would get by enabling the cache before it
 *                    imports main.ts (no type stripping at all once warm)
 *   bundle           out/cli/parley.mjs (electron/cli/build-bundle.ts)
 *
 * Goals (issue "The phone" §6): launch → registered ≤ 400 ms, idle RSS ≤ 60 MB.
 * Prints figures; not a pass/fail test.
 *
 *   node tests/bench/cli-launch.bench.ts [--runs N] [--idle-seconds S]
 */
import { execFileSync, spawnSync } from 'node:child_process';
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
const IDLE_S = arg('--idle-seconds', 10);
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

async function idle(pid: number, seconds: number): Promise<{ rssMb: number; maxRssMb: number; cpuPercent: number }> {
  const start = proc(pid);
  const t0 = performance.now();
  let maxRss = start.rssMb;
  for (let i = 0; i < seconds; i++) {
    await sleep(1000);
    maxRss = Math.max(maxRss, proc(pid).rssMb);
  }
  const end = proc(pid);
  const wall = (performance.now() - t0) / 1000;
  return { rssMb: end.rssMb, maxRssMb: maxRss, cpuPercent: ((end.cpuS - start.cpuS) / wall) * 100 };
}

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
}

async function main(): Promise<void> {
  const tmp = makeTempDir('bench-cli');
  const baseEnv = { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' };
  const kam = await startKamailio({ users, ipv6: false });
  const proxy = `127.0.0.1:${kam.udpPort}`;
  try {
    const bundle = await buildCliBundle();
    const variants: Variant[] = [
      { label: 'sources', env: baseEnv },
      { label: 'sources + cache', env: { ...baseEnv, NODE_COMPILE_CACHE: join(tmp.path, 'compile-cache') } },
      { label: 'bundle', bin: bundle.entry, env: baseEnv },
    ];
    console.log(`Node ${process.version}, ${RUNS} runs, Kamailio on ${proxy}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores)`);

    const nodeOnly = stats(Array.from({ length: RUNS }, () => timeSpawn(process.execPath, ['-e', '0'])));
    const help = variants.map((v) => {
      timeSpawn(process.execPath, [v.bin ?? PARLEY_BIN, '--help'], v.env); // warm-up (fills a compile cache)
      return stats(Array.from({ length: RUNS }, () => timeSpawn(process.execPath, [v.bin ?? PARLEY_BIN, '--help'], v.env)));
    });

    /** One `parley register` run: ms to the 'registered' line and to the exit. */
    const launchOnce = async (v: Variant): Promise<{ registered: number; exit: number }> => {
      const p = new ParleyProcess(['register', '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', proxy, '--bind', '127.0.0.1:0', '--json', '--duration', '0.05'], {
        env: v.env,
        ...(v.bin ? { bin: v.bin } : {}),
      });
      try {
        const reg = await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 10_000, 'registered');
        const exit = await p.waitForExit(10_000);
        if (exit.code !== 0) throw new Error(`${v.label}: exit ${exit.code}: ${p.stderr}`);
        return { registered: reg.at, exit: exit.at };
      } finally {
        p.kill();
      }
    };
    // Round robin, after one unmeasured warm-up each: the load of a shared machine then weighs on every variant alike.
    for (const v of variants) await launchOnce(v);
    const samples = variants.map(() => ({ registered: [] as number[], exit: [] as number[] }));
    for (let i = 0; i < RUNS; i++) {
      for (const [k, v] of variants.entries()) {
        const r = await launchOnce(v);
        samples[k]!.registered.push(r.registered);
        samples[k]!.exit.push(r.exit);
      }
    }
    const launch = samples.map((x) => ({ registered: stats(x.registered), exit: stats(x.exit) }));

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
    const idleOf = async (v: Variant, seconds = IDLE_S) => {
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
    const idleVariants: Variant[] = [...variants, { label: 'bundle, --max-semi-space-size=1', bin: bundle.entry, env: baseEnv, nodeArgs: ['--max-semi-space-size=1'] }];
    const idles: Awaited<ReturnType<typeof idleOf>>[] = [];
    for (const v of idleVariants) {
      await idleOf(v, 0); // warm-up: `listen` loads modules `register` does not (into the compile cache)
      idles.push(await idleOf(v));
    }

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
    variants.forEach((v, i) => console.log(`  ${`register → 'registered', ${v.label}`.padEnd(42)}${fmt(launch[i]!.registered)}   ≤ 400 ms: ${goal(launch[i]!.registered.median <= 400)}`));
    variants.forEach((v, i) => console.log(`  ${`register whole run, ${v.label}`.padEnd(42)}${fmt(launch[i]!.exit)}   (0.05 s registered, unregister, exit)`));
    console.log(`  ${'baresip spawn → REGISTER_OK'.padEnd(42)}${fmt(bare)}`);
    console.log(`  (bundle built in ${bundle.ms.toFixed(0)} ms)`);
    console.log(`\nidle: three registered accounts, ${IDLE_S} s (RSS at the end and max of 1 s samples; CPU % of one core)`);
    idleVariants.forEach((v, i) => {
      const f = idles[i]!;
      console.log(`  ${`parley listen, ${v.label}`.padEnd(48)}RSS ${f.rssMb.toFixed(1)} MB (max ${f.maxRssMb.toFixed(1)}), CPU ${f.cpuPercent.toFixed(2)} %, 3 registered ${f.registeredMs.toFixed(0)} ms after spawn, Ctrl-C → exit ${f.stopMs.toFixed(0)} ms   ≤ 60 MB: ${goal(f.maxRssMb <= 60)}`);
    });
    console.log(`  ${'baresip'.padEnd(48)}RSS ${bareIdle.rssMb.toFixed(1)} MB (max ${bareIdle.maxRssMb.toFixed(1)}), CPU ${bareIdle.cpuPercent.toFixed(2)} %`);
    console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await kam.stop();
    tmp.remove();
  }
}

await main();
