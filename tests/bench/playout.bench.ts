/**
 * Playout delay in real time (issue "Fast where the user feels it" §1):
 * how long the engine holds a received packet before playing it, and how
 * many packets come too late, with a network whose delay varies by a known
 * amount.
 *
 *   sender (child process) ──RTP, PCMU 20 ms, each packet held 0…J ms──▶ MediaSession (this process)
 *
 * The sender makes one packet every 20 ms on a drift-corrected timer and
 * sends it after an extra delay drawn uniformly from [0, J] ms (independent
 * per packet, so with J > 20 packets also overtake each other): a network
 * whose one-way delay varies by J peak to peak. The sender is the network
 * model, not what is measured, so it is made precise: it asks for real-time
 * scheduling (SCHED_FIFO through chrt, when the host allows it) so that the
 * machine's load does not delay it, arms each timer 2.5 ms early and
 * busy-waits the rest. It reports how late each packet still left against
 * its schedule (median, p99, max): lateness the receiver then sees as jitter
 * beyond J, printed beside the figures so the two are told apart. The
 * receiver runs at the ordinary priority: its own timer noise is ours. The receiver is an
 * ordinary MediaSession of a MediaEngine with the call's jitter defaults
 * (CALL_JITTER_DEFAULTS), a null sink at 48 kHz; its statistics are read
 * after a warm-up (the call starts at 40 ms and adapts) and again at the
 * end, and the window between is reported:
 *
 *   arrival → playout   per played packet: arrival on the socket until its
 *                       audio is handed to the device (jitter buffer wait,
 *                       the tick's phase, decode and resampling);
 *   late loss           frames given up because their packet had not come
 *                       (nothing is lost on loopback: each came too late),
 *                       per packet received in the window;
 *   target              the jitter buffer's target delay at the end.
 *
 * Goals: ≤ 30 ms at zero jitter; adapting to ≤ 70 ms at 30 ms jitter with
 * ≤ 1 % late loss, judged from each packet's earliest arrival (arrival →
 * playout plus the mean hold the sender drew: the "network's" share of the
 * delay counts, as a listener hears it). Medians of the rounds, with the load average (the
 * machine's own timer noise counts as jitter).
 *
 *   node tests/bench/playout.bench.ts [--seconds 30] [--warmup 10] [--rounds 3] [--jitter 0,30]
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { cpus, loadavg } from 'node:os';
import { NullSink } from '../../electron/media/devices/null-sink.ts';
import { initMedia } from '../../electron/media/audio/init-media.ts';
import { MediaEngine } from '../../electron/media/session/media-engine.ts';
import type { MediaSessionStats } from '../../electron/media/session/media-session-options.ts';
import { Peer, sleep } from './harness/media-peers.ts';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SECONDS = Number(argValue('--seconds') ?? 30);
const WARMUP = Number(argValue('--warmup') ?? 10);
const ROUNDS = Number(argValue('--rounds') ?? 3);
const JITTERS = (argValue('--jitter') ?? '0,30').split(',').map(Number);
const SELF = new URL(import.meta.url).pathname;
const FRAME_MS = 20;

// ---- the sender (child process) ----------------------------------------------------------------

interface SenderReport {
  sent: number;
  /** How late the sender's timers fired beyond the delay asked for, ms: median, p99, max. */
  lateMedianMs: number;
  lateP99Ms: number;
  lateMaxMs: number;
  /** Whether the sender ran with real-time scheduling. */
  realtime: boolean;
  /** The mean of the holds it drew (≈ J / 2): what a packet's arrival lags the earliest it could have come. */
  holdMeanMs: number;
}

