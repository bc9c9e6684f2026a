/**
 * Where a call's set-up time goes (setup-time.bench.ts --trace): tshark on
 * loopback gives each SIP message's and each call's first RTP packets' wire
 * times; the bench's own moments (the dial, the peers' events) and the
 * engine's (command in, INVITE out, 200 read, ACK out, first RTP out, the
 * 'active' event) are put on the same clock, and the median of every stage
 * is printed per caller.
 *
 * Clocks: every process's moments are CLOCK_MONOTONIC (`monoMs`, shared by
 * all processes on the machine; performance.timeOrigin is not, it is a
 * wall-clock reading at start and the wall clock is slewed here by
 * ≈ 1 ms/s). The capture's times are the wall clock, so before each call
 * the bench sends one datagram to itself (`ClockMark`) and notes the
 * monotonic moment it sent it: the capture's time of that datagram less
 * that moment is the offset for that call.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { join } from 'node:path';

/** CLOCK_MONOTONIC in milliseconds: the same clock in every process. */
export const monoMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** performance.now() of this process on the monotonic clock. */
const perfOffset = monoMs() - performance.now();
export const perfToMono = (at: number): number => at + perfOffset;

/** One moment of a call: what, on the monotonic clock (or, for `wall: true`, the wall clock in ms since the epoch). */
export interface TraceMoment {
  what: string;
  at: number;
  wall?: boolean;
  /** The engine's moments: its process's CPU time so far (µs, process.cpuUsage). */
  cpu?: number;
  /** The main thread's CPU time so far (µs, process.threadCpuUsage; up to a scheduler tick behind). */
  mainCpu?: number;
  /** performance.now() at this moment (the probe's first moment). */
  perf?: number;
}

/** The stages of an engine's own moments (setup-time.bench --stages), in order: each from the first moment matching its start to the first matching its end after it. */
const ENGINE_STAGES: [string, RegExp, RegExp][] = [
  ['dial (CLI: registered) → INVITE to the socket', /call\.dial command in|200 REGISTER read/, /INVITE to the socket/],
  ['INVITE → 200 read (work while waiting)', /INVITE to the socket/, /200 INVITE read/],
  ['200 read → ACK to the socket', /200 INVITE read/, /ACK to the socket/],
  ['ACK → first RTP to the socket', /ACK to the socket/, /first RTP to the socket/],
  ["first RTP → 'active' event", /first RTP to the socket/, /'active' event/],
];

/** Wall time of the hops between the bench and a running engine: the command's way in, the INVITE's way to the callee's event, the 'active' event's way out. */
const BENCH_HOPS: [string, ['bench' | 'engine', RegExp], ['bench' | 'engine', RegExp]][] = [
  ['hop: bench dial sent → command in (IPC)', ['bench', /dial sent/], ['engine', /call\.dial command in/]],
  ['hop: INVITE to the socket → callee ringing seen', ['engine', /INVITE to the socket/], ['bench', /callee ringing seen/]],
  ["hop: 'active' event → seen by the bench (IPC)", ['engine', /'active' event/], ['bench', /'active' seen/]],
];

/**
 * Medians per engine of each stage of its own moments, wall time and its process's CPU time (ms), and the
 * whole dial command → 'active' CPU: what the engine's JavaScript costs on the set-up path, which load does not
 * distort as it does the wall times. `calls`: each call's moments (those after its dial command), by engine.
 */
