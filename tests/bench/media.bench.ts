/**
 * Media engine figures (issue "Media engine" §9). Prints; not a pass/fail test.
 *
 *  1. CPU per call, simulated: a one-minute call (3000 frames of 20 ms) per
 *     codec through the whole per-frame path — resample 48 kHz → codec rate,
 *     encode, RTP packetize, (SRTP protect + unprotect), parse, jitter
 *     buffer, decode, resample back — with process.cpuUsage and no waiting,
 *     plus a per-stage breakdown.
 *  2. Latency on a real-time 10 s loopback call: capture → socket.send
 *     returned, capture → datagram delivered to the peer's socket handler,
 *     and arrival → playout (the jitter buffer's share).
 *  3. CPU side by side with baresip 1.0: two baresip processes call each other
 *     on loopback (aufile source, answermode auto, codec forced), and two
 *     Parley endpoints (each its own Node process running a MediaSession)
 *     do the same call; every process's utime+stime comes from
 *     /proc/<pid>/stat over the call minus its idle rate. Ratios per codec.
 *
 *     The Node floors beside them: processes that only wake every 20 ms on a
 *     drift-corrected timer (and, in the second, send one RTP-sized datagram
 *     to each other): what any Node endpoint pays before any media work; and
 *     its parts: a process that only receives one datagram per 20 ms, and
 *     one that answers each in the same wake-up (one wake-up per frame, as
 *     if our sends rode on the peer's packets: what that would save).
 *     With --pin N every measured process (all its threads) runs on CPU N
 *     only; use --seconds 60 or more for the floor's small figures.
 *     With --rt every measured process
 *     (baresip and Parley alike) runs at real-time priority (chrt -f 10), so
 *     that on a shared machine the figures measure the software rather than
 *     the queue for the CPU; keep --seconds short (a run is bounded anyway).
 *     --no-floors leaves the Node floors out.
 *
 *   node tests/bench/media.bench.ts [--seconds 20] [--rounds 3] [--codecs PCMU,PCMA,G722,opus] [--srtp] [--skip-baresip] [--only-calls | --no-calls] [--only-floors | --no-floors] [--pin CPU] [--rt]
 */
import { createSocket } from 'node:dgram';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { initMedia } from '../../electron/media/audio/init-media.ts';
import { defaultCodecRegistry } from '../../electron/media/codecs/codec-registry.ts';
import { OPUS_DEFAULTS } from '../../electron/media/codecs/opus-codec.ts';
import { NullSink } from '../../electron/media/devices/null-sink.ts';
import { ToneSource } from '../../electron/media/devices/tone-source.ts';
import { openWavSource } from '../../electron/media/devices/wav-file-source.ts';
import { RtpSender } from '../../electron/media/rtp/rtp-sender.ts';
import { parseRtpPacket, serializeRtpPacket } from '../../electron/media/rtp/rtp-packet.ts';
import { MediaEngine } from '../../electron/media/session/media-engine.ts';
import type { MediaSession } from '../../electron/media/session/media-session.ts';
import { ReceivePipeline } from '../../electron/media/session/receive-pipeline.ts';
import { SendPipeline } from '../../electron/media/session/send-pipeline.ts';
import { generateSrtpKeyMaterial } from '../../electron/media/srtp/srtp-crypto-suite.ts';
import { SrtpSession } from '../../electron/media/srtp/srtp-session.ts';
import { startBaresip } from '../interop/harness/baresip.ts';
import { makeTempDir } from '../interop/harness/managed-process.ts';
import { writeToneWav } from '../interop/harness/wav.ts';
import { Peer, connectPeers, measureCall, runSessionsPeer, sleep } from './harness/media-peers.ts';

const argValue = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SECONDS = Number(argValue('--seconds') ?? 20);
const CODECS = (argValue('--codecs') ?? 'PCMU,PCMA,G722,opus').split(',');
const WITH_SRTP = process.argv.includes('--srtp');
const SKIP_BARESIP = process.argv.includes('--skip-baresip');
const ROUNDS = Number(argValue('--rounds') ?? 3);
const PIN = argValue('--pin') === undefined ? undefined : Number(argValue('--pin'));
const ONLY_FLOORS = process.argv.includes('--only-floors');
const NO_FLOORS = process.argv.includes('--no-floors');
const RT = process.argv.includes('--rt');
const FRAMES = 3000;
const SELF = new URL(import.meta.url).pathname;
const f1 = (v: number) => v.toFixed(1);
const f2 = (v: number) => v.toFixed(2);

