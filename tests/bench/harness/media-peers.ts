/**
 * Parley media endpoints in child processes, for the benchmarks that set
 * their CPU beside baresip's: each child holds one MediaEngine (one 20 ms
 * clock, one event loop) and any number of MediaSessions, driven over IPC
 * (init, offer, answer, setAnswer, start, figures, stop). A benchmark forks
 * itself with `--peer` and calls runSessionsPeer() in that mode; the parent
 * drives the child through a Peer. CPU comes from /proc/<pid>/stat, so the
 * parent's own work is never counted.
 */
import { fork, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NullSink } from '../../../electron/media/devices/null-sink.ts';
import { openWavSource } from '../../../electron/media/devices/wav-file-source.ts';
import { MediaClock } from '../../../electron/media/session/media-clock.ts';
import type { FrameTicker } from '../../../electron/media/session/media-clock.ts';
import { MediaEngine } from '../../../electron/media/session/media-engine.ts';
import type { MediaSession } from '../../../electron/media/session/media-session.ts';
import type { SrtpCryptoSuite } from '../../../electron/media/srtp/srtp-crypto-suite.ts';

export const sleep = (ms: number): Promise<void> => new Promise<void>((r) => setTimeout(r, ms));

type PeerRequest =
  | { id: number; cmd: 'init'; codec: string; srtp: boolean; rate: number; wav: string; count?: number; keyExchange?: 'sdes' | 'dtls'; srtpSuites?: SrtpCryptoSuite[]; traceLateness?: boolean }
  | { id: number; cmd: 'offer' | 'start' | 'stop' }
  | { id: number; cmd: 'figures'; gc?: boolean; resetWork?: boolean }
  | { id: number; cmd: 'answer' | 'setAnswer'; sdp: string[] };

/** What a peer reports about itself (cmd 'figures'). */
export interface PeerFigures {
  rssBytes: number;
  /** process.memoryUsage() beside it: where the RSS is (V8 heap, Buffers and WASM memory) */
  heapTotalBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  sessions: number;
  /** ticks of the engine's 20 ms clock, and those that ran more than 5 ms late */
  ticks: number;
  lateTicks: number;
  maxLatenessMs: number;
  /** RTP packets the sessions received in all (proves audio flowed both ways) */
  packetsReceived: number;
  /** voluntary context switches of the event loop's thread (its wake-ups), in all */
  wakeUps: number;
  /** involuntary ones (the thread was preempted while it ran), in all */
  preemptions: number;
  /** With `traceLateness` at init: GC pauses and the late ticks by cause, in all (see LatenessTrace). */
  lateness?: LatenessFigures;
}

/** Late ticks (> 5 ms) by what held them up, and the GC pauses, cumulative. */
export interface LatenessFigures {
  gcCount: number;
  gcMs: number;
  /** GC pauses by kind (V8's: scavenge / minor mark-sweep / mark-compact / incremental / weak callbacks), count and ms */
  gcByKind: Record<string, { count: number; ms: number }>;
  late: number;
  /** the late tick's window (due → ran) overlapped a GC pause for most of its lateness */
  lateGc: number;
  /** the thread waited on the CPU's run queue for most of it (/proc schedstat run_delay): starved by the machine */
  lateRunQueue: number;
  /** the previous tick's own work ran past this tick's due time */
  lateTickWork: number;
  /** none of those, and the event loop was busy (not waiting in epoll) for most of it: received datagrams, IPC */
  lateLoopBusy: number;
  /** none of those, and the loop was idle for most of it: the timer itself fired late */
  lateOther: number;
  /** sum of the lateness of the late ticks in each class, ms */
  lateMs: { gc: number; runQueue: number; tickWork: number; loopBusy: number; other: number };
  /** the work of one tick of every session (first listener to the end of the timer callback), ms: p50, p99, max */
  tickWorkMs: { p50: number; p99: number; max: number };
}

/** Voluntary context switches of this process's main thread (how often its event loop slept and woke), and involuntary ones. */
function contextSwitches(): { wakeUps: number; preemptions: number } {
  const status = readFileSync('/proc/thread-self/status', 'utf8');
  const v = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  const n = /^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  return { wakeUps: v ? Number(v[1]) : NaN, preemptions: n ? Number(n[1]) : NaN };
}