export function engineStages(calls: { engine: string; moments: TraceMoment[]; bench?: TraceMoment[] }[]): string {
  const engines = [...new Set(calls.map((c) => c.engine))];
  const rows = new Map<string, Map<string, { wall: number[]; cpu: number[] }>>();
  const add = (stage: string, engine: string, wall: number, cpu: number) => {
    const byEngine = rows.get(stage) ?? new Map<string, { wall: number[]; cpu: number[] }>();
    rows.set(stage, byEngine);
    const cell = byEngine.get(engine) ?? { wall: [], cpu: [] };
    byEngine.set(engine, cell);
    cell.wall.push(wall);
    cell.cpu.push(cpu);
  };
  for (const c of calls) {
    const ms = [...c.moments].sort((a, b) => a.at - b.at);
    let from = ms.findIndex((m) => ENGINE_STAGES[0]![1].test(m.what));
    if (from < 0) continue;
    const first = ms[from]!;
    for (const [stage, , end] of ENGINE_STAGES) {
      const to = ms.findIndex((m, i) => i > from && end.test(m.what));
      if (to < 0) break;
      const a = ms[from]!;
      const b = ms[to]!;
      add(stage, c.engine, b.at - a.at, ((b.cpu ?? NaN) - (a.cpu ?? NaN)) / 1000);
      if (stage === ENGINE_STAGES[ENGINE_STAGES.length - 1]![0]) {
        add('total: dial → active', c.engine, b.at - first.at, ((b.cpu ?? NaN) - (first.cpu ?? NaN)) / 1000);
        add('  of which the main thread (±4 ms)', c.engine, b.at - first.at, ((b.mainCpu ?? NaN) - (first.mainCpu ?? NaN)) / 1000);
      }
      from = to;
    }
    // The hops between the bench and the engine's own moments (a running engine's calls: the bench's moments given).
    const at = (list: TraceMoment[] | undefined, what: RegExp) => list?.find((m) => what.test(m.what))?.at;
    for (const [stage, a, b] of BENCH_HOPS) {
      const from = at(a[0] === 'bench' ? c.bench : ms, a[1]);
      const to = at(b[0] === 'bench' ? c.bench : ms, b[1]);
      if (from !== undefined && to !== undefined) add(stage, c.engine, to - from, NaN);
    }
  }
  const median = (xs: number[] | undefined): string => {
    const s = (xs ?? []).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    if (s.length === 0) return '–';
    return (s[Math.floor((s.length - 1) / 2)] as number).toFixed(2);
  };
  const lines = [
    `  the engines' own moments, median ms per stage: wall / CPU (${calls.length} calls)`,
    `    ${''.padEnd(44)}${engines.map((e) => e.padStart(20)).join('')}`,
  ];
  for (const [stage, byEngine] of rows) {
    lines.push(`    ${stage.padEnd(44)}${engines.map((e) => `${median(byEngine.get(e)?.wall)} / ${median(byEngine.get(e)?.cpu)}`.padStart(20)).join('')}`);
  }
  return lines.join('\n');
}

export interface TracedCall {
  caller: string;
  /** The dial moment (the first stage's zero). */
  dial: TraceMoment;
  moments: TraceMoment[];
  /** The offset (wire wall clock − monotonic) measured just before the call. */
  clockMark: number;
}

interface Packet {
  epochMs: number;
  src: number;
  dst: number;
  method: string;
  status: string;
  cseq: string;
  rtp: boolean;
  mediaPort: number | undefined;
  payload: string;
}

const MARK = 'setup-bench-clock-';

export class WireTrace {
  readonly #file: string;
  readonly #tshark: ChildProcess;
  readonly #socket: Socket;
  readonly #sent = new Map<number, number>();
  #next = 1;

  private constructor(file: string, tshark: ChildProcess, socket: Socket) {
    this.#file = file;
    this.#tshark = tshark;
    this.#socket = socket;
  }

