/**
 * The media WASM is loaded with a call's first session, not when the engine
 * is made (media-engine.ts): an idle phone does not carry it. Our offer does
 * not wait for the resampler (the INVITE goes out while it compiles);
 * answering an offer and applying an answer — the ways to start() — do.
 * libopus (a synchronous compile) loads only for a call that negotiated
 * Opus: ahead, on the turn after an incoming call's answer was made (it rings
 * first), else with the first Opus pipeline; a G.711 call never loads it.
 * This file runs in a process of its own (node --test), so nothing else has
 * loaded the modules before.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { resamplerReady } from '../../../../electron/media/audio/resampler.ts';
import { MediaEngine } from '../../../../electron/media/session/media-engine.ts';
import { RecordingSink, waitFor } from './session-fixture.ts';
import { ToneSource } from '../../../../electron/media/devices/tone-source.ts';

/** Whether opusscript has compiled its WASM module (it requires the build file on first use). */
function opusLoaded(): boolean {
  return Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('opusscript_native_wasm'));
}

describe('MediaEngine loads the media WASM lazily', () => {
  it('loads nothing when made, and everything before the first call can start', async () => {
    const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
    try {
      assert.equal(resamplerReady(), false, 'no resampler before a call');
      assert.equal(opusLoaded(), false, 'no libopus before a call');

      // PCMU at 8 kHz against 48 kHz devices needs the resampler in both pipelines.
      const sink = new RecordingSink();
      const a = engine.createSession({ codecs: ['PCMU'], source: new ToneSource({ frequency: 1000 }) });
      const b = engine.createSession({ codecs: ['PCMU'], sink });
      const offer = await a.createOffer();
      const answer = await b.answerOffer(offer);
      if ('reject' in answer) assert.fail(answer.reason);
      assert.equal(resamplerReady(), true, 'answering waited for the resampler');
      await a.setAnswer(answer.answer);
      a.start();
      b.start();
      await waitFor(() => sink.frames.some((f) => f.some((x) => x !== 0)), 3000, 'resampled audio at the far end');
      assert.equal(opusLoaded(), false, 'a G.711 call never loads libopus');
    } finally {
      await engine.close();
    }
  });

  it('loads libopus for a call that negotiated Opus: on the turn after answering its offer, before it starts', async () => {
    const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
    try {
      const sink = new RecordingSink();
      const a = engine.createSession({ codecs: ['opus'], source: new ToneSource({ frequency: 1000 }) });
      const b = engine.createSession({ codecs: ['opus'], sink });
      const answer = await b.answerOffer(await a.createOffer());
      if ('reject' in answer) assert.fail(answer.reason);
      assert.equal(opusLoaded(), false, 'not in the turn that answers (the answer goes out first)');
      await new Promise((r) => setImmediate(r));
      assert.equal(opusLoaded(), true, 'on the next turn, while the call would ring');
      await a.setAnswer(answer.answer);
      a.start();
      b.start();
      await waitFor(() => sink.frames.some((f) => f.some((x) => x !== 0)), 3000, 'Opus audio at the far end');
    } finally {
      await engine.close();
    }
  });
});
