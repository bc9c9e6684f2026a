/**
 * `parley serve` against Kamailio, same users, same SIPp load, in the same run:
 *
 *   node tests/bench/server.bench.ts [seconds-per-step] [--cpu N] [--register-only | --calls-only]
 *        [--parley-only] [--cpu-prof DIR] [--baseline CHECKOUT] [--steady SECONDS] [--rt]
 *        [--closed-loop COUNT [--rounds N] [--window W]] [--node-flag FLAG]...
 *
 * --parley-only leaves Kamailio out (no ratio: for profiling); --cpu-prof
 * runs `parley serve` under node --cpu-prof and leaves the profile in DIR;
 * --baseline adds the `parley serve` of another checkout (e.g. main before a
 * change) to the same steps, for an A/B in one run. --rt runs every server
 * (each of Kamailio's processes too) and every SIPp at real-time priority
 * (SCHED_FIFO 10, `chrt`; needs root): on a machine shared with other work the
 * sustained rates then measure the software, not the queue for the CPU (each
 * process's main thread: Kamailio's processes are single-threaded, Node's
 * helper threads stay at normal priority). Each
 * step is bounded (SIPp's own timeout and ours), and the kernel's RT
 * throttling (95 % of each second by default) keeps the machine responsive.
 * --closed-loop COUNT replaces the SIPp steps with server-drive.ts: COUNT
 * registrations, then COUNT proxied calls, W (default 50) in flight at a
 * time, against each server in turn for N rounds (default 3): the CPU time
 * per registration and per call (median of the rounds) without a rate that a
 * busy machine can miss — the robust figure on a shared machine.
 *
 *  1. registrations/s with digest: SIPp REGISTER → 401 → REGISTER with MD5
 *     credentials → 200, each call a different user of 2,000 (an injection
 *     file), at rising rates;
 *  2. proxied calls/s: SIPp UAC → server → SIPp UAS registered as bob:
 *     INVITE, 100, 180, 200, ACK and BYE (both along the Record-Route), at
 *     rising rates;
 *  3. memory per 1,000 registered bindings (a SipServer in a child process
 *     with --expose-gc: heap and RSS before and after 10,000 bindings);
 *  4. with --steady SECONDS (e.g. 45): proxied calls at 200/s for that long,
 *     each server in turn: CPU per call and RSS once RFC 3261's 64·T1 of
 *     finished transactions (32 s) is all there, which 5 s steps do not reach.
 * A rate counts when every call of the step succeeded and the step took no
 * more than 15 % longer than asked; a failed step is run once more. Both
 * servers are pinned to the same single CPU (taskset; --cpu, default the
 * last one) and offered the same steps alternately. On a machine shared with
 * other work the sustained rate also measures the scheduler (Kamailio's
 * several worker processes get several shares of a busy CPU, one node
 * process one), so each step also records the CPU time the server used per
 * call, from /proc: at the highest rate both sustained, 1 s / that cost is
 * what one core would carry, and the ratio of the costs is the honest speed
 * ratio. Both challenge with MD5
 * alone (SIPp knows no other), nonce counts checked, qop=auth; Kamailio is the
 * test harness's configuration (2 UDP children, db_text users, usrloc in memory),
 * Parley's server writes the bindings to its sqlite file in 100 ms batches.
 * Not pass/fail: it prints the figures and the ratio to Kamailio.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKamailio, type KamailioHandle } from '../interop/harness/kamailio.ts';
import { freePort } from '../interop/harness/free-port.ts';
import { ManagedProcess, makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { RawSipSocket, buildRequest, randomToken } from '../interop/harness/raw-sip.ts';
import { parseStats, scenarioDir } from '../interop/harness/sipp.ts';
import { answerChallenge } from '../unit/server/server-kit.ts';
import { driveCalls, driveRegistrations, type DriveResult } from './server-drive.ts';

const DOMAIN = 'bench.test';
const USERS = 2000;
/**
 * SIPp's socket buffers (its default is 64 KB): on a busy machine an
 * unpinned SIPp that is not scheduled for a few hundred ms overflowed that
 * and the lost ACKs and BYEs left calls hanging — at 250 calls/s for
 * Kamailio and Parley alike. 4 MB (the kernel's rmem_max here) holds seconds.
 */
const SIPP_BUFFER = String(4 * 1024 * 1024);
const root = fileURLToPath(new URL('../../', import.meta.url));

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

// ── memory mode (child process) ──────────────────────────────────────────────

