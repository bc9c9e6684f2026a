/**
 * Mouth-to-ear latency (issue "Fast where the user feels it" §1), Parley
 * beside baresip in the same run, measured on the wire.
 *
 * Method — the echo turnaround. A baresip "driver" plays a click train (clicks
 * at irregular intervals, PCMU) into a call to an echo line E that sends back
 * what it hears; dumpcap records both directions of the driver's RTP on
 * loopback. Each direction is rebuilt from its RTP timestamps and put on the
 * capture's time line (the packet with the least transit anchors it; a
 * sample's time is when the packet that carried it left, minus one ptime:
 * when it was spoken). Cross-correlating the two gives E's turnaround: the
 * time E took from a packet arriving to the same sound leaving again —
 * E's receive path (jitter buffer, decode, resampling, playout device) plus
 * its send path (capture device, resampling, packetisation, encode) with the
 * loudspeaker tied to the microphone. That is E's mouth-to-ear delay, one
 * way, over a zero-delay network: the figure a user of E hears.
 *
 *   E = baresip 1.0 with its echo module (aubridge ties its player to its
 *       source), the reference;
 *   E = `parley echo` (the CLI: SIP, engine, 48 kHz device frames through
 *       the echo device).
 *
 * Then where Parley's milliseconds go, engine only: two MediaSessions in this
 * process (a click source, a sink that notes when each frame is played)
 * carry the same clicks; the sink's times against the source's give the
 * one-way delay, split into packetisation, capture → send, the socket,
 * arrival → playout (jitter buffer) and the resamplers' filter delay.
 *
 * Each round runs both echo lines, in alternating order; printed: per round
 * the median turnaround over the clicks, then the medians over the rounds,
 * the difference (goal: Parley ≤ baresip + 10 ms at zero jitter) and the load.
 *
 *   node tests/bench/latency.bench.ts [--seconds 12] [--rounds 3]
 *
 * Needs dumpcap (Wireshark) able to capture on the loopback interface (root
 * or the capture capability); without it only the engine-only part runs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { initMedia } from '../../electron/media/audio/init-media.ts';
import { Resampler } from '../../electron/media/audio/resampler.ts';
import type { AudioSink, AudioSource } from '../../electron/media/audio/frame.ts';
import { decodeUlaw } from '../../electron/media/codecs/g711.ts';
import { MediaEngine } from '../../electron/media/session/media-engine.ts';
import { startBaresip } from '../interop/harness/baresip.ts';
import type { BaresipHandle } from '../interop/harness/baresip.ts';
import { freePort, portFree } from '../interop/harness/free-port.ts';
import { ManagedProcess, makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SECONDS = Number(argValue('--seconds') ?? 12);
const ROUNDS = Number(argValue('--rounds') ?? 3);
const RATE = 8000;
const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return NaN;
  return s.length % 2 === 1 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

// ---- the click train -----------------------------------------------------------------------

/** Click onsets (samples) at irregular 300–700 ms intervals, so no lag below 700 ms matches a wrong click. */
function clickOnsets(seconds: number, rate: number): number[] {
  const out: number[] = [];
  let seed = 12345;
  let t = Math.round(0.5 * rate);
  while (t < (seconds - 0.5) * rate) {
    out.push(t);
    seed = (seed * 1103515245 + 12345) >>> 0;
    t += Math.round((0.3 + 0.4 * (seed / 2 ** 32)) * rate);
  }
  return out;
}

/** A 4 ms burst of 1 kHz under a Hann window: short, band-limited (survives G.711 and resampling). */
function clickTrain(seconds: number, rate: number): Int16Array {
  const x = new Int16Array(Math.round(seconds * rate));
  const len = Math.round(0.004 * rate);
  for (const onset of clickOnsets(seconds, rate)) {
    for (let i = 0; i < len; i++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (len - 1));
      x[onset + i] = Math.round(20000 * w * Math.sin((2 * Math.PI * 1000 * i) / rate));
    }
  }
  return x;
}

function writeWav(path: string, samples: Int16Array, rate: number): void {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + samples.length * 2, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(samples.length * 2, 40);
  writeFileSync(path, Buffer.concat([h, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]));
}

// ---- delay by cross-correlation ------------------------------------------------------------

