import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_JITTER_DEFAULTS, JitterBuffer } from '../../../../electron/media/jitter/jitter-buffer.ts';
import type { JitterFrame, JitterBufferOptions } from '../../../../electron/media/jitter/jitter-buffer.ts';
import { DelayEstimator } from '../../../../electron/media/jitter/delay-estimator.ts';

interface Arrival {
  seq: number;
  ts: number;
  at: number;
}

/** 20 ms packets of PCMU: seq i, timestamp 160·i, sent at 20·i ms. */
function stream(count: number, opts: { firstSeq?: number; firstTs?: number; periodMs?: number; transitMs?: number } = {}): Arrival[] {
  const period = opts.periodMs ?? 20;
  return Array.from({ length: count }, (_, i) => ({
    seq: ((opts.firstSeq ?? 0) + i) & 0xffff,
    ts: ((opts.firstTs ?? 0) + 160 * i) >>> 0,
    at: 1000 + i * period + (opts.transitMs ?? 30),
  }));
}

interface Run {
  frames: JitterFrame<number>[];
  jb: JitterBuffer<number>;
  audio: number[];
}

/**
 * Play a script: pushes at their arrival times, one pull every 20 ms, pushes
 * first on ties. Stops once every packet was pushed and the buffer has played
 * out (so the end of the stream does not count as an underrun), or after
 * `maxPulls`.
 */
function run(arrivals: Arrival[], maxPulls: number, options: Partial<JitterBufferOptions> = {}, pullStart = 1000): Run {
  const jb = new JitterBuffer<number>({ clockRate: 8000, ...options });
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  const frames: JitterFrame<number>[] = [];
  let next = 0;
  for (let k = 0; k < maxPulls; k++) {
    const now = pullStart + 20 * k;
    while (next < sorted.length && sorted[next]!.at <= now) {
      const a = sorted[next++]!;
      jb.push({ seq: a.seq, timestamp: a.ts, payload: a.seq, arrivalMs: a.at });
    }
    if (next === sorted.length && jb.stats.bufferedFrames === 0 && frames.at(-1)?.kind === 'audio') break;
    frames.push(jb.pull(now));
  }
  const audio = frames.flatMap((f) => (f.kind === 'audio' ? [f.payload] : []));
  return { frames, jb, audio };
}

function kinds(frames: JitterFrame<number>[]): string {
  return frames.map((f) => f.kind[0]).join('');
}

function assertIncreasing(audio: number[], wrap = false): void {
  for (let i = 1; i < audio.length; i++) {
    const step = wrap ? (audio[i]! - audio[i - 1]! + 65536) % 65536 : audio[i]! - audio[i - 1]!;
    assert.ok(step >= 1, `order broken at ${i}: ${audio[i - 1]} → ${audio[i]}`);
  }
}