async function memoryMode(): Promise<void> {
  const { SipServer, ServerStore } = await import('../../electron/server/index.ts');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const tmp = makeTempDir('server-mem');
  const store = new ServerStore(join(tmp.path, 'server.db'));
  const server = new SipServer({ domain: DOMAIN, listen: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }], store });
  await server.start();
  const n = 10_000;
  const measure = () => {
    gc();
    gc();
    return { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
  };
  const before = measure();
  const now = server.location.now;
  for (let i = 0; i < n; i++) {
    const contact = `sip:user${i}@192.0.2.${i % 250}:${5060 + (i % 1000)};transport=udp`;
    server.location.replace(`sip:user${i}@${DOMAIN}`, [{
      aor: `sip:user${i}@${DOMAIN}`, key: contact, contact, q: 1, expiresAt: now + 3600_000,
      callId: `${randomToken(8)}@192.0.2.${i % 250}`, cseq: 2, source: { protocol: 'udp', address: `192.0.2.${i % 250}`, port: 5060 + (i % 1000) },
      userAgent: 'Parley bench phone 1.0',
    }]);
  }
  const after = measure();
  process.stdout.write(JSON.stringify({ bindings: n, heapPer1000: ((after.heap - before.heap) / n) * 1000, rssPer1000: ((after.rss - before.rss) / n) * 1000 }));
  await server.close();
  store.close();
  tmp.remove();
}

// ── servers ──────────────────────────────────────────────────────────────────

interface Target {
  name: string;
  port: number;
  pids(): number[];
  rssKb(): number;
  stop(): Promise<void>;
}

/** --rt: SCHED_FIFO priority for the servers and SIPp (see the header); undefined: normal scheduling. */
let realTime: number | undefined;

function pinAll(pids: number[], cpu: number): void {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
      // The main thread of each process only: in a first try with every thread at SCHED_FIFO (V8's helper threads
      // too, on the same CPU) parley serve used 4.75 s of CPU in a 5 s step of 250 registrations/s (7× its cost)
      // and Kamailio, pinned beside it, answered nothing in the next step.
      if (realTime !== undefined) execFileSync('chrt', ['-f', '-p', String(realTime), String(pid)], { stdio: 'ignore' });
    } catch {
      // a worker that exited meanwhile
    }
  }
}

/** --node-flag FLAG (repeatable): given to node for each `parley serve` (e.g. --single-threaded-gc). */
const nodeFlags: string[] = [];

/** SIPp's command line, under `chrt` with --rt. */
function sippCommand(args: string[]): [string, string[]] {
  return realTime === undefined ? ['sipp', args] : ['chrt', ['-f', String(realTime), 'sipp', ...args]];
}

/** Every process in a process group (Kamailio forks its workers into it). */
function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}

/** CPU seconds (user + system) the processes have used so far. */
function cpuSecondsOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone
    }
  }
  return ticks / 100;
}

function rssKbOf(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += m ? Number(m[1]) : 0;
    } catch {
      // gone
    }
  }
  return kb;
}

async function startParleyServe(dir: string, usersFile: string, profileDir: string | undefined, checkout = root, name = 'parley serve'): Promise<Target> {
  const port = await freePort(['udp4', 'tcp4']);
  const prof = profileDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const proc = new ManagedProcess(process.execPath, [...nodeFlags, ...prof, join(checkout, 'bin/parley.js'), 'serve', '--domain', DOMAIN, '--bind', `127.0.0.1:${port}`,
    '--users', usersFile, '--digest', 'md5', '--rate-limit', '0', '--data-dir', dir, '--json'], { cwd: dir });
  if (!(await proc.waitForOutput(/"event":"serving"/, 60_000))) throw new Error(`parley serve did not start:\n${proc.output}`);
  return { name, port, pids: () => [proc.pid], rssKb: () => rssKbOf([proc.pid]), stop: async () => void (await proc.stop()) };
}

async function startKamailioTarget(users: Array<{ username: string; password: string }>): Promise<{ target: Target; kam: KamailioHandle }> {
  // 256 MB of shared memory: with the harness's 32 MB, a few thousand calls in a row exhausted it (tm: "could not
  // allocate shared memory from shm pool", then a worker died of signal 11) and Kamailio failed every call after.
  const kam = await startKamailio({ domain: DOMAIN, users, aliases: [], ipv6: false, algorithm: 'MD5', debug: 1, sharedMemoryMb: 256 });
  return {
    kam,
    target: { name: 'Kamailio', port: kam.udpPort, pids: () => groupPids(kam.pid), rssKb: () => rssKbOf(groupPids(kam.pid)), stop: () => kam.stop() },
  };
}