/** Real-time priority for this process (all its threads), when the host lets us: true if it worked. */
function askRealtime(): boolean {
  try {
    execFileSync('chrt', ['-a', '-f', '-p', '20', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Timers fire up to ~1 ms early or late; arm this much early and busy-wait the rest. */
const SPIN_MS = 2.5;

/** Runs `fn` at `due` (performance.now() time): a timer to just before it, then a busy-wait; at once when that is near. */
function atTime(due: number, fn: () => void): void {
  const run = () => {
    while (performance.now() < due);
    fn();
  };
  const wait = due - performance.now() - SPIN_MS;
  if (wait <= 0) run();
  else setTimeout(run, wait);
}

/** Packets every 20 ms, each sent `U(0, J)` ms after it was made; runs until told to stop. */
function runSender(): void {
  const socket = createSocket('udp4');
  socket.on('message', () => {}); // the receiver's own RTP and RTCP
  const late: number[] = [];
  let holdSum = 0;
  let sent = 0;
  let running = false;
  const realtime = askRealtime();
  socket.bind(0, '127.0.0.1', () => {
    process.on('disconnect', () => process.exit(0));
    process.on('message', (m: { id: number; cmd: string; port?: number; jitterMs?: number }) => {
      if (m.cmd === 'bind') process.send!({ id: m.id, port: socket.address().port });
      else if (m.cmd === 'start') {
        running = true;
        const port = m.port!;
        const jitter = m.jitterMs!;
        let seed = 0x9e3779b9;
        const random = () => {
          seed = (seed * 1664525 + 1013904223) >>> 0;
          return seed / 2 ** 32;
        };
        const ssrc = 0x1234abcd;
        const t0 = performance.now();
        let n = 0;
        const tick = () => {
          if (!running) return;
          const packet = Buffer.alloc(12 + 160, 0xff); // µ-law silence
          packet[0] = 0x80;
          packet[1] = n === 0 ? 0x80 : 0x00; // PT 0, marker on the first
          packet.writeUInt16BE(n & 0xffff, 2);
          packet.writeUInt32BE((n * 160) >>> 0, 4);
          packet.writeUInt32BE(ssrc, 8);
          const hold = random() * jitter;
          const due = t0 + n * FRAME_MS + hold;
          atTime(due, () => {
            if (!running) return;
            late.push(performance.now() - due);
            socket.send(packet, port, '127.0.0.1');
            holdSum += hold;
            sent++;
          });
          n++;
          atTime(t0 + n * FRAME_MS, tick);
        };
        tick();
        process.send!({ id: m.id });
      } else if (m.cmd === 'stop') {
        running = false;
        const s = late.sort((a, b) => a - b);
        const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
        const report: SenderReport = { sent, lateMedianMs: q(0.5), lateP99Ms: q(0.99), lateMaxMs: s.at(-1) ?? NaN, realtime, holdMeanMs: holdSum / Math.max(1, sent) };
        process.send!({ id: m.id, ...report });
        setTimeout(() => process.exit(0), 50);
      }
    });
    process.send!({ id: 0, ready: true });
  });
}

// ---- the receiver ---------------------------------------------------------------------------------

function offerFrom(port: number): string {
  return [
    'v=0',
    'o=sender 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

interface Window {
  arrivalToPlayoutMs: number;
  bufferDelayMs: number;
  targetMs: number;
  lateLossPct: number;
  played: number;
  rfcJitterMs: number;
  sender: SenderReport;
  lateTicks: number;
}

/** What the window between two snapshots of the receiver's statistics says. */
function between(a: MediaSessionStats, b: MediaSessionStats): Omit<Window, 'sender' | 'lateTicks'> {
  const sum = (f: { avgMs: number; count: number }) => f.avgMs * f.count;
  const played = b.arrivalToPlayout.count - a.arrivalToPlayout.count;
  const depthCount = b.jitterBuffer.playoutDelay.count - a.jitterBuffer.playoutDelay.count;
  const expected = b.packetsReceived - a.packetsReceived;
  // On loopback nothing is lost on the way: every frame given up was a packet that came too late (it is then also counted late when it comes).
  const lateLost = b.jitterBuffer.lost - a.jitterBuffer.lost;
  return {
    arrivalToPlayoutMs: (sum(b.arrivalToPlayout) - sum(a.arrivalToPlayout)) / played,
    bufferDelayMs: (sum(b.jitterBuffer.playoutDelay) - sum(a.jitterBuffer.playoutDelay)) / depthCount,
    targetMs: b.jitterBuffer.targetDelayMs,
    lateLossPct: (lateLost / Math.max(1, expected)) * 100,
    played,
    rfcJitterMs: b.jitterMs,
  };
}

async function round(jitterMs: number): Promise<Window> {
  const sender = new Peer(SELF, '--sender');
  const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
  try {
    await sender.ready;
    const port = Number((await sender.request({ cmd: 'bind' })).port);
    const session = engine.createSession({ codecs: ['PCMU'], sink: new NullSink(48000), statsIntervalMs: 0 });
    const r = await session.answerOffer(offerFrom(port));
    if ('reject' in r) throw new Error(r.reason);
    const local = session.localPort!;
    session.start();
    await sender.request({ cmd: 'start', port: local, jitterMs });
    await sleep(WARMUP * 1000);
    const a = session.stats();
    await sleep(SECONDS * 1000);
    const b = session.stats();
    const report = (await sender.request({ cmd: 'stop' })) as unknown as SenderReport;
    await session.stop();
    return { ...between(a, b), sender: report, lateTicks: (b.clock?.lateTicks ?? 0) - (a.clock?.lateTicks ?? 0) };
  } finally {
    await engine.close();
    await sender.kill();
  }
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');

async function main(): Promise<void> {
  await initMedia();
  console.log(
    `Playout delay in real time: PCMU 20 ms from a sender process whose packets are each held U(0, J) ms, into a MediaSession (call jitter defaults); ` +
      `${WARMUP} s warm-up, ${SECONDS} s measured, ${ROUNDS} rounds, node ${process.version}, ${cpus().length} CPUs`,
  );
  for (const jitter of JITTERS) {
    const rows: Window[] = [];
    console.log(`\n  J = ${jitter} ms (delay varies 0–${jitter} ms, packet to packet independent)`);
    for (let r = 0; r < ROUNDS; r++) {
      const w = await round(jitter);
      rows.push(w);
      console.log(
        `    round ${r + 1}: arrival→playout ${f1(w.arrivalToPlayoutMs)} ms, from the earliest arrival ${f1(w.arrivalToPlayoutMs + w.sender.holdMeanMs)} ms (buffer depth ${f1(w.bufferDelayMs)} ms, target ${f1(w.targetMs)} ms), ` +
          `late loss ${f2(w.lateLossPct)} % of ${w.played} played, RFC 3550 jitter ${f1(w.rfcJitterMs)} ms; ` +
          `sender${w.sender.realtime ? ' (real-time)' : ' (ordinary priority: chrt refused)'} late against its schedule median ${f2(w.sender.lateMedianMs)} / p99 ${f1(w.sender.lateP99Ms)} / max ${f1(w.sender.lateMaxMs)} ms; ` +
          `receiver ticks > 5 ms late ${w.lateTicks}; load ${f1(loadavg()[0] as number)}`,
      );
    }
    const delay = median(rows.map((w) => w.arrivalToPlayoutMs));
    // Judged from the earliest arrival (a packet held h ms by the "network" waits h ms less in the buffer, but
    // the listener still hears it that much later): the stricter of the two.
    const fromEarliest = median(rows.map((w) => w.arrivalToPlayoutMs + w.sender.holdMeanMs));
    const loss = median(rows.map((w) => w.lateLossPct));
    const goal = jitter === 0 ? fromEarliest <= 30 : jitter <= 30 ? fromEarliest <= 70 && loss <= 1 : undefined;
    const goalText = jitter === 0 ? '≤ 30 ms' : jitter <= 30 ? '≤ 70 ms with ≤ 1 % late loss' : 'none set';
    console.log(
      `    median: arrival→playout ${f1(delay)} ms, from the earliest arrival ${f1(fromEarliest)} ms, late loss ${f2(loss)} %, target ${f1(median(rows.map((w) => w.targetMs)))} ms ` +
        `(goal ${goalText}: ${goal === undefined ? '–' : goal ? 'met' : 'NOT met'})`,
    );
  }
  console.log(`\n  load average: ${loadavg().map(f1).join(' ')} (on ${cpus().length} CPUs)`);
}

if (process.argv.includes('--sender')) runSender();
else await main();
