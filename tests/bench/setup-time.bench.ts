/**
 * Call set-up time through Kamailio (issue "Fast where the user feels it" §2),
 * Parley's CLI beside baresip in the same run, the calls taken in turn:
 *
 *   dial → ringing    the caller dials until the callee (baresip, registered
 *                     with Kamailio, answering automatically, so it reports
 *                     the INVITE's offer, CALL_REMOTE_SDP, where a phone
 *                     would start ringing) has the call;
 *   dial → answered   until the caller has the call up (baresip:
 *                     CALL_ESTABLISHED; Parley: the call's 'active' state);
 *   dial → heard      until the callee receives the caller's first RTP
 *                     (its CALL_RTPESTAB): the caller's audio arrives.
 *
 * Two Parley callers: the CLI (`parley call`, a fresh process per call, so
 * code and media WASM are cold every time) and a running engine (what the
 * desktop app and `parley web` hold; dialled through its API, call.dial).
 * The engine runs in a node process of its own (this file with
 * `--serve-engine`, commands and its 'call' events over the IPC pipe), as
 * baresip and the CLI do: in this process it shared the event loop that
 * stamps baresip's events, so its own work after the INVITE (the 180, the
 * 200, media start, the history) made the callee's events look late. The
 * dial moment: baresip's 'dial' command sent on ctrl_tcp; the engine's
 * call.dial sent on its pipe; for the CLI the 'registration' line
 * `parley call --json` prints when its account is registered, after which it
 * dials at once (its 'dialing' line comes only once the INVITE is sent; its
 * launch and registration, spawn → registered, are left out and printed
 * apart). Every moment is read on this process's clock
 * as the event arrives (a pipe or a loopback TCP hop late, alike for all).
 * The web UI (`--only …,web`): a `parley web` host with the same account,
 * its page in Chromium (fake microphone); each call is typed on the dialpad
 * and dialled with Enter. The dial moment is that keydown, stamped inside
 * the page (a capture listener runs before the page's own), 'answered' the
 * moment the call card says Connected (a MutationObserver in the page);
 * both on the wall clock (Date.now()) as the bench's own stamps of baresip's
 * events: the click → WebSocket → API → INVITE path a user's dial takes.
 * Median and p99 of N calls each. Goal: Parley ≤ baresip. Not measured
 * here: the callee's audio arriving at a Parley caller (the CLI prints no
 * event for it).
 *
 *   node tests/bench/setup-time.bench.ts [--calls 50] [--only baresip,cli,engine,web] [--baseline CHECKOUT] [--rt [--rt-limit 180]] [--trace] [--stages] [--cpu-prof DIR]
 *
 * `--rt`: this process and everything it starts (Kamailio, the baresips, the
 * engine, the CLI, the web host, Chromium) at real-time priority, SCHED_FIFO
 * 10, inherited through fork/exec, so that on a shared machine the figures
 * measure the software rather than the queue for the CPU, both sides alike;
 * bounded: after --rt-limit seconds everything goes back to ordinary
 * scheduling (and the bench says so). `--trace`: where each millisecond goes
 * (harness/setup-trace.ts): tshark on lo for the wire times, the engine's
 * own moments, medians per stage and caller.
 *
 * `--baseline`: the engine and the CLI of another checkout (e.g. main
 * before a change, with node_modules beside it) as two more callers,
 * "engine (baseline)" (that checkout's engine served by this file, with the
 * same probe) and "CLI (baseline)" (its bin/parley.js): an A/B in one run,
 * the callers taking turns. With the web UI in the run, also that
 * checkout's `parley web` and page (its own renderer build, in a Chromium of
 * its own), "web UI (baseline)".
 *
 * `--stages` (on with --trace, --baseline and --cpu-prof): every Parley
 * caller notes its own moments (harness/dgram-probe.ts: dial command or, for
 * the CLI, its registration's 200; INVITE and ACK handed to the socket; the
 * 1xx/2xx read; the first RTP; the 'active' event) with the process's CPU
 * time, and the bench prints each stage's median wall and CPU time per
 * caller (engineStages): CPU time is what a loaded machine distorts least.
 * `--cpu-prof DIR`: the engine and each CLI process run under node
 * --cpu-prof (50 µs samples) and leave their profiles and moments in DIR.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createApiClient, type ApiClient } from '../../electron/api/api-client.ts';
import { browserAvailable, startBrowser, type Browser } from '../e2e/browser.ts';
import { buildRenderer } from '../e2e/build-renderer.ts';
import { startWebHost, type WebHost } from '../e2e/web-host.ts';
import { soxTone } from '../interop/harness/sox.ts';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandName, CommandParams, CommandResult } from '../../electron/api/commands.ts';
import { startBaresip, type BaresipHandle } from '../interop/harness/baresip.ts';
import { startKamailio } from '../interop/harness/kamailio.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';
import { installProbe, moment } from './harness/dgram-probe.ts';
import { WireTrace, engineStages, perfToMono, type TraceMoment, type TracedCall } from './harness/setup-trace.ts';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const CALLS = Number(argValue('--calls') ?? 50);
const ONLY = argValue('--only')?.split(',');
const BASELINE = argValue('--baseline');
const REALTIME = process.argv.includes('--rt');
const TRACE = process.argv.includes('--trace');
/**
 * --stages (on with --trace and --baseline): each engine notes its own moments of every call with its process's
 * CPU time, and the bench prints the median wall and CPU time of each stage per engine (engineStages): CPU time is
 * what a loaded machine does not distort, so an A/B against --baseline reads there.
 */
