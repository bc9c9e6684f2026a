/**
 * Many simultaneous calls in one process, Parley beside baresip in the same
 * run (issue "Fast where the user feels it" §3): N G.711 calls with SRTP
 * (SDES, mandatory) and real RTP both ways on loopback.
 *
 *   baresip   two baresip 1.0 processes; alice dials bob N times (bob
 *             answers automatically); aufile source at 8 kHz, no recording.
 *   Parley    two Node processes, each one MediaEngine (one 20 ms clock for
 *             all its sessions) holding N MediaSessions; a looping WAV
 *             source at 8 kHz and a null sink, as baresip's aufile; SDES
 *             with baresip's suite, AES_CM_128_HMAC_SHA1_80 (two Parleys
 *             would otherwise agree on AEAD_AES_256_GCM, our first choice).
 *
 * Each round runs both, in alternating order; per process: CPU % of one core
 * from /proc/<pid>/stat over S s once the calls run (the first 3 s not
 * counted, the idle rate measured before the calls subtracted), RSS before
 * and during the calls (memory per call = the difference / N), and for
 * Parley its clock's ticks and those more than 5 ms late. Printed: the
 * median over the rounds of each figure, the ratio Parley / baresip of the
 * two processes' CPU together, and the load average (the machine may be
 * shared: the pairs share its state, not their timing).
 * Goal: total CPU ≤ 0.8× baresip's, no late ticks > 5 ms.
 *
 * RSS per call is the growth of the whole process, and most of it is V8's
 * heap headroom, not the calls' state: with the allocation rate of 50 calls
 * V8 enlarges its young generation and keeps the pages (heapTotal grows with
 * the run's length while the live heap stays flat), so the figure depends on
 * how long the calls ran. The live figure beside it is the growth of the
 * live JS heap (heapUsed after a full GC) plus the memory outside it
 * (external: WASM, Buffers) per call, what each call really holds.
 *
 * With --rt both sides (baresip and Parley alike) run at real-time priority
 * (chrt -f 10) so that on a shared machine the figures measure the software,
 * not the queue for the CPU (late ticks then measure the engine). Printed
 * for Parley beside its CPU: its event loop's wake-ups per tick.
 *
 * With --alloc it measures instead, in one process, what the SRTP media path
 * allocates per packet and per tick (harness/rtp-alloc.ts): the garbage that
 * drives the GC.
 *
 * With --baseline CHECKOUT the engine of another checkout runs as a third
 * side in every round (its own copy of this file and harness serve its
 * peers; copy this branch's bench files there for the same figures), the
 * sides in a rotating order: an A/B in the same run.
 *
 * Each Parley peer also notes why late ticks were late (media-peers.ts
 * LatenessTrace: GC pause, run-queue wait, the previous tick's own work,
 * other) and its GC pauses in the window.
 *
 * `--node-flag F` (repeatable) hands F to node in this checkout's Parley
 * peers only (a GC flag, say): with --baseline at a copy of the same code,
 * an A/B of the flag.
 *
 *   node tests/bench/many-calls.bench.ts [--calls 50] [--seconds 20] [--rounds 3] [--no-srtp] [--rt] [--baseline CHECKOUT] [--node-flag F]
 *   node tests/bench/many-calls.bench.ts --alloc [--calls 10]
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startBaresip } from '../interop/harness/baresip.ts';
import { makeTempDir } from '../interop/harness/managed-process.ts';
import { writeToneWav } from '../interop/harness/wav.ts';
import { runAllocChild } from './harness/rtp-alloc.ts';
import { Peer, connectPeers, cpuMs, makeRealtime, rssBytes, runSessionsPeer, sleep, type LatenessFigures, type PeerFigures } from './harness/media-peers.ts';

const SELF = new URL(import.meta.url).pathname;
const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const CALLS = Number(argValue('--calls') ?? 50);
const SECONDS = Number(argValue('--seconds') ?? 20);
const ROUNDS = Number(argValue('--rounds') ?? 3);
const SRTP = !process.argv.includes('--no-srtp');
const RT = process.argv.includes('--rt');
/** Another checkout whose engine runs as one more side (its copy of this file is forked as the peers): an A/B in one run. */
const BASELINE = argValue('--baseline');
/** Flags for node in this checkout's Parley peers only (e.g. --single-threaded-gc): with --baseline pointing at the same code, an A/B of the flag. */
const NODE_FLAGS = process.argv.flatMap((a, i) => (a === '--node-flag' ? [process.argv[i + 1] as string] : []));
const IDLE_S = 3;
/** What baresip 1.0 offers first and so uses between two baresips. */
const SUITE = 'AES_CM_128_HMAC_SHA1_80';
const WARM_S = 3;