describe('JitterBuffer: scripted arrival patterns', () => {
  it('steady stream: silence while buffering, then every frame once, in order, nothing concealed', () => {
    const { frames, jb, audio } = run(stream(500), 600);
    const k = kinds(frames);
    assert.match(k, /^s+a/); // prefetch, then audio
    const s = jb.stats;
    assert.deepEqual([s.lost, s.late, s.duplicate, s.concealed], [0, 0, 0, 0]);
    assert.equal(audio.length + s.discarded, 500);
    assertIncreasing(audio);
    // no jitter: the target falls to the minimum (one frame) and the buffer follows it down
    assert.equal(s.targetDelayMs, 20);
    assert.ok(s.discarded >= 1 && s.discarded <= 3, `discarded ${s.discarded}`);
    assert.equal(s.frameMs, 20);
  });

  it('jitter bursts: the target grows to cover most of each stall; later stalls cost at most two stretched frames, never loss', () => {
    // Every 2 s the network stalls 120 ms and then delivers the backlog at once: 6 % of the packets are held
    // 20–120 ms. The target (98th percentile of the spread) covers all but the worst of them (1 %), which is
    // stretched over (concealed in place: nothing lost, nothing late) rather than holding the delay up for all.
    const arrivals = stream(1500).map((a) => {
      const t = a.at - 1030;
      const phase = t % 2000;
      return phase >= 1000 && phase < 1120 ? { ...a, at: a.at - phase + 1120 } : a;
    });
    const { frames, jb, audio } = run(arrivals, 1560);
    const s = jb.stats;
    assert.ok(s.targetDelayMs >= 100, `target ${s.targetDelayMs}`);
    assert.equal(s.lost, 0);
    assert.equal(s.late, 0);
    assertIncreasing(audio);
    // after the first stall (t ≈ 2 s) has been absorbed, each of the ~12 later stalls conceals at most 2 frames
    const secondHalf = frames.slice(300, 1500);
    const stretched = kinds(secondHalf).match(/c+/g) ?? [];
    assert.ok(stretched.every((run) => run.length <= 2), kinds(secondHalf));
    assert.ok(stretched.length <= 13, `${stretched.length} stretches`);
    assert.equal(audio.length + s.discarded, 1500);
  });

  it('a rare stall (100 ms every 6 s) does not hold the delay up: it is back to ≤ 30 ms within 4 s, speech cut at most twice a second', () => {
    // The sender (or the network) stalls for 100 ms and then sends the backlog at once, every 6 s.
    const arrivals = stream(1500).map((a) => {
      const phase = (a.at - 1030) % 6000;
      return phase >= 3000 && phase < 3100 ? { ...a, at: a.at - phase + 3100 } : a;
    });
    const jb = new JitterBuffer<number>({ clockRate: 8000, ...CALL_JITTER_DEFAULTS });
    const sorted = [...arrivals].sort((a, b) => a.at - b.at);
    let next = 0;
    const waits: { at: number; wait: number; seq: number }[] = [];
    for (let k = 0; k < 1500; k++) {
      const now = 1005 + 20 * k;
      while (next < sorted.length && sorted[next]!.at <= now) {
        const a = sorted[next++]!;
        jb.push({ seq: a.seq, timestamp: a.ts, payload: a.seq, arrivalMs: a.at });
      }
      const f = jb.pull(now);
      if (f.kind === 'audio') waits.push({ at: now, wait: now - (1030 + 20 * f.payload), seq: f.payload });
    }
    // From 4 s after each stall (at 1030 + 3000 + 6000 j) until the next one, the buffer's delay is ≤ 30 ms. The
    // buffer alone cannot tell speech from silence: it drops one frame per half second (the receive pipeline
    // sheds quiet frames faster: receive-pipeline.test.ts).
    const settled = waits.filter((w) => (w.at - 1030 - 3000) % 6000 >= 4000 && w.at > 4000);
    const high = settled.filter((w) => w.wait > 30);
    assert.ok(settled.length > 300, `${settled.length} frames judged`);
    // Dropped frames (the next payload played skips one): one at a time, at least half a second apart.
    const drops = waits.flatMap((w, i) => (i > 0 && w.seq - waits[i - 1]!.seq > 1 ? [w.at] : []));
    assert.ok(drops.length >= 4, `${drops.length} frames dropped`);
    assert.ok(waits.every((w, i) => i === 0 || w.seq - waits[i - 1]!.seq <= 2), 'one frame at a time');
    assert.ok(drops.every((t, i) => i === 0 || t - drops[i - 1]! >= 500), `drops at ${drops.join(', ')}`);
    assert.equal(high.length, 0, `frames played > 30 ms after their earliest arrival: ${high.slice(0, 5).map((w) => `${w.wait} ms at ${w.at}`).join(', ')}`);
    assert.equal(jb.stats.lost, 0);
  });

  it('reordering inside the buffer is invisible', () => {
    const arrivals = stream(300).map((a, i) => (i % 10 === 3 ? { ...a, at: a.at + 25 } : a)); // every 10th arrives after its successor
    const { jb, audio } = run(arrivals, 320, { initialDelayMs: 60 });
    const s = jb.stats;
    assert.deepEqual([s.lost, s.late, s.concealed], [0, 0, 0]);
    assertIncreasing(audio);
    assert.equal(audio.length + s.discarded, 300);
  });

  it('loss: each missing packet is concealed and counted lost, nothing else', () => {
    const dropped = new Set([50, 100, 101, 170, 250]);
    const arrivals = stream(300).filter((a) => !dropped.has(a.seq));
    const { jb, audio } = run(arrivals, 320);
    const s = jb.stats;
    assert.equal(s.lost, dropped.size);
    assert.ok(s.concealed >= dropped.size && s.concealed <= 2 * dropped.size, `concealed ${s.concealed}`);
    assert.equal(s.late, 0);
    assert.equal(audio.length + s.discarded, 300 - dropped.size);
    for (const d of dropped) assert.ok(!audio.includes(d));
    assertIncreasing(audio);
  });

  it('duplicates are dropped and counted, before and after playout', () => {
    const base = stream(200);
    const arrivals = [...base, ...base.map((a) => ({ ...a, at: a.at + 5 })), ...base.slice(0, 20).map((a) => ({ ...a, at: a.at + 1000 }))];
    const { jb, audio } = run(arrivals, 230);
    const s = jb.stats;
    assert.equal(s.duplicate, 220);
    assert.equal(new Set(audio).size, audio.length);
    assert.equal(audio.length + s.discarded, 200);
  });

  it('a packet later than its turn is counted late (and its slot lost)', () => {
    const arrivals = stream(200, { transitMs: 10 }).map((a) => (a.seq === 120 ? { ...a, at: a.at + 300 } : a));
    const { jb, audio } = run(arrivals, 220, { maxDelayMs: 100 });
    const s = jb.stats;
    assert.equal(s.lost, 1);
    assert.equal(s.late, 1);
    assert.ok(!audio.includes(120));
  });

  it('sender clock 1 % fast: the buffer sheds frames and does not grow', () => {
    const arrivals = stream(1500, { periodMs: 19.8 });
    const { frames, jb } = run(arrivals, 1500);
    const s = jb.stats;
    assert.equal(s.lost, 0);
    assert.ok(s.discarded >= 10, `discarded ${s.discarded}`);
    assert.ok(s.playoutDelayMs <= 100, `delay ${s.playoutDelayMs}`);
    assert.equal(frames.slice(100).filter((f) => f.kind !== 'audio').length, 0);
  });

  it('sender clock 1 % slow: underruns are stretched, never counted as loss', () => {
    const arrivals = stream(1500, { periodMs: 20.2 });
    const { jb, audio } = run(arrivals, 1530);
    const s = jb.stats;
    assert.deepEqual([s.lost, s.late], [0, 0]);
    assert.ok(s.concealed >= 5 && s.concealed <= 30, `concealed ${s.concealed}`);
    assertIncreasing(audio);
  });

  it('follows the sequence number across its wrap', () => {
    const { jb, audio } = run(stream(100, { firstSeq: 65500, firstTs: 0xfffff000 }), 120);
    assert.deepEqual([jb.stats.lost, jb.stats.late, jb.stats.concealed], [0, 0, 0]);
    assertIncreasing(audio, true);
    assert.ok(audio.includes(65535) && audio.includes(0));
  });

  it('a talkspurt gap (DTX) conceals a few frames, then goes silent, then plays the next spurt', () => {
    const first = stream(50);
    const second = stream(50, { firstSeq: 50, firstTs: 160 * 100 }).map((a) => ({ ...a, at: a.at + 50 * 20 + 1000 })); // 1 s later
    const { frames, jb, audio } = run([...first, ...second], 200);
    const k = kinds(frames);
    assert.match(k, /a(c{1,5})s{10,}a/);
    assert.equal(jb.stats.lost, 0);
    assert.equal(audio.length + jb.stats.discarded, 100);
  });

  it('a long outage skips ahead at once instead of concealing frame by frame', () => {
    const arrivals = stream(300).filter((a) => a.seq < 100 || a.seq >= 150);
    const { frames, jb } = run(arrivals, 320);
    assert.equal(jb.stats.lost, 50);
    assert.ok(frames.filter((f) => f.kind === 'conceal').length <= 6);
  });

  it('a restarted sequence (new source numbering) resets instead of waiting', () => {
    const first = stream(100);
    const second = stream(100, { firstSeq: 30000, firstTs: 5000 }).map((a) => ({ ...a, at: a.at + 2000 }));
    const { jb, audio } = run([...first, ...second], 260);
    assert.ok(audio.includes(30000 + 50));
    assert.equal(jb.stats.late, 0);
  });

  it('never holds more than maxPackets', () => {
    const jb = new JitterBuffer<number>({ clockRate: 8000, maxPackets: 10 });
    for (let i = 0; i < 50; i++) jb.push({ seq: i, timestamp: 160 * i, payload: i, arrivalMs: 0 });
    assert.ok(jb.stats.bufferedFrames <= 10);
    assert.equal(jb.stats.discarded, 40);
  });

  it('learns the frame duration from timestamps (30 ms packets)', () => {
    const jb = new JitterBuffer<number>({ clockRate: 8000 });
    for (let i = 0; i < 5; i++) jb.push({ seq: i, timestamp: 240 * i, payload: i, arrivalMs: 30 * i });
    assert.equal(jb.stats.frameMs, 30);
  });
});

