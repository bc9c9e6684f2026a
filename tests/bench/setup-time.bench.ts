/**
 * Call set-up time through Kamailio (issue "Fast where the user feels it" §2),
 * Parley's CLI beside baresip in the same run, the calls taken in turn:
 *
 *   dial → ringing    the caller dials until the callee (baresip, registered
 *                     with Kamailio, answering automatically, so it reports
 *                     the INVITE's offer, CALL_REMOTE_SDP, where a phone
 *                     would start ringing) has the call;
 *   dial → answered   until the caller has the call up (baresip:
 *                     CALL_ESTABLISHED; Parley: the call's 'active' state);
 *   dial → heard      until the callee receives the caller's first RTP
 *                     (its CALL_RTPESTAB): the caller's audio arrives.
 *
 * Two Parley callers: the CLI (`parley call`, a fresh process per call, so
 * code and media WASM are cold every time) and a running engine (what the
 * desktop app and `parley web` hold; dialled through its API, call.dial,
 * from this process). The dial moment: baresip's 'dial' command sent on
 * ctrl_tcp; the engine's call.dial sent; the CLI's 'dialing' state printed
 * by `parley call --json` (its launch and registration, spawn → dialing, are
 * left out and printed apart). Every
 * moment is read on this process's clock as the event arrives (a pipe or a
 * loopback TCP hop late, alike for both). Median and p99 of N calls each.
 * Goal: Parley ≤ baresip. Not measured here: the callee's audio arriving
 * at a Parley caller (the CLI prints no event for it), and the web UI's dial.
 *
 *   node tests/bench/setup-time.bench.ts [--calls 50]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startBaresip, type BaresipHandle } from '../interop/harness/baresip.ts';
import { startKamailio } from '../interop/harness/kamailio.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from '../interop/harness/parley-engine.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const CALLS = Number(argValue('--calls') ?? 50);

const users = [
  { username: 'alice', password: 'alicepw' },
  { username: 'bob', password: 'bobpw' },
  { username: 'carol', password: 'carolpw' },
];

interface Setup {
  ringMs: number;
  answerMs: number;
  heardMs: number;
}

/** When each baresip event arrived, on this process's clock. */
function stamp(b: BaresipHandle): { type: string; at: number }[] {
  const seen: { type: string; at: number }[] = [];
  b.onEvent((e) => seen.push({ type: e.type, at: performance.now() }));
  return seen;
}

let diag = (): string => '';

