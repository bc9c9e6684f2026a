/**
 * What DTLS-SRTP costs beside SDES-SRTP and plain RTP (issue "Secure calls"
 * §6), all three in the same run, Parley ↔ Parley on loopback: each side is
 * a child process with one MediaEngine (harness/media-peers.ts: a looping
 * 600 Hz WAV as microphone, a null sink, PCMU), CPU from /proc.
 *
 *   set-up   N calls connected at once (offer, answer, start); the CPU both
 *            processes spend from the offer until every call receives audio
 *            (for DTLS-SRTP: N ECDSA P-256 handshakes each way, the
 *            certificate checked against the SDP fingerprint, the keys
 *            exported), per call, and the wall time to that point.
 *   a call   one call's CPU (% of a core, per side, net of the idle rate,
 *            after 3 s of warm-up) over S seconds: once keyed, DTLS-SRTP is
 *            SRTP like SDES (AES-128-CM-SHA1-80 / the GCM suites), so the two
 *            should match; plain RTP is the floor.
 *
 *   node tests/bench/dtls.bench.ts [--calls N] [--seconds S]
 * Prints figures; not a pass/fail test.
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeToneWav } from '../interop/harness/wav.ts';
import { makeTempDir } from '../interop/harness/managed-process.ts';
import { Peer, connectPeers, cpuMs, measureCall, runSessionsPeer, sleep, type PeerFigures } from './harness/media-peers.ts';

const SELF = fileURLToPath(import.meta.url);

type Mode = 'plain' | 'sdes' | 'dtls';
const LABEL: Record<Mode, string> = { plain: 'plain RTP', sdes: 'SRTP (SDES)', dtls: 'SRTP (DTLS-SRTP)' };

async function withPeers<T>(mode: Mode, count: number, wav: string, run: (a: Peer, b: Peer) => Promise<T>): Promise<T> {
  const a = new Peer(SELF);
  const b = new Peer(SELF);
  try {
    await Promise.all([a.ready, b.ready]);
    const init = { cmd: 'init', codec: 'PCMU', srtp: mode !== 'plain', rate: 8000, wav, count, ...(mode === 'plain' ? {} : { keyExchange: mode }) };
    await Promise.all([a.request(init, 60_000), b.request(init, 60_000)]);
    return await run(a, b);
  } finally {
    await Promise.allSettled([a.request({ cmd: 'stop' }, 30_000), b.request({ cmd: 'stop' }, 30_000)]);
    await Promise.all([a.kill(), b.kill()]);
  }
}

/** N calls at once: CPU (both sides) and wall time from the offer until every call hears the other. */
async function setUp(mode: Mode, calls: number, wav: string): Promise<{ cpuPerCallMs: number; wallMs: number }> {
  return withPeers(mode, calls, wav, async (a, b) => {
    const pids = [a.child.pid!, b.child.pid!];
    await sleep(500);
    const c0 = pids.map(cpuMs);
    const t0 = performance.now();
    await connectPeers(a, b);
    // Every session received a few packets: 5 per call on each side (nothing is received before the keys).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [fa, fb] = (await Promise.all([a.request({ cmd: 'figures' }), b.request({ cmd: 'figures' })])) as unknown as PeerFigures[];
      if (fa!.packetsReceived >= calls * 5 && fb!.packetsReceived >= calls * 5) break;
      if (Date.now() > deadline) throw new Error(`${mode}: not every call heard the other within 30 s (${fa!.packetsReceived}/${fb!.packetsReceived} packets)`);
      await sleep(10);
    }
    const wallMs = performance.now() - t0;
    const used = pids.reduce((sum, p, i) => sum + cpuMs(p) - c0[i]!, 0);
    return { cpuPerCallMs: used / calls, wallMs };
  });
}

async function oneCall(mode: Mode, seconds: number, wav: string): Promise<number[]> {
  return withPeers(mode, 1, wav, (a, b) => measureCall([a.child.pid!, b.child.pid!], 2, () => connectPeers(a, b), seconds));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { calls: { type: 'string' }, seconds: { type: 'string' } } });
  const calls = Number(values.calls ?? 20);
  const seconds = Number(values.seconds ?? 10);
  const dir = makeTempDir('dtls-bench');
  const wav = join(dir.path, 'tone.wav');
  writeToneWav(wav, { frequency: 600, seconds: 10, sampleRate: 8000 });
  const modes: Mode[] = ['plain', 'sdes', 'dtls'];
  try {
    process.stdout.write(`DTLS-SRTP vs SDES-SRTP vs plain RTP, Parley ↔ Parley on loopback, PCMU; node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores)\n`);
    // Alternating rounds, so background load on the shared machine falls on all three alike; medians of 3.
    const setup = new Map<Mode, { cpuPerCallMs: number; wallMs: number }[]>(modes.map((m) => [m, []]));
    for (let round = 0; round < 3; round++) for (const m of modes) setup.get(m)!.push(await setUp(m, calls, wav));
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    process.stdout.write(`set-up, ${calls} calls at once (offer → every call hears the other), median of 3; CPU of both sides per call:\n`);
    const cpu = (m: Mode) => median(setup.get(m)!.map((r) => r.cpuPerCallMs));
    for (const m of modes) process.stdout.write(`  ${LABEL[m].padEnd(18)} ${cpu(m).toFixed(1).padStart(6)} ms CPU per call, ${median(setup.get(m)!.map((r) => r.wallMs)).toFixed(0).padStart(5)} ms until all ${calls} heard each other\n`);
    process.stdout.write(`  DTLS-SRTP − SDES: ${(cpu('dtls') - cpu('sdes')).toFixed(1)} ms CPU per call (the handshakes), ratio ${(cpu('dtls') / cpu('sdes')).toFixed(2)}\n`);
    process.stdout.write(`one call, ${seconds} s after 3 s of warm-up, % of a core per side (net of idle):\n`);
    const running = new Map<Mode, number>();
    for (const m of modes) {
      const [x, y] = await oneCall(m, seconds, wav);
      running.set(m, (x! + y!) / 2);
      process.stdout.write(`  ${LABEL[m].padEnd(18)} ${x!.toFixed(2).padStart(6)} % / ${y!.toFixed(2).padStart(6)} %\n`);
    }
    process.stdout.write(`  DTLS-SRTP / SDES during the call: ${(running.get('dtls')! / running.get('sdes')!).toFixed(2)}; SDES / plain: ${(running.get('sdes')! / running.get('plain')!).toFixed(2)}\n`);
  } finally {
    dir.remove();
  }
}

if (process.argv.includes('--peer')) await runSessionsPeer();
else {
  await main();
  process.exit(0);
}