describe('DelayEstimator', () => {
  it('measures the quantile spread of relative transit and decays slowly', () => {
    const e = new DelayEstimator({ clockRate: 8000, minDelayMs: 20, maxDelayMs: 400, initialDelayMs: 60, windowSize: 100, quantile: 0.9 });
    for (let i = 0; i < 100; i++) e.observe(160 * i, 20 * i + (i % 10 === 0 ? 80 : 0)); // 10 % of packets 80 ms late
    assert.equal(e.measuredJitterMs, 0); // the 90th percentile is still on time
    const e2 = new DelayEstimator({ clockRate: 8000, minDelayMs: 20, maxDelayMs: 400, initialDelayMs: 20, windowSize: 100, quantile: 0.95 });
    for (let i = 0; i < 100; i++) e2.observe(160 * i, 20 * i + (i % 10 === 0 ? 80 : 0));
    assert.equal(e2.measuredJitterMs, 80);
    assert.equal(e2.targetDelayMs, 80);
    for (let i = 100; i < 150; i++) e2.observe(160 * i, 20 * i);
    assert.ok(e2.targetDelayMs < 80 && e2.targetDelayMs > 60, `decays slowly: ${e2.targetDelayMs}`);
  });

  it('stays within its bounds', () => {
    const e = new DelayEstimator({ clockRate: 8000, minDelayMs: 40, maxDelayMs: 200, initialDelayMs: 10 });
    assert.equal(e.targetDelayMs, 40);
    for (let i = 0; i < 50; i++) e.observe(160 * i, 20 * i + (i % 2 ? 1000 : 0));
    assert.equal(e.targetDelayMs, 200);
  });
});