/** Energy per 1 ms bin. */
function envelope(x: Float64Array | Int16Array, rate: number): Float64Array {
  const bin = rate / 1000;
  const out = new Float64Array(Math.floor(x.length / bin));
  for (let b = 0; b < out.length; b++) {
    let e = 0;
    for (let i = b * bin; i < (b + 1) * bin; i++) e += (x[i] as number) * (x[i] as number);
    out[b] = e;
  }
  return out;
}

/**
 * The lag (ms, with sample resolution) at which `y` best matches `x` delayed:
 * first on 1 ms energy envelopes over [minMs, maxMs], then sample by sample
 * within ±2 ms of that on the signals themselves.
 */
function delayMs(x: Float64Array | Int16Array, y: Float64Array | Int16Array, rate: number, minMs: number, maxMs: number): number {
  const ex = envelope(x, rate);
  const ey = envelope(y, rate);
  let best = NaN;
  let bestScore = -Infinity;
  for (let lag = Math.max(0, minMs); lag <= maxMs; lag++) {
    let s = 0;
    for (let i = 0; i + lag < ey.length && i < ex.length; i++) s += (ex[i] as number) * (ey[i + lag] as number);
    if (s > bestScore) {
      bestScore = s;
      best = lag;
    }
  }
  if (!Number.isFinite(best) || bestScore <= 0) return NaN;
  const per = rate / 1000;
  let fine = best * per;
  let fineScore = -Infinity;
  for (let lag = Math.max(0, (best - 2) * per); lag <= (best + 2) * per; lag++) {
    let s = 0;
    for (let i = 0; i + lag < y.length && i < x.length; i++) s += Math.abs((x[i] as number) * (y[i + lag] as number));
    if (s > fineScore) {
      fineScore = s;
      fine = lag;
    }
  }
  return (fine / rate) * 1000;
}

// ---- the capture -----------------------------------------------------------------------------

interface WirePacket {
  atMs: number;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

/** UDP datagrams of a classic pcap file (Ethernet or Linux cooked link layer, IPv4). */
function readPcap(path: string): WirePacket[] {
  const b = readFileSync(path);
  if (b.length < 24) return [];
  const magic = b.readUInt32LE(0);
  const nanos = magic === 0xa1b23c4d;
  if (magic !== 0xa1b2c3d4 && !nanos) throw new Error(`${path}: not a little-endian pcap file`);
  const link = b.readUInt32LE(20);
  const l2 = link === 1 ? 14 : link === 113 ? 16 : link === 0 ? 4 : -1;
  if (l2 < 0) throw new Error(`${path}: link type ${link} not handled`);
  const out: WirePacket[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const atMs = b.readUInt32LE(o) * 1000 + b.readUInt32LE(o + 4) / (nanos ? 1e6 : 1e3);
    const len = b.readUInt32LE(o + 8);
    const p = o + 16;
    o = p + len;
    const ip = p + l2;
    if (ip + 28 > b.length || b[ip]! >> 4 !== 4 || b[ip + 9] !== 17) continue;
    const udp = ip + (b[ip]! & 0x0f) * 4;
    out.push({ atMs, srcPort: b.readUInt16BE(udp), dstPort: b.readUInt16BE(udp + 2), payload: b.subarray(udp + 8, Math.min(o, b.length)) });
  }
  return out;
}

/**
 * One direction's PCMU RTP as a signal on the capture's time line: sample i
 * is at `startMs + i / 8 ms`, where the packet with the least transit sets
 * the mapping and every sample is placed when it was spoken (its packet's
 * departure minus one ptime).
 */
function rebuild(packets: WirePacket[]): { startMs: number; samples: Int16Array } | undefined {
  const rtp = packets.filter((p) => p.payload.length > 12 && p.payload[0]! >> 6 === 2 && (p.payload[1]! & 0x7f) === 0);
  if (rtp.length < 50) return undefined;
  const ts0 = rtp[0]!.payload.readUInt32BE(4);
  let anchor = Infinity;
  let end = 0;
  for (const p of rtp) {
    const rel = (p.payload.readUInt32BE(4) - ts0) | 0;
    const n = p.payload.length - 12;
    // The packet left once its last sample was spoken: rel + n samples after the stream's origin.
    anchor = Math.min(anchor, p.atMs - ((rel + n) / RATE) * 1000);
    end = Math.max(end, rel + n);
  }
  const samples = new Int16Array(end);
  for (const p of rtp) {
    const rel = (p.payload.readUInt32BE(4) - ts0) | 0;
    if (rel >= 0) samples.set(decodeUlaw(p.payload.subarray(12)), rel);
  }
  return { startMs: anchor, samples };
}

/** E's turnaround: the echo stream against the stream sent to E, both on the wire's clock. */
function turnaroundMs(packets: WirePacket[], driverPort: number): number {
  const toE = rebuild(packets.filter((p) => p.srcPort === driverPort));
  const fromE = rebuild(packets.filter((p) => p.dstPort === driverPort));
  if (!toE || !fromE) return NaN;
  // Put both on one grid starting at the stream sent to E.
  const shift = Math.round(((fromE.startMs - toE.startMs) / 1000) * RATE);
  const y = new Float64Array(fromE.samples.length + Math.max(0, shift));
  for (let i = 0; i < fromE.samples.length; i++) if (i + shift >= 0) y[i + shift] = fromE.samples[i] as number;
  return delayMs(toE.samples, y, RATE, 0, 680);
}

class Capture {
  readonly #proc: ManagedProcess;
  readonly file: string;