const STAGES = TRACE || process.argv.includes('--stages') || argValue('--baseline') !== undefined || argValue('--cpu-prof') !== undefined;
/** --cpu-prof DIR: the engine process runs under node --cpu-prof (50 µs samples) and leaves its profile and its moments in DIR. */
const PROFILE_DIR = argValue('--cpu-prof');
/** The probe a `parley call` process is started with (node --import) under --stages. */
const PROBE = fileURLToPath(new URL('./harness/dgram-probe.ts', import.meta.url));
/** --rt: the longest the run may hold real-time priority; then every process of the run goes back to ordinary scheduling. */
const REALTIME_LIMIT_MS = Number(argValue('--rt-limit') ?? 180) * 1000;

/**
 * --rt: SCHED_FIFO priority 10 for this process and all its threads. Every
 * process it starts afterwards (Kamailio and its workers, both baresips, the
 * engine, the CLI, the web host, Chromium) inherits the policy through fork
 * and exec, so both sides run alike; the kernel's real-time throttling
 * (sched_rt_runtime_us) still leaves the rest of the machine its share.
 */
function enterRealtime(): void {
  execFileSync('chrt', ['-a', '-f', '-p', '10', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
}

/** The processes under `root` (itself included), from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** How many threads of this run's processes run SCHED_FIFO, of how many (policy: field 41 of /proc/<pid>/task/<tid>/stat). */
function realtimeCensus(): { processes: number; threads: number; fifo: number } {
  let threads = 0;
  let fifo = 0;
  const pids = processTree(process.pid);
  for (const pid of pids) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
        const policy = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
        threads++;
        if (policy === 1) fifo++;
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return { processes: pids.length, threads, fifo };
}

/** Every process of this run back to ordinary scheduling (the --rt time limit, or the end of the run). */
function leaveRealtime(): void {
  for (const pid of processTree(process.pid)) {
    try {
      execFileSync('chrt', ['-a', '-o', '-p', '0', String(pid)], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // Gone meanwhile.
    }
  }
}

/** What the engine process sends: a command's reply, or one of its 'call' / 'registration' events. */
type EngineEvent = { event: 'call'; data: { id: string; state: string } } | { event: 'registration'; data: { accountId: string; state: string } };
type EngineMessage = { reply: number; result?: unknown; error?: string } | EngineEvent;

/**
 * `--serve-engine`: the Parley engine (tests/interop/harness/parley-engine.ts: a
 * tone as the microphone, a WAV file as the speaker) in this process, taking
 * API commands on the IPC channel and sending back its call and
 * registration events.
 */
async function serveEngine(): Promise<void> {
  const marks: TraceMoment[] = [];
  if (process.argv.includes('--probe')) installProbe(marks);
  // --engine-from: another checkout's engine (--baseline) under this file's probe, so both engines are measured alike.
  const from = argValue('--engine-from');
  const harness = from ? join(from, 'tests/interop/harness/parley-engine.ts') : '../interop/harness/parley-engine.ts';
  const { startParleyEngine } = (await import(harness)) as typeof import('../interop/harness/parley-engine.ts');
  /** --cpu-prof: every moment of the run, kept for the profile's stages (profile-stages.ts). */
  const kept: TraceMoment[] = [];
  const keep = PROFILE_DIR === undefined ? undefined : setInterval(() => kept.push(...marks.splice(0)), 1000);
  const engine = await startParleyEngine({ name: 'setup-bench', toneHz: 600 });
  // Events after the bench hung up (the unregistration as the engine closes) have nobody to go to.
  const send = (m: EngineMessage) => {
    // The bench may be gone between the check and the write (EPIPE): nothing to tell it then.
    if (process.connected) process.send?.(m, undefined, {}, () => undefined);
  };
  engine.engine.events.on('call', (c) => {
    marks.push(moment(`'${c.state}' event`));
    send({ event: 'call', data: { id: c.id, state: c.state } });
  });
  engine.engine.events.on('registration', (r) => send({ event: 'registration', data: { accountId: r.accountId, state: r.state } }));
  process.on('message', (m: { id: number; name: CommandName; params: unknown }) => {
    // --trace: the bench takes the moments of each call after it.
    if ((m.name as string) === 'trace.marks') {
      const taken = marks.splice(0);
      kept.push(...taken);
      send({ reply: m.id, result: taken });
      return;
    }
    marks.push(moment(`${m.name} command in`));
    engine.call(m.name, m.params as never).then(
      (result) => send({ reply: m.id, result }),
      (e: unknown) => send({ reply: m.id, error: String(e) }),
    );
  });
  process.once('disconnect', () => {
    if (PROFILE_DIR !== undefined) {
      clearInterval(keep);
      writeFileSync(join(PROFILE_DIR, `marks-${process.pid}.json`), JSON.stringify([...kept, ...marks]));
    }
    void engine.close().finally(() => process.exit(0));
  });
  send({ reply: 0 });
}

interface EngineProcess {
  call<N extends CommandName>(name: N, params: CommandParams<N>): Promise<CommandResult<N>>;
  /** Each event as it arrived, on this process's clock. */
  seen: { message: EngineEvent; at: number }[];
  close(): Promise<void>;
}

/** `checkout`: another checkout's engine, served by this file with the same probe (--baseline). */
async function startEngineProcess(checkout?: string): Promise<EngineProcess> {
  const script = fileURLToPath(import.meta.url);
  const profile = PROFILE_DIR !== undefined && !checkout ? ['--cpu-prof', PROFILE_DIR] : [];
  const execArgv = profile.length > 0 ? [...process.execArgv, '--cpu-prof', '--cpu-prof-dir', PROFILE_DIR as string, '--cpu-prof-interval', '50'] : process.execArgv;
  const probe = STAGES || profile.length > 0 ? ['--probe'] : [];
  const child: ChildProcess = fork(script, ['--serve-engine', ...probe, ...profile, ...(checkout ? ['--engine-from', checkout] : [])], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv,
    ...(checkout ? { cwd: checkout } : {}),
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const seen: EngineProcess['seen'] = [];
  let next = 1;
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
    child.once('exit', (code) => reject(new Error(`the engine process exited (${String(code)}) before it was ready`)));
  });
  child.on('message', (m: EngineMessage) => {
    if ('event' in m) {
      seen.push({ message: m, at: performance.now() });
      return;
    }
    const p = pending.get(m.reply);
    pending.delete(m.reply);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.result);
  });
  await ready;
  return {
    seen,
    call: (name, params) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, name, params });
      }),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const users = [
  { username: 'alice', password: 'alicepw' },
  { username: 'bob', password: 'bobpw' },
  { username: 'carol', password: 'carolpw' },
  { username: 'dave', password: 'davepw' },
  { username: 'erin', password: 'erinpw' },
];

