/**
 * The renderer's audio path as a benchmark sees it: Chromium (fake
 * microphone playing a WAV file) on the page of a real `parley web` host,
 * with a test-only tap on the page's real audio graph.
 *
 * The tap is installed from the benchmark (nothing in the renderer knows of
 * it): before a call, the page's AudioContext and AudioWorkletNode
 * constructors and AudioNode.connect are wrapped so that
 *
 *   - whatever the app connects into its capture worklet (the microphone,
 *     after its gain) also feeds input 0 of a recorder worklet, and
 *   - the app's playback worklet's output (what goes to the speaker) also
 *     feeds input 1 of the same recorder,
 *
 * so both are recorded in the same render quanta: their delay is measured
 * on the AudioContext's own frame clock, with no clock mapping. The
 * recorder keeps both at 8 kHz (mean of 6 samples, enough for the 1 kHz
 * clicks) with the context frame of its first sample. The page notes when
 * each of the recorder's messages arrives on its main thread (wall clock):
 * the earliest arrival relative to its frames puts the render clock on the
 * wall clock, to set the taps beside a packet capture.
 *
 * The recorder's module is a blob: URL, which the host's
 * Content-Security-Policy (script-src 'self') would refuse: the benchmark
 * turns CSP off for its own session through chromedriver's CDP endpoint
 * (Page.setBypassCSP) — a test browser only.
 */
import type { Browser } from '../../e2e/browser.ts';

/** Runs in the page (as a string: it must not be transpiled into this module's scope). */
const INSTALL_TAP = String.raw`
if (window.__benchTap) return 'already';
const RECORDER = 'class BenchTap extends AudioWorkletProcessor {' +
  ' constructor() { super(); this.on = true; this.n = 800; this.mic = new Int16Array(this.n); this.out = new Int16Array(this.n); this.fill = 0; this.start = -1; this.acc0 = 0; this.acc1 = 0; this.k = 0;' +
  '   this.port.onmessage = (e) => { if (e.data === "stop") this.on = false; }; }' +
  ' process(inputs) {' +
  '   if (!this.on) return false;' +
  '   const a = inputs[0] && inputs[0][0]; const b = inputs[1] && inputs[1][0];' +
  '   for (let i = 0; i < 128; i++) {' +
  '     if (this.k === 0 && this.fill === 0) this.start = currentFrame + i;' +
  '     this.acc0 += a ? a[i] : 0; this.acc1 += b ? b[i] : 0;' +
  '     if (++this.k === 6) {' +
  '       this.mic[this.fill] = Math.max(-32768, Math.min(32767, Math.round(this.acc0 / 6 * 32768)));' +
  '       this.out[this.fill] = Math.max(-32768, Math.min(32767, Math.round(this.acc1 / 6 * 32768)));' +
  '       this.acc0 = this.acc1 = 0; this.k = 0;' +
  '       if (++this.fill === this.n) { this.port.postMessage({ start: this.start, mic: this.mic, out: this.out }, [this.mic.buffer, this.out.buffer]); this.mic = new Int16Array(this.n); this.out = new Int16Array(this.n); this.fill = 0; }' +
  '     }' +
  '   }' +
  '   return true; } }' +
  ' registerProcessor("bench-tap", BenchTap);';
const url = URL.createObjectURL(new Blob([RECORDER], { type: 'text/javascript' }));
const state = { chunks: [], mapping: [], ring: [], ctx: undefined, tap: undefined, errors: [], capture: { frame: 0, level: 0 } };
window.__benchTap = state;
const contexts = new Map();
const OrigContext = window.AudioContext;
const OrigNode = window.AudioWorkletNode;
const origConnect = AudioNode.prototype.connect;
window.AudioContext = class extends OrigContext {
  constructor(options) {
    super(options);
    contexts.set(this, this.audioWorklet.addModule(url).catch((e) => { state.errors.push(String(e)); throw e; }));
  }
};
window.AudioWorkletNode = class extends OrigNode {
  constructor(ctx, name, options) {
    super(ctx, name, options);
    if (name === 'parley-capture') {
      this.__benchKind = 'capture';
      // What the capture worklet tells the page: every frame (audio through the main thread) or only levels (relayed).
      this.port.addEventListener('message', (e) => { if (e.data && (e.data.type === 'frame' || e.data.type === 'level')) state.capture[e.data.type]++; });
    }
    if (name === 'parley-playback') {
      this.__benchKind = 'playback';
      // The playback worklet's own reports (beside the app's handler): how much its ring buffer holds.
      this.port.addEventListener('message', (e) => { if (e.data && e.data.type === 'level') state.ring.push(e.data.buffered / ctx.sampleRate * 1000); });
    }
  }
};
const attach = (node, input) => {
  const ctx = node.context;
  const ready = contexts.get(ctx);
  if (!ready) { state.errors.push('an audio node outside a tapped context'); return; }
  ready.then(() => {
    if (state.ctx !== ctx) {
      state.ctx = ctx;
      state.tap = new OrigNode(ctx, 'bench-tap', { numberOfInputs: 2, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
      state.tap.port.onmessage = (e) => {
        // When the chunk's last frame had been rendered, at the latest: the earliest of these marks the render clock.
        state.mapping.push({ contextMs: ((e.data.start + e.data.mic.length * 6) / ctx.sampleRate) * 1000, wallMs: performance.timeOrigin + performance.now() });
        state.chunks.push(e.data);
      };
      state.mapping = [];
    }
    origConnect.call(node, state.tap, 0, input);
  }, () => undefined);
};
AudioNode.prototype.connect = function (destination, ...rest) {
  const result = origConnect.call(this, destination, ...rest);
  if (destination && destination.__benchKind === 'capture') attach(this, 0);
  if (this.__benchKind === 'playback' && destination instanceof AudioNode) attach(this, 1);
  return result;
};
return 'installed';
`;

