/**
 * The 3-way call with real peers: Parley (600 Hz tone) calls baresip b1
 * (PCMU, playing 1000 Hz) and answers baresip b2 (Opus, playing 800 Hz),
 * directly on loopback, merges the calls and talks for 3 s. Each party's
 * recording of the merged talk (baresip's sndfile dumps, Parley's speaker
 * WAV) must hold both other tones at their level and not its own: levels
 * are medians over 100 ms blocks (Goertzel) of the last 2 s before hang-up.
 * The conference is also recorded through call.record (one leg, Ogg Opus:
 * a leg's two directions carry every party) and the file decoded by the
 * reference decoder (opus-tools' opusdec): all three tones at their level.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBaresip, type BaresipHandle } from './harness/baresip.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from './harness/parley-engine.ts';
import { soxTone } from './harness/sox.ts';
import { readWavPcm16 } from './harness/wav.ts';
import { lastTwoSeconds, medianToneLevels } from './harness/tone-measure.ts';

const HEARD_DBFS = -15;
const ABSENT_DBFS = -40;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

describe('3-way conference: Parley with two baresip (PCMU and Opus)', () => {
  const tmp = makeTempDir('conference-baresip');
  let b1: BaresipHandle;
  let b2: BaresipHandle;
  let parley: ParleyEnginePeer;

  before(async () => {
    const t1 = join(tmp.path, 'b1-1000.wav');
    const t2 = join(tmp.path, 'b2-800.wav');
    soxTone(t1, { hz: 1000, seconds: 60, rate: 8000, channels: 1, peakDbfs: -12 });
    soxTone(t2, { hz: 800, seconds: 60, rate: 48000, channels: 2, peakDbfs: -12 });
    [b1, b2, parley] = await Promise.all([
      startBaresip({ accounts: [{ aor: 'sip:b1@127.0.0.1', regint: 0, answermode: 'auto', audioCodecs: 'PCMU/8000/1', extra: `;audio_source=aufile,${t1}` }] }),
      startBaresip({ accounts: [{ aor: 'sip:b2@127.0.0.1', regint: 0, answermode: 'auto', audioCodecs: 'opus/48000/2', extra: `;audio_source=aufile,${t2}` }] }),
      startParleyEngine({ name: 'conference', toneHz: 600, toneDbfs: -12 }),
    ]);
  });
  after(async () => {
    await parley?.close();
    await Promise.all([b1?.stop(), b2?.stop()]);
    tmp.remove();
  });

  test('each party hears the two others at their level and not itself', { timeout: 90_000 }, async () => {
    const port = Number(/:(\d+)$/.exec(parley.aor)![1]);
    const toB1 = await parley.call('call.dial', { target: `sip:b1@127.0.0.1:${b1.sipPort}` });
    await parley.waitFor('call', (c) => c.id === toB1.id && c.state === 'active', 10_000, 'b1 answers');
    // b2 calls in and Parley answers by itself: auto-answer holds nothing (call-policy.ts), so neither baresip
    // is ever held — baresip 1.0's sndfile stops dumping a stream that was held and resumed.
    await parley.call('accounts.add', { aor: 'sip:conference@127.0.0.1', autoAnswer: true });
    const dial = await b2.command('dial', `sip:conference@127.0.0.1:${port}`);
    assert.equal(dial.ok, true, dial.data);
    const c2 = await parley.waitFor('call', (c) => c.direction === 'in' && c.state === 'active', 10_000, 'b2’s call answered');
    const toB2 = c2;
    const m = await parley.call('call.merge', { callId: toB2.id, withCallId: toB1.id });
    await parley.waitFor('call', (c) => c.id === toB1.id && c.conference === m.conference, 10_000, 'b1 in the conference');
    const c1 = (await parley.call('calls.list', {})).find((c) => c.id === toB1.id)!;
    log(`legs: b1 ${c1.codec}, b2 ${c2.codec}`);
    assert.equal(c1.codec, 'PCMU/8000');
    assert.equal(c2.codec, 'opus/48000');
    const recording = (await parley.call('call.record', { callId: toB2.id, record: true, format: 'opus' })).recording;
    assert.ok(recording, 'the conference is being recorded');
    assert.ok(recording.path.endsWith('.opus') && recording.format === 'opus', recording.path);
    await sleep(3000);
    const before1 = b1.receivedAudioFiles().length;
    const before2 = b2.receivedAudioFiles().length;
    await parley.call('call.hangup', { callId: toB1.id });
    await parley.call('call.hangup', { callId: toB2.id });
    await Promise.all([
      b1.waitForEvent((e) => e.type === 'CALL_CLOSED', 10_000),
      b2.waitForEvent((e) => e.type === 'CALL_CLOSED', 10_000),
      parley.waitFor('call', (c) => c.id === toB2.id && c.state === 'ended', 10_000, 'ended'),
    ]);
    await sleep(500); // sndfile and Parley's WAV are finalised at tear-down
    const f1 = b1.receivedAudioFiles().at(-1);
    const f2 = b2.receivedAudioFiles().at(-1);
    assert.ok(f1 && f2 && before1 >= 1 && before2 >= 1, 'each baresip dumped its call');
    const ours = parley.recordings.get(toB2.id)!;
    const h1 = lastTwoSeconds(f1);
    const h2 = lastTwoSeconds(f2);
    const hp = lastTwoSeconds(ours);
    const l1 = medianToneLevels(h1.samples, h1.rate, [600, 800, 1000]);
    const l2 = medianToneLevels(h2.samples, h2.rate, [600, 800, 1000]);
    const lp = medianToneLevels(hp.samples, hp.rate, [600, 800, 1000]);
    log(`b1 (PCMU) heard ${JSON.stringify(l1)} dBFS; b2 (Opus) heard ${JSON.stringify(l2)}; Parley heard ${JSON.stringify(lp)}`);
    const near = (x: number) => Math.abs(x - HEARD_DBFS) <= 4;
    assert.ok(near(l1[600]!) && near(l1[800]!) && l1[1000]! < ABSENT_DBFS, `b1 hears Parley and b2 only: ${JSON.stringify(l1)}`);
    assert.ok(near(l2[600]!) && near(l2[1000]!) && l2[800]! < ABSENT_DBFS, `b2 hears Parley and b1 only: ${JSON.stringify(l2)}`);
    assert.ok(near(lp[800]!) && near(lp[1000]!) && lp[600]! < ABSENT_DBFS, `Parley hears b1 and b2 only: ${JSON.stringify(lp)}`);

    // The recording, as the reference decoder plays it: the two remote parties and us, each at its level.
    const decoded = join(tmp.path, 'conference-recording.wav');
    execFileSync('opusdec', ['--quiet', '--rate', '48000', recording.path, decoded], { timeout: 30_000 });
    const hr = lastTwoSeconds(decoded);
    const lr = medianToneLevels(hr.samples, hr.rate, [600, 800, 1000]);
    log(`call.record (Ogg Opus, opusdec) holds ${JSON.stringify(lr)} dBFS over ${(readWavPcm16(decoded).samples.length / 48000).toFixed(2)} s`);
    assert.ok(near(lr[600]!) && near(lr[800]!) && near(lr[1000]!), `the recording holds us, b1 and b2: ${JSON.stringify(lr)}`);
    const [entry] = await parley.call('history.list', { limit: 1 });
    assert.deepEqual(entry?.recordings?.map((r) => r.path), [recording.path], 'the History entry links the file');
  });
});