  private constructor(proc: ManagedProcess, file: string) {
    this.#proc = proc;
    this.file = file;
  }

  static available(): boolean {
    return spawnSync('dumpcap', ['-v'], { stdio: 'ignore' }).status === 0 && process.getuid?.() === 0;
  }

  /** dumpcap on loopback for one UDP port, classic pcap format. */
  static async start(dir: string, port: number): Promise<Capture> {
    const file = join(dir, `rtp-${port}.pcap`);
    const proc = new ManagedProcess('dumpcap', ['-q', '-i', 'lo', '-f', `udp port ${port}`, '-P', '-w', file]);
    const ok = await proc.waitForOutput(/Capturing on/i, 5000);
    // dumpcap -q still says it started on stderr; give the filter a moment either way.
    await sleep(ok ? 100 : 1000);
    return new Capture(proc, file);
  }

  async stop(): Promise<WirePacket[]> {
    await sleep(200);
    await this.#proc.stop(3000);
    return readPcap(this.file);
  }
}

// ---- the echo lines ---------------------------------------------------------------------------

interface EchoLine {
  uri: string;
  stop(): Promise<void>;
}

async function baresipEcho(): Promise<EchoLine> {
  const b = await startBaresip({
    accounts: [{ aor: 'sip:echo@127.0.0.1', regint: 0, answermode: 'manual', audioCodecs: 'PCMU/8000/1' }],
    extraModules: ['echo.so'],
    audioSource: 'aubridge,echo',
    dumpAudio: false,
  });
  return { uri: `sip:echo@127.0.0.1:${b.sipPort}`, stop: () => b.stop() };
}

async function parleyEcho(dir: string): Promise<EchoLine> {
  const p = new ParleyProcess(['echo', '--bind', '127.0.0.1:0', '--codecs', 'PCMU', '--json'], {
    env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg'), PARLEY_PASSWORD: '' },
  });
  const listening = await p.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
  const local = String(listening.data.local ?? '');
  return {
    uri: local.replace(/^sip:[^@]*@/, 'sip:echo@'),
    stop: async () => {
      await p.stop();
    },
  };
}

/** The driver (baresip, the click train on aufile) calls `line` for SECONDS; returns E's turnaround. */
async function echoRound(wav: string, dir: string, line: EchoLine): Promise<number> {
  const rtpPort = await freeEvenPortPair();
  let driver: BaresipHandle | undefined;
  let capture: Capture | undefined;
  try {
    driver = await startBaresip({
      accounts: [{ aor: 'sip:driver@127.0.0.1', regint: 0, audioCodecs: 'PCMU/8000/1' }],
      audioSourceFile: wav,
      dumpAudio: false,
      extraConfig: [`rtp_ports ${rtpPort}-${rtpPort + 1}`],
    });
    capture = await Capture.start(dir, rtpPort);
    const r = await driver.command('dial', line.uri);
    if (!r.ok) throw new Error(`dial: ${r.data}`);
    await driver.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 10_000);
    await sleep(SECONDS * 1000);
    await driver.command('hangup');
    const packets = await capture.stop();
    capture = undefined;
    return turnaroundMs(packets, rtpPort);
  } finally {
    await capture?.stop().catch(() => undefined);
    await driver?.stop();
    await line.stop();
  }
}

