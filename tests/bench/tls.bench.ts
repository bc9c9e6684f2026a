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
 *
 *   node tests/bench/tls.bench.ts [--runs N] [--calls C] [--calls-only]
 * Prints figures; not a pass/fail test.
 */
import { parseArgs } from 'node:util';
import { startKamailio } from '../interop/harness/kamailio.ts';
import { startParley, until } from '../interop/parley-peer.ts';
import { TestPki } from '../helpers/test-pki.ts';
import { UserAgent } from '../../electron/sip/ua/user-agent.ts';
import { TlsTrust } from '../../electron/sip/transport/tls-trust.ts';
import type { TransportProtocol } from '../../electron/sip/transport/transport.ts';
import { SrtpSession } from '../../electron/media/srtp/srtp-session.ts';
import { SRTP_SUITES, generateSrtpKeyMaterial, type SrtpCryptoSuite } from '../../electron/media/srtp/srtp-crypto-suite.ts';
import { serializeRtpPacket } from '../../electron/media/rtp/rtp-packet.ts';

const { values } = parseArgs({ options: { runs: { type: 'string' }, calls: { type: 'string' }, 'calls-only': { type: 'boolean' } } });
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

const only = values['calls-only'] ?? false;
if (!only) {
  srtpCost();
  await registrationTimes();
}
const udp = await callsPerSecond('udp');
const tls = await callsPerSecond('tls');
process.stdout.write(`calls/s, Parley → Parley on loopback, ${CALLS} calls in sequence (answer at once, PCMU media set up, BYE):\n  UDP ${udp.toFixed(0)} calls/s\n  TLS ${tls.toFixed(0)} calls/s (${((tls / udp) * 100).toFixed(0)} % of UDP)\n`);
process.exit(0);
