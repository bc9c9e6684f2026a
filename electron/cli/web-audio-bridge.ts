/**
 * The web host's sound card is the browser: capture frames arrive over the
 * WebSocket (api/audio-frames.ts) at whatever rate the page's AudioContext
 * runs (44.1 or 48 kHz as a rule) and the engine wants 20 ms at 48 kHz; the
 * engine's mixed playback goes back to every connected page as 48 kHz frames
 * on the mix stream. One resampler and FIFO per client turns any client
 * rate into exact 960-sample frames.
 */
import { AUDIO_FRAME_MS, MIX_STREAM, type AudioFrame } from '../api/audio-frames.ts';
import type { AudioHook } from '../api/ws-server.ts';
import { DEVICE_RATE, frameSamples } from '../media/audio/frame.ts';
import { Resampler } from '../media/audio/resampler.ts';
import { SampleFifo } from '../media/audio/sample-fifo.ts';
import type { EngineAudio } from '../phone/engine.ts';

interface ClientState {
  rate: number;
  resampler: Resampler | undefined;
  fifo: SampleFifo;
}

export interface WebAudioBridge {
  hook: AudioHook;
  /** Starts sending the engine's playback through `send`; returns the stop function. */
  startPlayback(send: (frame: AudioFrame) => number): () => void;
  close(): void;
}

/** Needs initResampler() (or initMedia()) done when clients may send at a rate other than 48 kHz. */
export function createWebAudioBridge(engineAudio: EngineAudio): WebAudioBridge {
  const clients = new Map<string, ClientState>();
  const frame = frameSamples(DEVICE_RATE, AUDIO_FRAME_MS);

  const drop = (id: string) => {
    clients.get(id)?.resampler?.destroy();
    clients.delete(id);
  };

  const hook: AudioHook = {
    onFrame(f, clientId) {
      let state = clients.get(clientId);
      if (!state || state.rate !== f.sampleRate) {
        drop(clientId);
        state = { rate: f.sampleRate, resampler: f.sampleRate === DEVICE_RATE ? undefined : new Resampler(f.sampleRate, DEVICE_RATE), fifo: new SampleFifo(DEVICE_RATE) };
        clients.set(clientId, state);
      }
      if (!state.resampler) {
        engineAudio.onCaptureFrame(f.samples, clientId);
        return;
      }
      state.fifo.push(state.resampler.process(f.samples));
      while (state.fifo.length >= frame) engineAudio.onCaptureFrame(state.fifo.shift(frame).samples, clientId);
    },
    onClientClosed: drop,
  };

  return {
    hook,
    startPlayback(send) {
      let sequence = 0;
      return engineAudio.onPlaybackFrame((samples) => {
        if (samples.length !== frame) return;
        send({ kind: 'playback', sampleRate: DEVICE_RATE, sequence, stream: MIX_STREAM, samples });
        sequence = (sequence + 1) & 0xffff;
      });
    },
    close() {
      for (const id of [...clients.keys()]) drop(id);
    },
  };
}