interface Setup {
  ringMs: number;
  answerMs: number;
  heardMs: number;
}

/** When each baresip event arrived, on this process's clock (`at`) and on the wall clock the page stamps with (`wall`). */
function stamp(b: BaresipHandle): { type: string; at: number; wall: number }[] {
  const seen: { type: string; at: number; wall: number }[] = [];
  b.onEvent((e) => seen.push({ type: e.type, at: performance.now(), wall: Date.now() }));
  return seen;
}

/** Put in the page: the dial moment (Enter's keydown, before the page's own handlers) and when the call card first says Connected. */
const WEB_PROBE = `(() => {
  if (window.__setupProbe) return;
  window.__setupProbe = true;
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && window.__dialAt === 0) window.__dialAt = Date.now(); }, true);
  const look = () => {
    const state = document.querySelector('[data-testid="call-card"] p.state');
    if (window.__dialAt > 0 && window.__connectedAt === 0 && state && /Connected/.test(state.textContent || '')) window.__connectedAt = Date.now();
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, characterData: true });
})();`;

interface WebCaller {
  web: WebHost;
  api: ApiClient;
  session: Browser;
  close(): Promise<void>;
}

/**
 * `parley web` with `user`'s account registered at Kamailio, its page open in
 * Chromium on the dialpad. `checkout`: that checkout's host and renderer
 * build (its own e2e helpers, so its own paths), for --baseline.
 */