// ---- child modes ----------------------------------------------------------------------------

/**
 * The floor of a Node endpoint: a process that only does what every call
 * must — wake every 20 ms on a drift-corrected timer, send one RTP-sized
 * datagram, receive the peer's — and nothing else. Its parts, by mode:
 * 'timer' only wakes; 'recv' only receives (no timer: one wake-up per
 * datagram); 'reply' sends one datagram back for each it receives, in the
 * same wake-up (no timer: what a call would cost if its sends rode on the
 * peer's packets).
 */
type FloorMode = 'full' | 'timer' | 'recv' | 'reply';

async function runFloor(): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const datagram = Buffer.alloc(172);
  let peerPort = 0;
  let mode: FloorMode = 'full';
  socket.on('message', () => {
    if (mode === 'reply' && peerPort !== 0) socket.send(datagram, peerPort, '127.0.0.1');
  });
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { id: number; cmd: string; port?: number; mode?: FloorMode }) => {
    if (m.cmd === 'bind') process.send!({ id: m.id, port: socket.address().port });
    else if (m.cmd === 'start') {
      mode = m.mode ?? 'full';
      peerPort = m.port!;
      if (mode === 'full' || mode === 'timer') {
        const t0 = performance.now();
        let n = 0;
        const tick = () => {
          if (mode === 'full') socket.send(datagram, peerPort, '127.0.0.1');
          setTimeout(tick, Math.max(0, t0 + ++n * 20 - performance.now()));
        };
        tick();
      }
      process.send!({ id: m.id });
    } else if (m.cmd === 'stop') {
      process.send!({ id: m.id });
      setTimeout(() => process.exit(0), 50);
    }
  });
  process.send!({ id: 0, ready: true });
}

// ---- 1. simulated call -------------------------------------------------------------------

interface SimResult {
  cpuMsPerMinute: number;
  stagesUs: Record<string, number>;
}

function simulate(codecName: string, srtp: boolean, deviceRate: number): SimResult {
  const codec = defaultCodecRegistry.get(codecName)!;
  const send = new SendPipeline({ codec, inputRate: deviceRate, ptimeMs: 20 });
  const recv = new ReceivePipeline({ codec, outputRate: deviceRate });
  const sender = new RtpSender({ payloadType: 0, clockRate: codec.clockRate });
  const kA = generateSrtpKeyMaterial();
  const kB = generateSrtpKeyMaterial();
  const out = srtp ? new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: kA, remoteKey: kB }) : undefined;
  const inn = srtp ? new SrtpSession({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: kB, remoteKey: kA }) : undefined;
  const tone = new ToneSource({ frequency: 600, sampleRate: deviceRate });
  const n = Math.round(deviceRate / 50);
  const frames = Array.from({ length: 50 }, () => tone.read(n)!); // one second of tone, looped
  const stages = { 'resample+encode': 0n, packetize: 0n, 'srtp protect': 0n, 'srtp unprotect+parse': 0n, 'jitter+decode+resample': 0n };
  const frame = (i: number, timed: boolean) => {
    const t0 = timed ? process.hrtime.bigint() : 0n;
    const packets = send.process(frames[i % 50]!);
    const t1 = timed ? process.hrtime.bigint() : 0n;
    for (const p of packets) {
      let bytes: Uint8Array = serializeRtpPacket(sender.next(p.payload, { samples: p.ticks }));
      const t2 = timed ? process.hrtime.bigint() : 0n;
      if (out) bytes = out.protectRtp(bytes);
      const t3 = timed ? process.hrtime.bigint() : 0n;
      const rtp = parseRtpPacket(inn ? inn.unprotectRtp(bytes) : bytes);
      recv.push(rtp.sequenceNumber, rtp.timestamp, rtp.payload, i * 20);
      const t4 = timed ? process.hrtime.bigint() : 0n;
      if (timed) {
        stages.packetize += t2 - t1;
        stages['srtp protect'] += t3 - t2;
        stages['srtp unprotect+parse'] += t4 - t3;
      }
    }
    const t5 = timed ? process.hrtime.bigint() : 0n;
    recv.pull(i * 20);
    if (timed) {
      stages['resample+encode'] += t1 - t0;
      stages['jitter+decode+resample'] += process.hrtime.bigint() - t5;
    }
  };
  for (let i = 0; i < 200; i++) frame(i, false); // warm-up (JIT, WASM tiers)
  const c0 = process.cpuUsage();
  for (let i = 200; i < 200 + FRAMES; i++) frame(i, false);
  const c = process.cpuUsage(c0);
  for (let i = 0; i < FRAMES; i++) frame(200 + FRAMES + i, true);
  send.destroy();
  recv.destroy();
  const stagesUs: Record<string, number> = {};
  for (const [k, v] of Object.entries(stages)) stagesUs[k] = Number(v) / FRAMES / 1000;
  return { cpuMsPerMinute: (c.user + c.system) / 1000, stagesUs };
}