// ── SIPp ─────────────────────────────────────────────────────────────────────

interface StepResult {
  ok: boolean;
  successful: number;
  failed: number;
  seconds: number;
  /** CPU seconds the server used during the step (filled in by sweep). */
  cpu?: number;
}

async function sippStep(args: { scenario: string; remote: string; rate: number; calls: number; seconds: number; extra?: string[]; tmp: string }): Promise<StepResult> {
  const stf = join(args.tmp, `stat-${randomToken()}.csv`);
  const localPort = await freePort(['udp4']);
  const proc = new ManagedProcess(...sippCommand([
    '-sf', args.scenario, '-i', '127.0.0.1', '-p', String(localPort), '-m', String(args.calls), '-r', String(args.rate), '-l', String(Math.max(200, args.rate * 4)),
    '-t', 'u1', '-d', '0', '-nostdin', '-buff_size', SIPP_BUFFER, '-timeout', `${Math.ceil(args.seconds * 3 + 10)}s`, '-trace_stat', '-stf', stf, '-fd', '1',
    '-key', 'domain', DOMAIN, ...(args.extra ?? []), args.remote,
  ]), { cwd: args.tmp });
  const t0 = performance.now();
  // SIPp's own -timeout does not always end a run whose calls hang: bound it here too.
  const guard = setTimeout(() => void proc.stop(1000), (args.seconds * 3 + 15) * 1000);
  const exit = await proc.exited;
  clearTimeout(guard);
  const seconds = (performance.now() - t0) / 1000;
  let stats;
  try {
    stats = parseStats(readFileSync(stf, 'utf8'));
  } catch {
    stats = undefined;
  }
  const successful = stats?.successful ?? 0;
  const failed = stats?.failed ?? args.calls;
  if (process.env.SERVER_BENCH_SCREENS && successful !== args.calls) out(proc.output.slice(-4000));
  return { ok: exit.code === 0 && successful === args.calls && failed === 0 && seconds <= args.seconds * 1.15 + 1, successful, failed, seconds };
}

async function registerContact(port: number, user: string, password: string, contactPort: number): Promise<void> {
  const sock = await RawSipSocket.open(4);
  try {
    const callId = randomToken();
    const req = (cseq: number, auth?: string) => buildRequest({
      method: 'REGISTER', uri: `sip:${DOMAIN}`, from: `<sip:${user}@${DOMAIN}>;tag=${randomToken()}`, to: `<sip:${user}@${DOMAIN}>`, callId, cseq,
      viaHostPort: sock.hostPort, contact: `<sip:${user}@127.0.0.1:${contactPort}>`, headers: ['Expires: 3600', ...(auth ? [`Authorization: ${auth}`] : [])],
    });
    const first = await sock.transact(req(1), port);
    const challenge = first?.headers.get('www-authenticate');
    if (first?.status !== 401 || !challenge) throw new Error(`REGISTER ${user}: ${first?.status}`);
    const second = await sock.transact(req(2, answerChallenge(challenge, { username: user, password }, 'REGISTER', `sip:${DOMAIN}`)), port);
    if (second?.status !== 200) throw new Error(`REGISTER ${user} with credentials: ${second?.status}`);
  } finally {
    await sock.close();
  }
}

interface SweepResult {
  /** Highest rate with zero failures. */
  best: Map<string, number>;
  /** CPU microseconds per call (registration or proxied call) at each passed step, by server. */
  cpuPerCall: Map<string, Array<{ rate: number; us: number }>>;
}

async function sweep(label: string, targets: Target[], rates: number[], run: (t: Target, rate: number) => Promise<StepResult>): Promise<SweepResult> {
  const best = new Map<string, number>(targets.map((t) => [t.name, 0]));
  const cpuPerCall = new Map<string, Array<{ rate: number; us: number }>>(targets.map((t) => [t.name, []]));
  const alive = new Set(targets.map((t) => t.name));
  for (const rate of rates) {
    if (alive.size === 0) break;
    for (const t of targets) {
      if (!alive.has(t.name)) continue;
      const measured = async () => {
        const c0 = cpuSecondsOf(t.pids());
        const r = await run(t, rate);
        r.cpu = cpuSecondsOf(t.pids()) - c0;
        return r;
      };
      let r = await measured();
      if (!r.ok) r = await measured();
      const us = r.successful > 0 ? ((r.cpu ?? 0) / r.successful) * 1e6 : 0;
      out(`  ${label} ${String(rate).padStart(5)}/s  ${t.name.padEnd(12)} ${r.ok ? 'ok  ' : 'FAIL'} ${r.successful} ok, ${r.failed} failed, ${r.seconds.toFixed(1)} s, server CPU ${(r.cpu ?? 0).toFixed(2)} s = ${us.toFixed(0)} µs each`);
      if (r.ok) {
        best.set(t.name, rate);
        cpuPerCall.get(t.name)!.push({ rate, us });
      } else alive.delete(t.name);
      await sleep(1500);
    }
  }
  return { best, cpuPerCall };
}