async function startWebCaller(kamDomain: string, proxy: string, dir: string, user = 'alice', checkout?: string): Promise<WebCaller> {
  const helpers = checkout
    ? {
        build: ((await import(join(checkout, 'tests/e2e/build-renderer.ts'))) as typeof import('../e2e/build-renderer.ts')).buildRenderer,
        start: ((await import(join(checkout, 'tests/e2e/web-host.ts'))) as typeof import('../e2e/web-host.ts')).startWebHost,
      }
    : { build: buildRenderer, start: startWebHost };
  helpers.build();
  const web = await helpers.start({ dataDir: join(dir, `web-data-${user}`) });
  const ws = new WebSocket(web.url.replace(/^http/, 'ws').replace(/\/#token=(.*)$/, '/api?token=$1'));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('the API socket did not open')));
  });
  const api = createApiClient(ws);
  const added = await api.call('accounts.add', { aor: `sip:${user}@${kamDomain}`, password: `${user}pw`, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
  if (!added.ok) throw new Error(`accounts.add: ${added.message}`);
  await web.waitFor('registration', (d) => d.state === 'registered', 10_000, 'the web host registered');
  const mic = join(dir, `mic-${user}.wav`);
  soxTone(mic, { hz: 700, seconds: 20, rate: 48000, peakDbfs: -12 });
  const session = await startBrowser({ micWav: mic });
  await session.browser.url(web.url);
  return {
    web,
    api,
    session,
    async close() {
      api.close();
      await session.close();
      await web.stop();
    },
  };
}

let diag = (): string => '';

async function until<T>(what: string, ms: number, get: () => T | undefined): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${diag()}`);
    await sleep(5);
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};
const f0 = (v: number) => v.toFixed(v < 100 ? 1 : 0);

async function main(): Promise<void> {
  let realtimeTimer: NodeJS.Timeout | undefined;
  if (REALTIME) {
    enterRealtime();
    realtimeTimer = setTimeout(() => {
      leaveRealtime();
      console.log(`--rt: ${REALTIME_LIMIT_MS / 1000} s of real-time priority used up; the rest of the run is at ordinary priority and its figures are not comparable`);
    }, REALTIME_LIMIT_MS);
    realtimeTimer.unref();
  }
  const kam = await startKamailio({ users, ipv6: false });
  const tmp = makeTempDir('setup-bench');
  const proxy = `sip:127.0.0.1:${kam.udpPort}`;
  const bareAccount = (user: string, extra: object) => ({ aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, outbound: proxy, regint: 600, audioCodecs: 'PCMU/8000/1', ...extra });
  let bob: BaresipHandle | undefined;
  let carol: BaresipHandle | undefined;
  let engine: EngineProcess | undefined;
  let baseline: EngineProcess | undefined;
  let webCaller: WebCaller | undefined;
  let webBaseline: WebCaller | undefined;
  let wire: WireTrace | undefined;
  const wantWeb = !ONLY || ONLY.includes('web');
  const noBrowser = wantWeb ? browserAvailable() : undefined;
  if (noBrowser) console.log(`web UI: skipped (${noBrowser})`);
  try {
    /** An engine process with the user's account registered (alice; dave for the baseline). */
    const registeredEngine = async (e: EngineProcess, user: string) => {
      const added = await e.call('accounts.add', { aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
      await until(`${user} registered`, 10_000, () => e.seen.find((x) => x.message.event === 'registration' && x.message.data.accountId === added.id && x.message.data.state === 'registered'));
      return added;
    };
    engine = await startEngineProcess();
    const account = await registeredEngine(engine, 'alice');
    if (BASELINE && (!ONLY || ONLY.includes('engine'))) baseline = await startEngineProcess(BASELINE);
    const baselineAccount = baseline ? await registeredEngine(baseline, 'dave') : undefined;
    bob = await startBaresip({ accounts: [bareAccount('bob', { answermode: 'auto' })], dumpAudio: false });
    carol = await startBaresip({ accounts: [bareAccount('carol', {})], dumpAudio: false });
    await bob.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
    await carol.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
    diag = () => `; bob: ${bob?.events.map((e) => e.type).join(' ')}; carol: ${carol?.events.map((e) => e.type).join(' ')}`;
    if (wantWeb && !noBrowser) webCaller = await startWebCaller(kam.domain, proxy, tmp.path);
    if (wantWeb && !noBrowser && BASELINE) webBaseline = await startWebCaller(kam.domain, proxy, tmp.path, 'erin', BASELINE);
    if (TRACE) wire = await WireTrace.start(tmp.path);
    const bobSeen = stamp(bob);
    const carolSeen = stamp(carol);
    const target = `sip:bob@${kam.domain}`;
    const after = (seen: { type: string; at: number; wall: number }[], from: number, type: string) => () => seen.slice(from).find((e) => e.type === type);

    const bare: Setup[] = [];
    const ours: Setup[] = [];
    const warm: Setup[] = [];
    const page: Setup[] = [];
    const pageBased: Setup[] = [];
    const based: Setup[] = [];
    const launch: number[] = [];
    const oursBefore: Setup[] = [];
    const launchBefore: number[] = [];
    /** --trace: each measured call's moments. */
    const tracedCalls: TracedCall[] = [];
    const probeDir = join(tmp.path, 'probe');
    mkdirSync(probeDir);
    /** --stages: each engine call's own moments. */
    const engineMoments: { engine: string; moments: TraceMoment[]; bench?: TraceMoment[] }[] = [];
    const traced = (caller: string, clockMark: number, dialAt: number, stamps: [string, number][], extra: TraceMoment[] = []) => {
      if (!wire) return;
      const dial = perfToMono(dialAt);
      tracedCalls.push({ caller, clockMark, dial: { what: 'dial', at: dial }, moments: [...stamps.map(([what, at]) => ({ what, at: perfToMono(at) })), ...extra.filter((m) => m.at >= dial - 1)] });
    };
    console.log(`Call set-up through Kamailio on loopback, ${CALLS} calls each, PCMU, callee baresip (auto-answer); node ${process.version}`);
    if (REALTIME) {
      const census = realtimeCensus();
      console.log(`--rt: ${census.fifo} of ${census.threads} threads of the run's ${census.processes} processes at SCHED_FIFO 10 (at most ${REALTIME_LIMIT_MS / 1000} s)`);
    }

    const baresipCall = async (): Promise<void> => {
      const b0 = bobSeen.length;
      const c0 = carolSeen.length;
      const clockMark = wire?.mark() ?? 0;
      const t0 = performance.now();
      const r = await (carol as BaresipHandle).command('dial', target, 10_000);
      if (!r.ok) throw new Error(`baresip dial: ${r.data}`);
      const ring = await until('baresip ringing', 10_000, after(bobSeen, b0, 'CALL_REMOTE_SDP'));
      const up = await until('baresip established', 10_000, after(carolSeen, c0, 'CALL_ESTABLISHED'));
      const heard = await until('baresip audio at the callee', 10_000, after(bobSeen, b0, 'CALL_RTPESTAB'));
      bare.push({ ringMs: ring.at - t0, answerMs: up.at - t0, heardMs: heard.at - t0 });
      traced('baresip', clockMark, t0, [['callee: ringing event', ring.at], ['caller: answered event', up.at], ['callee: heard event', heard.at]]);
      await (carol as BaresipHandle).command('hangup', '', 10_000);
      await until('baresip closed', 10_000, after(bobSeen, b0, 'CALL_CLOSED'));
    };

    /** `parley call` from this checkout, or (`bin`) from the --baseline one: its figures go to `into`. */
    const parleyCall = (into: Setup[], launched: number[], name: string, bin?: string) => async (): Promise<void> => {
      const b0 = bobSeen.length;
      const clockMark = wire?.mark() ?? 0;
      const p = new ParleyProcess(
        ['call', target, '--aor', `sip:alice@${kam.domain}`, '--password', 'alicepw', '--proxy', `127.0.0.1:${kam.udpPort}`, '--bind', '127.0.0.1:0', '--tone', '600', '--duration', '0.2', '--json'],
        {
          env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '', ...(STAGES ? { SETUP_PROBE_DIR: probeDir } : {}) },
          nodeArgs: [...(STAGES ? ['--import', PROBE] : []), ...(PROFILE_DIR !== undefined ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-interval', '50'] : [])],
          ...(bin !== undefined ? { bin } : {}),
        },
      );
      try {
        // `parley call` dials as soon as its account is registered: that line is the dial moment (its 'dialing' line comes after the INVITE).
        const dial = await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 20_000, 'registered');
        const dialAt = p.startedAt + dial.at;
        const ring = await until('Parley ringing', 10_000, after(bobSeen, b0, 'CALL_REMOTE_SDP'));
        const up = await p.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 10_000, 'active');
        const heard = await until('Parley audio at the callee', 10_000, after(bobSeen, b0, 'CALL_RTPESTAB'));
        into.push({ ringMs: ring.at - dialAt, answerMs: p.startedAt + up.at - dialAt, heardMs: heard.at - dialAt });
        launched.push(dial.at);
        traced(name, clockMark, dialAt, [['callee: ringing event', ring.at], ['caller: answered event (its line)', p.startedAt + up.at], ['callee: heard event', heard.at]]);
        const exit = await p.waitForExit(20_000);
        if (exit.code !== 0) throw new Error(`parley call exited ${String(exit.code)}: ${p.stderr}`);
        if (STAGES) {
          const file = join(probeDir, `marks-${p.pid}.json`);
          const marks = JSON.parse(readFileSync(file, 'utf8')) as TraceMoment[];
          // --cpu-prof: kept beside the process's profile (profile-stages.ts reads both).
          if (PROFILE_DIR !== undefined) renameSync(file, join(PROFILE_DIR, `marks-${p.pid}.json`));
          else rmSync(file);
          engineMoments.push({ engine: name, moments: marks.slice(Math.max(0, marks.findIndex((m) => m.what.includes('200 REGISTER read')))) });
        }
        await until('Parley call closed at baresip', 10_000, after(bobSeen, b0, 'CALL_CLOSED'));
      } finally {
        p.kill();
        await p.exited;
      }
    };

    const engineCall = (e: EngineProcess, accountId: string, into: Setup[]) => async (): Promise<void> => {
      const engineSeen = e.seen;
      const b0 = bobSeen.length;
      const e0 = engineSeen.length;
      const clockMark = wire?.mark() ?? 0;
      const t0 = performance.now();
      const dialled = await e.call('call.dial', { target, accountId });
      const ring = await until('engine ringing', 10_000, after(bobSeen, b0, 'CALL_REMOTE_SDP'));
      const up = await until('engine call answered', 10_000, () =>
        engineSeen.slice(e0).find((x) => x.message.event === 'call' && x.message.data.id === dialled.id && (x.message.data.state === 'active' || x.message.data.state === 'ended')),
      );
      if (up.message.event === 'call' && up.message.data.state === 'ended') throw new Error(`the engine's call ended unanswered${diag()}`);
      const heard = await until('engine audio at the callee', 10_000, after(bobSeen, b0, 'CALL_RTPESTAB'));
      into.push({ ringMs: ring.at - t0, answerMs: up.at - t0, heardMs: heard.at - t0 });
      if (STAGES) {
        const marks = (await e.call('trace.marks' as CommandName, {} as never)) as unknown as TraceMoment[];
        const name = e === engine ? 'engine' : 'baseline';
        const dialIn = marks.findIndex((m) => m.what.includes('call.dial command in'));
        const seenHere: TraceMoment[] = [
          { what: 'bench: dial sent', at: perfToMono(t0) },
          { what: 'bench: callee ringing seen', at: perfToMono(ring.at) },
          { what: "bench: 'active' seen", at: perfToMono(up.at) },
        ];
        engineMoments.push({ engine: name, moments: marks.slice(Math.max(0, dialIn)), bench: seenHere });
        traced(name, clockMark, t0, [['callee: ringing event', ring.at], ['caller: answered event', up.at], ['callee: heard event', heard.at]], marks.map((m) => ({ ...m, what: `engine: ${m.what}` })));
      }
      await e.call('call.hangup', { callId: dialled.id });
      await until('engine call closed at baresip', 10_000, after(bobSeen, b0, 'CALL_CLOSED'));
    };

    const webCall = (w: WebCaller, into: Setup[], caller: string) => async (): Promise<void> => {
      const browser = w.session.browser;
      const b0 = bobSeen.length;
      await browser.execute(WEB_PROBE);
      await browser.execute('window.__dialAt = 0; window.__connectedAt = 0;');
      const clockMark = wire?.mark() ?? 0;
      await browser.keys(['Alt', '1']);
      const input = browser.$('#dial-input');
      await input.waitForExist({ timeout: 5000 });
      await input.setValue(`bob@${kam.domain}`);
      await browser.keys('Enter');
      const ring = await until('web ringing', 10_000, after(bobSeen, b0, 'CALL_REMOTE_SDP'));
      const heard = await until('web audio at the callee', 10_000, after(bobSeen, b0, 'CALL_RTPESTAB'));
      let marks: { dialAt: number; connectedAt: number } = { dialAt: 0, connectedAt: 0 };
      const deadline = Date.now() + 10_000;
      while (marks.connectedAt === 0 && Date.now() < deadline) {
        marks = (await browser.execute('return { dialAt: window.__dialAt, connectedAt: window.__connectedAt }')) as unknown as typeof marks;
        if (marks.connectedAt === 0) await sleep(20);
      }
      if (marks.dialAt === 0 || marks.connectedAt === 0) throw new Error(`the page did not say Connected (${JSON.stringify(marks)})${diag()}`);
      into.push({ ringMs: ring.wall - marks.dialAt, answerMs: marks.connectedAt - marks.dialAt, heardMs: heard.wall - marks.dialAt });
      if (wire) {
        const wall = (what: string, at: number): TraceMoment => ({ what, at, wall: true });
        tracedCalls.push({ caller, clockMark, dial: wall('dial', marks.dialAt), moments: [wall('callee: ringing event', ring.wall), wall('caller: page says Connected', marks.connectedAt), wall('callee: heard event', heard.wall)] });
      }
      const calls = await w.api.call('calls.list', {});
      if (!calls.ok) throw new Error(`calls.list: ${calls.message}`);
      for (const c of calls.result) await w.api.call('call.hangup', { callId: c.id });
      await until('web call closed at baresip', 10_000, after(bobSeen, b0, 'CALL_CLOSED'));
    };

    // One unmeasured call each first (caches, JIT, Kamailio's location lookups).
    const variants = [
      ['baresip', baresipCall],
      ['cli', parleyCall(ours, launch, 'CLI')],
      ...(BASELINE ? [['cli', parleyCall(oursBefore, launchBefore, 'CLI (baseline)', join(BASELINE, 'bin/parley.js'))]] : []),
      ['engine', engineCall(engine, account.id, warm)],
      ...(baseline && baselineAccount ? [['engine', engineCall(baseline, baselineAccount.id, based)]] : []),
      ...(webCaller ? [['web', webCall(webCaller, page, 'web UI')]] : []),
      ...(webBaseline ? [['web', webCall(webBaseline, pageBased, 'web UI (baseline)')]] : []),
    ]
      .filter(([name]) => !ONLY || ONLY.includes(name as string))
      .map(([, v]) => v as () => Promise<void>);
    for (const v of variants) await v();
    bare.length = 0;
    ours.length = 0;
    warm.length = 0;
    page.length = 0;
    pageBased.length = 0;
    based.length = 0;
    launch.length = 0;
    oursBefore.length = 0;
    launchBefore.length = 0;
    tracedCalls.length = 0;
    engineMoments.length = 0;
    for (let i = 0; i < CALLS; i++) {
      // Each in turn, the order rotating from call to call.
      for (let k = 0; k < variants.length; k++) await (variants[(i + k) % variants.length] as () => Promise<void>)();
    }
    const cell = (xs: Setup[], k: keyof Setup) => `${f0(pct(xs.map((x) => x[k]), 50)).padStart(6)} / ${f0(pct(xs.map((x) => x[k]), 99)).padStart(5)} ms`.padEnd(26);
    const row = (name: string, xs: Setup[]) => `  ${name.padEnd(14)} ${cell(xs, 'ringMs')} ${cell(xs, 'answerMs')} ${cell(xs, 'heardMs')}`;
    console.log('\n  (median / p99)  dial → ringing             dial → answered            dial → callee hears caller');
    if (bare.length > 0) console.log(row('baresip 1.0', bare));
    if (ours.length > 0) console.log(row('Parley CLI', ours));
    if (oursBefore.length > 0) console.log(row('CLI (baseline)', oursBefore));
    if (warm.length > 0) console.log(row('Parley engine', warm));
    if (based.length > 0) console.log(row('engine (baseline)', based));
    if (page.length > 0) console.log(row('Parley web UI', page));
    if (pageBased.length > 0) console.log(row('web (baseline)', pageBased));
    const ratio = (xs: Setup[], k: keyof Setup) => (pct(xs.map((x) => x[k]), 50) / pct(bare.map((x) => x[k]), 50)).toFixed(2);
    for (const [name, xs] of [['CLI', ours], ['CLI (baseline)', oursBefore], ['engine', warm], ['engine (baseline)', based], ['web UI', page], ['web UI (baseline)', pageBased]] as const) {
      if (xs.length === 0 || bare.length === 0) continue;
      console.log(`  ratio Parley ${name} / baresip (medians): ringing ${ratio(xs, 'ringMs')}×, answered ${ratio(xs, 'answerMs')}×, heard ${ratio(xs, 'heardMs')}× (goal ≤ 1.0×)`);
    }
    if (engineMoments.length > 0) console.log(engineStages(engineMoments));
    if (wire) {
      await wire.stop();
      console.log(wire.report(tracedCalls, kam.udpPort));
    }
    if (launch.length > 0) console.log(`  Parley CLI spawn → registered (launch + registration, not in the figures above): median ${f0(pct(launch, 50))} ms, p99 ${f0(pct(launch, 99))} ms`);
    if (launchBefore.length > 0) console.log(`  CLI (baseline) spawn → registered: median ${f0(pct(launchBefore, 50))} ms, p99 ${f0(pct(launchBefore, 99))} ms`);
    console.log(`  load average: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await wire?.stop();
    if (realtimeTimer) {
      clearTimeout(realtimeTimer);
      leaveRealtime();
    }
    await webCaller?.close();
    await webBaseline?.close();
    await baseline?.close();
    await engine?.close();
    await carol?.stop();
    await bob?.stop();
    await kam.stop();
    tmp.remove();
  }
}

if (process.argv.includes('--serve-engine')) await serveEngine();
else await main();
