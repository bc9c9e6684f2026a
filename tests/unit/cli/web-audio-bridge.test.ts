import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWebAudioBridge } from '../../../electron/cli/web-audio-bridge.ts';
import { initMedia } from '../../../electron/media/audio/init-media.ts';
import type { AudioFrame } from '../../../electron/api/audio-frames.ts';
import { dominantFrequency } from '../../helpers/audio-analysis.ts';

before(() => initMedia());

function fakeEngineAudio() {
  const captured: { frame: Int16Array; client: string }[] = [];
  let playback: ((f: Int16Array) => void) | undefined;
  return {
    captured,
    play: (f: Int16Array) => playback?.(f),
    audio: {
      onCaptureFrame: (frame: Int16Array, client: string) => void captured.push({ frame, client }),
      onPlaybackFrame: (cb: (f: Int16Array) => void) => {
        playback = cb;
        return () => (playback = undefined);
      },
    },
  };
}

test('44.1 kHz capture frames reach the engine as 960-sample 48 kHz frames', () => {
  const e = fakeEngineAudio();
  const bridge = createWebAudioBridge(e.audio);
  const all: number[] = [];
  for (let k = 0; k < 100; k++) {
    const samples = new Int16Array(882);
    for (let i = 0; i < 882; i++) samples[i] = Math.round(10000 * Math.sin((2 * Math.PI * 1000 * (k * 882 + i)) / 44100));
    bridge.hook.onFrame({ kind: 'capture', sampleRate: 44100, sequence: k, stream: 0, samples }, 'ws-1');
  }
  assert.ok(e.captured.length >= 98 && e.captured.length <= 100, `${e.captured.length} frames`);
  for (const c of e.captured) {
    assert.equal(c.frame.length, 960);
    assert.equal(c.client, 'ws-1');
    all.push(...c.frame);
  }
  assert.ok(Math.abs(dominantFrequency(all.slice(960), 48000) - 1000) < 2);
  bridge.hook.onClientClosed?.('ws-1');
  bridge.close();
});

test('48 kHz frames pass straight through; playback goes out as numbered mix-stream frames', () => {
  const e = fakeEngineAudio();
  const bridge = createWebAudioBridge(e.audio);
  const f = new Int16Array(960).fill(7);
  bridge.hook.onFrame({ kind: 'capture', sampleRate: 48000, sequence: 0, stream: 0, samples: f }, 'ws-2');
  assert.equal(e.captured[0]!.frame, f);
  const sent: AudioFrame[] = [];
  const stop = bridge.startPlayback((frame) => (sent.push(frame), 1));
  e.play(new Int16Array(960));
  e.play(new Int16Array(960));
  e.play(new Int16Array(100)); // not a 20 ms frame: dropped
  stop();
  e.play(new Int16Array(960));
  assert.deepEqual(sent.map((s) => [s.kind, s.sampleRate, s.sequence, s.stream]), [['playback', 48000, 0, 0], ['playback', 48000, 1, 0]]);
});
