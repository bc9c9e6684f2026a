/**
 * What TLS costs (issue "Secure calls" §6), UDP beside it in the same run:
 *
 *   registration   a fresh UserAgent registers with Kamailio (digest: 401,
 *                  then 200): UDP vs TLS, where TLS includes the TCP connect,
 *                  the handshake and the certificate check (a CA this bench
 *                  makes with openssl). Median/min/max of N runs after one
 *                  unmeasured warm-up each.
 *   calls/s        Parley calls Parley directly on loopback (INVITE, 200, ACK,
 *                  BYE, 200; the callee answers at once, media set up with
 *                  PCMU), C calls in sequence over one connection: calls per
 *                  second over UDP and over TLS.
 *   SRTP           protect + unprotect of a 20 ms PCMU packet per suite.
 *   UAS calls/s    a sipp UAC load (harness/sipp-load.ts: INVITE, 200, ACK,
 *                  BYE at once, rising -r, every call must succeed at ≥ 95 %
 *                  of the offered pace) against Parley (a UserAgent in a
 *                  process of its own, signalling only: the SDP answer is
 *                  fixed) and baresip 1.0 (auto-answer, a media stream per
 *                  call), each over UDP and over TLS, steps alternating. The
 *                  Debian sipp is built without TLS, so over TLS sipp speaks
 *                  TCP to a relay in this process that carries each of its
 *                  connections over one TLS connection to the UAS (TLS 1.3,
 *                  the UAS's own certificate): the UAS terminates real TLS;
 *                  the relay's cost is not the UAS's and is not counted.
 *                  Printed: the highest rate each sustained, TLS against UDP
 *                  for each, Parley against baresip over TLS, and the UAS CPU
 *                  per call at the highest rate all four sustained.
 *
 *   node tests/bench/tls.bench.ts [--runs N] [--calls C] [--calls-only] [--uas-only] [--step-seconds S] [--max-rate R]
 * Prints figures; not a pass/fail test.
 */
import { writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKamailio } from '../interop/harness/kamailio.ts';
import { startParley, serverTls, until } from '../interop/parley-peer.ts';
import { startBaresip, type BaresipHandle } from '../interop/harness/baresip.ts';
import { ManagedProcess, makeTempDir } from '../interop/harness/managed-process.ts';
import { settle, sippStep, stepLine, sustained, type StepResult } from './harness/sipp-load.ts';
import { TestPki } from '../helpers/test-pki.ts';
import { UserAgent } from '../../electron/sip/ua/user-agent.ts';
import { TlsTrust } from '../../electron/sip/transport/tls-trust.ts';
import type { TransportProtocol } from '../../electron/sip/transport/transport.ts';
import { SrtpSession } from '../../electron/media/srtp/srtp-session.ts';
import { SRTP_SUITES, generateSrtpKeyMaterial, type SrtpCryptoSuite } from '../../electron/media/srtp/srtp-crypto-suite.ts';
import { serializeRtpPacket } from '../../electron/media/rtp/rtp-packet.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' }, calls: { type: 'string' }, 'calls-only': { type: 'boolean' }, 'uas-only': { type: 'boolean' },
    'step-seconds': { type: 'string' }, 'max-rate': { type: 'string' }, serve: { type: 'boolean' },
  },
});
const RUNS = Number(values.runs ?? 15);
const CALLS = Number(values.calls ?? 200);

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s.at(-1)! };
};
const fmt = (x: { median: number; min: number; max: number }) => `${x.median.toFixed(1)} ms (min ${x.min.toFixed(1)}, max ${x.max.toFixed(1)})`;

