/**
 * What the SRTP media path allocates, per packet and per tick, measured in
 * one process (many-calls.bench.ts --alloc): garbage on the JS heap and
 * ArrayBuffers outside it is what the GC must collect, and with 50 calls a
 * process makes 5,000 packets a second.
 *
 * Allocation is the growth of the used heap (and of external memory: the
 * ArrayBuffers) over a batch plus what the GCs inside it freed.
 * Measured: each step of the path alone (RTP serialize / parse, SRTP protect
 * / unprotect, G.711 encode / decode, jitter buffer push + pull, WAV source
 * read), then whole calls: pairs of MediaSessions with SDES SRTP on
 * loopback, ticked by hand, every packet received before the next tick.
 */
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import type { PerformanceEntry } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { initMedia } from '../../../electron/media/audio/init-media.ts';
import { pcmuCodec } from '../../../electron/media/codecs/g711-codec.ts';
import { NullSink } from '../../../electron/media/devices/null-sink.ts';
import { ToneSource } from '../../../electron/media/devices/tone-source.ts';
import { WavFileSource } from '../../../electron/media/devices/wav-file-source.ts';
import { JitterBuffer } from '../../../electron/media/jitter/jitter-buffer.ts';
import { parseRtpPacket, serializeRtpPacket } from '../../../electron/media/rtp/rtp-packet.ts';
import { RtpSender } from '../../../electron/media/rtp/rtp-sender.ts';
import type { FrameTick, FrameTickListener, FrameTicker } from '../../../electron/media/session/media-clock.ts';
import { MediaSession } from '../../../electron/media/session/media-session.ts';
import { SrtpSession } from '../../../electron/media/srtp/srtp-session.ts';
import type { SrtpCryptoSuite } from '../../../electron/media/srtp/srtp-crypto-suite.ts';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

let gcs = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries() as PerformanceEntry[]) {
    gcs++;
    gcMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

interface Alloc {
  heap: number;
  external: number;
  gcs: number;
  gcMs: number;
  /** CPU time of the process per operation, µs (GC and the loop's I/O included) */
  cpuUs: number;
}

/**
 * Bytes allocated (JS heap, external) per operation over `n` runs of `op`,
 * after a warm-up: the growth of the used heap plus what every GC in the
 * batch freed (v8.GCProfiler's before/after figures), so a GC inside the
 * batch does not hide garbage.
 */
async function perOp(n: number, op: () => void | Promise<void>): Promise<Alloc> {
  for (let i = 0; i < 200; i++) await op();
  gc();
  await new Promise((r) => setImmediate(r));
  const profiler = new GCProfiler();
  const s0 = getHeapStatistics();
  const m0 = gcMs;
  profiler.start();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await op();
  const c1 = process.cpuUsage(c0);
  const s1 = getHeapStatistics();
  const result = profiler.stop();
  let heapFreed = 0;
  let externalFreed = 0;
  for (const g of result?.statistics ?? []) {
    heapFreed += g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize;
    externalFreed += g.beforeGC.heapStatistics.externalMemory - g.afterGC.heapStatistics.externalMemory;
  }
  return {
    heap: (s1.used_heap_size - s0.used_heap_size + heapFreed) / n,
    external: (s1.external_memory - s0.external_memory + externalFreed) / n,
    gcs: result?.statistics.length ?? 0,
    gcMs: gcMs - m0,
    cpuUs: (c1.user + c1.system) / n,
  };
}

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** Allocation sites over `n` runs of `op` (V8's sampling heap profiler, objects already collected included), bytes by site, most first. */
async function allocationSites(n: number, op: () => Promise<void>): Promise<[string, number][]> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  await post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let i = 0; i < n; i++) await op();
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
  session.disconnect();
  const sites = new Map<string, number>();
  const walk = (node: SamplingNode, parent: string) => {
    const f = node.callFrame;
    const here = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(electron|tests|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    const site = f.url ? here : `${here} ← ${parent}`;
    if (node.selfSize > 0) sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c, f.url ? here : parent);
  };
  walk(profile.head, '');
  return [...sites].sort((a, b) => b[1] - a[1]);
}

