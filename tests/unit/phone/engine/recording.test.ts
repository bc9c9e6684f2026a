/**
 * call.record between two engines on loopback: A (a 600 Hz microphone)
 * calls B (1000 Hz) and records the call both ways, as WAV and as Ogg Opus.
 * The file must hold both tones at the levels A sends and hears, for as
 * long as it recorded; as two channels, each side on its own channel. The
 * call's History entry links its files (recording.delete removes one, and
 * nothing it does not list); the folder is the `recordingsFolder` setting,
 * checked when it is set.
 */
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { channelOf, readOggOpus } from '../../../helpers/ogg-opus-reader.ts';
import { dominantFrequency, toneLevelDbfs } from '../../../helpers/audio-analysis.ts';
import { readWavPcm16 } from '../../../interop/harness/wav.ts';
import type { ApiResult } from '../../../../electron/api/contract.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { sleep, startPhone, type TestPhone } from './engine-harness.ts';

/** One channel of the recording (WAV or Ogg Opus), with the file's rate and channel count. */
function readChannel(path: string, channel: number): { rate: number; channels: number; samples: Int16Array } {
  if (path.endsWith('.opus')) {
    const r = readOggOpus(path);
    assert.equal(r.ended, true, 'the Ogg stream was finalised');
    return { rate: 48000, channels: r.channels, samples: channelOf(r.samples, r.channels, channel) };
  }
  const { sampleRate, channels, samples } = readWavPcm16(path, channel);
  return { rate: sampleRate, channels, samples };
}

function refused(r: ApiResult<unknown>, code: string, words: RegExp): void {
  assert.equal(r.ok, false, 'refused');
  if (r.ok) return;
  assert.equal(r.code, code, r.message);
  assert.match(`${r.message} ${JSON.stringify(r.issues ?? [])}`, words);
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

  for (const [layout, format] of [['mixed', 'wav'], ['stereo', 'wav'], ['mixed', 'opus'], ['stereo', 'opus']] as const) {
    test(`${layout} ${format}: both tones at their levels, for the time recorded`, async (t) => {
      const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
      t.after(() => a.call('call.hangup', { callId: out.id }).catch(() => undefined));
      const active = await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'answered');
      assert.ok(active.actions?.includes('record'), 'a connected call can be recorded');
      await sleep(300); // past the jitter buffer's start
      const started = await a.call('call.record', { callId: out.id, record: true, layout, format });
      const path = started.recording?.path;
      assert.ok(path, 'the snapshot names the file');
      assert.equal(started.recording?.format, format);
      assert.match(path, new RegExp(`recordings/.+\\.${format}$`));
      const t0 = performance.now();
      await sleep(1500);
      const stopped = await a.call('call.record', { callId: out.id, record: false });
      const recordedS = (performance.now() - t0) / 1000;
      assert.equal(stopped.recording, undefined);

      const us = readChannel(path, 0);
      t.diagnostic(`${layout} ${format}: ${statSync(path).size} bytes`);
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

  test('the History entry links the recordings; recording.delete removes one and nothing it does not list', async () => {
    const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'answered');
    const first = (await a.call('call.record', { callId: out.id, record: true })).recording!.path;
    await sleep(200);
    await a.call('call.record', { callId: out.id, record: false });
    const second = (await a.call('call.record', { callId: out.id, record: true, format: 'opus' })).recording!.path;
    assert.notEqual(first, second, 'a second recording of the call never overwrites the first');
    await sleep(200);
    await a.call('call.hangup', { callId: out.id });
    const ended = await a.waitFor('history', (h) => h.recordings?.length === 2, 5000, 'the entry with its recordings');
    assert.deepEqual(ended.recordings!.map((r) => [r.path, r.format]), [[first, 'wav'], [second, 'opus']]);
    assert.ok(ended.recordings!.every((r) => (r.bytes ?? 0) > 100), `sizes given: ${JSON.stringify(ended.recordings)}`);
    const [listed] = await a.call('history.list', { limit: 1 });
    assert.equal(listed!.id, ended.id);
    assert.deepEqual(listed!.recordings, ended.recordings);

    // Without the desktop shell, open and reveal answer in words with the path.
    refused(await a.try('recording.open', { historyId: ended.id, path: first }), 'unavailable', new RegExp(`needs the desktop app.*${first}`));
    // Only the entry's own files: another path, or another entry, is refused and nothing is deleted.
    const bystander = join(tempDir('rec-bystander-'), 'keep.wav');
    writeFileSync(bystander, 'x');
    refused(await a.try('recording.delete', { historyId: ended.id, path: bystander }), 'not-found', /no such recording/);
    refused(await a.try('recording.delete', { historyId: '999999', path: first }), 'not-found', /no history entry/);
    refused(await a.try('recording.delete', { historyId: ended.id, path: 'relative.wav' }), 'bad-request', /absolute/);
    assert.ok(existsSync(bystander));

    await a.call('recording.delete', { historyId: ended.id, path: first });
    assert.equal(existsSync(first), false, 'the file is gone');
    const [after1] = await a.call('history.list', { limit: 1 });
    assert.deepEqual(after1!.recordings!.map((r) => r.path), [second]);
    await a.call('recording.delete', { historyId: ended.id, path: second });
    const [after2] = await a.call('history.list', { limit: 1 });
    assert.equal(after2!.recordings, undefined, 'no recordings left: no field');
  });

  test('the recordings folder setting: checked when set, used by the next recording, empty for the default', async () => {
    const folder = join(tempDir('rec-folder-'), 'calls', 'kept');
    const set = await a.call('settings.update', { recordingsFolder: folder, recordingFormat: 'opus' });
    assert.equal(set.recordingsFolder, folder);
    assert.equal(set.recordingFormat, 'opus');
    assert.ok(existsSync(folder), 'created when set');
    assert.equal(statSync(folder).mode & 0o777, 0o700, 'private to the user');
    const blocker = join(tempDir('rec-blocker-'), 'a-file');
    writeFileSync(blocker, 'x');
    refused(await a.try('settings.update', { recordingsFolder: join(blocker, 'sub') }), 'bad-request', /cannot be written to .*a file of that name is in the way/);
    refused(await a.try('settings.update', { recordingsFolder: 'not/absolute' }), 'bad-request', /absolute/);
    assert.equal((await a.call('settings.get', {})).recordingsFolder, folder, 'a refused folder changes nothing');

    const out = await a.call('call.dial', { target: `sip:bob@127.0.0.1:${b.port}` });
    await a.waitFor('call', (x) => x.id === out.id && x.state === 'active', 5000, 'answered');
    const path = (await a.call('call.record', { callId: out.id, record: true })).recording!.path;
    assert.ok(path.startsWith(`${folder}/`) && path.endsWith('.opus'), `${path}: in the folder, in the format set`);
    await a.call('call.hangup', { callId: out.id });
    const reset = await a.call('settings.update', { recordingsFolder: '', recordingFormat: 'wav' });
    assert.equal(reset.recordingsFolder, '');
  });
});