async function registrationTimes(): Promise<void> {
  const pki = TestPki.create('Parley Bench CA');
  const leaf = pki.leaf({ commonName: 'sipA.test', altNames: ['IP:127.0.0.1', 'URI:sip:sipA.test'] });
  const kam = await startKamailio({ users: [{ username: 'bench', password: 'pw' }], ipv6: false, tls: { certFile: leaf.certFile, keyFile: leaf.keyFile } });
  try {
    const trust = new TlsTrust({ extraCa: [pki.ca], onlyExtraCa: true });
    const one = async (protocol: TransportProtocol): Promise<number> => {
      const ua = new UserAgent({
        listen: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }, ...(protocol === 'tls' ? [{ protocol: 'tls' as const, address: '127.0.0.1', port: 0, tls: { cert: leaf.cert, key: leaf.key } }] : [])],
        media: () => {
          throw new Error('no calls here');
        },
        transportOptions: { tlsClient: { trust } },
      });
      await ua.start();
      try {
        const port = protocol === 'tls' ? kam.tlsPort! : kam.udpPort;
        ua.addAccount({ id: 'b', aor: 'sip:bench@sipA.test', password: 'pw', outboundProxy: `sip:127.0.0.1:${port}`, transport: protocol, registerExpires: 60 });
        const t0 = performance.now();
        ua.register('b');
        await until(() => ua.registration('b').state === 'registered', 10_000, 'registered');
        const ms = performance.now() - t0;
        await ua.unregister('b');
        return ms;
      } finally {
        await ua.close();
      }
    };
    const times: Record<string, number[]> = { udp: [], tls: [] };
    for (const p of ['udp', 'tls'] as const) await one(p); // warm-up (module loading, the TLS context)
    for (let i = 0; i < RUNS; i++) for (const p of ['udp', 'tls'] as const) times[p]!.push(await one(p));
    const udp = stats(times.udp!);
    const tls = stats(times.tls!);
    process.stdout.write(`registration (REGISTER → 401 → REGISTER → 200, new connection each), ${RUNS} runs:\n`);
    process.stdout.write(`  UDP ${fmt(udp)}\n  TLS ${fmt(tls)}  (connect + handshake + certificate check + 401 + 200)\n  TLS − UDP: ${(tls.median - udp.median).toFixed(1)} ms\n`);
  } finally {
    await kam.stop();
    pki.remove();
  }
}