interface Side {
  /** CPU % of one core, per process (A, B), idle subtracted */
  cpu: number[];
  /** RSS growth per call, per process, bytes */
  memPerCall: number[];
  /** RSS during the calls, per process, bytes */
  rss: number[];
  lateTicks?: number;
  ticks?: number;
  maxLatenessMs?: number;
  /** Parley: share of the 20 ms frames due in the window that ran (a starved clock skips frames, doing less work) */
  framesDone?: number;
  /** evidence the calls carried audio: Parley packets received, baresip calls established */
  evidence: string;
  /** Parley: live JS heap (after a full GC) + external memory growth per call, per process, bytes */
  livePerCall?: number[];
  /** Parley: wake-ups of the event loop per tick in the window (both processes) */
  wakeUpsPerTick?: number;
  /** Parley: preemptions (involuntary context switches) per second in the window, both processes */
  preemptionsPerS?: number;
  /** Parley: GC pauses and late ticks by cause in the window, both processes summed */
  lateness?: LatenessFigures;
  /** Parley: V8 heap size (heapTotal) at the window's end, per process, bytes, and its growth over the window */
  heapTotal?: number[];
  heapGrowth?: number[];
}

/** Idle rates, then `start`, then CPU and RSS over the measured window (`window` is called as it opens and closes). */
async function measure(
  pids: number[],
  start: () => Promise<void>,
  window: (phase: 'open' | 'close') => Promise<void> = async () => {},
): Promise<{ cpu: number[]; rssIdle: number[]; rssCall: number[] }> {
  if (RT) makeRealtime(pids);
  const rssIdle = pids.map(rssBytes);
  const i0 = pids.map(cpuMs);
  await sleep(IDLE_S * 1000);
  const idle = pids.map((p, k) => (cpuMs(p) - (i0[k] as number)) / IDLE_S);
  await start();
  await sleep(WARM_S * 1000);
  await window('open');
  const c0 = pids.map(cpuMs);
  await sleep(SECONDS * 1000);
  await window('close');
  const cpu = pids.map((p, k) => ((cpuMs(p) - (c0[k] as number) - (idle[k] as number) * SECONDS) / (SECONDS * 1000)) * 100);
  return { cpu, rssIdle, rssCall: pids.map(rssBytes) };
}

async function baresipRound(wav: string): Promise<Side> {
  const common = { regint: 0, audioCodecs: 'PCMU/8000/1', ...(SRTP ? { mediaenc: 'srtp-mand' as const } : {}) };
  const opts = { audioSourceFile: wav, maxCalls: CALLS + 5, dumpAudio: false };
  const bob = await startBaresip({ ...opts, accounts: [{ aor: 'sip:bob@127.0.0.1', answermode: 'auto', ...common }] });
  const alice = await startBaresip({ ...opts, accounts: [{ aor: 'sip:alice@127.0.0.1', ...common }] }).catch(async (e: unknown) => {
    await bob.stop();
    throw e;
  });
  try {
    const established = () => alice.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const m = await measure([alice.pid, bob.pid], async () => {
      for (let i = 0; i < CALLS; i++) {
        const r = await alice.command('dial', `sip:bob@127.0.0.1:${bob.sipPort}`, 10_000);
        if (!r.ok) throw new Error(`baresip dial ${i + 1}: ${r.data}`);
      }
      const deadline = Date.now() + 30_000;
      while (established() < CALLS && Date.now() < deadline) await sleep(100);
      if (established() < CALLS) throw new Error(`baresip: ${established()} of ${CALLS} calls established`);
      await sleep(500);
    });
    const closed = alice.events.filter((e) => e.type === 'CALL_CLOSED').length;
    return {
      cpu: m.cpu,
      rss: m.rssCall,
      memPerCall: m.rssCall.map((r, k) => (r - (m.rssIdle[k] as number)) / CALLS),
      evidence: `${established()} established, ${closed} closed early`,
    };
  } finally {
    await alice.stop();
    await bob.stop();
  }
}