async function until<T>(what: string, ms: number, get: () => T | undefined): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${diag()}`);
    await sleep(5);
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};
const f0 = (v: number) => v.toFixed(0);

async function main(): Promise<void> {
  const kam = await startKamailio({ users, ipv6: false });
  const tmp = makeTempDir('setup-bench');
  const proxy = `sip:127.0.0.1:${kam.udpPort}`;
  const bareAccount = (user: string, extra: object) => ({ aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, outbound: proxy, regint: 600, audioCodecs: 'PCMU/8000/1', ...extra });
  let bob: BaresipHandle | undefined;
  let carol: BaresipHandle | undefined;
  let engine: ParleyEnginePeer | undefined;
  try {
    engine = await startParleyEngine({ name: 'setup-bench', toneHz: 600 });
    const account = await engine.call('accounts.add', { aor: `sip:alice@${kam.domain}`, password: 'alicepw', registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    await engine.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', 10_000, 'alice registered');
    bob = await startBaresip({ accounts: [bareAccount('bob', { answermode: 'auto' })], dumpAudio: false });
    carol = await startBaresip({ accounts: [bareAccount('carol', {})], dumpAudio: false });
    await bob.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
    await carol.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
    diag = () => `; bob: ${bob?.events.map((e) => e.type).join(' ')}; carol: ${carol?.events.map((e) => e.type).join(' ')}`;
    const bobSeen = stamp(bob);
    const carolSeen = stamp(carol);
    const target = `sip:bob@${kam.domain}`;
    const after = (seen: { type: string; at: number }[], from: number, type: string) => () => seen.slice(from).find((e) => e.type === type);

    const bare: Setup[] = [];
    const ours: Setup[] = [];
    const warm: Setup[] = [];
    const launch: number[] = [];
    console.log(`Call set-up through Kamailio on loopback, ${CALLS} calls each, PCMU, callee baresip (auto-answer); node ${process.version}`);

    const baresipCall = async (): Promise<void> => {
      const b0 = bobSeen.length;
      const c0 = carolSeen.length;
      const t0 = performance.now();
      const r = await (carol as BaresipHandle).command('dial', target, 10_000);
      if (!r.ok) throw new Error(`baresip dial: ${r.data}`);
      const ring = await until('baresip ringing', 10_000, after(bobSeen, b0, 'CALL_REMOTE_SDP'));
      const up = await until('baresip established', 10_000, after(carolSeen, c0, 'CALL_ESTABLISHED'));
      const heard = await until('baresip audio at the callee', 10_000, after(bobSeen, b0, 'CALL_RTPESTAB'));
      bare.push({ ringMs: ring.at - t0, answerMs: up.at - t0, heardMs: heard.at - t0 });
      await (carol as BaresipHandle).command('hangup', '', 10_000);
      await until('baresip closed', 10_000, after(bobSeen, b0, 'CALL_CLOSED'));
    };

    const parleyCall = async (): Promise<void> => {
      const b0 = bobSeen.length;
      const p = new ParleyProcess(
        ['call', target, '--aor', `sip:alice@${kam.domain}`, '--password', 'alicepw', '--proxy', `127.0.0.1:${kam.udpPort}`, '--bind', '127.0.0.1:0', '--tone', '600', '--duration', '0.2', '--json'],
        { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } },
      );
      try {
        const dial = await p.waitForEvent((e) => e.event === 'call' && e.data.state === 'dialing', 20_000, 'dialing');
        const dialAt = p.startedAt + dial.at;
        const ring = await until('Parley ringing', 10_000, after(bobSeen, b0, 'CALL_REMOTE_SDP'));
        const up = await p.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 10_000, 'active');
        const heard = await until('Parley audio at the callee', 10_000, after(bobSeen, b0, 'CALL_RTPESTAB'));
        ours.push({ ringMs: ring.at - dialAt, answerMs: p.startedAt + up.at - dialAt, heardMs: heard.at - dialAt });
        launch.push(dial.at);
        const exit = await p.waitForExit(20_000);
        if (exit.code !== 0) throw new Error(`parley call exited ${String(exit.code)}: ${p.stderr}`);
        await until('Parley call closed at baresip', 10_000, after(bobSeen, b0, 'CALL_CLOSED'));
      } finally {
        p.kill();
        await p.exited;
      }
    };

    const engineCall = async (): Promise<void> => {
      const e = engine as ParleyEnginePeer;
      const b0 = bobSeen.length;
      const t0 = performance.now();
      const dialled = await e.call('call.dial', { target, accountId: account.id });
      const ring = await until('engine ringing', 10_000, after(bobSeen, b0, 'CALL_REMOTE_SDP'));
      await e.waitFor('call', (c) => c.id === dialled.id && (c.state === 'active' || c.state === 'ended'), 10_000, 'engine call answered');
      const upAt = performance.now();
      const heard = await until('engine audio at the callee', 10_000, after(bobSeen, b0, 'CALL_RTPESTAB'));
      warm.push({ ringMs: ring.at - t0, answerMs: upAt - t0, heardMs: heard.at - t0 });
      await e.call('call.hangup', { callId: dialled.id });
      await until('engine call closed at baresip', 10_000, after(bobSeen, b0, 'CALL_CLOSED'));
    };

    // One unmeasured call each first (caches, JIT, Kamailio's location lookups).
    const variants = [baresipCall, parleyCall, engineCall];
    for (const v of variants) await v();
    bare.length = 0;
    ours.length = 0;
    warm.length = 0;
    launch.length = 0;
    for (let i = 0; i < CALLS; i++) {
      // Each in turn, the order rotating from call to call.
      for (let k = 0; k < variants.length; k++) await (variants[(i + k) % variants.length] as () => Promise<void>)();
    }
    const cell = (xs: Setup[], k: keyof Setup) => `${f0(pct(xs.map((x) => x[k]), 50)).padStart(6)} / ${f0(pct(xs.map((x) => x[k]), 99)).padStart(5)} ms`.padEnd(26);
    const row = (name: string, xs: Setup[]) => `  ${name.padEnd(14)} ${cell(xs, 'ringMs')} ${cell(xs, 'answerMs')} ${cell(xs, 'heardMs')}`;
    console.log('\n  (median / p99)  dial → ringing             dial → answered            dial → callee hears caller');
    console.log(row('baresip 1.0', bare));
    console.log(row('Parley CLI', ours));
    console.log(row('Parley engine', warm));
    const ratio = (xs: Setup[], k: keyof Setup) => (pct(xs.map((x) => x[k]), 50) / pct(bare.map((x) => x[k]), 50)).toFixed(2);
    for (const [name, xs] of [['CLI', ours], ['engine', warm]] as const) {
      console.log(`  ratio Parley ${name} / baresip (medians): ringing ${ratio(xs, 'ringMs')}×, answered ${ratio(xs, 'answerMs')}×, heard ${ratio(xs, 'heardMs')}× (goal ≤ 1.0×)`);
    }
    console.log(`  Parley CLI spawn → dialing (launch + registration, not in the figures above): median ${f0(pct(launch, 50))} ms, p99 ${f0(pct(launch, 99))} ms`);
    console.log(`  load average: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await engine?.close();
    await carol?.stop();
    await bob?.stop();
    await kam.stop();
    tmp.remove();
  }
}

await main();
