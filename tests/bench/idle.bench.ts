/**
 * What an idle phone costs while it waits (issue 17 §4: "0 CPU-seconds over
 * 60 s" with three registered accounts): `parley listen` holding three UDP
 * accounts registered with the interop harness's Kamailio on loopback, and
 * baresip holding the same three accounts, side by side in the same windows.
 *
 * Each round starts them together, waits until all three accounts are
 * registered, lets them settle (default 20 s: the start's own leftovers —
 * V8's memory-reducer GCs 8 s after the start, the STUN probe of each flow —
 * are over by then), then measures every process over the same window
 * (default 60 s):
 *
 *   CPU-s       utime + stime from /proc/PID/stat, in clock ticks (10 ms):
 *               the resolution the goal is stated in ("0" = 0.00)
 *   µs          the sum of every thread's run time from
 *               /proc/PID/task/T/schedstat (ns; the same accounting that
 *               process.cpuUsage() reads, without the tick rounding); the
 *               main thread's share beside it (the rest is V8's and libuv's
 *               worker threads: concurrent compiles, GC helpers)
 *   perf        task-clock of `perf stat -p PID` over the window, when perf
 *               is there and allowed (a cross-check of the µs)
 *   wake-ups    the main thread's voluntary context switches in the window
 *               (each time the event loop goes back to sleep), per minute
 *
 * and two floors measured the same way in the same windows: an idle `node`
 * with a timer every 25 s (what a phone that must wake for a NAT keep-alive
 * cannot go below), and baresip, which by default sends no keep-alive and
 * watches no network change. Medians of the rounds, min–max beside them.
 *
 * Prints figures; not a pass/fail test.
 *
 *   node tests/bench/idle.bench.ts [--rounds N] [--settle S] [--window S] [--sources] [--against DIR|FILE.mjs]
 *
 * --sources measures `node bin/parley.js` (TypeScript from the compile cache)
 * beside the bundle (out/cli/parley.mjs, the shipped build; the default);
 * --against DIR also another checkout's sources (DIR/bin/parley.js), in the
 * same windows: a change A/B'd against main; --against FILE.mjs another
 * build's entry (DIR/out/cli/parley.mjs, built in DIR beforehand).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildCliBundle } from '../../electron/cli/build-bundle.ts';
import { startBaresip } from '../interop/harness/baresip.ts';
import type { BaresipHandle } from '../interop/harness/baresip.ts';
import { startKamailio } from '../interop/harness/kamailio.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { ParleyProcess, runParley } from '../unit/cli/parley-process.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('--rounds', 3);
const SETTLE_S = arg('--settle', 20);
const WINDOW_S = arg('--window', 60);
const SOURCES = process.argv.includes('--sources');
const AGAINST = (() => {
  const i = process.argv.indexOf('--against');
  return i > 0 ? process.argv[i + 1] : undefined;
})();
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * Three accounts for each process, none shared: two phones registered for one address would each get the
 * requests Kamailio forks to that address (the other's SUBSCRIBEs to its own presence.winfo, say), which is
 * traffic an idle phone alone does not see.
 */
const accountsOf = (prefix: string) => [1, 2, 3].map((n) => ({ username: `${prefix}${n}`, password: `pw-${prefix}${n}` }));
const phoneAccounts = ['u', ...(SOURCES ? ['s'] : []), ...(AGAINST ? ['a'] : [])].map(accountsOf);
const bareAccounts = accountsOf('b');

interface CpuReading {
  /** utime + stime, clock ticks. */
  ticks: number;
  /** Run time of every live thread, ns. */
  ns: number;
  /** The main thread's voluntary context switches. */
  wakes: number;
  /** The main thread's run time, ns (the rest: V8's and libuv's worker threads). */
  mainNs: number;
}