/** Window figures of the two peers: closed minus opened, summed. */
function latenessDelta(opened: PeerFigures[], closed: PeerFigures[]): LatenessFigures | undefined {
  const sum = (pick: (f: LatenessFigures) => number) =>
    [0, 1].reduce((s, k) => s + pick(closed[k]?.lateness as LatenessFigures) - pick(opened[k]?.lateness as LatenessFigures), 0);
  if (!closed[0]?.lateness || !opened[0]?.lateness) return undefined;
  const kinds = new Set([0, 1].flatMap((k) => Object.keys(closed[k]?.lateness?.gcByKind ?? {})));
  const gcByKind: LatenessFigures['gcByKind'] = {};
  for (const kind of kinds) gcByKind[kind] = { count: sum((f) => f.gcByKind[kind]?.count ?? 0), ms: sum((f) => f.gcByKind[kind]?.ms ?? 0) };
  const work = [0, 1].map((k) => (closed[k]?.lateness as LatenessFigures).tickWorkMs);
  return {
    gcCount: sum((f) => f.gcCount),
    gcMs: sum((f) => f.gcMs),
    gcByKind,
    late: sum((f) => f.late),
    lateGc: sum((f) => f.lateGc),
    lateRunQueue: sum((f) => f.lateRunQueue),
    lateTickWork: sum((f) => f.lateTickWork),
    lateLoopBusy: sum((f) => f.lateLoopBusy ?? 0),
    lateOther: sum((f) => f.lateOther),
    lateMs: {
      gc: sum((f) => f.lateMs.gc),
      runQueue: sum((f) => f.lateMs.runQueue),
      tickWork: sum((f) => f.lateMs.tickWork),
      loopBusy: sum((f) => f.lateMs.loopBusy ?? 0),
      other: sum((f) => f.lateMs.other),
    },
    tickWorkMs: { p50: Math.max(...work.map((w) => w.p50)), p99: Math.max(...work.map((w) => w.p99)), max: Math.max(...work.map((w) => w.max)) },
  };
}