/** Time this thread spent runnable but waiting for a CPU, ms (/proc schedstat's run_delay). */
function runDelayMs(): number {
  const fields = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
  return Number(fields[1]) / 1e6;
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental marking',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

/**
 * Why the media clock's ticks came late: a listener that runs first on
 * every tick notes when the tick was due, when it ran, when the tick's work
 * ended and how long the thread had waited on the run queue by then; the GC
 * pauses come from a perf_hooks observer on the same time line. Each late
 * tick is put in the class that explains most of its lateness (the window
 * from the previous tick's end, or its due time if that is later, to this
 * tick's start); what GC, the run queue and the previous tick leave is the
 * event loop's other work when the loop was active then (its utilization,
 * perf_hooks), else the timer's own lateness.
 */
class LatenessTrace {
  readonly #gcs: { start: number; end: number }[] = [];
  readonly #figures: LatenessFigures = {
    gcCount: 0,
    gcMs: 0,
    gcByKind: {},
    late: 0,
    lateGc: 0,
    lateRunQueue: 0,
    lateTickWork: 0,
    lateLoopBusy: 0,
    lateOther: 0,
    lateMs: { gc: 0, runQueue: 0, tickWork: 0, loopBusy: 0, other: 0 },
    tickWorkMs: { p50: 0, p99: 0, max: 0 },
  };
  readonly #pending: { due: number; now: number; prevEnd: number; runDelay: number; active: number }[] = [];
  /** The event loop's utilization when the previous tick's work ended: its active time since is the loop's other work. */
  #prevElu = performance.eventLoopUtilization();
  readonly #work: number[] = [];
  #prevEnd = 0;
  #prevRunDelay = runDelayMs();

  constructor(ticker: FrameTicker) {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = GC_KINDS[((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? -1] ?? 'other';
        this.#figures.gcCount++;
        this.#figures.gcMs += e.duration;
        const k = (this.#figures.gcByKind[kind] ??= { count: 0, ms: 0 });
        k.count++;
        k.ms += e.duration;
        this.#gcs.push({ start: e.startTime, end: e.startTime + e.duration });
        if (this.#gcs.length > 5000) this.#gcs.splice(0, 1000);
      }
    }).observe({ entryTypes: ['gc'] });
    ticker.subscribe((tick) => {
      const runDelay = runDelayMs();
      if (tick.nowMs - tick.dueMs > 5) {
        const active = performance.eventLoopUtilization(this.#prevElu).active;
        this.#pending.push({ due: tick.dueMs, now: tick.nowMs, prevEnd: this.#prevEnd, runDelay: runDelay - this.#prevRunDelay, active });
      }
      this.#prevRunDelay = runDelay;
      const start = performance.now();
      queueMicrotask(() => {
        this.#prevEnd = performance.now();
        this.#prevElu = performance.eventLoopUtilization();
        this.#work.push(this.#prevEnd - start);
        if (this.#work.length > 20000) this.#work.splice(0, 5000);
      });
    });
  }

  /** The figures so far (the late ticks classified now: their GC entries have come in by then). */
  figures(): LatenessFigures {
    const f = this.#figures;
    for (const t of this.#pending.splice(0)) {
      const from = Math.max(t.due, t.prevEnd);
      let gc = 0;
      for (const g of this.#gcs) gc += Math.max(0, Math.min(g.end, t.now) - Math.max(g.start, from));
      const lateness = t.now - t.due;
      const tickWork = Math.max(0, t.prevEnd - t.due);
      const runQueue = Math.min(t.runDelay, t.now - from);
      const rest = Math.max(0, lateness - gc - tickWork - runQueue);
      // The loop's active time since the previous tick ended, within the window, less what GC and the run queue took of it.
      const loopBusy = Math.min(rest, Math.max(0, Math.min(t.active, t.now - from) - gc - runQueue));
      const other = rest - loopBusy;
      const max = Math.max(gc, tickWork, runQueue, loopBusy, other);
      f.late++;
      if (max === gc) (f.lateGc++, (f.lateMs.gc += lateness));
      else if (max === runQueue) (f.lateRunQueue++, (f.lateMs.runQueue += lateness));
      else if (max === tickWork) (f.lateTickWork++, (f.lateMs.tickWork += lateness));
      else if (max === loopBusy) (f.lateLoopBusy++, (f.lateMs.loopBusy += lateness));
      else (f.lateOther++, (f.lateMs.other += lateness));
    }
    const sorted = [...this.#work].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    f.tickWorkMs = { p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? 0 };
    return structuredClone(f);
  }

  /** Forget the tick work durations so far (the next figures() gives the quantiles of the window since). */
  resetWork(): void {
    this.#work.length = 0;
  }
}

/** A full GC before a reading of the figures that asks for one, when the peer was started with `--expose-gc` among its arguments. */
function fullGc(): (() => void) | undefined {
  if (!process.argv.includes('--expose-gc')) return undefined;
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Child side: one engine, `count` sessions (preloaded looping WAV source, null sink, as baresip's aufile).
 * With `--expose-gc` in its arguments, figures asked for with `gc: true` count live objects only.
 */
export async function runSessionsPeer(): Promise<void> {
  const gc = fullGc();
  const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
  let sessions: MediaSession[] = [];
  let trace: LatenessTrace | undefined;
  const reply = (id: number, body: object) => process.send?.({ id, ...body });
  const figures = (collect = false): PeerFigures => {
    const clock = engine.ticker instanceof MediaClock ? engine.ticker.stats : undefined;
    let packetsReceived = 0;
    for (const s of sessions) packetsReceived += s.stats().packetsReceived;
    if (collect) gc?.();
    const memory = process.memoryUsage();
    return {
      rssBytes: memory.rss,
      heapTotalBytes: memory.heapTotal,
      heapUsedBytes: memory.heapUsed,
      externalBytes: memory.external,
      arrayBuffersBytes: memory.arrayBuffers,
      sessions: sessions.length,
      ticks: clock?.ticks ?? 0,
      lateTicks: clock?.lateTicks ?? 0,
      maxLatenessMs: clock?.maxLatenessMs ?? 0,
      packetsReceived,
      ...contextSwitches(),
      ...(trace ? { lateness: trace.figures() } : {}),
    };
  };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: PeerRequest) => {
    void (async () => {
      try {
        if (m.cmd === 'init') {
          if (m.traceLateness) trace ??= new LatenessTrace(engine.ticker);
          for (let i = 0; i < (m.count ?? 1); i++) {
            sessions.push(
              engine.createSession({
                codecs: [m.codec],
                srtp: m.srtp ? 'mandatory' : 'off',
                ...(m.keyExchange ? { keyExchange: [m.keyExchange] } : {}),
                ...(m.srtpSuites ? { srtpSuites: m.srtpSuites } : {}),
                source: await openWavSource(m.wav, { sampleRate: m.rate, loop: true }),
                sink: new NullSink(m.rate),
                statsIntervalMs: 0,
              }),
            );
          }
          reply(m.id, {});
        } else if (m.cmd === 'offer') reply(m.id, { sdp: await Promise.all(sessions.map((s) => s.createOffer())) });
        else if (m.cmd === 'answer') {
          const answers: string[] = [];
          for (let i = 0; i < sessions.length; i++) {
            const r = await (sessions[i] as MediaSession).answerOffer(m.sdp[i] as string);
            if ('reject' in r) throw new Error(r.reason);
            answers.push(r.answer);
          }
          reply(m.id, { sdp: answers });
        } else if (m.cmd === 'setAnswer') {
          for (let i = 0; i < sessions.length; i++) await (sessions[i] as MediaSession).setAnswer(m.sdp[i] as string);
          reply(m.id, {});
        } else if (m.cmd === 'start') {
          for (const s of sessions) s.start();
          reply(m.id, {});
        }
        else if (m.cmd === 'figures') {
          reply(m.id, figures(m.gc));
          if (m.resetWork) trace?.resetWork();
        }
        else if (m.cmd === 'stop') {
          const f = figures();
          await Promise.all(sessions.map((s) => s.stop()));
          sessions = [];
          reply(m.id, f);
          setTimeout(() => process.exit(0), 50);
        }
      } catch (err) {
        reply(m.id, { error: String(err) });
      }
    })();
  });
  process.send?.({ id: 0, ready: true });
}

/** Parent side of one child process. */
export class Peer {
  readonly child: ChildProcess;
  readonly #pending = new Map<number, (body: Record<string, unknown>) => void>();
  #next = 1;
  readonly ready: Promise<void>;

  /** Forks `modulePath` with `mode` ('--peer' runs runSessionsPeer in the child) and `args`; `nodeFlags` go to node itself. */
  constructor(modulePath: string, mode = '--peer', args: string[] = [], nodeFlags: string[] = []) {
    this.child = fork(modulePath, [mode, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, ...nodeFlags] });
    this.ready = new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('peer did not start')), 90_000); // TypeScript stripped at start: slow on a loaded machine
      this.#pending.set(0, () => (clearTimeout(t), resolve()));
    });
    this.child.on('message', (m: { id: number }) => {
      const done = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      done?.(m as Record<string, unknown>);
    });
  }

  request(body: Record<string, unknown>, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`peer: no reply to ${String(body.cmd)}`)), timeoutMs);
      this.#pending.set(id, (r) => {
        clearTimeout(t);
        if (r.error) reject(new Error(String(r.error)));
        else resolve(r);
      });
      this.child.send({ id, ...body });
    });
  }

  /** Waits a little for the child to exit by itself (after 'stop'), then kills it by PID. */
  async kill(): Promise<void> {
    const deadline = Date.now() + 2000;
    while (this.child.exitCode === null && this.child.signalCode === null && Date.now() < deadline) await sleep(20);
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid) process.kill(this.child.pid, 'SIGKILL');
  }
}

