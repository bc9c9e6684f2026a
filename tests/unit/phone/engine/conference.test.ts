/**
 * The 3-way call between engines on loopback: A merges its calls to B (Opus)
 * and C (PCMU); each party hears the two others at their own level (tones of
 * 600, 1000 and 800 Hz at -12 dBFS measured in what each one's speaker
 * played), nobody hears itself; split and hang-up take a leg out and the
 * others talk on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

const RATE = 48000;
/** Each tone is sent with its peak at -12 dBFS: -15 dBFS RMS; through a codec and the mix it arrives within a few dB (μ-law, Opus, a late packet concealed). */
const HEARD_DBFS = -15;
/** A party's own tone, or one that left, is not there: far below the others. */
const ABSENT_DBFS = -40;

/**
 * Each tone's level as the median over 100 ms blocks: a frame lost or
 * concealed on a loaded machine shifts the tone's phase, which a single
 * Goertzel over seconds would count as a lower level.
 */
function levels(samples: Int16Array, tones: number[]): Record<number, number> {
  const block = RATE / 10;
  const median = (hz: number) => {
    const v: number[] = [];
    for (let i = 0; i + block <= samples.length; i += block) v.push(toneLevelDbfs(samples.subarray(i, i + block), RATE, hz));
    v.sort((x, y) => x - y);
    return v.length === 0 ? -Infinity : v[Math.floor(v.length / 2)]!;
  };
  return Object.fromEntries(tones.map((hz) => [hz, Math.round(median(hz) * 10) / 10]));
}

describe('engine: 3-way conference', () => {
  let a: TestPhone;
  let b: TestPhone;
  let c: TestPhone;

  before(async () => {
    [a, b, c] = await Promise.all([startPhone('a', 600), startPhone('b', 1000), startPhone('c', 800)]);
    await a.call('accounts.add', { aor: 'sip:alice@127.0.0.1', codecs: ['opus', 'PCMU'] });
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', codecs: ['opus'], autoAnswer: true });
    await c.call('accounts.add', { aor: 'sip:carol@127.0.0.1', codecs: ['PCMU'], autoAnswer: true });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    removeTempDirs();
  });

  test('merge: everyone hears the two others at their level; split and hang-up leave the others talking', async () => {
    const toB = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    const atB = await b.waitFor('call', (x) => x.state === 'active', 5000, 'B answers');
    await a.waitFor('call', (x) => x.id === toB.id && x.state === 'active', 5000, 'A–B active');
    const toC = await a.call('call.dial', { target: `sip:carol@127.0.0.1:${c.port}` });
    const atC = await c.waitFor('call', (x) => x.state === 'active', 5000, 'C answers');
    const toCActive = await a.waitFor('call', (x) => x.id === toC.id && x.state === 'active', 5000, 'A–C active');
    assert.ok(toCActive.actions?.includes('merge'), 'two connected calls can be merged');
    await a.waitFor('call', (x) => x.id === toB.id && x.state === 'held', 5000, 'dialling C held B');

    const merged = await a.call('call.merge', { callId: toC.id, withCallId: toB.id });
    assert.ok(merged.conference);
    const bLeg = await a.waitFor('call', (x) => x.id === toB.id && x.state === 'active' && x.conference === merged.conference, 5000, 'B resumed into the conference');
    assert.ok(bLeg.actions?.includes('split'));
    assert.ok(!bLeg.actions?.includes('merge'), 'nothing left to merge');
    const calls = await a.call('calls.list', {});
    assert.deepEqual(calls.map((x) => x.codec).sort(), ['PCMU/8000', 'opus/48000'], 'one leg Opus, one PCMU');

    await sleep(600);
    const since = Date.now();
    await sleep(1500);
    const heardByB = b.sinks.get(atB.id)!.since(since);
    const heardByC = c.sinks.get(atC.id)!.since(since);
    // A's local side is the devices of the call it talked on (C's): its speaker plays the conference.
    const heardByA = a.sinks.get(toC.id)!.since(since);
    const lb = levels(heardByB, [600, 800, 1000]);
    const lc = levels(heardByC, [600, 800, 1000]);
    const la = levels(heardByA, [600, 800, 1000]);
    const near = (x: number) => Math.abs(x - HEARD_DBFS) <= 4;
    assert.ok(near(lb[600]!) && near(lb[800]!) && lb[1000]! < ABSENT_DBFS, `B hears A and C, not itself: ${JSON.stringify(lb)}`);
    assert.ok(near(lc[600]!) && near(lc[1000]!) && lc[800]! < ABSENT_DBFS, `C hears A and B, not itself: ${JSON.stringify(lc)}`);
    assert.ok(near(la[800]!) && near(la[1000]!) && la[600]! < ABSENT_DBFS, `A hears B and C, not itself: ${JSON.stringify(la)}`);

    // Split B off: held; A and C go on alone.
    const split = await a.call('call.split', { callId: toB.id });
    assert.equal(split.state, 'held');
    assert.equal(split.conference, undefined);
    await a.waitFor('call', (x) => x.id === toC.id && x.conference === undefined, 5000, 'the conference dissolved');
    await sleep(600);
    const since2 = Date.now();
    await sleep(800);
    const lc2 = levels(c.sinks.get(atC.id)!.since(since2), [600, 1000]);
    assert.ok(near(lc2[600]!) && lc2[1000]! < ABSENT_DBFS, `after the split C hears A only: ${JSON.stringify(lc2)}`);

    // Merge again, then B hangs up: A and C talk on.
    await a.call('call.merge', { callId: toC.id, withCallId: toB.id });
    await a.waitFor('call', (x) => x.id === toB.id && x.state === 'active' && x.conference !== undefined, 5000, 'merged again');
    await b.call('call.hangup', { callId: atB.id });
    await a.waitFor('call', (x) => x.id === toB.id && x.state === 'ended', 5000, 'B left');
    await a.waitFor('call', (x) => x.id === toC.id && x.conference === undefined, 5000, 'two parties: no conference');
    await sleep(600);
    const since3 = Date.now();
    await sleep(800);
    const la3 = levels(a.sinks.get(toC.id)!.since(since3), [800]);
    const lc3 = levels(c.sinks.get(atC.id)!.since(since3), [600]);
    assert.ok(near(la3[800]!) && near(lc3[600]!), `A and C still hear each other: ${JSON.stringify([la3, lc3])}`);
    await a.call('call.hangup', { callId: toC.id });
    await c.waitFor('call', (x) => x.id === atC.id && x.state === 'ended', 5000);
  });
});