/** One Parley round; `module` is this file or another checkout's copy of it (--baseline). */
async function parleyRound(wav: string, module = SELF, nodeFlags: string[] = []): Promise<Side> {
  // --expose-gc: the peers' memory figures count live objects only (a full GC first).
  const a = new Peer(module, '--peer', ['--expose-gc'], nodeFlags);
  const b = new Peer(module, '--peer', ['--expose-gc'], nodeFlags);
  try {
    await Promise.all([a.ready, b.ready]);
    const init = { cmd: 'init', codec: 'PCMU', srtp: SRTP, srtpSuites: [SUITE], rate: 8000, wav, count: CALLS, traceLateness: true };
    await Promise.all([a.request(init, 60_000), b.request(init, 60_000)]);
    const pids = [a.child.pid as number, b.child.pid as number];
    const figures = async (gc = false, resetWork = false) =>
      (await Promise.all([a.request({ cmd: 'figures', gc, resetWork }), b.request({ cmd: 'figures', gc, resetWork })])) as unknown as PeerFigures[];
    const idle = await figures(true);
    let opened: PeerFigures[] = [];
    let closed: PeerFigures[] = [];
    const m = await measure(
      pids,
      async () => {
        await connectPeers(a, b);
        await sleep(500);
      },
      async (phase) => {
        if (phase === 'open') opened = await figures(false, true);
        else closed = await figures();
      },
    );
    const live = (f: PeerFigures) => f.heapUsedBytes + f.externalBytes;
    // After the CPU window: the full GC is not counted.
    const running = await figures(true);
    const fa = closed[0] as PeerFigures;
    const fb = closed[1] as PeerFigures;
    const oa = opened[0] as PeerFigures;
    const ob = opened[1] as PeerFigures;
    const ran = fa.ticks + fb.ticks - oa.ticks - ob.ticks;
    return {
      preemptionsPerS: (fa.preemptions + fb.preemptions - oa.preemptions - ob.preemptions) / SECONDS,
      lateness: latenessDelta(opened, closed),
      heapTotal: [fa.heapTotalBytes, fb.heapTotalBytes],
      heapGrowth: [fa.heapTotalBytes - oa.heapTotalBytes, fb.heapTotalBytes - ob.heapTotalBytes],
      livePerCall: [0, 1].map((k) => (live(running[k] as PeerFigures) - live(idle[k] as PeerFigures)) / CALLS),
      wakeUpsPerTick: (fa.wakeUps + fb.wakeUps - (opened[0] as PeerFigures).wakeUps - (opened[1] as PeerFigures).wakeUps) / ran,
      framesDone: ran / ((2 * SECONDS * 1000) / 20),
      cpu: m.cpu,
      rss: m.rssCall,
      memPerCall: m.rssCall.map((r, k) => (r - (m.rssIdle[k] as number)) / CALLS),
      ticks: ran,
      lateTicks: fa.lateTicks + fb.lateTicks - oa.lateTicks - ob.lateTicks,
      maxLatenessMs: Math.max(fa.maxLatenessMs, fb.maxLatenessMs),
      evidence: `${fa.packetsReceived + fb.packetsReceived} RTP packets received`,
    };
  } finally {
    await Promise.allSettled([a.request({ cmd: 'stop' }), b.request({ cmd: 'stop' })]);
    await Promise.all([a.kill(), b.kill()]);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const f1 = (v: number) => v.toFixed(1);
const mb = (v: number) => (v / 1048576).toFixed(1);
const kb = (v: number) => (v / 1024).toFixed(0);

/** One round's line for a Parley side. */
function parleyLine(p: Side): string {
  const l = p.lateness;
  const causes = l
    ? `; late by cause: GC ${l.lateGc}, run queue ${l.lateRunQueue}, previous tick's work ${l.lateTickWork}, loop busy with other callbacks ${l.lateLoopBusy}, timer late with the loop idle ${l.lateOther}; GC ${l.gcCount} pauses ${f1(l.gcMs)} ms (${Object.entries(l.gcByKind).map(([k, v]) => `${k} ${v.count}/${f1(v.ms)} ms`).join(', ')}); tick work p50 ${l.tickWorkMs.p50.toFixed(2)} p99 ${l.tickWorkMs.p99.toFixed(2)} max ${f1(l.tickWorkMs.max)} ms`
    : '';
  return `${f1(tot(p))} % (${p.cpu.map(f1).join(' / ')}; ${p.evidence}; ${p.lateTicks} of ${p.ticks} ticks > 5 ms late, worst ${f1(p.maxLatenessMs ?? 0)} ms, ${f1((p.framesDone ?? 0) * 100)} % of the frames due ran, ${(p.wakeUpsPerTick ?? 0).toFixed(2)} wake-ups per tick, ${f1(p.preemptionsPerS ?? 0)} preemptions/s${causes}; heap ${(p.heapTotal ?? []).map(mb).join(' / ')} MB, grew ${(p.heapGrowth ?? []).map(mb).join(' / ')} MB in the window)`;
}

const tot = (s: Side) => (s.cpu[0] as number) + (s.cpu[1] as number);

/** The summary of one Parley side over the rounds (medians). */
function parleySummary(name: string, ours: Side[], bTot: number): void {
  const pTot = median(ours.map(tot));
  const perCall = median(ours.map((x) => ((x.memPerCall[0] as number) + (x.memPerCall[1] as number)) / 2));
  const rss = median(ours.map((x) => ((x.rss[0] as number) + (x.rss[1] as number)) / 2));
  const live = median(ours.map((x) => ((x.livePerCall?.[0] ?? 0) + (x.livePerCall?.[1] ?? 0)) / 2));
  console.log(`  ${name.padEnd(19)} ${f1(pTot).padStart(8)} %                         ${(pTot / (2 * CALLS)).toFixed(3)} %           ${mb(rss)} MB           ${kb(perCall)} kB (live: ${kb(live)} kB)`);
  // A starved process skips frames (the clock re-anchors after 200 ms behind): it then did less work than due.
  const pScaled = median(ours.map((x) => tot(x) / Math.max(0.01, x.framesDone ?? 1)));
  const late = ours.map((s) => s.lateTicks ?? 0);
  const worst = Math.max(...ours.map((s) => s.maxLatenessMs ?? 0));
  const gcMs = median(ours.map((s) => s.lateness?.gcMs ?? 0));
  const heap = median(ours.map((s) => ((s.heapTotal?.[0] ?? 0) + (s.heapTotal?.[1] ?? 0)) / 2));
  console.log(`      ratio to baresip ${(pTot / bTot).toFixed(2)}× raw, ${(pScaled / bTot).toFixed(2)}× scaled to every frame due (${f1(pScaled)} %); late ticks ${late.join(' / ')} per round (goal 0), worst ${f1(worst)} ms; GC ${f1(gcMs)} ms in the window (both processes, median); heap ${mb(heap)} MB per process at the end`);
}

async function main(): Promise<void> {
  console.log(`${CALLS} simultaneous G.711 (PCMU) calls${SRTP ? ` with SRTP (SDES, ${SUITE} on both sides)` : ''} in one process per side, loopback; ${SECONDS} s measured, ${ROUNDS} rounds, node ${process.version}, ${cpus().length} CPUs${BASELINE ? `; baseline: ${BASELINE}` : ''}${NODE_FLAGS.length ? `; Parley peers (not the baseline's) run node ${NODE_FLAGS.join(' ')}` : ''}`);
  const dir = makeTempDir('many-calls-bench');
  const wav = join(dir.path, 'tone.wav');
  writeToneWav(wav, { frequency: 600, seconds: SECONDS + IDLE_S + WARM_S + 30, sampleRate: 8000 });
  const bare: Side[] = [];
  const ours: Side[] = [];
  const based: Side[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order: [Side[], () => Promise<Side>][] = [
        [bare, () => baresipRound(wav)],
        [ours, () => parleyRound(wav, SELF, NODE_FLAGS)],
        ...(BASELINE ? [[based, () => parleyRound(wav, join(BASELINE, 'tests/bench/many-calls.bench.ts'))] as [Side[], () => Promise<Side>]] : []),
      ];
      // Each round starts with another side: none always runs first (or last) on a machine whose load drifts.
      for (let k = 0; k < r % order.length; k++) order.push(order.shift() as [Side[], () => Promise<Side>]);
      for (const [into, run] of order) into.push(await run());
      loads.push(loadavg()[0] as number);
      const b = bare[r] as Side;
      console.log(`  round ${r + 1} (load ${f1(loads[r] as number)}): baresip ${f1(tot(b))} % (${b.cpu.map(f1).join(' / ')}; ${b.evidence})`);
      console.log(`    Parley ${parleyLine(ours[r] as Side)}   ratio ${(tot(ours[r] as Side) / tot(b)).toFixed(2)}×`);
      if (BASELINE) console.log(`    baseline ${parleyLine(based[r] as Side)}   ratio ${(tot(based[r] as Side) / tot(b)).toFixed(2)}×`);
    }
  } finally {
    dir.remove();
  }
  const bTot = median(bare.map(tot));
  const perCall = median(bare.map((x) => ((x.memPerCall[0] as number) + (x.memPerCall[1] as number)) / 2));
  const rss = median(bare.map((x) => ((x.rss[0] as number) + (x.rss[1] as number)) / 2));
  console.log('\n                     CPU, both processes (% of a core)   per call endpoint   RSS per process   RSS per call endpoint');
  console.log(`  baresip 1.0         ${f1(bTot).padStart(8)} %                         ${(bTot / (2 * CALLS)).toFixed(3)} %           ${mb(rss)} MB           ${kb(perCall)} kB`);
  parleySummary('Parley', ours, bTot);
  if (BASELINE) parleySummary('Parley (baseline)', based, bTot);
  console.log(`  (medians of ${ROUNDS} rounds; goal ≤ 0.8× baresip and no tick > 5 ms late)`);
  console.log(`  load average (1 min) after each round: ${loads.map(f1).join(' / ')}${RT ? '; both sides at real-time priority (chrt -f 10)' : ''}`);
}

if (process.argv.includes('--peer')) await runSessionsPeer();
else if (process.argv.includes('--alloc-child')) await runAllocChild(SUITE, CALLS);
else if (process.argv.includes('--alloc')) {
  const r = spawnSync(process.execPath, [SELF, '--alloc-child', '--calls', String(CALLS)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else await main();