/** Calls between two peers: a offers, b answers, both start. */
export async function connectPeers(a: Peer, b: Peer): Promise<void> {
  const offers = (await a.request({ cmd: 'offer' }, 60_000)).sdp as string[];
  const answers = (await b.request({ cmd: 'answer', sdp: offers }, 60_000)).sdp as string[];
  await a.request({ cmd: 'setAnswer', sdp: answers }, 60_000);
  await Promise.all([a.request({ cmd: 'start' }), b.request({ cmd: 'start' })]);
}

// ---- CPU and memory of a process from /proc ------------------------------------------------

const CLK_TCK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a process, ms. */
export function cpuMs(pid: number): number {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] as string).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLK_TCK_MS;
}

/** VmRSS of a process, bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * Pins processes, every thread of them, to one CPU (taskset): the
 * scheduler then never moves them between CPUs during a measurement, so
 * each run pays the same cache and wake-up costs. Threads made later
 * inherit the pinning.
 */
export function pinToCpu(pids: number[], cpu: number): void {
  for (const pid of pids) {
    const r = spawnSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore', timeout: 5000 });
    if (r.status !== 0) throw new Error(`taskset could not pin ${pid} to CPU ${cpu}`);
  }
}

/**
 * Real-time priority (SCHED_FIFO 10, every thread) for processes a benchmark
 * compares, so that on a shared machine both sides run when their timer or
 * packet is due rather than when the CPU is free. The kernel's RT throttling
 * keeps the system alive; the runs are seconds long.
 */
