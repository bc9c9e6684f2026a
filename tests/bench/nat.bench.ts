/**
 * The NAT table (issue 13 §6): each scenario of the NAT test bed
 * (tests/interop/netns) run with Parley behind the NAT and, in Parley's
 * place, baresip 1.0 three ways — plain (no NAT module), with STUN
 * (medianat=stun, sipnat=outbound) and with ICE (medianat=ice through coturn
 * with TURN credentials, sipnat=outbound) — all four side by side in the same
 * run, each behind a home router of its own on one WAN with Kamailio (no NAT
 * helper), coturn and public baresips. Prints one row per scenario: ✔ when
 * the scenario's goal is met (audio measured both ways where there is a
 * call), ✖ with what went wrong, and the figures.
 *
 * Both phones get the same scenario; where a setting differs it is the
 * phone's own. Parley: bound to the wildcard address, its defaults (ICE
 * offered, candidates from the registrar-seen address) plus, as in the
 * scenario's CI test, --stun (rows C, D) or --stun and --turn (B, C2, E);
 * --keepalive 5 in the TCP row only (its default CRLF interval on TCP is
 * 110 s); --rtp-timeout 4 in the dead-peer row. baresip: sip_listen on every
 * interface (no net_interface: it takes the default route's address),
 * rtp_timeout 4 in the dead-peer row, rtcp_mux with ICE. "answered" times
 * of a Parley caller include its CLI start and first registration.
 * Also measured, in the same run: the keep-alive traffic per account (the
 * router's conntrack counters on the mapping to the registrar, row A) and
 * call set-up behind NAT with ICE against --no-ice (Parley, section S).
 *
 *   node tests/bench/nat.bench.ts [row letters, e.g. A C]   (root: network namespaces)
 * Prints figures; not a pass/fail test.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startBaresip, type BaresipAccount, type BaresipEvent, type BaresipHandle } from '../interop/harness/baresip.ts';
import { startCoturn, type CoturnHandle } from '../interop/harness/coturn.ts';
import { sleep } from '../interop/harness/managed-process.ts';
import { writeToneWav } from '../interop/harness/wav.ts';
import type { ParleyEvent, ParleyProcess } from '../unit/cli/parley-process.ts';
import { gaps, heard, type Heard } from '../interop/netns/heard.ts';
import { icePairs, iceRestarts, startNatFixture, type NatFixture } from '../interop/netns/nat-fixture.ts';
import { WAN_HOSTS, type RouterSpec, type Site } from '../interop/netns/nat-testbed.ts';
import { netnsAvailable } from '../interop/netns/netns.ts';
import { recordingPath } from '../../electron/cli/call-audio.ts';

const ALL_COLUMNS = ['parley', 'plain', 'stun', 'ice'] as const;
type Column = (typeof ALL_COLUMNS)[number];
/** NAT_COLUMNS=parley,ice runs only those columns (to look at one closely). */
const COLUMNS: readonly Column[] = process.env.NAT_COLUMNS ? ALL_COLUMNS.filter((c) => process.env.NAT_COLUMNS!.split(',').includes(c)) : ALL_COLUMNS;
const TITLES: Record<Column, string> = { parley: 'Parley', plain: 'baresip plain', stun: 'baresip + stun', ice: 'baresip + ice' };
const SUBJECT_HZ = 600;
const PEER_HZ = 440;
const USERS: Array<[string, string]> = [];
for (const c of ALL_COLUMNS) for (const role of ['s', 't', 'p', 'q']) USERS.push([`${role}${c}`, `${role}${c}pw`]);

interface Cell {
  ok: boolean;
  text: string;
}
type Row = Record<Column, Cell>;

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** A row's world: the fixture (bed, Kamailio), coturn, one home site per column and the row's other sites. */
interface World {
  fx: NatFixture;
  turn: CoturnHandle;
  home: Record<Column, Site>;
  extra: Site[];
}

async function world(tag: string, homeSpec: RouterSpec, extra: RouterSpec[] = []): Promise<World> {
  const fx = await startNatFixture({ tag, routers: [...COLUMNS.map(() => homeSpec), ...extra], users: USERS });
  try {
    const turn = await startCoturn(fx.bed.wanPlacement(WAN_HOSTS.coturn));
    fx.servers.push(turn);
    const sites = fx.bed.sites;
    const home = Object.fromEntries(COLUMNS.map((c, i) => [c, sites[i]!])) as Record<Column, Site>;
    return { fx, turn, home, extra: sites.slice(COLUMNS.length) };
  } catch (err) {
    await fx.teardown();
    throw err;
  }
}

/** The phone under test (or its counterpart of the same kind): one call at a time. */
interface Subject {
  column: Column;
  user: string;
  /** The phone's own word that it is registered (Parley: its event; baresip: REGISTER_OK). */
  registered(timeoutMs: number): Promise<boolean>;
  /** Places a call (a caller subject dials at start: this waits for it). */
  dial(target: string): Promise<void>;
  /** The call (the next one, counted from the last hang-up) is established. */
  answered(timeoutMs: number): Promise<boolean>;
  /** performance.now() when the call ended, and the reason given; undefined when it did not within timeoutMs. */
  ended(timeoutMs: number): Promise<{ at: number; reason: string } | undefined>;
  hangup(): Promise<void>;
  /** What it heard in the call (a WAV file), once it is over. */
  heard(): string | undefined;
  /** Its last words (Parley: the last stderr line and exit; baresip: its last event), to say why a call failed. */
  lastWords(): string;
  /** What it says of ICE in the call (a Parley: restarts and pairs). */
  note?(): string;
  stop(): Promise<void>;
}

