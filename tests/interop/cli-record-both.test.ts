/**
 * `parley call --record-both` against `parley listen --auto-answer` on
 * loopback (direct, no server): the file holds what the caller sent (600 Hz)
 * and what it heard (1000 Hz), each at about the level it was sent, for the
 * length of the talk time. `--record` keeps its meaning beside it: only what
 * we hear.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir } from './harness/managed-process.ts';
import { readWavPcm16 } from './harness/wav.ts';
import { toneLevelDbfs } from '../helpers/audio-analysis.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

describe('parley call --record-both', () => {
  const tmp = makeTempDir('cli-record-both');
  const procs: ParleyProcess[] = [];
  const parley = (args: string[]) => {
    const p = new ParleyProcess(args, { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } });
    procs.push(p);
    return p;
  };
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    tmp.remove();
  });

  test('both tones in the mixed file, at their levels, for the talk time; --record has only the far end', { timeout: 60_000 }, async () => {
    const listener = parley(['listen', '--auto-answer', '--tone', '1000', '--bind', '127.0.0.1:0', '--json']);
    const listening = await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
    const local = String(listening.data.local ?? '');
    const both = join(tmp.path, 'both.wav');
    const heard = join(tmp.path, 'heard.wav');
    const caller = parley(['call', local.replace(/^sip:[^@]*@/, 'sip:me@'), '--tone', '600', '--record-both', both, '--record', heard, '--duration', '2', '--bind', '127.0.0.1:0', '--json']);
    const exit = await caller.waitForExit(30_000);
    assert.equal(exit.code, 0, caller.stdout + caller.stderr);
    const q = caller.events.find((e) => e.event === 'quality')!.data;
    const talkS = q.durationS as number;

    const wav = readWavPcm16(both);
    const seconds = wav.samples.length / wav.sampleRate;
    // The file starts with the media (a moment before 'active') and ends with the BYE.
    assert.ok(Math.abs(seconds - talkS) < 0.5, `${seconds.toFixed(2)} s in the file, ${talkS} s of talk`);
    const body = wav.samples.subarray(Math.round(wav.sampleRate * 0.3));
    const ours = toneLevelDbfs(body, wav.sampleRate, 600);
    const theirs = toneLevelDbfs(body, wav.sampleRate, 1000);
    process.stdout.write(`# record-both: ${seconds.toFixed(2)} s; 600 Hz (ours) ${ours.toFixed(1)} dBFS, 1000 Hz (theirs) ${theirs.toFixed(1)} dBFS\n`);
    // --tone plays at -10 dBFS peak (-13 dBFS RMS); the far end's comes back through the codec at about the same.
    assert.ok(Math.abs(ours + 13) < 2, `our tone at ${ours} dBFS`);
    assert.ok(Math.abs(theirs + 13) < 3, `their tone at ${theirs} dBFS`);

    const far = readWavPcm16(heard).samples;
    assert.ok(toneLevelDbfs(far.subarray(Math.round(wav.sampleRate * 0.3)), wav.sampleRate, 600) < -40, '--record holds only what we hear');
    assert.equal((await listener.stop()).code, 0, listener.stderr);
  });
});