/** Runs in the page: the taps since `fromMs` ago… as base64 Int16 at 8 kHz, and the clock figures. */
const COLLECT_TAP = String.raw`
const s = window.__benchTap;
if (!s || !s.ctx) return { error: 'no tapped call audio' + (s && s.errors.length ? ': ' + s.errors.join('; ') : '') };
const chunks = s.chunks.splice(0);
const ring = s.ring.splice(0).sort((a, b) => a - b);
if (chunks.length === 0) return { error: 'the tap recorded nothing' };
const n = chunks.reduce((k, c) => k + c.mic.length, 0);
const mic = new Int16Array(n);
const out = new Int16Array(n);
let o = 0;
for (const c of chunks) { mic.set(c.mic, o); out.set(c.out, o); o += c.mic.length; }
const b64 = (a) => { const u = new Uint8Array(a.buffer); let t = ''; for (let i = 0; i < u.length; i += 0x8000) t += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000)); return btoa(t); };
const gaps = chunks.filter((c, i) => i > 0 && c.start !== chunks[i - 1].start + 4800).length;
return {
  startFrame: chunks[0].start, sampleRate: s.ctx.sampleRate, mic: b64(mic), out: b64(out), gaps,
  captureFrames: s.capture.frame, captureLevels: s.capture.level,
  mapping: s.mapping.slice(), ringMs: ring.length ? ring[ring.length >> 1] : NaN, outputLatencyMs: (s.ctx.outputLatency || 0) * 1000, baseLatencyMs: (s.ctx.baseLatency || 0) * 1000,
};
`;