// ---- 2. real-time latency ----------------------------------------------------------------

async function latencyRun(codec: string, seconds: number): Promise<void> {
  const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
  const a = engine.createSession({ codecs: [codec], source: new ToneSource({ frequency: 600 }), sink: new NullSink(), statsIntervalMs: 0 });
  const b = engine.createSession({ codecs: [codec], source: new ToneSource({ frequency: 1000 }), sink: new NullSink(), statsIntervalMs: 0 });
  const captured = new Map<number, number>();
  const wire: number[] = [];
  a.on('packet-sent', (p) => captured.set(p.sequenceNumber, p.captureMs));
  try {
    const offer = await a.createOffer();
    const r = await b.answerOffer(offer);
    if ('reject' in r) throw new Error(r.reason);
    await a.setAnswer(r.answer);
    b.rtpSession!.on('rtp', (p, info) => {
      const c = captured.get(p.sequenceNumber);
      if (c !== undefined) wire.push(info.arrivalMs - c);
      captured.delete(p.sequenceNumber);
    });
    const cpu0 = process.cpuUsage();
    a.start();
    b.start();
    await sleep(seconds * 1000);
    const cpu = process.cpuUsage(cpu0);
    const sa = a.stats();
    const sb = b.stats();
    wire.sort((x, y) => x - y);
    const q = (p: number) => wire[Math.min(wire.length - 1, Math.floor(p * wire.length))]!;
    const cts = sa.captureToSend;
    console.log(
      `${codec.padEnd(5)} capture→send returned  avg ${f2(cts.avgMs)} ms, max ${f2(cts.maxMs)} ms (${cts.count} packets)\n` +
        `      capture→peer socket    median ${f2(q(0.5))} ms, p99 ${f2(q(0.99))} ms, max ${f2(wire.at(-1)!)} ms (${wire.length} packets)\n` +
        `      arrival→playout        avg ${f1(sb.arrivalToPlayout.avgMs)} ms (min ${f1(sb.arrivalToPlayout.minMs)}, max ${f1(sb.arrivalToPlayout.maxMs)}); ` +
        `jitter buffer target ${f1(sb.jitterBuffer.targetDelayMs)} ms, buffered ${sb.jitterBuffer.playoutDelayMs} ms\n` +
        `      clock: ${sb.clock?.ticks} ticks, ${sb.clock?.lateTicks} > 5 ms late, worst ${f1(sb.clock?.maxLatenessMs ?? 0)} ms; ` +
        `process CPU ${f1(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100)} % for both endpoints`,
    );
  } finally {
    await engine.close();
  }
}

// ---- 3. side by side with baresip -------------------------------------------------------

/** With opus_stereo off, baresip 1.0 registers Opus as opus/48000/1 (mono PCM, still opus/48000/2 in SDP). */
const BARESIP_CODEC: Record<string, string> = { PCMU: 'PCMU/8000/1', PCMA: 'PCMA/8000/1', G722: 'G722/16000/1', opus: 'opus/48000/1' };

/**
 * baresip's opus settings made to match ours (mono, our complexity, in-band FEC,
 * 10 % expected loss, 32 kbit/s). The harness has no option for extra config
 * lines, so they ride on the audio_source line as extra lines of the file.
 */
