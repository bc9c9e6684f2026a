/**
 * call.record between two engines on loopback: A (a 600 Hz microphone)
 * calls B (1000 Hz) and records the call both ways. The file must hold both
 * tones at the levels A sends and hears, for as long as it recorded; as two
 * channels, each side on its own channel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dominantFrequency, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { readWavPcm16 } from '../../../interop/harness/wav.ts';
import { removeTempDirs } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

/** One channel of the recording, with the file's rate and channel count. */
function readChannel(path: string, channel: number): { rate: number; channels: number; samples: Int16Array } {
  const { sampleRate, channels, samples } = readWavPcm16(path, channel);
  return { rate: sampleRate, channels, samples };
}

describe('engine: recording a call both ways', () => {
  let a: TestPhone;
  let b: TestPhone;

  before(async () => {
    [a, b] = await Promise.all([startPhone('rec-a', 600), startPhone('rec-b', 1000)]);
    await b.call('accounts.add', { aor: 'sip:bob@127.0.0.1', codecs: ['PCMU'], autoAnswer: true });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    removeTempDirs();
  });

  for (const layout of ['mixed', 'stereo'] as const) {
    test(`${layout}: both tones at their levels, for the time recorded`, async (t) => {
      const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
      t.after(() => a.call('call.hangup', { callId: out.id }).catch(() => undefined));
      const active = await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'answered');
      assert.ok(active.actions?.includes('record'), 'a connected call can be recorded');
      await sleep(300); // past the jitter buffer's start
      const started = await a.call('call.record', { callId: out.id, record: true, layout });
      const path = started.recording?.path;
      assert.ok(path, 'the snapshot names the file');
      assert.match(path, /recordings\/.+\.wav$/);
      const t0 = performance.now();
      await sleep(1500);
      const stopped = await a.call('call.record', { callId: out.id, record: false });
      const recordedS = (performance.now() - t0) / 1000;
      assert.equal(stopped.recording, undefined);

      const us = readChannel(path, 0);
      assert.equal(us.channels, layout === 'stereo' ? 2 : 1);
      assert.equal(us.rate, 48000);
      const seconds = us.samples.length / us.rate;
      t.diagnostic(`${layout}: ${seconds.toFixed(2)} s in the file for ${recordedS.toFixed(2)} s recorded`);
      assert.ok(Math.abs(seconds - recordedS) < 0.3, `${seconds} s in the file for ${recordedS} s recorded`);
      // A sends its 600 Hz microphone at its own level (ToneSource at -12 dBFS peak: ≈ -15 dBFS RMS); it hears
      // B's 1000 Hz through G.711 at ≈ -15 dBFS (two-phones.test.ts measures the same path).
      const body = us.samples.subarray(Math.round(us.rate * 0.2));
      if (layout === 'mixed') {
        const sent = toneLevelDbfs(body, us.rate, 600);
        const heard = toneLevelDbfs(body, us.rate, 1000);
        t.diagnostic(`mixed: 600 Hz (ours) at ${sent.toFixed(1)} dBFS, 1000 Hz (theirs) at ${heard.toFixed(1)} dBFS`);
        assert.ok(Math.abs(sent + 15) < 2, `our tone at ${sent} dBFS`);
        assert.ok(Math.abs(heard + 15) < 3, `their tone at ${heard} dBFS`);
      } else {
        const them = readChannel(path, 1).samples.subarray(Math.round(us.rate * 0.2));
        assert.ok(Math.abs(dominantFrequency(body, us.rate) - 600) < 5, 'left: what we sent');
        assert.ok(Math.abs(dominantFrequency(them, us.rate) - 1000) < 5, 'right: what we heard');
        assert.ok(toneLevelDbfs(body, us.rate, 1000) < -40, 'nothing of theirs on our channel');
        assert.ok(toneLevelDbfs(them, us.rate, 600) < -40, 'nothing of ours on theirs');
      }
    });
  }
});