export interface TapRecording {
  /** 8 kHz: what entered the capture worklet, and what the playback worklet played. */
  mic: Int16Array;
  out: Int16Array;
  /** The AudioContext frame (at `sampleRate`) of the first sample. */
  startFrame: number;
  sampleRate: number;
  /** Chunks that did not follow the previous one (lost or reordered tap messages): 0 in a good run. */
  gaps: number;
  /**
   * Wall clock (ms since the epoch) minus context time (ms) as the worklets
   * ran: the least over the recorder's messages of their arrival on the main
   * thread minus the context time of their last frame. NaN without any.
   */
  wallMinusContextMs: number;
  /** The spread of that difference over the call: how unevenly the render thread ran (and the main thread took its messages). */
  renderJitterMs: number;
  outputLatencyMs: number;
  baseLatencyMs: number;
  /** The playback worklet's ring buffer, ms held (the median of its ~10 reports a second). */
  ringMs: number;
  /**
   * Messages from the capture worklet to the page since the clear: frames
   * (the page sends them on) and level reports (frames went straight to the
   * transport's relay, off the main thread).
   */
  captureFrames: number;
  captureLevels: number;
}

/**
 * Turns CSP off for this test session (chromedriver's CDP bridge), then (re)loads `url`.
 * `withoutWorkers`: the page finds no Worker constructor, so its audio goes
 * through the main thread as it did before the socket Worker (a comparison).
 */
export async function openWithoutCsp(session: Browser, url: string, opts: { withoutWorkers?: boolean } = {}): Promise<void> {
  const b = session.browser;
  const o = b.options as { protocol?: string; hostname?: string; port?: number; path?: string };
  const base = `${o.protocol ?? 'http'}://${o.hostname ?? '127.0.0.1'}:${o.port}${(o.path ?? '/').replace(/\/$/, '')}`;
  const cdp = async (cmd: string, params: Record<string, unknown>) => {
    const r = await fetch(`${base}/session/${b.sessionId}/goog/cdp/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cmd, params }),
    });
    if (!r.ok) throw new Error(`chromedriver refused ${cmd}: ${r.status} ${await r.text()}`);
  };
  await cdp('Page.setBypassCSP', { enabled: true });
  if (opts.withoutWorkers) await cdp('Page.addScriptToEvaluateOnNewDocument', { source: 'window.Worker = undefined;' });
  await b.url(url);
}

/** Wraps the page's audio constructors (see the file comment); call once per page load, before the first call. */
export async function installTap(session: Browser): Promise<void> {
  const r: unknown = await session.browser.execute(`return (() => {${INSTALL_TAP}})()`);
  if (r !== 'installed' && r !== 'already') throw new Error(`tap not installed: ${String(r)}`);
}

/** Forgets what the tap recorded so far (the call's start). */
export async function clearTap(session: Browser): Promise<void> {
  await session.browser.execute('if (window.__benchTap) { window.__benchTap.chunks.length = 0; window.__benchTap.ring.length = 0; window.__benchTap.capture = { frame: 0, level: 0 }; }');
}

/** What the tap recorded since the last clear. */
export async function collectTap(session: Browser): Promise<TapRecording> {
  const r = (await session.browser.execute(`return (() => {${COLLECT_TAP}})()`)) as unknown as Record<string, unknown>;
  if (typeof r.error === 'string') throw new Error(r.error);
  const decode = (s: unknown) => {
    const b = Buffer.from(String(s), 'base64');
    return new Int16Array(b.buffer, b.byteOffset, b.byteLength / 2);
  };
  const offsets = (r.mapping as { contextMs: number; wallMs: number }[]).map((m) => m.wallMs - m.contextMs);
  return {
    mic: decode(r.mic),
    out: decode(r.out),
    startFrame: Number(r.startFrame),
    sampleRate: Number(r.sampleRate),
    gaps: Number(r.gaps),
    wallMinusContextMs: offsets.length > 0 ? Math.min(...offsets) : NaN,
    renderJitterMs: offsets.length > 0 ? Math.max(...offsets) - Math.min(...offsets) : NaN,
    outputLatencyMs: Number(r.outputLatencyMs),
    ringMs: Number(r.ringMs),
    captureFrames: Number(r.captureFrames),
    captureLevels: Number(r.captureLevels),
    baseLatencyMs: Number(r.baseLatencyMs),
  };
}