const BARESIP_OPUS_CONFIG = ['opus_stereo no', 'opus_sprop_stereo no', `opus_complexity ${OPUS_DEFAULTS.complexity}`, 'opus_inbandfec yes', 'opus_packet_loss 10', 'opus_bitrate 32000'];

async function baresipCall(codec: string, srtp: boolean, seconds: number): Promise<number[]> {
  const rate = defaultCodecRegistry.get(codec)!.sampleRate; // baresip 1.0's aufile does not resample
  const dir = makeTempDir('media-bench');
  const wav = join(dir.path, 'tone.wav');
  // Longer than the call: aufile plays its file once.
  writeToneWav(wav, { frequency: 600, seconds: seconds + 15, sampleRate: rate });
  const source = codec === 'opus' ? [wav, ...BARESIP_OPUS_CONFIG].join('\n') : wav;
  const common = { regint: 0, audioCodecs: BARESIP_CODEC[codec]!, ...(srtp ? { mediaenc: 'srtp-mand' as const } : {}) };
  const bob = await startBaresip({ accounts: [{ aor: 'sip:bob@127.0.0.1', answermode: 'auto', ...common }], audioSourceFile: source });
  const alice = await startBaresip({ accounts: [{ aor: 'sip:alice@127.0.0.1', ...common }], audioSourceFile: source }).catch(async (e) => {
    await bob.stop();
    throw e;
  });
  try {
    return await measureCall(
      [alice.pid, bob.pid],
      3,
      async () => {
        const r = await alice.command('dial', `sip:bob@127.0.0.1:${bob.sipPort}`);
        if (!r.ok) throw new Error(`dial: ${r.data}`);
        await alice.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 5000);
        await sleep(500); // both audio pipelines up
      },
      seconds,
      PIN,
      RT,
    );
  } finally {
    await alice.stop();
    await bob.stop();
    dir.remove();
  }
}

async function parleyCall(codec: string, srtp: boolean, seconds: number, rate: number): Promise<number[]> {
  const dir = makeTempDir('media-bench');
  const wav = join(dir.path, 'tone.wav');
  writeToneWav(wav, { frequency: 600, seconds: 10, sampleRate: rate });
  const a = new Peer(SELF);
  const b = new Peer(SELF);
  try {
    await Promise.all([a.ready, b.ready]);
    await a.request({ cmd: 'init', codec, srtp, rate, wav });
    await b.request({ cmd: 'init', codec, srtp, rate, wav });
    return await measureCall(
      [a.child.pid!, b.child.pid!],
      3,
      async () => {
        await connectPeers(a, b);
        await sleep(500);
      },
      seconds,
      PIN,
      RT,
    );
  } finally {
    await Promise.allSettled([a.request({ cmd: 'stop' }), b.request({ cmd: 'stop' })]);
    await Promise.all([a.kill(), b.kill()]);
    dir.remove();
  }
}

/** Two floor processes in modes `modes` (A sends to B, B to A), each its CPU %. */
async function floorCall(seconds: number, modes: [FloorMode, FloorMode]): Promise<number[]> {
  const a = new Peer(SELF, '--floor');
  const b = new Peer(SELF, '--floor');
  try {
    await Promise.all([a.ready, b.ready]);
    const pa = (await a.request({ cmd: 'bind' })).port;
    const pb = (await b.request({ cmd: 'bind' })).port;
    return await measureCall(
      [a.child.pid!, b.child.pid!],
      3,
      async () => {
        // The one that only answers first, so that it is ready for the first datagram.
        await b.request({ cmd: 'start', port: pa, mode: modes[1] });
        await a.request({ cmd: 'start', port: pb, mode: modes[0] });
      },
      seconds,
      PIN,
      RT,
    );
  } finally {
    await Promise.allSettled([a.request({ cmd: 'stop' }), b.request({ cmd: 'stop' })]);
    await Promise.all([a.kill(), b.kill()]);
  }
}