export function makeRealtime(pids: number[]): void {
  for (const pid of pids) {
    const r = spawnSync('chrt', ['-a', '-f', '-p', '10', String(pid)], { stdio: 'ignore', timeout: 5000 });
    if (r.status !== 0) throw new Error(`chrt could not make ${pid} real-time`);
  }
}

/**
 * Per-process CPU % over a call of `seconds`, net of the idle rate measured
 * before it; the first 3 s of the call (JIT and WASM tier-up, buffers filling)
 * are not counted. With `pinCpu` the processes run on that CPU only, with
 * `realtime` at real-time priority (makeRealtime).
 */
export async function measureCall(pids: number[], idleSeconds: number, startCall: () => Promise<void>, seconds: number, pinCpu?: number, realtime = false): Promise<number[]> {
  if (pinCpu !== undefined) pinToCpu(pids, pinCpu);
  if (realtime) makeRealtime(pids);
  const i0 = pids.map(cpuMs);
  await sleep(idleSeconds * 1000);
  const idle = pids.map((p, k) => (cpuMs(p) - (i0[k] as number)) / idleSeconds);
  await startCall();
  await sleep(3000);
  const c0 = pids.map(cpuMs);
  await sleep(seconds * 1000);
  return pids.map((p, k) => ((cpuMs(p) - (c0[k] as number) - (idle[k] as number) * seconds) / (seconds * 1000)) * 100);
}