interface SubjectOptions {
  tone?: number;
  /** listen (answer every call) or call `target` (Parley: `parley call` for `talkS`). */
  role: { listen: true } | { call: string; talkS: number };
  transport?: 'udp' | 'tcp';
  /** Registrar port (default Kamailio's UDP or TCP port): a closed one for the unreachable-server row. */
  proxyPort?: number;
  rtpTimeoutS?: number;
  /** Parley's STUN/TURN servers as in the scenario's CI test: none (ICE with the registrar-seen address), --stun, or --stun and --turn. */
  parleyNat?: 'none' | 'stun' | 'turn';
  parleyExtra?: string[];
}

async function subject(w: World, column: Column, site: Site, user: string, o: SubjectOptions): Promise<Subject> {
  const kam = w.fx.kam;
  const tone = o.tone ?? SUBJECT_HZ;
  const port = o.proxyPort ?? (o.transport === 'tcp' ? kam.tcpPort : kam.udpPort);
  if (column === 'parley') {
    const rec = join(w.fx.tmp.path, `${user}-${Date.now()}.wav`);
    const account = [
      '--aor', `sip:${user}@${kam.domain}`, '--password', `${user}pw`, '--proxy', `${kam.host}:${port}`, '--bind', '0.0.0.0:5060', '--codecs', 'PCMU',
      ...(o.transport === 'tcp' ? ['--transport', 'tcp'] : []),
      ...(o.parleyNat === 'stun' || o.parleyNat === 'turn' ? ['--stun', `${w.turn.address}:${w.turn.port}`] : []),
      ...(o.parleyNat === 'turn' ? ['--turn', `${w.turn.username}@${w.turn.address}:${w.turn.port}`] : []),
      ...(o.rtpTimeoutS ? ['--rtp-timeout', String(o.rtpTimeoutS)] : []), ...(o.parleyExtra ?? []),
    ];
    const args = 'listen' in o.role
      ? ['listen', ...account, '--auto-answer', '--tone', String(tone), '--record', rec, '--json']
      : ['call', o.role.call, ...account, '--tone', String(tone), '--record', rec, '--duration', String(o.role.talkS), '--json'];
    if (process.env.NAT_VERBOSE) args.push('-v');
    const p: ParleyProcess = w.fx.parley(site, args, { PARLEY_TURN_PASSWORD: w.turn.password });
    let from = 0;
    const call = (state: string) => (e: ParleyEvent) => e.event === 'call' && e.data.state === state && p.events.indexOf(e) >= from;
    return {
      column,
      user,
      registered: (ms) => p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', ms).then(() => true, () => false),
      dial: async () => {},
      answered: (ms) => p.waitForEvent(call('active'), ms).then(() => true, () => false),
      ended: (ms) => p.waitForEvent(call('ended'), ms).then((e) => ({ at: p.startedAt + e.at, reason: String(e.data.failure ?? e.data.reason ?? 'hung up') }), () => undefined),
      hangup: async () => {
        from = p.events.length;
        if ('call' in o.role) await p.stop();
        if (process.env.NAT_VERBOSE) out(`# ${user}: ${p.stderr.split('\n').filter((l) => /ice|ICE|turn|route|media/.test(l)).slice(-40).join('\n# ')}`);
      },
      heard: () => rec,
      lastWords: () => `${p.stderr.trim().split('\n').at(-1) ?? ''}${p.running ? '' : ' (exited)'}`,
      note: () => `${iceRestarts(p)} ICE restart(s), pairs ${icePairs(p).join(' | ') || 'none'}`,
      stop: async () => {
        await p.stop();
      },
    };
  }
  const source = join(w.fx.tmp.path, `${user}-tone.wav`);
  writeToneWav(source, { frequency: tone, seconds: 120 });
  const nat = column === 'plain' ? ''
    : column === 'stun' ? `;sipnat=outbound;medianat=stun;stunserver="stun:${w.turn.address}:${w.turn.port}"`
      : `;sipnat=outbound;medianat=ice;stunserver="turn:${w.turn.address}:${w.turn.port}";stunuser=${w.turn.username};stunpass=${w.turn.password}`;
  const account: BaresipAccount = {
    aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, outbound: `sip:${kam.host}:${port}${o.transport === 'tcp' ? ';transport=tcp' : ''}`,
    regint: 600, answermode: 'auto', audioCodecs: 'PCMU/8000/1', extra: nat,
  };
  const b: BaresipHandle = await startBaresip({
    verbose: process.env.NAT_VERBOSE !== undefined,
    placement: site.placementAt('127.0.0.1'),
    sipAddress: '0.0.0.0',
    audioSourceFile: source,
    rtcpMux: column === 'ice',
    extraConfig: [...(column === 'plain' ? [] : ['module stun.so', 'module turn.so', 'module ice.so']), ...(o.rtpTimeoutS ? [`rtp_timeout ${o.rtpTimeoutS}`] : [])],
    accounts: [account],
  });
  w.fx.peers.push(b);
  let from = 0;
  const next = (type: string) => (e: BaresipEvent) => e.type === type && b.events.indexOf(e) >= from;
  let files: string[] = [];
  const s: Subject = {
    column,
    user,
    registered: (ms) => b.waitForEvent((e) => e.type === 'REGISTER_OK' || e.type === 'REGISTER_FAIL', ms).then((e) => e.type === 'REGISTER_OK', () => false),
    dial: async (target) => {
      files = b.receivedAudioFiles();
      const r = await b.command('dial', target);
      if (!r.ok) throw new Error(`dial: ${r.data}`);
    },
    answered: (ms) => b.waitForEvent(next('CALL_ESTABLISHED'), ms).then(() => true, () => false),
    ended: (ms) => b.waitForEvent(next('CALL_CLOSED'), ms).then((e) => ({ at: performance.now(), reason: String(e.param ?? '') }), () => undefined),
    hangup: async () => {
      await b.command('hangup').catch(() => undefined);
      await b.waitForEvent(next('CALL_CLOSED'), 5000).catch(() => undefined);
      from = b.events.length;
      if (process.env.NAT_VERBOSE) out(`# ${user}: ${b.logs().split('\n').filter((l) => !/^\[|audio=/.test(l)).slice(-60).join('\n# ')}`);
    },
    heard: () => b.receivedAudioFiles().filter((f) => !files.includes(f)).at(-1),
    lastWords: () => {
      const e = b.events.at(-1);
      return e ? `${e.type} ${e.param ?? ''}` : '';
    },
    stop: () => b.stop(),
  };
  if ('call' in o.role) {
    await s.registered(10_000);
    await s.dial(o.role.call);
  }
  return s;
}