/** CPU per endpoint with `calls` concurrent loopback calls in this one process (shared clock and event loop). */
async function concurrentCalls(codec: string, calls: number, seconds: number): Promise<number> {
  const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
  const dir = makeTempDir('media-bench');
  const wav = join(dir.path, 'tone.wav');
  writeToneWav(wav, { frequency: 600, seconds: 10, sampleRate: 48000 });
  try {
    const sessions: MediaSession[] = [];
    for (let i = 0; i < calls; i++) {
      const mk = async () =>
        engine.createSession({ codecs: [codec], source: await openWavSource(wav, { loop: true }), sink: new NullSink(), statsIntervalMs: 0 });
      const a = await mk();
      const b = await mk();
      const r = await b.answerOffer(await a.createOffer());
      if ('reject' in r) throw new Error(r.reason);
      await a.setAnswer(r.answer);
      sessions.push(a, b);
    }
    const i0 = process.cpuUsage();
    await sleep(2000);
    const i = process.cpuUsage(i0);
    const idlePerMs = (i.user + i.system) / 1000 / 2000;
    for (const s of sessions) s.start();
    await sleep(3000);
    const c0 = process.cpuUsage();
    await sleep(seconds * 1000);
    const c = process.cpuUsage(c0);
    return (((c.user + c.system) / 1000 - idlePerMs * seconds * 1000) / (seconds * 1000) / sessions.length) * 100;
  } finally {
    await engine.close();
    dir.remove();
  }
}

// ---- main -------------------------------------------------------------------------------

async function main(): Promise<void> {
  await initMedia();
  console.log(`Media engine benchmark (node ${process.version}, ${process.arch})\n`);
  if (!process.argv.includes('--only-calls') && !ONLY_FLOORS) await simulatedAndLatency();
  if (!process.argv.includes('--no-calls')) await sideBySide();
}

async function simulatedAndLatency(): Promise<void> {
  console.log(`1. CPU per call, simulated one-minute call (${FRAMES} frames, one endpoint's work: encode one stream, decode the other)`);
  console.log('   codec  SRTP  devices   CPU ms/min  % of a core   per frame: resample+encode  packetize  srtp-protect  srtp-unprotect+parse  jitter+decode+resample (µs)');
  for (const codec of CODECS) {
    const rate = defaultCodecRegistry.get(codec)!.sampleRate;
    const rows: [boolean, number][] = [
      [false, 48000],
      [true, 48000],
    ];
    if (rate !== 48000) rows.push([false, rate]); // devices at the codec rate: no resampling, like baresip's aufile
    for (const [srtp, deviceRate] of rows) {
      const r = simulate(codec, srtp, deviceRate);
      const s = r.stagesUs;
      console.log(
        `   ${codec.padEnd(6)} ${srtp ? 'on ' : 'off'}   ${String(deviceRate / 1000).padStart(2)} kHz  ${f1(r.cpuMsPerMinute).padStart(9)}   ${f2((r.cpuMsPerMinute / 60000) * 100).padStart(8)} %` +
          `   ${f1(s['resample+encode']!).padStart(10)}  ${f1(s.packetize!).padStart(14)}  ${f1(s['srtp protect']!).padStart(9)}  ${f1(s['srtp unprotect+parse']!).padStart(14)}  ${f1(s['jitter+decode+resample']!).padStart(16)}`,
      );
    }
  }

  console.log('\n2. Latency, real-time 10 s loopback call (two sessions, one process)');
  for (const codec of ['PCMU', 'opus'].filter((c) => CODECS.includes(c))) await latencyRun(codec, 10);
}

