/**
 * What sending audio frames as copies costs (renderer/src/api/bridge-transport.ts):
 * a 20 ms, 48 kHz capture frame (8-byte header + 960 samples = 1928 bytes)
 * posted on a MessagePort as a structured-clone copy, against the transfer
 * the code used before (which Electron's MessagePortMain cannot receive).
 * Node's MessageChannel serializes with V8's ValueSerializer, as Chromium's
 * does, so the copy's cost is the same code path.
 *
 *   node tests/desktop/audio-frame-copy.bench.ts
 *
 * Prints µs per frame for each way, sender side (postMessage) and the whole
 * trip (post → 'message' on the other end), and the share of one core that
 * 50 frames a second take.
 */
import { performance } from 'node:perf_hooks';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

const FRAME_BYTES = 8 + 960 * 2;
const FRAMES = 20_000;

async function trip(label: string, post: (port: MessagePort, frame: Uint8Array<ArrayBuffer>) => void): Promise<{ label: string; sendUs: number; tripUs: number }> {
  const { port1, port2 } = new MessageChannel();
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  port2.on('message', (data: unknown) => {
    if (!(data instanceof ArrayBuffer) || data.byteLength !== FRAME_BYTES) throw new Error(`${label}: bad frame`);
    if (++received === FRAMES) done();
  });
  const frames = Array.from({ length: FRAMES }, () => new Uint8Array(FRAME_BYTES).fill(7));
  const t0 = performance.now();
  for (const f of frames) post(port1, f);
  const sent = performance.now();
  await all;
  const end = performance.now();
  port1.close();
  return { label, sendUs: ((sent - t0) * 1000) / FRAMES, tripUs: ((end - t0) * 1000) / FRAMES };
}

const results = [];
// The second round is the one printed: the first warms the JIT up.
for (let round = 0; round < 2; round++) {
  results.length = 0;
  results.push(await trip('transfer (before; lost by MessagePortMain)', (p, f) => {
    const copy = f.slice().buffer;
    p.postMessage(copy, [copy]);
  }));
  results.push(await trip('copy (now)', (p, f) => p.postMessage(f.buffer)));
}

for (const r of results) {
  process.stdout.write(`${r.label.padEnd(44)} send ${r.sendUs.toFixed(2)} µs/frame, trip ${r.tripUs.toFixed(2)} µs/frame, ${((r.tripUs * 50) / 1e4).toFixed(3)} % of a core at 50 frames/s\n`);
}