/**
 * The playout goals with a call's settings (CALL_JITTER_DEFAULTS), one minute
 * of 20 ms packets on scripted time: pulls every 20 ms at every phase against
 * the arrivals, transit = 30 ms + uniform [0, jitter] per packet on one path
 * (order kept, as the impairment relay and netem do). Measured after the
 * first 10 s: the playout delay (pull time − the earliest the packet could
 * have arrived, send + 30 ms: the buffer's share of mouth-to-ear delay;
 * at zero jitter it is arrival→playout), late loss (packets that came after
 * their turn), concealed underruns.
 */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Packet i is sent at 1000 + 20·i ms; the network takes at least 30 ms. */
const earliest = (i: number): number => 1000 + 20 * i + 30;

function playout(jitterMs: number, phaseMs: number, seed: number): { avgWaitMs: number; maxWaitMs: number; latePercent: number; underruns: number } {
  const random = seeded(seed);
  const jb = new JitterBuffer<number>({ clockRate: 8000, ...CALL_JITTER_DEFAULTS });
  const count = 3000;
  let last = 0;
  const arrivals = Array.from({ length: count }, (_, i) => {
    last = Math.max(last, earliest(i) + random() * jitterMs);
    return last;
  });
  let next = 0;
  let waited = 0;
  let played = 0;
  let maxWait = 0;
  let underruns = 0;
  const settledAt = 1000 + 10_000;
  for (let k = 0; next < count || jb.stats.bufferedFrames > 0; k++) {
    const now = 1000 + phaseMs + 20 * k;
    while (next < count && arrivals[next]! <= now) {
      jb.push({ seq: next, timestamp: 160 * next, payload: next, arrivalMs: arrivals[next]! });
      next++;
    }
    const frame = jb.pull(now);
    if (now < settledAt) continue;
    if (frame.kind === 'audio') {
      const w = now - earliest(frame.payload);
      waited += w;
      maxWait = Math.max(maxWait, w);
      played++;
    } else if (frame.kind === 'conceal' && next < count) underruns++;
  }
  return { avgWaitMs: waited / played, maxWaitMs: maxWait, latePercent: (jb.stats.late / count) * 100, underruns };
}

