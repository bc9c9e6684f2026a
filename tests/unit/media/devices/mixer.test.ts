import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Mixer, mixFrames } from '../../../../electron/media/devices/mixer.ts';
import { ConferenceMixer } from '../../../../electron/media/devices/conference-mixer.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';
import { SilenceSource } from '../../../../electron/media/devices/silence-source.ts';
import type { AudioSink, AudioSource } from '../../../../electron/media/audio/frame.ts';
import { toneLevelDbfs } from '../../../helpers/audio-analysis.ts';

const constant = (v: number, rate = 8000): AudioSource => ({ sampleRate: rate, read: (n) => new Int16Array(n).fill(v) });

test('mixFrames sums in full precision and saturates once', () => {
  const a = new Int16Array([30000, -30000, 100]);
  const b = new Int16Array([30000, -30000, 100]);
  const c = new Int16Array([-30000, 30000, 0]);
  // (a + b) would clip before c in 16-bit; the 32-bit sum does not.
  assert.deepEqual([...mixFrames([a, b, c], 3)], [30000, -30000, 200]);
  assert.deepEqual([...mixFrames([a, b], 3)], [32767, -32768, 200]);
  assert.deepEqual([...mixFrames([a], 4, [0.5])], [15000, -15000, 50, 0]);
  assert.deepEqual([...mixFrames([], 2)], [0, 0]);
});

test('mixer: inputs add up, gains apply, removal and ended inputs leave the mix', () => {
  const m = new Mixer({ sampleRate: 8000 });
  assert.deepEqual(m.read(4), new Int16Array(4), 'silence with no inputs');
  const a = m.add(constant(1000));
  m.add(constant(500), { gain: 2 });
  const short = new SilenceSource({ sampleRate: 8000, durationMs: 1 }); // 8 samples
  m.add(short);
  assert.equal(m.inputCount, 3);
  assert.ok(m.read(8)!.every((v) => v === 2000));
  assert.ok(m.read(8)!.every((v) => v === 2000));
  assert.equal(m.inputCount, 2, 'ended input dropped');
  a.gain = 0.5;
  assert.ok(m.read(8)!.every((v) => v === 1500));
  a.remove();
  assert.ok(m.read(8)!.every((v) => v === 1000));
  m.close();
  assert.equal(m.read(8), null);
  assert.throws(() => new Mixer().add(constant(1, 16000)), RangeError);
});

test('mixer: two calls and a ring tone share one device', () => {
  const m = new Mixer();
  m.add(new ToneSource({ frequency: 400, levelDbfs: -20 }));
  m.add(new ToneSource({ frequency: 1000, levelDbfs: -20 }));
  m.add(new ToneSource({ frequency: 2500, levelDbfs: -20 }));
  const x = new Int16Array(48000);
  for (let i = 0; i < 50; i++) x.set(m.read(960)!, i * 960);
  for (const hz of [400, 1000, 2500]) assert.ok(Math.abs(toneLevelDbfs(x, 48000, hz) - (-20 - 3.01)) < 0.1);
});

class Recorder implements AudioSink {
  readonly sampleRate = 48000;
  readonly frames: Int16Array[] = [];
  write(f: Int16Array): void {
    this.frames.push(f.slice());
  }
  all(): Int16Array {
    const out = new Int16Array(this.frames.length * 960);
    this.frames.forEach((f, i) => out.set(f, i * 960));
    return out;
  }
}

test('conference: everyone hears everyone but themselves', () => {
  const conf = new ConferenceMixer();
  const freqs = { me: 500, alice: 1100, bob: 1700 } as const;
  const ears = { me: new Recorder(), alice: new Recorder(), bob: new Recorder() };
  for (const id of ['me', 'alice', 'bob'] as const) {
    conf.add(id, new ToneSource({ frequency: freqs[id], levelDbfs: -12 }), ears[id]);
  }
  assert.equal(conf.size, 3);
  for (let i = 0; i < 50; i++) conf.tick();
  for (const id of ['me', 'alice', 'bob'] as const) {
    const heard = ears[id].all();
    for (const other of ['me', 'alice', 'bob'] as const) {
      const level = toneLevelDbfs(heard, 48000, freqs[other]);
      if (other === id) assert.ok(level < -90, `${id} hears self at ${level}`);
      else assert.ok(Math.abs(level - (-12 - 3.01)) < 0.1, `${id} hears ${other} at ${level}`);
    }
  }
});

test('conference: mute, removal, ended sources, saturation of the mix-minus', () => {
  const conf = new ConferenceMixer({ sampleRate: 8000 });
  const got: Record<string, Int16Array[]> = { a: [], b: [], c: [] };
  const sink = (id: string): AudioSink => ({ sampleRate: 8000, write: (f) => void got[id]!.push(f.slice()) });
  conf.add('a', constant(20000), sink('a'));
  const b = conf.add('b', constant(20000), sink('b'));
  conf.add('c', new SilenceSource({ sampleRate: 8000, durationMs: 20 }), sink('c'));
  conf.tick();
  assert.ok(got.c![0]!.every((v) => v === 32767), 'c hears a + b, saturated');
  assert.ok(got.a![0]!.every((v) => v === 20000), 'a hears b (c is silent)');
  b.muted = true;
  conf.tick(); // c's source has ended: it contributes silence
  assert.ok(got.c![1]!.every((v) => v === 20000));
  assert.ok(got.a![1]!.every((v) => v === 0));
  assert.ok(got.b![1]!.every((v) => v === 20000), 'a muted participant still hears');
  assert.equal(conf.remove('a'), true);
  conf.tick();
  assert.ok(got.b![2]!.every((v) => v === 0));
  assert.throws(() => conf.add('b', constant(1), sink('b')));
  assert.throws(() => conf.add('z', constant(1, 16000), sink('z')), RangeError);
  assert.equal(conf.frameSamples, 160);
});