class HandTicker implements FrameTicker {
  readonly frameMs = 20;
  readonly #listeners = new Set<FrameTickListener>();
  #index = 0;
  subscribe(listener: FrameTickListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  tick(): void {
    const now = performance.now();
    const tick: FrameTick = { index: this.#index++, dueMs: now, nowMs: now, skippedFrames: 0 };
    for (const l of this.#listeners) l(tick);
  }
}

const fmt = (a: Alloc) => `${a.heap.toFixed(0).padStart(6)} B heap ${a.external.toFixed(0).padStart(5)} B external${a.gcs ? `; ${a.gcs} GCs, ${a.gcMs.toFixed(1)} ms` : ''}`;

export async function runAllocChild(suite: SrtpCryptoSuite, pairs: number): Promise<void> {
  await initMedia();
  const out = (s: string) => process.stdout.write(`${s}\n`);
  const N = 2000;
  const key = (b: number) => ({ masterKey: new Uint8Array(16).fill(b), masterSalt: new Uint8Array(14).fill(b + 1) });
  const alice = new SrtpSession({ suite, localKey: key(1), remoteKey: key(2) });
  const bob = new SrtpSession({ suite, localKey: key(2), remoteKey: key(1) });
  const sender = new RtpSender({ payloadType: 0, clockRate: 8000 });
  const payload = new Uint8Array(160).fill(0x55);
  const pcm = new Int16Array(160).map((_, i) => Math.round(8000 * Math.sin(i / 3)));
  const enc = pcmuCodec.createEncoder();
  const dec = pcmuCodec.createDecoder();
  out(`allocation per operation (${N} runs, ${suite}):`);
  out(`  RTP packet object (RtpSender.next)   ${fmt(await perOp(N, () => void sender.next(payload)))}`);
  const plain = serializeRtpPacket(sender.next(payload));
  out(`  RTP serialize                        ${fmt(await perOp(N, () => void serializeRtpPacket(sender.next(payload))))}`);
  out(`  RTP parse                            ${fmt(await perOp(N, () => void parseRtpPacket(plain)))}`);
  out(`  SRTP protect                         ${fmt(await perOp(N, () => void alice.protectRtp(serializeRtpPacket(sender.next(payload)))))}`);
  let last = alice.protectRtp(serializeRtpPacket(sender.next(payload)));
  out(`  SRTP protect + unprotect             ${fmt(await perOp(N, () => void bob.unprotectRtp((last = alice.protectRtp(serializeRtpPacket(sender.next(payload)))))))}`);
  void last;
  out(`  G.711 encode                         ${fmt(await perOp(N, () => void enc.encode(pcm)))}`);
  out(`  G.711 decode                         ${fmt(await perOp(N, () => void dec.decode(payload)))}`);
  const jb = new JitterBuffer<Uint8Array>({ clockRate: 8000, minDelayMs: 10, initialDelayMs: 40 });
  let seq = 0;
  let t = 0;
  out(`  jitter buffer push + pull            ${fmt(await perOp(N, () => {
    jb.push({ seq: seq & 0xffff, timestamp: seq * 160, payload, arrivalMs: t });
    seq++;
    t += 20;
    jb.pull(t);
  }))}`);
  const tone = new ToneSource({ frequency: 600, sampleRate: 8000 });
  out(`  tone source read (20 ms)             ${fmt(await perOp(N, () => void tone.read(160)))}`);

  // Whole calls on loopback, each with a looping 8 kHz source as the bench's WAV file.
  const ticker = new HandTicker();
  const make = () =>
    new MediaSession({ bindAddress: '127.0.0.1', codecs: ['PCMU'], srtp: 'mandatory', srtpSuites: [suite], source: new WavFileSource({ sampleRate: 8000, channels: 1, samples: tone.read(8000 * 5) as Int16Array }, { sampleRate: 8000, loop: true }), sink: new NullSink(8000), statsIntervalMs: 0, ticker });
  const a: MediaSession[] = [];
  const b: MediaSession[] = [];
  for (let i = 0; i < pairs; i++) {
    const x = make();
    const y = make();
    const r = await y.answerOffer(await x.createOffer());
    if ('reject' in r) throw new Error(r.reason);
    await x.setAnswer(r.answer);
    x.start();
    y.start();
    a.push(x);
    b.push(y);
  }
  const all = [...a, ...b];
  let got = 0;
  for (const s of all) s.rtpSession?.on('rtp', () => void got++);
  const received = () => got;
  let expect = 0;
  const step = async () => {
    ticker.tick();
    expect += 2 * pairs;
    for (let i = 0; i < 1000 && received() < expect; i++) await new Promise((r) => setImmediate(r));
  };
  // Let the latches prove (the first packets), the jitter buffers fill and the JIT settle.
  for (let i = 0; i < 300; i++) await step();
  const ticks = 500;
  const w = await perOp(ticks, step);
  const top = await allocationSites(200, step);
  out(`  one tick of ${pairs} calls (${2 * pairs} sessions: receive + send, every packet received)  ${fmt(w)}`);
  out(`    per session per tick (one packet out, one in): ${(w.heap / (2 * pairs)).toFixed(0)} B heap, ${(w.external / (2 * pairs)).toFixed(0)} B external, ${(w.cpuUs / (2 * pairs)).toFixed(1)} µs of CPU; ${w.gcs} GCs, ${w.gcMs.toFixed(1)} ms of GC in ${ticks} ticks`);
  out(`    where (sampled allocations, collected ones included, over 200 more ticks; self bytes per session per tick):`);
  for (const [site, bytes] of top.slice(0, 25)) out(`      ${(bytes / 200 / (2 * pairs)).toFixed(0).padStart(6)} B  ${site}`);
  await Promise.all(all.map((s) => s.stop()));
}