/** --closed-loop: CPU per registration and per call, each server in turn, medians of the rounds. */
async function closedLoop(targets: Target[], users: Array<{ username: string; password: string }>, count: number, argv: string[]): Promise<void> {
  const option = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
  const rounds = option('--rounds', 3);
  const window = option('--window', 50);
  const callee = users[users.length - 1]!;
  const subscribers = users.slice(0, USERS);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const measured = async (t: Target, run: () => Promise<DriveResult>) => {
    const c0 = cpuSecondsOf(t.pids());
    const r = await run();
    return { ...r, us: r.done > 0 ? ((cpuSecondsOf(t.pids()) - c0) / r.done) * 1e6 : NaN };
  };
  const results = new Map<string, { reg: number[]; call: number[] }>(targets.map((t) => [t.name, { reg: [], call: [] }]));
  out(`closed loop: ${count} registrations then ${count} calls, ${window} in flight, ${rounds} rounds, servers in turn`);
  // Warm-up, not reported.
  for (const t of targets) {
    await driveRegistrations({ port: t.port, domain: DOMAIN, count: 500, window }, subscribers);
    await driveCalls({ port: t.port, domain: DOMAIN, count: 300, window }, callee);
  }
  for (let round = 1; round <= rounds; round++) {
    for (const t of targets) {
      const reg = await measured(t, () => driveRegistrations({ port: t.port, domain: DOMAIN, count, window }, subscribers));
      await sleep(500);
      const call = await measured(t, () => driveCalls({ port: t.port, domain: DOMAIN, count, window }, callee));
      out(`  round ${round} ${t.name.padEnd(12)} registrations ${reg.done} (${reg.lost} lost) in ${reg.seconds.toFixed(1)} s: ${reg.us.toFixed(0)} µs CPU each; ` +
        `calls ${call.done} (${call.lost} lost) in ${call.seconds.toFixed(1)} s: ${call.us.toFixed(0)} µs CPU each; load ${loadavg()[0]!.toFixed(1)}`);
      results.get(t.name)!.reg.push(reg.us);
      results.get(t.name)!.call.push(call.us);
      await sleep(500);
    }
  }
  out('medians (CPU time of the server per registration / per proxied call; 1 s / that = what one core carries):');
  const kam = results.get('Kamailio');
  for (const t of targets) {
    const r = results.get(t.name)!;
    const reg = median(r.reg);
    const call = median(r.call);
    const vs = kam && t.name !== 'Kamailio' ? ` — ${(median(kam.reg) / reg).toFixed(2)}× / ${(median(kam.call) / call).toFixed(2)}× of Kamailio's speed` : '';
    out(`  ${t.name.padEnd(12)} ${reg.toFixed(0)} µs (≈ ${Math.round(1e6 / reg)}/s per core) / ${call.toFixed(0)} µs (≈ ${Math.round(1e6 / call)}/s per core)${vs}`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--memory') return memoryMode();
  const seconds = Number(argv.find((a) => /^\d+$/.test(a)) ?? 5);
  const only = argv.includes('--calls-only') ? 'calls' : argv.includes('--register-only') ? 'register' : undefined;
  const cpuArg = argv.indexOf('--cpu');
  const cpu = cpuArg >= 0 ? Number(argv[cpuArg + 1]) : cpus().length - 1;
  const profArg = argv.indexOf('--cpu-prof');
  const profileDir = profArg >= 0 ? argv[profArg + 1] : undefined;
  if (argv.includes('--rt')) realTime = 10;
  argv.forEach((a, i) => {
    if (a === '--node-flag' && argv[i + 1] !== undefined) nodeFlags.push(argv[i + 1] as string);
  });
  const tmp = makeTempDir('server-bench');
  const users = Array.from({ length: USERS }, (_, i) => ({ username: `user${String(i).padStart(4, '0')}`, password: `pw${i}` }));
  users.push({ username: 'bob', password: 'builder' });
  const usersFile = join(tmp.path, 'users.json');
  writeFileSync(usersFile, JSON.stringify(users));
  const csv = join(tmp.path, 'users.csv');
  // SIPp 3.6 cannot nest [field0] inside [authentication …]: the injection field carries the whole keyword.
  writeFileSync(csv, `SEQUENTIAL\n${users.slice(0, USERS).map((u) => `${u.username};[authentication username=${u.username} password=${u.password}]`).join('\n')}\n`);
  const regScenario = join(tmp.path, 'register-bench.xml');
  writeFileSync(regScenario, readFileSync(join(scenarioDir, 'register-auth.xml'), 'utf8')
    .replaceAll('[service]', '[field0]').replace('[authentication]', '[field1]').replaceAll('Expires: 60', 'Expires: 600'));

  out(`server bench: ${seconds} s steps, both servers pinned to CPU ${cpu}${realTime !== undefined ? `, servers and SIPp at real-time priority (SCHED_FIFO ${realTime})` : ''}, ${USERS} users, MD5 digest, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const parley = await startParleyServe(tmp.path, usersFile, profileDir);
  const kamailio = argv.includes('--parley-only') ? undefined : (await startKamailioTarget(users)).target;
  const baseArg = argv.indexOf('--baseline');
  const baseTmp = baseArg >= 0 ? makeTempDir('server-bench-base') : undefined;
  const baseline = baseTmp ? await startParleyServe(baseTmp.path, usersFile, undefined, argv[baseArg + 1], 'baseline') : undefined;
  const targets = [parley, ...(baseline ? [baseline] : []), ...(kamailio ? [kamailio] : [])];
  for (const t of targets) pinAll(t.pids(), cpu);
  const rssBefore = new Map(targets.map((t) => [t.name, t.rssKb()]));
  const loopArg = argv.indexOf('--closed-loop');
  if (loopArg >= 0) {
    try {
      await closedLoop(targets, users, Number(argv[loopArg + 1] ?? 5000), argv);
    } finally {
      for (const t of targets) await t.stop();
      tmp.remove();
      baseTmp?.remove();
    }
    return;
  }
  try {
    // Warm-up, not reported: V8 compiles Parley's hot paths on first use (Kamailio is C).
    for (const t of targets) await sippStep({ scenario: regScenario, remote: `127.0.0.1:${t.port}`, rate: 100, calls: 300, seconds: 3, tmp: tmp.path, extra: ['-inf', csv] });
    out('registrations with digest (REGISTER, 401, REGISTER, 200):');
    const reg: SweepResult = only === 'calls' ? { best: new Map(), cpuPerCall: new Map() } : await sweep('REGISTER', targets, [250, 500, 1000, 1500, 2000, 3000, 4000], (t, rate) =>
      sippStep({ scenario: regScenario, remote: `127.0.0.1:${t.port}`, rate, calls: rate * seconds, seconds, tmp: tmp.path, extra: ['-inf', csv] }));
    for (const t of targets) out(`  ${t.name}: RSS ${(rssBefore.get(t.name)! / 1024).toFixed(1)} MB before, ${(t.rssKb() / 1024).toFixed(1)} MB with ${USERS} bindings`);

    out('proxied calls (INVITE, 100, 180, 200, ACK, BYE along the Record-Route):');
    const uasByTarget = new Map<string, ManagedProcess>();
    for (const t of targets) {
      const uasPort = await freePort(['udp4']);
      const uas = new ManagedProcess(...sippCommand(['-sf', join(scenarioDir, 'uas-answer.xml'), '-i', '127.0.0.1', '-p', String(uasPort), '-nostdin', '-buff_size', SIPP_BUFFER, '-t', 'u1', '-l', '10000']), { cwd: tmp.path });
      await sleep(300);
      await registerContact(t.port, 'bob', 'builder', uasPort);
      uasByTarget.set(t.name, uas);
    }
    for (const t of targets) await sippStep({ scenario: join(scenarioDir, 'uac-invite-bye.xml'), remote: `127.0.0.1:${t.port}`, rate: 50, calls: 150, seconds: 3, tmp: tmp.path, extra: ['-s', 'bob'] });
    out(`  bob registered at both servers; the UAS processes: ${[...uasByTarget.values()].map((u) => (u.running ? 'running' : `exited ${u.output.slice(-300)}`)).join(', ')}`);
    const calls: SweepResult = only === 'register' ? { best: new Map(), cpuPerCall: new Map() } : await sweep('CALL', targets, [100, 250, 500, 750, 1000, 1500], (t, rate) =>
      sippStep({ scenario: join(scenarioDir, 'uac-invite-bye.xml'), remote: `127.0.0.1:${t.port}`, rate, calls: rate * seconds, seconds, tmp: tmp.path, extra: ['-s', 'bob'] }));
    const steadyArg = argv.indexOf('--steady');
    if (steadyArg >= 0) {
      const steadySeconds = Number(argv[steadyArg + 1] ?? 45);
      out(`steady calls: 200/s for ${steadySeconds} s each (finished transactions of the last 32 s all kept):`);
      for (const t of targets) {
        const c0 = cpuSecondsOf(t.pids());
        const r = await sippStep({ scenario: join(scenarioDir, 'uac-invite-bye.xml'), remote: `127.0.0.1:${t.port}`, rate: 200, calls: 200 * steadySeconds, seconds: steadySeconds, tmp: tmp.path, extra: ['-s', 'bob'] });
        const cpu = cpuSecondsOf(t.pids()) - c0;
        out(`  ${t.name.padEnd(12)} ${r.ok ? 'ok  ' : 'FAIL'} ${r.successful} ok, ${r.failed} failed, ${r.seconds.toFixed(1)} s, server CPU ${cpu.toFixed(2)} s = ${r.successful > 0 ? ((cpu / r.successful) * 1e6).toFixed(0) : '?'} µs each, RSS ${(t.rssKb() / 1024).toFixed(0)} MB at the end`);
        await sleep(1500);
      }
    }
    for (const uas of uasByTarget.values()) {
      await uas.stop();
      if (process.env.SERVER_BENCH_SCREENS) out(uas.output.slice(-3000));
    }

    const mem = JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--memory'], { encoding: 'utf8' })) as { heapPer1000: number; rssPer1000: number };
    out('summary:');
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
    // CPU per call at the highest rate both passed: what one core could carry (1 s / cost), free of how the
    // scheduler shares a loaded machine between one node process and Kamailio's several workers.
    const perCall = (r: SweepResult, name: string) => {
      const common = Math.min(...targets.map((t) => r.best.get(t.name) ?? 0));
      return r.cpuPerCall.get(name)?.find((x) => x.rate === common)?.us;
    };
    for (const [label, r, goal] of [['registrations/s with digest', reg, 1000], ['proxied calls/s', calls, 500]] as const) {
      if (r.best.size === 0) continue;
      const p = r.best.get(parley.name) ?? 0;
      const k = kamailio ? (r.best.get(kamailio.name) ?? 0) : 0;
      const pu = perCall(r, parley.name);
      const ku = kamailio ? perCall(r, kamailio.name) : undefined;
      out(`  ${label}: sustained on the shared machine: parley serve ${p}, Kamailio ${k} (${ratio(p, k)})`);
      out(`    CPU per call: parley serve ${pu?.toFixed(0) ?? '?'} µs, Kamailio ${ku?.toFixed(0) ?? '?'} µs → one core: parley serve ≈ ${pu ? Math.round(1e6 / pu) : '?'}/s, Kamailio ≈ ${ku ? Math.round(1e6 / ku) : '?'}/s (${ratio(ku, pu)} of Kamailio's speed); goal ≥ ${goal}`);
      // A fixed cost per second (timers, sweeps) weighs on a low rate: each at its own highest rate too.
      const atBest = (name: string) => r.cpuPerCall.get(name)?.find((x) => x.rate === r.best.get(name));
      const pb = atBest(parley.name);
      const kb = kamailio ? atBest(kamailio.name) : undefined;
      out(`    at each one's highest sustained rate: parley serve ${pb ? `${pb.us.toFixed(0)} µs at ${pb.rate}/s (≈ ${Math.round(1e6 / pb.us)}/s per core)` : '?'}, Kamailio ${kb ? `${kb.us.toFixed(0)} µs at ${kb.rate}/s (≈ ${Math.round(1e6 / kb.us)}/s per core)` : '?'}`);
    }
    out(`  memory per 1,000 bindings (parley serve, in-process): heap ${(mem.heapPer1000 / 1024).toFixed(0)} KB, RSS ${(mem.rssPer1000 / 1024).toFixed(0)} KB`);
    out('  (rates tried up to 4,000 registrations/s and 1,500 calls/s)');
  } finally {
    for (const t of targets) await t.stop();
    tmp.remove();
    baseTmp?.remove();
  }
}

await main();