  /** Starts tshark on lo (UDP only) writing to `dir`; resolves once it captures (its first clock mark seen on the wire). */
  static async start(dir: string): Promise<WireTrace> {
    const file = join(dir, 'setup-trace.pcapng');
    const tshark = spawn('tshark', ['-i', 'lo', '-f', 'udp', '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    tshark.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const trace = new WireTrace(file, tshark, socket);
    // tshark says "Capturing on 'Loopback: lo'" once it listens.
    const deadline = performance.now() + 15_000;
    while (!/Capturing on/.test(err)) {
      if (tshark.exitCode !== null || performance.now() > deadline) throw new Error(`tshark did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return trace;
  }

  /** Sends one clock mark; returns its id (TracedCall.clockMark). */
  mark(): number {
    const id = this.#next++;
    this.#sent.set(id, monoMs());
    const { port } = this.#socket.address();
    this.#socket.send(Buffer.from(`${MARK}${id}`), port, '127.0.0.1');
    return id;
  }

  #stopped = false;

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    // Let the last packets reach the file.
    await new Promise((r) => setTimeout(r, 500));
    this.#socket.close();
    if (this.#tshark.exitCode === null) {
      const exited = new Promise((r) => this.#tshark.once('exit', r));
      this.#tshark.kill('SIGINT');
      const t = setTimeout(() => this.#tshark.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
  }

  #read(): Packet[] {
    const fields = ['frame.time_epoch', 'udp.srcport', 'udp.dstport', 'sip.Method', 'sip.Status-Code', 'sip.CSeq.method', 'rtp.version', 'sdp.media.port', 'data.data'];
    const r = spawnSync('tshark', ['-r', this.#file, '-o', 'rtp.heuristic_rtp:TRUE', '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])], { encoding: 'latin1', maxBuffer: 1 << 30, timeout: 120_000 });
    const out: Packet[] = [];
    for (const line of r.stdout.split('\n')) {
      const f = line.split('|');
      if (f.length < fields.length) continue;
      out.push({
        epochMs: Number(f[0]) * 1000,
        src: Number(f[1]),
        dst: Number(f[2]),
        method: f[3] ?? '',
        status: f[4] ?? '',
        cseq: f[5] ?? '',
        rtp: f[6] === '2',
        mediaPort: f[7] ? Number(f[7].split(',')[0]) : undefined,
        payload: f[8] ? Buffer.from(f[8].replace(/:/g, ''), 'hex').toString('latin1') : '',
      });
    }
    return out;
  }

  /**
   * Each call's stages on the wire (through Kamailio at `kamPort`) beside its
   * moments, as milliseconds from its dial: the median of each per caller,
   * and the first call of each caller in full.
   */
  report(calls: TracedCall[], kamPort: number): string {
    const packets = this.#read();
    const markAt = new Map<number, number>();
    for (const p of packets) {
      if (!p.payload.startsWith(MARK)) continue;
      const id = Number(p.payload.slice(MARK.length));
      const sent = this.#sent.get(id);
      if (sent !== undefined && !markAt.has(id)) markAt.set(id, p.epochMs - sent);
    }
    const onWire = (call: TracedCall, m: TraceMoment) => (m.wall ? m.at : m.at + (markAt.get(call.clockMark) ?? NaN));
    const sorted = calls.map((c) => ({ c, t0: onWire(c, c.dial) })).sort((a, b) => a.t0 - b.t0);
    const stages = new Map<string, Map<string, number[]>>();
    const order: string[] = [];
    const add = (caller: string, what: string, ms: number) => {
      if (!order.includes(what)) order.push(what);
      const byCaller = stages.get(what) ?? new Map<string, number[]>();
      stages.set(what, byCaller);
      byCaller.set(caller, [...(byCaller.get(caller) ?? []), ms]);
    };
    const firsts: string[] = [];
    const shown = new Set<string>();
    sorted.forEach(({ c, t0 }, i) => {
      const end = sorted[i + 1]?.t0 ?? Infinity;
      const mine = packets.filter((p) => p.epochMs >= t0 - 1 && p.epochMs < end);
      const sip = mine.filter((p) => (p.method !== '' || p.status !== '') && (p.src === kamPort || p.dst === kamPort));
      const invite = sip.find((p) => p.method === 'INVITE' && p.dst === kamPort);
      const forwarded = sip.find((p) => p.method === 'INVITE' && p.src === kamPort);
      if (!invite || !forwarded) return;
      const caller = invite.src;
      const callee = forwarded.dst;
      const callerRtp = invite.mediaPort;
      const calleeRtp = sip.find((p) => p.status === '200' && p.cseq === 'INVITE' && p.src === callee)?.mediaPort;
      const wire: [string, Packet | undefined][] = [
        ['wire: INVITE caller → Kamailio', invite],
        ['wire: INVITE Kamailio → callee', forwarded],
        ['wire: 180 callee → Kamailio', sip.find((p) => p.status === '180' && p.src === callee)],
        ['wire: 200 callee → Kamailio', sip.find((p) => p.status === '200' && p.cseq === 'INVITE' && p.src === callee)],
        ['wire: 200 Kamailio → caller', sip.find((p) => p.status === '200' && p.cseq === 'INVITE' && p.dst === caller)],
        ['wire: ACK caller → Kamailio', sip.find((p) => p.method === 'ACK' && p.src === caller)],
        ['wire: first RTP callee → caller', mine.find((p) => p.rtp && p.src === calleeRtp && p.dst === callerRtp)],
        ['wire: first RTP caller → callee', mine.find((p) => p.rtp && p.src === callerRtp && p.dst === calleeRtp)],
      ];
      const rows: [string, number][] = [
        ...wire.filter((w): w is [string, Packet] => w[1] !== undefined).map(([what, p]): [string, number] => [what, p.epochMs - t0]),
        ...c.moments.map((m): [string, number] => [m.what, onWire(c, m) - t0]),
      ].sort((a, b) => a[1] - b[1]);
      for (const [what, ms] of rows) add(c.caller, what, ms);
      if (!shown.has(c.caller)) {
        shown.add(c.caller);
        firsts.push(`  ${c.caller}, one call (ms from the dial):`, ...rows.map(([what, ms]) => `    ${ms.toFixed(2).padStart(8)}  ${what}`));
      }
    });
    const callers = [...new Set(calls.map((c) => c.caller))];
    const median = (xs: number[] | undefined): number => {
      if (!xs || xs.length === 0) return NaN;
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.floor((s.length - 1) / 2)] as number;
    };
    const rank = (what: string) => Math.min(...callers.map((c) => median(stages.get(what)?.get(c))).filter((x) => !Number.isNaN(x)));
    const rowOrder = [...order].sort((a, b) => rank(a) - rank(b));
    const cell = (x: number) => (Number.isNaN(x) ? '' : x.toFixed(1)).padStart(14);
    const lines = [`  medians, ms from the dial (${calls.length} calls; wire times from tshark on lo):`, `    ${''.padEnd(44)}${callers.map((c) => c.padStart(14)).join('')}`];
    for (const what of rowOrder) lines.push(`    ${what.padEnd(44)}${callers.map((c) => cell(median(stages.get(what)?.get(c)))).join('')}`);
    return [...lines, ...firsts].join('\n');
  }
}
