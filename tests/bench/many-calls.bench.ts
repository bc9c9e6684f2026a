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
 *   node tests/bench/many-calls.bench.ts [--calls 50] [--seconds 20] [--rounds 3] [--no-srtp] [--rt]
 */
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { startBaresip } from '../interop/harness/baresip.ts';
import { makeTempDir } from '../interop/harness/managed-process.ts';
import { writeToneWav } from '../interop/harness/wav.ts';
import { Peer, connectPeers, cpuMs, makeRealtime, rssBytes, runSessionsPeer, sleep, type PeerFigures } from './harness/media-peers.ts';

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

async function parleyRound(wav: string): Promise<Side> {
  // --expose-gc: the peers' memory figures count live objects only (a full GC first).
  const a = new Peer(SELF, '--peer', ['--expose-gc']);
  const b = new Peer(SELF, '--peer', ['--expose-gc']);
  try {
    await Promise.all([a.ready, b.ready]);
    const init = { cmd: 'init', codec: 'PCMU', srtp: SRTP, srtpSuites: [SUITE], rate: 8000, wav, count: CALLS };
    await Promise.all([a.request(init, 60_000), b.request(init, 60_000)]);
    const pids = [a.child.pid as number, b.child.pid as number];
    const figures = async (gc = false) => (await Promise.all([a.request({ cmd: 'figures', gc }), b.request({ cmd: 'figures', gc })])) as unknown as PeerFigures[];
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
        if (phase === 'open') opened = await figures();
        else closed = await figures();
      },
    );
    const live = (f: PeerFigures) => f.heapUsedBytes + f.externalBytes;
    // After the CPU window: the full GC is not counted.
    const running = await figures(true);
    const fa = closed[0] as PeerFigures;
    const fb = closed[1] as PeerFigures;
    const ran = fa.ticks + fb.ticks - (opened[0] as PeerFigures).ticks - (opened[1] as PeerFigures).ticks;
    return {
      livePerCall: [0, 1].map((k) => (live(running[k] as PeerFigures) - live(idle[k] as PeerFigures)) / CALLS),
      wakeUpsPerTick: (fa.wakeUps + fb.wakeUps - (opened[0] as PeerFigures).wakeUps - (opened[1] as PeerFigures).wakeUps) / ran,
      framesDone: ran / ((2 * SECONDS * 1000) / 20),
      cpu: m.cpu,
      rss: m.rssCall,
      memPerCall: m.rssCall.map((r, k) => (r - (m.rssIdle[k] as number)) / CALLS),
      ticks: fa.ticks + fb.ticks,
      lateTicks: fa.lateTicks + fb.lateTicks,
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

async function main(): Promise<void> {
  console.log(`${CALLS} simultaneous G.711 (PCMU) calls${SRTP ? ` with SRTP (SDES, ${SUITE} on both sides)` : ''} in one process per side, loopback; ${SECONDS} s measured, ${ROUNDS} rounds, node ${process.version}, ${cpus().length} CPUs`);
  const dir = makeTempDir('many-calls-bench');
  const wav = join(dir.path, 'tone.wav');
  writeToneWav(wav, { frequency: 600, seconds: SECONDS + IDLE_S + WARM_S + 30, sampleRate: 8000 });
  const bare: Side[] = [];
  const ours: Side[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const order: [Side[], () => Promise<Side>][] = [
        [bare, () => baresipRound(wav)],
        [ours, () => parleyRound(wav)],
      ];
      if (r % 2 === 1) order.reverse();
      for (const [into, run] of order) into.push(await run());
      loads.push(loadavg()[0] as number);
      const b = bare[r] as Side;
      const p = ours[r] as Side;
      const tot = (s: Side) => (s.cpu[0] as number) + (s.cpu[1] as number);
      const parley = (p: Side) =>
        `${f1(tot(p))} % (${p.cpu.map(f1).join(' / ')}; ${p.evidence}; ${p.lateTicks} of ${p.ticks} ticks > 5 ms late, ${f1((p.framesDone ?? 0) * 100)} % of the frames due in the window ran, ${(p.wakeUpsPerTick ?? 0).toFixed(2)} wake-ups per tick)`;
      console.log(
        `  round ${r + 1}: baresip ${f1(tot(b))} % (${b.cpu.map(f1).join(' / ')}; ${b.evidence})   Parley ${parley(p)}   ratio ${(tot(p) / tot(b)).toFixed(2)}×   load ${f1(loads[r] as number)}`,
      );
    }
  } finally {
    dir.remove();
  }
  const tot = (s: Side) => (s.cpu[0] as number) + (s.cpu[1] as number);
  const bTot = median(bare.map(tot));
  const pTot = median(ours.map(tot));
  const perCall = (s: Side[]) => median(s.map((x) => ((x.memPerCall[0] as number) + (x.memPerCall[1] as number)) / 2));
  const rss = (s: Side[]) => median(s.map((x) => ((x.rss[0] as number) + (x.rss[1] as number)) / 2));
  console.log('\n                     CPU, both processes (% of a core)   per call endpoint   RSS per process   RSS per call endpoint');
  console.log(`  baresip 1.0         ${f1(bTot).padStart(8)} %                         ${(bTot / (2 * CALLS)).toFixed(3)} %           ${mb(rss(bare))} MB           ${kb(perCall(bare))} kB`);
  console.log(`  Parley              ${f1(pTot).padStart(8)} %                         ${(pTot / (2 * CALLS)).toFixed(3)} %           ${mb(rss(ours))} MB           ${kb(perCall(ours))} kB (live: ${kb(median(ours.map((x) => ((x.livePerCall?.[0] ?? 0) + (x.livePerCall?.[1] ?? 0)) / 2)))} kB)`);
  console.log(`  ratio Parley / baresip: ${(pTot / bTot).toFixed(2)}× (median of ${ROUNDS} rounds; goal ≤ 0.8×)`);
  // A starved process skips frames (the clock re-anchors after 200 ms behind): it then did less work than due.
  const pScaled = median(ours.map((x) => tot(x) / Math.max(0.01, x.framesDone ?? 1)));
  console.log(`  Parley scaled to every frame due (CPU / share of frames that ran): ${f1(pScaled)} %, ratio ${(pScaled / bTot).toFixed(2)}×`);
  const late = ours.map((s) => s.lateTicks ?? 0);
  const worst = Math.max(...ours.map((s) => s.maxLatenessMs ?? 0));
  console.log(`  Parley clock: ${late.join(' / ')} ticks more than 5 ms late per round (goal 0); worst ${f1(worst)} ms`);
  console.log(`  load average (1 min) after each round: ${loads.map(f1).join(' / ')}${RT ? '; both sides at real-time priority (chrt -f 10)' : ''}`);
}

if (process.argv.includes('--peer')) await runSessionsPeer();
else await main();