async function sideBySide(): Promise<void> {
  console.log(`\n3. CPU per endpoint during a real-time ${SECONDS} s call, each endpoint its own process (/proc utime+stime, idle subtracted); median of ${ROUNDS} rounds, baresip and Parley in alternating order`);
  console.log('   codec  SRTP   baresip (A / B)        Parley 48 kHz devices (A / B)   ratio    Parley codec-rate devices (A / B)   ratio');
  const avg = (x: number[]) => (x[0]! + x[1]!) / 2;
  const med = (runs: number[][]): number[] => {
    const k = [...runs].sort((x, y) => avg(x) - avg(y));
    return k[k.length >> 1]!;
  };
  for (const codec of ONLY_FLOORS ? [] : CODECS) {
    for (const srtp of WITH_SRTP ? [false, true] : [false]) {
      const rate = defaultCodecRegistry.get(codec)!.sampleRate;
      const bareRuns: number[][] = [];
      const oursRuns: number[][] = [];
      const nativeRuns: number[][] = [];
      const ratios: string[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const steps: (() => Promise<void>)[] = [
          async () => void bareRuns.push(SKIP_BARESIP ? [NaN, NaN] : await baresipCall(codec, srtp, SECONDS)),
          async () => void oursRuns.push(await parleyCall(codec, srtp, SECONDS, 48000)),
        ];
        if (rate !== 48000) steps.push(async () => void nativeRuns.push(await parleyCall(codec, srtp, SECONDS, rate)));
        if (r % 2 === 1) steps.reverse();
        for (const step of steps) await step();
        ratios.push(`${f2(avg(oursRuns[r]!) / avg(bareRuns[r]!))}×`);
      }
      const bare = med(bareRuns);
      const ours = med(oursRuns);
      const oursNative = rate === 48000 ? ours : med(nativeRuns);
      const pair = (x: number[]) => `${f2(avg(x))} % (${f2(x[0]!)} / ${f2(x[1]!)})`.padEnd(26);
      console.log(
        `   ${codec.padEnd(6)} ${srtp ? 'on ' : 'off'}    ${pair(bare)}  ${pair(ours)}       ${f2(avg(ours) / avg(bare)).padStart(5)}×   ${pair(oursNative)}          ${f2(avg(oursNative) / avg(bare)).padStart(5)}×   (rounds: ${ratios.join(' ')})`,
      );
    }
  }
  if (!NO_FLOORS) await nodeFloors(med);
  console.log(`   ${PIN === undefined ? 'not pinned' : `every measured process pinned to CPU ${PIN}`}${RT ? ', at real-time priority (chrt -f 10)' : ''}; ${SECONDS} s per measurement`);
  console.log(`   load average during the run: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (on ${cpus().length} CPUs)`);
  if (ONLY_FLOORS || NO_FLOORS) return;
  console.log('\n4. CPU per endpoint with several calls in one process (one engine, one 20 ms clock), 10 s, 48 kHz devices');
  for (const codec of CODECS) {
    const cells: string[] = [];
    for (const n of [1, 10]) cells.push(`${n} call${n > 1 ? 's' : ' '}: ${f2(await concurrentCalls(codec, n, 10))} %`);
    console.log(`   ${codec.padEnd(6)} ${cells.join('   ')}`);
  }
  console.log('\n   Goals: G.711 ≤ 1.0× baresip, Opus ≤ 1.2× (issue "Fast where the user feels it" §3), capture→wire ≤ 2 ms beyond the 20 ms packetization.');
}

/** The Node floors: what any Node endpoint pays before media work (see the file comment). */
async function nodeFloors(med: (runs: number[][]) => number[]): Promise<void> {
  const avg = (x: number[]) => (x[0]! + x[1]!) / 2;
  const floors: number[][] = [];
  const timerFloors: number[][] = [];
  const recvFloors: number[][] = [];
  const replyFloors: number[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    floors.push(await floorCall(SECONDS, ['full', 'full']));
    timerFloors.push(await floorCall(SECONDS, ['timer', 'timer']));
    // B's figure: one datagram received per 20 ms (A's timer sends it), alone or answered in the same wake-up.
    recvFloors.push((await floorCall(SECONDS, ['full', 'recv'])).slice(1));
    replyFloors.push((await floorCall(SECONDS, ['full', 'reply'])).slice(1));
  }
  const floor = med(floors);
  const timerFloor = med(timerFloors);
  const one = (runs: number[][]) => [...runs.map((x) => x[0]!)].sort((x, y) => x - y)[runs.length >> 1]!;
  console.log(`   Node floor (own process: 20 ms timer + one 172-byte datagram each way, no media; median of ${ROUNDS}): ${f2(avg(floor))} % (${f2(floor[0]!)} / ${f2(floor[1]!)})`);
  console.log(`   Node floor, the 20 ms timer alone (no socket): ${f2(avg(timerFloor))} % (${f2(timerFloor[0]!)} / ${f2(timerFloor[1]!)}); the datagrams' share ${f2(avg(floor) - avg(timerFloor))} %`);
  console.log(`   Node floor, receiving one datagram per 20 ms (no timer): ${f2(one(recvFloors))} %; answering each in the same wake-up (one wake-up per frame instead of two): ${f2(one(replyFloors))} %`);
}

if (process.argv.includes('--peer')) await runSessionsPeer();
else if (process.argv.includes('--floor')) await runFloor();
else await main();