/**
 * A public baresip on the WAN, auto-answering with PEER_HZ: without a NAT module (it neither latches nor does ICE),
 * or with `ice` its ice module (candidates from coturn, rtcp-mux).
 */
async function publicPhone(w: World, user: string, ice = false): Promise<BaresipHandle> {
  const source = join(w.fx.tmp.path, `${user}-tone.wav`);
  writeToneWav(source, { frequency: PEER_HZ, seconds: 120 });
  const nat = ice ? `;medianat=ice;stunserver="turn:${w.turn.address}:${w.turn.port}";stunuser=${w.turn.username};stunpass=${w.turn.password}` : '';
  const b = await startBaresip({
    verbose: ice && process.env.NAT_VERBOSE !== undefined,
    placement: w.fx.bed.wanPlacement(WAN_HOSTS.baresip),
    audioSourceFile: source,
    rtcpMux: ice,
    extraConfig: ice ? ['module stun.so', 'module turn.so', 'module ice.so'] : [],
    accounts: [{ aor: `sip:${user}@${w.fx.kam.domain}`, password: `${user}pw`, outbound: `sip:${w.fx.kam.host}:${w.fx.kam.udpPort}`, regint: 600, answermode: 'auto', audioCodecs: 'PCMU/8000/1', extra: nat }],
  });
  w.fx.peers.push(b);
  await b.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
  return b;
}

/** Packets and bytes (both directions, IP level) the site's router counted on its UDP mappings to Kamailio. */
function registrarTraffic(site: Site): { packets: number; bytes: number } {
  let packets = 0;
  let bytes = 0;
  for (const line of site.mappings().split('\n')) {
    if (!line.includes(' udp ') || !line.includes(`dst=${WAN_HOSTS.kamailio} `)) continue;
    for (const m of line.matchAll(/packets=(\d+) bytes=(\d+)/g)) {
      packets += Number(m[1]);
      bytes += Number(m[2]);
    }
  }
  return { packets, bytes };
}

/** The Contact(s) Kamailio has for `user` now. */
async function contactOf(w: World, user: string): Promise<string> {
  const loc = (await w.fx.kam.locations().catch(() => [])).find((l) => l.aor.startsWith(`${user}@`) || l.aor === user);
  return loc?.contacts.map((c) => c.contact).join(', ') ?? '';
}

function describe(h: Heard | undefined): string {
  return h ? `${h.hz.toFixed(0)} Hz ${(h.active * 100).toFixed(0)} % from ${h.onsetS.toFixed(1)} s` : 'nothing';
}