async function callsPerSecond(protocol: 'udp' | 'tls'): Promise<number> {
  const listeners = { udp: true, tls: protocol === 'tls' };
  const alice = await startParley(listeners);
  const bob = await startParley(listeners);
  try {
    alice.ua.addAccount({ id: 'a', aor: 'sip:alice@parley.test', registerExpires: 0, transport: protocol });
    bob.ua.addAccount({ id: 'b', aor: 'sip:bob@parley.test', registerExpires: 0, transport: protocol });
    bob.ua.on('incomingCall', (c) => void c.accept());
    const port = bob.endpoints[protocol]!.port;
    const target = `sip:bob@127.0.0.1:${port};transport=${protocol}`;
    // Waits on the calls' own events (no polling: a poll interval would be what is measured).
    const place = () =>
      new Promise<void>((resolve, reject) => {
        const call = alice.ua.call(target, { accountId: 'a' });
        const timer = setTimeout(() => reject(new Error('call did not complete in 5 s')), 5000);
        call.on('state', (c) => {
          if (c.state === 'active') void call.hangup();
        });
        call.on('ended', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    for (let i = 0; i < 10; i++) await place(); // warm-up (and the TLS connection is opened)
    const t0 = performance.now();
    for (let i = 0; i < CALLS; i++) await place();
    return CALLS / ((performance.now() - t0) / 1000);
  } finally {
    await alice.close();
    await bob.close();
  }
}

function srtpCost(): void {
  const packet = (seq: number) => serializeRtpPacket({ marker: false, payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 7, csrcs: [], payload: Buffer.alloc(160, 0x55), paddingLength: 0 });
  const lines: string[] = [];
  for (const suite of Object.keys(SRTP_SUITES) as SrtpCryptoSuite[]) {
    const ka = generateSrtpKeyMaterial(suite);
    const kb = generateSrtpKeyMaterial(suite);
    const a = new SrtpSession({ suite, localKey: ka, remoteKey: kb });
    const b = new SrtpSession({ suite, localKey: kb, remoteKey: ka });
    const pkts = Array.from({ length: 20_000 }, (_, i) => packet(i + 1));
    for (const p of pkts.slice(0, 2000)) b.unprotectRtp(a.protectRtp(p));
    const rest = pkts.slice(2000);
    const t0 = process.hrtime.bigint();
    for (const p of rest) b.unprotectRtp(a.protectRtp(p));
    const us = Number(process.hrtime.bigint() - t0) / 1000 / rest.length;
    lines.push(`  ${suite.padEnd(24)} ${us.toFixed(2)} µs per packet (protect + unprotect)`);
  }
  process.stdout.write(`SRTP, 160-byte payload, 18,000 packets each:\n${lines.join('\n')}\n`);
}

/** `--serve`: the Parley UAS in a process of its own (UDP + TLS listeners, fixed SDP answer); prints its ports. */
async function serve(): Promise<void> {
  const sdp = 'v=0\r\no=parley 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n';
  const ua = new UserAgent({
    listen: [{ protocol: 'udp', address: '127.0.0.1', port: 0 }, { protocol: 'tls', address: '127.0.0.1', port: 0, tls: serverTls() }],
    media: () => ({ createOffer: async () => sdp, answerOffer: async () => ({ answer: sdp }), setAnswer: async () => {} }),
    trace: false,
    transportOptions: { udpReceiveBufferBytes: 4 * 1024 * 1024 },
  });
  ua.addAccount({ id: 'bench', aor: 'sip:service@127.0.0.1', registerExpires: 0 });
  ua.on('incomingCall', (call) => void call.accept());
  const [udp, tls] = await ua.start();
  process.stdout.write(`${JSON.stringify({ udp: udp!.port, tls: tls!.port })}\n`);
  process.once('SIGTERM', () => void ua.close().finally(() => process.exit(0)));
}

/** TCP in (sipp), TLS out (the UAS): each accepted connection gets its own TLS connection. */
async function tlsRelay(upstreamPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const upstream = tlsConnect({ host: '127.0.0.1', port: upstreamPort, rejectUnauthorized: false });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const x of sockets) x.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function uasCallsPerSecond(): Promise<void> {
  const secondsPerStep = Number(values['step-seconds'] ?? 4);
  const maxRate = Number(values['max-rate'] ?? 3200);
  const rates = [50, 100, 200, 300, 400, 600, 800, 1000, 1200, 1600, 2000, 2400, 3200].filter((r) => r <= maxRate);
  const tmp = makeTempDir('tls-cps');
  const child = new ManagedProcess(process.execPath, [fileURLToPath(import.meta.url), '--serve']);
  const relays: Array<{ close(): Promise<void> }> = [];
  let bare: BaresipHandle | undefined;
  try {
    if (!(await child.waitForOutput(/\{"udp":\d+,"tls":\d+\}/, 20_000))) throw new Error(`the Parley UAS did not start:\n${child.output}`);
    const ports = JSON.parse(/\{"udp":\d+,"tls":\d+\}/.exec(child.output)![0]) as { udp: number; tls: number };
    const cert = serverTls();
    const combined = join(tmp.path, 'baresip.pem');
    writeFileSync(combined, `${cert.cert}${cert.key}`);
    bare = await startBaresip({
      maxCalls: 2048, dumpAudio: false, extraConfig: [`sip_certificate ${combined}`],
      accounts: [{ aor: 'sip:service@127.0.0.1', regint: 0, answermode: 'auto', audioCodecs: 'PCMU/8000/1' }],
    });
    const parleyRelay = await tlsRelay(ports.tls);
    // baresip 1.0 listens for TLS on its SIP port + 1.
    const bareRelay = await tlsRelay(bare.sipPort + 1);
    relays.push(parleyRelay, bareRelay);
    const uases = [
      { name: 'Parley UDP', port: ports.udp, pid: child.pid, transport: 'u1' as const },
      { name: 'Parley TLS', port: parleyRelay.port, pid: child.pid, transport: 't1' as const },
      { name: 'baresip UDP', port: bare.sipPort, pid: bare.pid, transport: 'u1' as const },
      { name: 'baresip TLS', port: bareRelay.port, pid: bare.pid, transport: 't1' as const },
    ];
    process.stdout.write(`\nUAS calls/s under a sipp UAC load, ${secondsPerStep} s per step; node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores)\n`);
    const best = new Map<string, StepResult>();
    const done = new Set<string>();
    const all = new Map<number, Map<string, StepResult>>();
    for (const rate of rates) {
      for (const u of uases) {
        if (done.has(u.name)) continue;
        const step = async () => {
          await settle(u.pid);
          return sippStep({ remotePort: u.port, rate, secondsPerStep, uasPid: u.pid, transport: u.transport });
        };
        let r = await step();
        process.stdout.write(`${stepLine(u.name, r)}\n`);
        if (!sustained(r)) {
          r = await step();
          process.stdout.write(`${stepLine(u.name, r)} (retry)\n`);
        }
        if (!sustained(r)) {
          done.add(u.name);
          continue;
        }
        best.set(u.name, r);
        if (!all.has(rate)) all.set(rate, new Map());
        all.get(rate)!.set(u.name, r);
      }
      if (done.size === uases.length) break;
    }
    const rate = (n: string) => best.get(n)?.rate ?? 0;
    process.stdout.write(`\nhighest rate sustained (zero failed calls, >= 95 % of the offered rate); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}:\n`);
    for (const u of uases) process.stdout.write(`  ${u.name.padEnd(12)} ${String(rate(u.name)).padStart(5)} cps${done.has(u.name) ? '' : ' (not saturated: raise --max-rate)'}\n`);
    const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
    process.stdout.write(`  TLS / UDP: Parley ${ratio(rate('Parley TLS'), rate('Parley UDP'))}, baresip ${ratio(rate('baresip TLS'), rate('baresip UDP'))}\n`);
    process.stdout.write(`  Parley TLS / baresip TLS: ${ratio(rate('Parley TLS'), rate('baresip TLS'))} (Parley signalling only, baresip with a media stream per call)\n`);
    const common = [...all].filter(([, m]) => m.size === uases.length).at(-1);
    if (common) {
      const [at, steps] = common;
      process.stdout.write(`UAS CPU per call at ${at} cps (the highest rate all four sustained):\n`);
      for (const u of uases) process.stdout.write(`  ${u.name.padEnd(12)} ${steps.get(u.name)!.cpuPerCallMs.toFixed(2).padStart(6)} ms/call\n`);
      const c = (n: string) => steps.get(n)!.cpuPerCallMs;
      process.stdout.write(`  TLS − UDP per call: Parley ${(c('Parley TLS') - c('Parley UDP')).toFixed(2)} ms, baresip ${(c('baresip TLS') - c('baresip UDP')).toFixed(2)} ms\n`);
    }
  } finally {
    for (const r of relays) await r.close();
    await bare?.stop();
    await child.stop(5000);
    tmp.remove();
  }
}

if (values.serve) {
  await serve();
} else {
  const only = values['calls-only'] ?? false;
  if (values['uas-only']) {
    await uasCallsPerSecond();
  } else {
    if (!only) {
      srtpCost();
      await registrationTimes();
    }
    const udp = await callsPerSecond('udp');
    const tls = await callsPerSecond('tls');
    process.stdout.write(`calls/s, Parley → Parley on loopback, ${CALLS} calls in sequence (answer at once, PCMU media set up, BYE):\n  UDP ${udp.toFixed(0)} calls/s\n  TLS ${tls.toFixed(0)} calls/s (${((tls / udp) * 100).toFixed(0)} % of UDP)\n`);
    if (!only) await uasCallsPerSecond();
  }
  process.exit(0);
}