describe('JitterBuffer: playout delay with a call\'s settings', () => {
  it('zero network jitter (2 ms of timer noise): playout delay ≤ 30 ms at every phase, nothing late', () => {
    for (let phase = 0; phase < 20; phase += 1.5) {
      const r = playout(2, phase, 11 + phase);
      if (process.env.PLAYOUT_FIGURES) process.stdout.write(`# zero jitter, phase ${phase}: ${r.avgWaitMs.toFixed(1)} ms avg, ${r.maxWaitMs.toFixed(1)} max\n`);
      assert.ok(r.avgWaitMs <= 30, `phase ${phase}: average wait ${r.avgWaitMs.toFixed(1)} ms`);
      assert.ok(r.maxWaitMs < 35, `phase ${phase}: max wait ${r.maxWaitMs.toFixed(1)} ms`);
      assert.equal(r.latePercent, 0, `phase ${phase}`);
      assert.equal(r.underruns, 0, `phase ${phase}`);
    }
  });

  it('30 ms of jitter: adapts to ≤ 70 ms with ≤ 1 % late loss', () => {
    for (const [phase, seed] of [[0, 1], [7, 2], [13, 3], [19, 4]] as const) {
      const r = playout(30, phase, seed);
      if (process.env.PLAYOUT_FIGURES) process.stdout.write(`# 30 ms jitter, phase ${phase}: ${r.avgWaitMs.toFixed(1)} ms avg, ${r.maxWaitMs.toFixed(1)} max, ${r.latePercent.toFixed(2)} % late, ${r.underruns} underruns\n`);
      assert.ok(r.avgWaitMs <= 70, `phase ${phase}: average wait ${r.avgWaitMs.toFixed(1)} ms`);
      assert.ok(r.latePercent <= 1, `phase ${phase}: ${r.latePercent.toFixed(2)} % late`);
      assert.ok(r.underruns <= 30, `phase ${phase}: ${r.underruns} underruns in 50 s`);
    }
  });

  it('the delay follows the jitter back down when it stops', () => {
    const random = seeded(5);
    const jb = new JitterBuffer<number>({ clockRate: 8000, ...CALL_JITTER_DEFAULTS });
    // 20 s with 30 ms of jitter, then 40 s with none.
    const arrivals = Array.from({ length: 3000 }, (_, i) => earliest(i) + (i < 1000 ? random() * 30 : 0));
    for (let i = 1; i < arrivals.length; i++) arrivals[i] = Math.max(arrivals[i]!, arrivals[i - 1]!);
    let next = 0;
    const waits: number[] = [];
    for (let k = 0; k < 3010; k++) {
      const now = 1005 + 20 * k;
      while (next < arrivals.length && arrivals[next]! <= now) {
        jb.push({ seq: next, timestamp: 160 * next, payload: next, arrivalMs: arrivals[next]! });
        next++;
      }
      const f = jb.pull(now);
      if (f.kind === 'audio') waits.push(now - earliest(f.payload));
    }
    const during = waits.slice(300, 950);
    const after = waits.slice(-300);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(avg(during) > 30, `with jitter ${avg(during).toFixed(1)} ms`);
    assert.ok(avg(after) <= 30, `20 s after the jitter stopped: ${avg(after).toFixed(1)} ms`);
  });
});