/** Both sides heard the other's tone from soon after the answer and for most of the call. */
function audioVerdict(byUs: string | undefined, byThem: string | undefined, want: { us: number; them: number }, onsetS = 3): Cell {
  const read = (f: string | undefined) => {
    try {
      return f ? heard(f) : undefined;
    } catch (err) {
      if (process.env.NAT_VERBOSE) out(`# ${f}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const us = read(byUs);
  const them = read(byThem);
  const good = (h: Heard | undefined, hz: number) => h !== undefined && Math.abs(h.hz - hz) <= 10 && h.onsetS < onsetS && h.active >= 0.9;
  const ok = good(us, want.us) && good(them, want.them);
  return { ok, text: `heard ${describe(us)}, the other side ${describe(them)}` };
}

/** A public phone calls `s`; they talk `talkMs`; it hangs up; the audio both ways. */
async function publicCalls(w: World, pub: BaresipHandle, s: Subject, talkMs: number): Promise<Cell> {
  const files = pub.receivedAudioFiles();
  const t0 = performance.now();
  const seen = pub.events.length;
  const dial = await pub.command('dial', `sip:${s.user}@${w.fx.kam.domain}`);
  if (!dial.ok) return { ok: false, text: `dial refused: ${dial.data}` };
  const answered = await s.answered(15_000);
  if (!answered) {
    const closed = pub.events.slice(seen).find((e) => e.type === 'CALL_CLOSED');
    await pub.command('hangup').catch(() => undefined);
    return { ok: false, text: `never answered (${closed?.param ?? 'no answer'}); Kamailio has ${await contactOf(w, s.user) || 'no binding'}` };
  }
  const setupMs = performance.now() - t0;
  await sleep(talkMs);
  await pub.command('hangup');
  await s.ended(10_000);
  await pub.waitForEvent((e) => e.type === 'CALL_CLOSED', 5000).catch(() => undefined);
  await sleep(500);
  const fresh = pub.receivedAudioFiles().filter((f) => !files.includes(f));
  const v = audioVerdict(s.heard(), fresh.at(-1), { us: PEER_HZ, them: SUBJECT_HZ });
  return { ok: v.ok, text: `answered ${(setupMs / 1000).toFixed(2)} s; ${v.text}` };
}

/** A public phone that answers: what it heard in the call that ends next, and that end. */
interface Answerer {
  /** Its recording of the call it answered last (after the call), given its recordings before it. */
  heardSince(before: string[]): string | undefined;
  recordings(): string[];
  closed(timeoutMs: number): Promise<unknown>;
  /** What it says of ICE in the call (a Parley: restarts and pairs). */
  note?(): string;
}

function baresipAnswerer(pub: BaresipHandle): Answerer {
  return {
    recordings: () => pub.receivedAudioFiles(),
    heardSince: (before) => pub.receivedAudioFiles().filter((f) => !before.includes(f)).at(-1),
    closed: async (ms) => {
      await pub.waitForEvent((e) => e.type === 'CALL_CLOSED', ms).catch(() => undefined);
      if (process.env.NAT_VERBOSE) out(`# the public baresip: ${pub.logs().split('\n').filter((l) => !/^\[|audio=/.test(l)).slice(-80).join('\n# ')}`);
    },
  };
}

/** `s` (a caller subject, dialing) is answered by the public phone `pub` (`files`: its recordings before the call); the audio both ways. */
async function subjectCallsPublic(s: Subject, pub: Answerer, files: string[], talkMs: number, during?: () => Promise<string>, onsetS = 3): Promise<Cell & { ours?: string; theirs?: string; callS: number }> {
  // A Parley caller's CLI starts, registers and dials first: at a load of 20 on two cores that took over 20 s.
  if (!(await s.answered(40_000))) {
    const why = s.lastWords();
    await s.hangup();
    return { ok: false, text: `not answered within 40 s: ${why}`, callS: 0 };
  }
  const answeredAt = performance.now();
  await sleep(talkMs);
  const note = (await during?.()) ?? '';
  const callS = (performance.now() - answeredAt) / 1000;
  await s.hangup();
  await pub.closed(10_000);
  await s.ended(5000);
  await sleep(500);
  const theirs = pub.heardSince(files);
  const ours = s.heard();
  const v = audioVerdict(ours, theirs, { us: PEER_HZ, them: SUBJECT_HZ }, onsetS);
  return { ok: v.ok, text: `${note}${v.text}`, ours, theirs, callS };
}

/**
 * After a move mid-call: how long a recording went without sound, counting the time it holds nothing at all
 * (baresip's recordings hold decoded packets only: a stretch without packets is missing, not silent), and how
 * much of its last 3 s has sound. `callS`: answer to hang-up.
 */
function recovery(file: string | undefined, callS: number): { ok: boolean; text: string } {
  if (!file) return { ok: false, text: 'no recording' };
  try {
    const h = heard(file);
    const g = gaps(file);
    const missingS = Math.max(0, callS - h.onsetS - h.seconds - 0.2);
    const worstS = Math.max(g.longestS, missingS);
    return { ok: worstS <= 6 && g.tailActive >= 0.9, text: `${worstS.toFixed(1)} s without sound${missingS > 0.5 ? ` (${missingS.toFixed(1)} s of it missing)` : ''}` };
  } catch (err) {
    return { ok: false, text: (err as Error).message };
  }
}

async function perColumn(f: (c: Column) => Promise<Cell>): Promise<Row> {
  const cells = await Promise.all(COLUMNS.map((c) => f(c).catch((err: unknown) => ({ ok: false, text: `error: ${(err as Error).message.split('\n')[0]}` }))));
  return Object.fromEntries(COLUMNS.map((c, i) => [c, cells[i]!])) as Row;
}

const listen = { listen: true } as const;

/** The rows: a letter, the scenario in words, and how it runs for every column at once. */
const ROWS: Array<{ id: string; scenario: string; run(): Promise<Row> }> = [
  {
    id: 'A',
    scenario: 'behind NAT (router forgets UDP after 30 s), called by a public phone 90 s after registering',
    async run() {
      const w = await world('natb-a', { udpTimeoutS: 30 });
      try {
        const subs = await Promise.all(COLUMNS.map((c) => subject(w, c, w.home[c], `s${c}`, { role: listen })));
        await Promise.all(subs.map((s) => s.registered(15_000)));
        const pubs = await Promise.all(COLUMNS.map((c) => publicPhone(w, `p${c}`)));
        // The keep-alive traffic: what the router counted on the mappings to the registrar over the wait (from 5 s in).
        await sleep(5000);
        const start = COLUMNS.map((c) => registrarTraffic(w.home[c]));
        await sleep(85_000);
        const traffic = COLUMNS.map((c, i) => {
          const now = registrarTraffic(w.home[c]);
          const d = { packets: now.packets - start[i]!.packets, bytes: now.bytes - start[i]!.bytes };
          // A mapping that expired and came back counts from zero: then the difference says nothing.
          return d.packets < 0 ? 'no keep-alives: the mapping to the registrar expired during the wait' : `keep-alive traffic ${d.packets} packets, ${(d.bytes / 1000).toFixed(1)} kB in 85 s (${((d.bytes * 3600) / 85 / 1000).toFixed(0)} kB/h up and down)`;
        });
        return await perColumn(async (c) => {
          const cell = await publicCalls(w, pubs[COLUMNS.indexOf(c)]!, subs[COLUMNS.indexOf(c)]!, 4000);
          return { ok: cell.ok, text: `${traffic[COLUMNS.indexOf(c)]}; ${cell.text}` };
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
  {
    id: 'B',
    scenario: 'behind NAT, calls a public phone that neither latches nor does ICE',
    async run() {
      const w = await world('natb-b', { udpTimeoutS: 30 });
      try {
        const pubs = await Promise.all(COLUMNS.map((c) => publicPhone(w, `p${c}`)));
        return await perColumn(async (c) => {
          const pub = baresipAnswerer(pubs[COLUMNS.indexOf(c)]!);
          const files = pub.recordings();
          const s = await subject(w, c, w.home[c], `s${c}`, { role: { call: `sip:p${c}@${w.fx.kam.domain}`, talkS: 6 }, parleyNat: 'turn' });
          return subjectCallsPublic(s, pub, files, 6000);
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
  ...(['stun', 'turn'] as const).map((nat) => ({
    id: nat === 'stun' ? 'C' : 'C2',
    scenario: `baresip with ICE behind NAT 2 calls the phone behind NAT 1${nat === 'turn' ? ' (Parley with a TURN server too)' : ''}`,
    async run(): Promise<Row> {
      const w = await world(`natb-${nat === 'stun' ? 'c' : 'c2'}`, { udpTimeoutS: 30 }, [{ udpTimeoutS: 30 }]);
      try {
        const far = w.extra[0]!;
        return await perColumn(async (c) => {
          const s = await subject(w, c, w.home[c], `s${c}`, { role: listen, parleyNat: nat });
          await s.registered(15_000);
          const caller = await subject(w, 'ice', far, `q${c}`, { role: listen, tone: PEER_HZ });
          await caller.registered(15_000);
          return await twoSubjects(w, async () => caller, s);
        });
      } finally {
        // What coturn said of the allocations (ended, and why; a send error on a relay socket ends one).
        if (process.env.NAT_VERBOSE) out(`# coturn: ${w.turn.output().split('\n').filter((l) => /closed|udp send|error/i.test(l)).join('\n# coturn: ')}`);
        await w.fx.teardown();
      }
    },
  })),
  {
    id: 'D',
    scenario: 'the phone behind NAT 2 calls the same phone behind NAT 1',
    async run() {
      const w = await world('natb-d', { udpTimeoutS: 30 }, [{ udpTimeoutS: 30 }]);
      try {
        const far = w.extra[0]!;
        return await perColumn(async (c) => {
          const s = await subject(w, c, w.home[c], `s${c}`, { role: listen, parleyNat: 'stun' });
          await s.registered(15_000);
          return await twoSubjects(w, () => callerLike(w, c, far, s, 'stun'), s);
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
  {
    id: 'E',
    scenario: 'behind a symmetric NAT (new public port per destination), calls the same phone behind NAT 1',
    async run() {
      const w = await world('natb-e', { udpTimeoutS: 30 }, [{ udpTimeoutS: 30, symmetric: true }]);
      try {
        const sym = w.extra[0]!;
        return await perColumn(async (c) => {
          const s = await subject(w, c, w.home[c], `s${c}`, { role: listen, parleyNat: 'turn' });
          await s.registered(15_000);
          return await twoSubjects(w, () => callerLike(w, c, sym, s, 'turn'), s);
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
  {
    id: 'F',
    scenario: 'registrar on a closed UDP port (ICMP back through the router): failure reported within 2 s',
    async run() {
      const w = await world('natb-f', { udpTimeoutS: 30 });
      try {
        const closed = w.fx.kam.udpPort + 7;
        return await perColumn(async (c) => {
          if (c === 'parley') {
            const p = w.fx.parley(w.home[c], ['register', '--aor', `sip:s${c}@${w.fx.kam.domain}`, '--password', `s${c}pw`, '--proxy', `${w.fx.kam.host}:${closed}`, '--bind', '0.0.0.0:0', '--json']);
            const registering = await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registering', 20_000);
            const failed = await p.waitForEvent((e) => e.event === 'registration' && (e.data.state === 'failed' || e.data.state === 'retrying'), 40_000).catch(() => undefined);
            await p.stop();
            if (!failed) return { ok: false, text: 'no failure within 40 s' };
            const ms = failed.at - registering.at;
            return { ok: ms < 2000, text: `${failed.data.state} after ${ms.toFixed(0)} ms: ${String(failed.data.words ?? '')}` };
          }
          const s = await subject(w, c, w.home[c], `s${c}`, { role: listen, proxyPort: closed });
          const added = performance.now();
          const ok = await s.registered(45_000);
          const ms = performance.now() - added;
          return ok ? { ok: false, text: 'registered on a closed port?' } : { ok: ms < 2000, text: ms >= 45_000 ? 'no failure within 45 s' : `REGISTER_FAIL ${(ms / 1000).toFixed(1)} s after the account was added` };
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
  {
    id: 'G',
    scenario: 'peer SIGKILLed mid-call (RTP timeout 4 s): ended with a reason; held 9 s before: not ended',
    async run() {
      const w = await world('natb-g', { udpTimeoutS: 30 });
      try {
        const pubs = await Promise.all(COLUMNS.map((c) => publicPhone(w, `p${c}`)));
        return await perColumn(async (c) => {
          const peer = pubs[COLUMNS.indexOf(c)]!;
          const s = await subject(w, c, w.home[c], `s${c}`, { role: { call: `sip:p${c}@${w.fx.kam.domain}`, talkS: 60 }, rtpTimeoutS: 4 });
          if (!(await s.answered(20_000))) return { ok: false, text: 'not answered' };
          await sleep(1000);
          const hold = await peer.command('hold');
          if (!hold.ok) return { ok: false, text: `hold: ${hold.data}` };
          const heldEnd = await s.ended(9000);
          if (heldEnd) return { ok: false, text: `ended while held: ${heldEnd.reason}` };
          await peer.command('resume');
          await sleep(2000);
          const killedAt = performance.now();
          process.kill(peer.pid, 'SIGKILL');
          const end = await s.ended(40_000);
          if (!end) {
            await s.hangup();
            return { ok: false, text: 'held 9 s: not ended; after the kill: still up 40 s later' };
          }
          const afterS = (end.at - killedAt) / 1000;
          return { ok: afterS <= 5.5, text: `held 9 s: not ended; ended ${afterS.toFixed(2)} s after the kill: "${end.reason}"` };
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
  {
    id: 'H',
    scenario: 'address change mid-call: the laptop moves to another router (new LAN and public address); registered again ≤ 5 s, audio back',
    run: () => roamRow('H', 'baresip'),
  },
  {
    id: 'H2',
    scenario: 'the same in a call with ICE on both sides (a public Parley): ICE restart',
    run: () => roamRow('H2', 'parley'),
  },
  {
    id: 'H3',
    scenario: 'the same with a public baresip doing ICE (its ice module) as the peer: ICE restart',
    run: () => roamRow('H3', 'baresip-ice'),
  },
  {
    id: 'I',
    scenario: 'registrar stopped (bindings lost) for 40 s and started again: registered again ≤ 5 s after its return, then called',
    async run() {
      const w = await world('natb-i', { udpTimeoutS: 30 });
      try {
        const subs = await Promise.all(COLUMNS.map((c) => subject(w, c, w.home[c], `s${c}`, { role: listen })));
        await Promise.all(subs.map((s) => s.registered(15_000)));
        await sleep(2000);
        await w.fx.stopKamailio();
        await sleep(40_000);
        const back = await w.fx.startKamailio();
        const again = new Map<Column, number>();
        while (performance.now() - back < 30_000 && again.size < COLUMNS.length) {
          for (const s of subs) if (!again.has(s.column) && (await contactOf(w, s.user)) !== '') again.set(s.column, performance.now() - back);
          await sleep(200);
        }
        const pubs = await Promise.all(COLUMNS.map((c) => publicPhone(w, `p${c}`)));
        return await perColumn(async (c) => {
          const ms = again.get(c);
          const call = await publicCalls(w, pubs[COLUMNS.indexOf(c)]!, subs[COLUMNS.indexOf(c)]!, 3000);
          return { ok: ms !== undefined && ms <= 5000 && call.ok, text: `registered again ${ms === undefined ? 'not within 30 s' : `${(ms / 1000).toFixed(1)} s`} after the return; then called: ${call.text}` };
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
  {
    id: 'J',
    scenario: 'registered over TCP, the router drops the flow (conntrack flushed): registered again on a new connection, then called',
    async run() {
      const w = await world('natb-j', { udpTimeoutS: 30, strictTcp: true });
      try {
        const subs = await Promise.all(COLUMNS.map((c) => subject(w, c, w.home[c], `s${c}`, { role: listen, transport: 'tcp', parleyExtra: ['--keepalive', '5'] })));
        await Promise.all(subs.map((s) => s.registered(15_000)));
        await sleep(7000);
        const before = new Map<Column, string>();
        for (const s of subs) before.set(s.column, await contactOf(w, s.user));
        const flushedAt = performance.now();
        for (const c of COLUMNS) w.home[c].flushMappings();
        const again = new Map<Column, number>();
        while (performance.now() - flushedAt < 40_000 && again.size < COLUMNS.length) {
          for (const s of subs) {
            const now = await contactOf(w, s.user);
            if (!again.has(s.column) && now !== '' && now !== before.get(s.column)) again.set(s.column, performance.now() - flushedAt);
          }
          await sleep(200);
        }
        const pubs = await Promise.all(COLUMNS.map((c) => publicPhone(w, `p${c}`)));
        return await perColumn(async (c) => {
          const ms = again.get(c);
          const call = await publicCalls(w, pubs[COLUMNS.indexOf(c)]!, subs[COLUMNS.indexOf(c)]!, 3000);
          return { ok: ms !== undefined && call.ok, text: `${ms === undefined ? 'no new binding within 40 s' : `new binding ${(ms / 1000).toFixed(1)} s after the flush`} (was ${before.get(c) || 'none'}); then called: ${call.text}` };
        });
      } finally {
        await w.fx.teardown();
      }
    },
  },
];

/**
 * A baresip answering with ICE starts its audio only once every pair of its check list has succeeded or failed;
 * its pairs to our private host candidate fail only by timing out (≈ 6.5 s after the answer): the first sound of
 * those calls is judged against this, the row being about what happens after the move.
 */
const BARESIP_ICE_ANSWER_ONSET_S = 8;

/** Who answers in the address-change rows: a public baresip without ICE, a public Parley (ICE), a public baresip with its ice module. */
type RoamPeer = 'baresip' | 'parley' | 'baresip-ice';

/** A public Parley (`parley listen`, ICE on by default) on the WAN host, auto-answering with PEER_HZ and recording each call. */
async function publicParley(w: World, user: string, port: number): Promise<Answerer> {
  const rec = join(w.fx.tmp.path, `${user}-public.wav`);
  const p = w.fx.parley(w.fx.bed.wanPlacement(WAN_HOSTS.baresip), ['listen', '--aor', `sip:${user}@${w.fx.kam.domain}`, '--password', `${user}pw`,
    '--proxy', `${w.fx.kam.host}:${w.fx.kam.udpPort}`, '--bind', `${WAN_HOSTS.baresip}:${port}`, '--codecs', 'PCMU', '--auto-answer', '--tone', String(PEER_HZ), '--record', rec, '--json', '-v']);
  await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 40_000);
  const answered = () => [...new Set(p.events.filter((e) => e.event === 'call' && e.data.state === 'active').map((e) => String(e.data.id)))];
  return {
    recordings: () => answered().map((_, i) => recordingPath(rec, i + 1)),
    heardSince: (before) => answered().map((_, i) => recordingPath(rec, i + 1)).filter((f) => !before.includes(f)).at(-1),
    closed: (ms) => p.waitForEvent((e) => e.event === 'call' && e.data.state === 'ended' && e.data.id === answered().at(-1), ms).catch(() => undefined),
    note: () => `the public Parley: ${iceRestarts(p)} ICE restart(s), pairs ${icePairs(p).join(' | ') || 'none'}`,
  };
}

/**
 * Row H and its ICE variants: the subject calls a public phone (`peer`) and, 4 s into the call, moves behind the
 * other router (new LAN and public address); registered again within 5 s, and the audio comes back both ways.
 */
async function roamRow(id: string, peer: RoamPeer): Promise<Row> {
  const w = await world(`natb-${id.toLowerCase()}`, { udpTimeoutS: 30 }, [{ udpTimeoutS: 30 }]);
  try {
    const work = w.extra[0]!;
    const pubs = await Promise.all(COLUMNS.map((c, i) => (peer === 'parley' ? publicParley(w, `p${c}`, 5070 + 2 * i) : publicPhone(w, `p${c}`, peer === 'baresip-ice').then(baresipAnswerer))));
    return await perColumn(async (c) => {
      const pub = pubs[COLUMNS.indexOf(c)]!;
      const files = pub.recordings();
      const s = await subject(w, c, w.home[c], `s${c}`, { role: { call: `sip:p${c}@${w.fx.kam.domain}`, talkS: 20 }, parleyExtra: peer === 'baresip' ? [] : ['-v'] });
      let again: number | undefined;
      const cell = await subjectCallsPublic(s, pub, files, 4000, async () => {
        // Registered again: Kamailio's binding no longer names the address the phone had before the move.
        const before = await contactOf(w, s.user);
        const oldHosts = [...before.matchAll(/@([\d.]+):/g)].map((m) => m[1]!);
        const movedAt = performance.now();
        w.fx.bed.roam(w.home[c], work);
        // Ten seconds after the move, to hear whether the audio came back; the binding watched meanwhile.
        while (performance.now() - movedAt < 10_000) {
          const now = await contactOf(w, s.user);
          if (now !== '' && !oldHosts.some((h) => now.includes(`@${h}:`)) && again === undefined) again = performance.now() - movedAt;
          await sleep(100);
        }
        return `registered again: ${again === undefined ? 'no (10 s)' : `${(again / 1000).toFixed(1)} s`} (${await contactOf(w, s.user) || 'no binding'}); `;
      }, peer === 'baresip-ice' ? BARESIP_ICE_ANSWER_ONSET_S : 3);
      const mine = recovery(cell.ours, cell.callS);
      const theirs = recovery(cell.theirs, cell.callS);
      const notes = [s.note?.(), pub.note?.()].filter((n) => n).join('; ');
      return { ok: again !== undefined && again <= 5000 && mine.ok && theirs.ok && cell.ok, text: `${cell.text}; after the move: ours ${mine.text}, theirs ${theirs.text}${notes ? `; ${notes}` : ''}` };
    });
  } finally {
    await w.fx.teardown();
  }
}

/** The caller (a subject listening, or a Parley `call` that dials as it starts) calls `callee`; the audio both ways. */
async function twoSubjects(w: World, makeCaller: () => Promise<Subject>, callee: Subject): Promise<Cell> {
  const t0 = performance.now();
  const caller = await makeCaller();
  await caller.dial(`sip:${callee.user}@${w.fx.kam.domain}`);
  if (!(await callee.answered(20_000))) {
    await caller.hangup();
    return { ok: false, text: `never answered; Kamailio has ${await contactOf(w, callee.user) || 'no binding'}` };
  }
  const setupS = (performance.now() - t0) / 1000;
  await sleep(8000);
  await caller.hangup();
  await callee.ended(10_000);
  await callee.hangup();
  await sleep(500);
  const v = audioVerdict(callee.heard(), caller.heard(), { us: PEER_HZ, them: SUBJECT_HZ }, 4);
  return { ok: v.ok, text: `answered ${setupS.toFixed(2)} s; ${v.text}` };
}

/** A phone of the same kind as `callee` on `site`, ready to call it (PEER_HZ): a Parley dials as it starts, a baresip once registered. */
async function callerLike(w: World, column: Column, site: Site, callee: Subject, parleyNat: 'stun' | 'turn'): Promise<Subject> {
  if (column === 'parley') return subject(w, column, site, `q${column}`, { role: { call: `sip:${callee.user}@${w.fx.kam.domain}`, talkS: 8 }, tone: PEER_HZ, parleyNat });
  const caller = await subject(w, column, site, `q${column}`, { role: listen, tone: PEER_HZ });
  await caller.registered(15_000);
  return caller;
}

/**
 * Set-up time behind NAT, with ICE against without, in the same run (issue 13 §6): Parley behind NAT 2 calls
 * Parley behind NAT 1 (both with --stun), ROUNDS calls each way, alternating; from the caller's first call event
 * (dialing) to the answer, and to sound both ways (the answer plus the later of the two recordings' first sound).
 */
async function setupFigures(rounds: number): Promise<void> {
  const w = await world('natb-s', { udpTimeoutS: 30 }, [{ udpTimeoutS: 30 }]);
  try {
    const far = w.extra[0]!;
    const kam = w.fx.kam;
    const modes = [{ name: 'with ICE', flags: [] as string[], user: 'sparley' }, { name: 'without ICE (--no-ice)', flags: ['--no-ice'], user: 'tparley' }];
    const stun = ['--stun', `${w.turn.address}:${w.turn.port}`];
    const listeners = await Promise.all(modes.map(async (m) => {
      const rec = join(w.fx.tmp.path, `setup-${m.user}.wav`);
      const p = w.fx.parley(w.home.parley, ['listen', '--aor', `sip:${m.user}@${kam.domain}`, '--password', `${m.user}pw`, '--proxy', `${kam.host}:${kam.udpPort}`,
        '--bind', `0.0.0.0:${m.user === 'sparley' ? 5060 : 5062}`, '--codecs', 'PCMU', ...stun, ...m.flags, '--auto-answer', '--tone', String(SUBJECT_HZ), '--record', rec, '--json']);
      await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 20_000);
      return { p, rec, calls: 0 };
    }));
    await sleep(1500);
    const figures = modes.map(() => ({ answer: [] as number[], audio: [] as number[] }));
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < modes.length; i++) {
        const m = modes[i]!;
        const l = listeners[i]!;
        const rec = join(w.fx.tmp.path, `setup-caller-${i}-${r}.wav`);
        const caller = w.fx.parley(far, ['call', `sip:${m.user}@${kam.domain}`, '--aor', `sip:qparley@${kam.domain}`, '--password', 'qparleypw', '--proxy', `${kam.host}:${kam.udpPort}`,
          '--bind', '0.0.0.0:5060', '--codecs', 'PCMU', ...stun, ...m.flags, '--tone', String(PEER_HZ), '--record', rec, '--duration', '3', '--json']);
        const dialing = await caller.waitForEvent((e) => e.event === 'call', 20_000).catch(() => undefined);
        const active = await caller.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 20_000).catch(() => undefined);
        await caller.waitForExit(30_000).catch(() => undefined);
        l.calls++;
        await sleep(500);
        if (!dialing || !active) continue;
        try {
          const onset = Math.max(heard(rec).onsetS, heard(recordingPath(l.rec, l.calls)).onsetS) * 1000;
          figures[i]!.answer.push(active.at - dialing.at);
          figures[i]!.audio.push(active.at - dialing.at + onset);
        } catch {
          // a call without sound both ways counts as none
        }
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    out(`\nS. set-up time behind NAT (Parley behind NAT 2 calls Parley behind NAT 1, ${rounds} calls each, alternating; load ${loadavg()[0]!.toFixed(1)})`);
    for (let i = 0; i < modes.length; i++) {
      const f = figures[i]!;
      out(`   ${modes[i]!.name.padEnd(24)} dial → answer median ${med(f.answer).toFixed(0)} ms (${f.answer.map((x) => x.toFixed(0)).join(', ')}); dial → sound both ways median ${med(f.audio).toFixed(0)} ms (${f.audio.map((x) => x.toFixed(0)).join(', ')}); ${f.audio.length}/${rounds} calls with sound both ways`);
    }
    const ratio = med(figures[0]!.audio) / med(figures[1]!.audio);
    out(`   ratio with/without ICE (sound both ways): ${ratio.toFixed(2)}`);
  } finally {
    await w.fx.teardown();
  }
}

async function main(): Promise<void> {
  const can = netnsAvailable();
  if (!can.ok) {
    out(`nat bench: skipped (${can.why}): it needs network namespaces (root)`);
    return;
  }
  const wanted = process.argv.slice(2).map((a) => a.toUpperCase());
  const rows = ROWS.filter((r) => wanted.length === 0 || wanted.includes(r.id));
  out(`NAT scenarios × phones (load ${loadavg()[0]!.toFixed(1)}); each column behind a home router of its own, side by side`);
  const results: Array<{ id: string; scenario: string; row: Row }> = [];
  for (const r of rows) {
    const t0 = performance.now();
    let row: Row;
    try {
      row = await r.run();
    } catch (err) {
      const cell = { ok: false, text: `row failed: ${(err as Error).message.split('\n')[0]}` };
      row = Object.fromEntries(COLUMNS.map((c) => [c, cell])) as Row;
    }
    results.push({ id: r.id, scenario: r.scenario, row });
    out(`\n${r.id}. ${r.scenario} (${((performance.now() - t0) / 1000).toFixed(0)} s, load ${loadavg()[0]!.toFixed(1)})`);
    for (const c of COLUMNS) out(`   ${TITLES[c].padEnd(15)} ${row[c].ok ? '✔' : '✖'} ${row[c].text}`);
  }
  if ((wanted.length === 0 || wanted.includes('S')) && COLUMNS.includes('parley')) await setupFigures(Number(process.env.NAT_ROUNDS ?? 4));
  out('\n| scenario | ' + COLUMNS.map((c) => TITLES[c]).join(' | ') + ' |');
  out('|---|' + COLUMNS.map(() => '---').join('|') + '|');
  for (const r of results) out(`| ${r.id}. ${r.scenario} | ${COLUMNS.map((c) => (r.row[c].ok ? '✔' : '✖')).join(' | ')} |`);
}

await main();