function readCpu(pid: number): CpuReading {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the ")" that ends comm: state, ppid, … utime is the 12th field, stime the 13th.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let ns = 0;
  let mainNs = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const run = Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
      ns += run;
      if (t === String(pid)) mainNs = run;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return { ticks: Number(rest[11]) + Number(rest[12]), ns, mainNs, wakes: Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? NaN) };
}

interface WindowFigures {
  cpuS: number;
  us: number;
  mainUs: number;
  perfUs: number;
  wakesPerMin: number;
}

let perfWorks: boolean | undefined;

/** `perf stat -e task-clock -p PID` for `seconds`: µs, or NaN without perf. */
function perfTaskClock(pid: number, seconds: number): Promise<number> {
  if (perfWorks === false) return Promise.resolve(NaN);
  return new Promise((resolve) => {
    const p = spawn('perf', ['stat', '-x', ',', '-e', 'task-clock', '-p', String(pid), '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    const timer = setTimeout(() => p.kill('SIGKILL'), (seconds + 10) * 1000);
    p.on('error', () => {
      perfWorks = false;
      clearTimeout(timer);
      resolve(NaN);
    });
    p.on('close', () => {
      clearTimeout(timer);
      const line = err.split('\n').find((l) => l.includes('task-clock'));
      const ms = Number(line?.split(',')[0]);
      if (!Number.isFinite(ms)) perfWorks = false;
      resolve(Number.isFinite(ms) ? ms * 1000 : NaN);
    });
  });
}

/** Every pid measured over the same window. */
async function measure(pids: number[], seconds: number): Promise<WindowFigures[]> {
  const perf = pids.map((pid) => perfTaskClock(pid, seconds));
  const start = pids.map(readCpu);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const end = pids.map(readCpu);
  const minutes = (performance.now() - t0) / 60_000;
  const perfUs = await Promise.all(perf);
  return pids.map((_, i) => ({
    cpuS: (end[i]!.ticks - start[i]!.ticks) / CLK_TCK,
    us: (end[i]!.ns - start[i]!.ns) / 1000,
    mainUs: (end[i]!.mainNs - start[i]!.mainNs) / 1000,
    perfUs: perfUs[i]!,
    wakesPerMin: (end[i]!.wakes - start[i]!.wakes) / minutes,
  }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

async function main(): Promise<void> {
  const tmp = makeTempDir('bench-idle');
  const env = { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), XDG_CACHE_HOME: join(tmp.path, 'cache'), PARLEY_PASSWORD: '' };
  const kam = await startKamailio({ users: [...phoneAccounts.flat(), ...bareAccounts], ipv6: false });
  const proxy = `127.0.0.1:${kam.udpPort}`;
  try {
    const bundle = await buildCliBundle();
    const variants = [
      { label: 'parley listen, bundle', bin: bundle.entry as string | undefined },
      ...(SOURCES ? [{ label: 'parley listen, sources', bin: undefined }] : []),
      ...(AGAINST ? [{ label: `parley listen, ${AGAINST}`, bin: /\.m?js$/.test(AGAINST) ? AGAINST : join(AGAINST, 'bin', 'parley.js') }] : []),
    ];
    const data = variants.map((_, i) => join(tmp.path, `three-${i}`));
    for (const [i, dir] of data.entries()) {
      for (const u of phoneAccounts[i]!) {
        const r = await runParley(['accounts', 'add', '--data-dir', dir, '--aor', `sip:${u.username}@${kam.domain}`, '--password', u.password, '--proxy', proxy], { env });
        if (r.code !== 0) throw new Error(`accounts add: ${r.stderr}`);
      }
    }
    // A first start of each, unmeasured: fills the compile caches.
    for (const [i, v] of variants.entries()) {
      const p = new ParleyProcess(['listen', '--data-dir', data[i]!, '--bind', '127.0.0.1:0', '--json'], { env, ...(v.bin ? { bin: v.bin } : {}) });
      await p.waitForEvent((e) => e.event === 'listening', 30_000, 'listening');
      await p.stop();
    }
    console.log(`Node ${process.version}, Kamailio on ${proxy}; ${ROUNDS} rounds: all started together, ${SETTLE_S} s after the last registration, ${WINDOW_S} s measured; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores), ordinary priority`);

    const labels = [...variants.map((v) => v.label), 'baresip', 'node, a timer every 25 s (floor)'];
    const rounds: WindowFigures[][] = labels.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      const phones = variants.map((v, i) => new ParleyProcess(['listen', '--data-dir', data[i]!, '--bind', '127.0.0.1:0', '--json'], { env, ...(v.bin ? { bin: v.bin } : {}) }));
      const floor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 25_000)'], { stdio: 'ignore' });
      let bare: BaresipHandle | undefined;
      try {
        bare = await startBaresip({ accounts: bareAccounts.map((u) => ({ aor: `sip:${u.username}@${kam.domain}`, password: u.password, outbound: `sip:${proxy}`, regint: 3600 })) });
        for (const u of bareAccounts) await bare.waitForEvent((e) => e.type === 'REGISTER_OK' && e.accountaor === `sip:${u.username}@${kam.domain}`, 10_000);
        for (const p of phones) {
          await p.waitForEvent((e) => e.event === 'listening', 30_000, 'listening');
          const regs = p.events.filter((e) => e.event === 'registration' && e.data.state === 'registered');
          const accounts = new Set(regs.map((e) => e.data.accountId as string));
          if (accounts.size !== 3) throw new Error(`${p.args.join(' ')}: expected 3 registered accounts, got ${accounts.size}`);
          // Seen at load 15-20 with four processes starting at once: one account said 'registered' twice by then.
          if (regs.length !== 3) console.log(`  note: ${regs.length} 'registered' events for 3 accounts before the window (${p.args[2]})`);
        }
        await sleep(SETTLE_S * 1000);
        const load = loadavg()[0]!;
        const figures = await measure([...phones.map((p) => p.pid), bare.pid, floor.pid!], WINDOW_S);
        figures.forEach((f, i) => rounds[i]!.push(f));
        console.log(`  round ${r + 1} (load ${load.toFixed(2)}): ${labels.map((l, i) => `${l.replace('parley listen, ', '')} ${figures[i]!.cpuS.toFixed(2)} CPU-s / ${figures[i]!.us.toFixed(0)} µs`).join(', ')}`);
      } finally {
        for (const p of phones) await p.stop();
        await bare?.stop();
        floor.kill('SIGKILL');
      }
    }

    console.log(`\nidle with three registered accounts: CPU over ${WINDOW_S} s from ${SETTLE_S} s after registering (median of ${ROUNDS}, min–max)`);
    for (const [i, label] of labels.entries()) {
      const f = rounds[i]!;
      const col = (k: keyof WindowFigures, digits: number) => `${median(f.map((x) => x[k])).toFixed(digits)} (${range(f.map((x) => x[k]), digits)})`;
      const perf = f.some((x) => Number.isFinite(x.perfUs)) ? `, perf task-clock ${col('perfUs', 0)} µs` : '';
      console.log(`  ${label.padEnd(36)}${col('cpuS', 2)} CPU-s, ${col('us', 0)} µs (main thread ${col('mainUs', 0)})${perf}, ${col('wakesPerMin', 1)} wake-ups/min`);
    }
    const bareUs = median(rounds[variants.length]!.map((x) => x.us));
    for (const [i, v] of variants.entries()) {
      const cpuS = median(rounds[i]!.map((x) => x.cpuS));
      const us = median(rounds[i]!.map((x) => x.us));
      console.log(`  ${v.label}: ${(us / bareUs).toFixed(2)}× baresip's µs; goal 0 CPU-s over ${WINDOW_S} s (rounds to 0.00): ${cpuS < 0.005 ? 'met' : 'NOT met'}`);
    }
    console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await kam.stop();
    tmp.remove();
  }
}

await main();
