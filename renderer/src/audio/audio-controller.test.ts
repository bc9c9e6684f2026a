import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client.ts';
import { FakeTransport } from '../test-support/fake-transport.ts';
import { AudioController, type AudioSettings } from './audio-controller.svelte.ts';

/** The parts of an AudioContext the controller uses, counting what is done to it. */
class FakeContext {
  state: AudioContextState = 'running';
  readonly sampleRate = 48000;
  readonly destination = {};
  readonly modules: string[] = [];
  readonly audioWorklet = { addModule: async (url: string) => void this.modules.push(url) };
  suspends = 0;
  resumes = 0;
  async suspend() {
    this.suspends++;
    this.state = 'suspended';
  }
  async resume() {
    this.resumes++;
    this.state = 'running';
  }
  async close() {
    this.state = 'closed';
  }
  createMediaStreamSource() {
    return { connect: () => {}, disconnect: () => {} };
  }
}

/** AudioWorkletNode and GainNode: counts how many were built and in which context's state. */
const built: Array<{ ctx: FakeContext; state: AudioContextState }> = [];
class FakeNode {
  readonly port = { postMessage: () => {}, close: () => {}, onmessage: null };
  readonly gain = { value: 1 };
  constructor(ctx: FakeContext) {
    built.push({ ctx, state: ctx.state });
  }
  connect<T>(next: T): T {
    return next;
  }
  disconnect() {}
}

const SETTINGS: AudioSettings = { audioInput: 'default', audioOutput: 'default', echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const settle = () => new Promise((r) => setTimeout(r, 0));

function controller() {
  const made: FakeContext[] = [];
  const idle: Array<() => void> = [];
  const audio = new AudioController(new ApiClient(new FakeTransport()), {
    createContext: () => {
      const ctx = new FakeContext();
      made.push(ctx);
      return ctx as unknown as AudioContext;
    },
    whenIdle: (fn) => void idle.push(fn),
  });
  return { audio, made, runIdle: () => idle.splice(0).forEach((f) => f()) };
}

describe('AudioController: the call context made ahead', () => {
  beforeEach(() => {
    vi.stubGlobal('AudioWorkletNode', FakeNode);
    vi.stubGlobal('GainNode', FakeNode);
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: () => Promise.reject(new DOMException('no', 'NotFoundError')) } });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    built.length = 0;
  });

  it('makes no context before prepare(), then one when the page is idle: worklets loaded, suspended', async () => {
    const { audio, made, runIdle } = controller();
    runIdle();
    expect(made).toHaveLength(0);
    audio.prepare();
    expect(made).toHaveLength(0);
    runIdle();
    await settle();
    expect(made).toHaveLength(1);
    expect(made[0]!.state).toBe('suspended');
    expect(made[0]!.modules).toHaveLength(2);
  });

  it('the spare has the call nodes built while suspended; the call builds none', async () => {
    const { audio, made, runIdle } = controller();
    audio.prepare();
    runIdle();
    await settle();
    // Playback worklet + speaker gain, capture worklet + mic gain.
    expect(built).toHaveLength(4);
    expect(built.every((b) => b.ctx === made[0] && b.state === 'suspended')).toBe(true);
    audio.setVolumes({ speaker: 0.5 });
    await audio.start(SETTINGS, { send: true });
    expect(audio.state).toBe('running');
    expect(built).toHaveLength(4);
  });

  it('a call takes the spare and resumes it instead of building one; after the call a new spare is made', async () => {
    const { audio, made, runIdle } = controller();
    audio.prepare();
    runIdle();
    await settle();
    await audio.start(SETTINGS, { send: true });
    expect(made).toHaveLength(1);
    expect(made[0]!.state).toBe('running');
    expect(made[0]!.modules).toHaveLength(2);
    expect(audio.state).toBe('running');
    // No microphone: the call goes on with silence, said in words.
    expect(audio.error).toMatch(/not connected/);
    // While the call runs, no spare is made beside it.
    runIdle();
    expect(made).toHaveLength(1);
    audio.stop();
    expect(made[0]!.state).toBe('closed');
    runIdle();
    await settle();
    expect(made).toHaveLength(2);
    expect(made[1]!.state).toBe('suspended');
  });

  it('without prepare() a call builds its context when it starts, as before, and keeps no spare', async () => {
    const { audio, made, runIdle } = controller();
    await audio.start(SETTINGS, { send: true });
    expect(made).toHaveLength(1);
    expect(made[0]!.modules).toHaveLength(2);
    expect(built).toHaveLength(4);
    audio.stop();
    runIdle();
    expect(made).toHaveLength(1);
    expect(audio.prepared).toBe(false);
  });
});