/** An even UDP port whose successor is free too (baresip binds RTCP on RTP + 1). */
async function freeEvenPortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freePort(['udp4']);
    const even = p % 2 === 0 ? p : p + 1;
    if ((await portFree('udp4', even)) && (await portFree('udp4', even + 1))) return even;
  }
  throw new Error('no free RTP port pair');
}

// ---- engine only: where Parley's milliseconds go ------------------------------------------------

/** A source that plays `samples` once (then silence) and notes when each 20 ms frame was read. */
class TimedSource implements AudioSource {
  readonly sampleRate: number;
  readonly reads: number[] = [];
  #pos = 0;
  readonly #samples: Int16Array;
  constructor(samples: Int16Array, rate: number) {
    this.#samples = samples;
    this.sampleRate = rate;
  }
  read(n: number): Int16Array {
    this.reads.push(performance.now());
    const out = new Int16Array(n);
    out.set(this.#samples.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return out;
  }
}

/** A sink that keeps what it plays and when each frame was written. */
class TimedSink implements AudioSink {
  readonly sampleRate: number;
  readonly writes: number[] = [];
  readonly frames: Int16Array[] = [];
  constructor(rate: number) {
    this.sampleRate = rate;
  }
  write(frame: Int16Array): void {
    this.writes.push(performance.now());
    this.frames.push(frame.slice());
  }
}

/**
 * Puts frames on a time line: each frame's samples end when it was read
 * (a capture device hands over a frame once it is recorded) or begin when it
 * was written (a playback device starts playing a frame when it gets it).
 */
function onTimeLine(frames: Int16Array[], times: number[], originMs: number, rate: number, frameEnds: boolean): Float64Array {
  const n = frames[0]?.length ?? 0;
  const last = (times.at(-1) ?? originMs) - originMs + 1000;
  const out = new Float64Array(Math.ceil((last / 1000) * rate) + n);
  frames.forEach((f, k) => {
    const start = Math.round((((times[k] as number) - originMs) / 1000) * rate) - (frameEnds ? n : 0);
    for (let i = 0; i < f.length; i++) if (start + i >= 0 && start + i < out.length) out[start + i] = f[i] as number;
  });
  return out;
}

/** The resampler's own delay, ms: an impulse through `from → to`. */
function resamplerDelayMs(from: number, to: number): number {
  const r = new Resampler(from, to);
  const x = new Int16Array(from / 10);
  x[from / 100] = 30000;
  const y = r.process(x);
  r.destroy();
  let peak = 0;
  for (let i = 1; i < y.length; i++) if (Math.abs(y[i] as number) > Math.abs(y[peak] as number)) peak = i;
  return (peak / to) * 1000 - 10;
}

interface EngineFigures {
  oneWayMs: number;
  captureToSendMs: number;
  socketMs: number;
  arrivalToPlayoutMs: number;
  jitterTargetMs: number;
  resampleMs: number;
}

async function engineOnly(seconds: number): Promise<EngineFigures> {
  const deviceRate = 48000;
  const clicks = clickTrain(seconds, deviceRate);
  const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
  const source = new TimedSource(clicks, deviceRate);
  const sink = new TimedSink(deviceRate);
  const a = engine.createSession({ codecs: ['PCMU'], source, statsIntervalMs: 0 });
  const b = engine.createSession({ codecs: ['PCMU'], sink, statsIntervalMs: 0 });
  const sent = new Map<number, number>();
  const socket: number[] = [];
  a.on('packet-sent', (p) => sent.set(p.sequenceNumber, p.sentMs));
  try {
    const r = await b.answerOffer(await a.createOffer());
    if ('reject' in r) throw new Error(r.reason);
    await a.setAnswer(r.answer);
    b.rtpSession!.on('rtp', (p, info) => {
      const s = sent.get(p.sequenceNumber);
      if (s !== undefined) socket.push(info.arrivalMs - s);
      sent.delete(p.sequenceNumber);
    });
    b.start();
    a.start();
    await sleep(seconds * 1000 + 500);
    const sb = b.stats();
    const sa = a.stats();
    // The source's frames, as read (the clicks as spoken), against what the sink played.
    const n = deviceRate / 50;
    const spoken: Int16Array[] = source.reads.map((_, k) => clicks.subarray(k * n, (k + 1) * n));
    const origin = source.reads[0] as number;
    const x = onTimeLine(spoken, source.reads, origin, deviceRate, true);
    const y = onTimeLine(sink.frames, sink.writes, origin, deviceRate, false);
    return {
      oneWayMs: delayMs(x, y, deviceRate, 0, 400),
      captureToSendMs: sa.captureToSend.avgMs,
      socketMs: median(socket),
      arrivalToPlayoutMs: sb.arrivalToPlayout.avgMs,
      jitterTargetMs: sb.jitterBuffer.targetDelayMs,
      resampleMs: resamplerDelayMs(deviceRate, RATE) + resamplerDelayMs(RATE, deviceRate),
    };
  } finally {
    await engine.close();
  }
}

// ---- main -----------------------------------------------------------------------------------------

async function main(): Promise<void> {
  await initMedia();
  console.log(`Mouth-to-ear latency, PCMU 20 ms, loopback (zero network jitter); ${SECONDS} s calls, ${ROUNDS} rounds, node ${process.version}, ${cpus().length} CPUs`);
  const dir = makeTempDir('latency-bench');
  const wav = join(dir.path, 'clicks.wav');
  writeWav(wav, clickTrain(SECONDS + 20, RATE), RATE);
  try {
    if (!Capture.available()) console.log('\n(dumpcap cannot capture on loopback here: the echo turnaround vs baresip is skipped)');
    else {
      console.log('\n1. Echo turnaround on the wire (= the echo line\'s one-way mouth-to-ear delay), median over the clicks');
      const bare: number[] = [];
      const ours: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const order: [number[], () => Promise<EchoLine>][] = [
          [bare, () => baresipEcho()],
          [ours, () => parleyEcho(dir.path)],
        ];
        if (r % 2 === 1) order.reverse();
        for (const [into, open] of order) into.push(await echoRound(wav, dir.path, await open()));
        console.log(`  round ${r + 1}: baresip ${f1(bare[r] as number)} ms   Parley (parley echo) ${f1(ours[r] as number)} ms   load ${f1(loadavg()[0] as number)}`);
      }
      const b = median(bare);
      const p = median(ours);
      console.log(`  median: baresip 1.0 ${f1(b)} ms, Parley ${f1(p)} ms; Parley − baresip ${f1(p - b)} ms (goal ≤ +10 ms: ${p - b <= 10 ? 'met' : 'NOT met'})`);
    }

    console.log('\n2. Engine only, one way (two sessions in this process, 48 kHz devices, the clicks read by the capture side against what the playback side was given)');
    const figures: EngineFigures[] = [];
    for (let r = 0; r < ROUNDS; r++) figures.push(await engineOnly(Math.min(SECONDS, 8)));
    const m = (k: keyof EngineFigures) => median(figures.map((f) => f[k]));
    const one = m('oneWayMs');
    console.log(`  one way (source read → sink written), median of ${ROUNDS}: ${f1(one)} ms  (${figures.map((f) => f1(f.oneWayMs)).join(' / ')})`);
    console.log(`    packetisation (one 20 ms frame captured before it is sent)   20.0 ms`);
    console.log(`    capture → socket.send returned                                ${m('captureToSendMs').toFixed(2)} ms`);
    console.log(`    send → peer's socket handler (median)                          ${m('socketMs').toFixed(2)} ms`);
    const rest = one - 20 - m('captureToSendMs') - m('socketMs') - m('resampleMs');
    console.log(`    resampling 48 → 8 → 48 kHz (filter delay)                      ${m('resampleMs').toFixed(2)} ms`);
    console.log(`    jitter buffer wait + tick phase (the rest of the one way)      ${f1(rest)} ms`);
    console.log(`      (arrival → playout averaged over the whole call, its 40 ms start included: ${f1(m('arrivalToPlayoutMs'))} ms; target at the end ${f1(m('jitterTargetMs'))} ms)`);
    console.log(`  playout delay goal ≤ 30 ms at zero jitter: ${rest <= 30 ? 'met' : 'NOT met'} here (the host's timer jitter counts as jitter; see the jitter buffer's unit tests for the buffer alone)`);
    console.log(`\n  load average: ${loadavg().map(f1).join(' ')}`);
  } finally {
    dir.remove();
  }
}

await main();
