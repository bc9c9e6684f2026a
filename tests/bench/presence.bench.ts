/**
 * Presence and busy lamps, measured (issue "Presence, busy lamps…" §6), with
 * Kamailio 5.6 as the presence server on loopback:
 *
 *   latency   alice (a Parley engine) changes her status N times; bob (another
 *             engine) watches her: ms from presence.set to bob's `watch` event
 *             (PUBLISH → Kamailio → NOTIFY → PIDF read → event). BLF: bob calls
 *             alice N/3 times; ms from alice's side of each step (the INVITE
 *             arriving, the answer, the hang-up) to bob's line event.
 *             Median and p99.
 *   page      the same, to what the page SHOWS: a `parley web` host watching
 *             Bob, its page in Chromium; ms from Bob's action to the frame
 *             that shows it (his contact card; his lamp in the Lines panel).
 *   scale     a `parley web` host (its own process, as people run it) watches
 *             W lines (presence and dialog of each: 2·W subscriptions);
 *             after they are active, CPU over an idle minute and the RSS
 *             added over the registered idle phone (both from /proc), and
 *             the live heap after a full GC; beside baresip 1.0 watching the
 *             same W addresses' presence with its presence module.
 *
 *   restart   the same `parley web` host with W stored watched lines is
 *             stopped and started again on its data folder: seconds from the
 *             start to every one of the 2·W subscriptions active (`--runs R`
 *             restarts; `--pcap FILE` writes the SIP between the phone and
 *             Kamailio of the restarts with dumpcap, for tracing).
 *
 *   node tests/bench/presence.bench.ts [--changes N] [--lines W] [--idle S] [--runs R] [--pcap FILE] [--only latency|page|scale|restart]
 * Prints figures; not a pass/fail test.
 */
import { readFileSync } from 'node:fs';
import { createApiClient } from '../../electron/api/api-client.ts';
import type { ApiResult } from '../../electron/api/errors.ts';
import { parseArgs } from 'node:util';
import { startBaresip } from '../interop/harness/baresip.ts';
import { startKamailio } from '../interop/harness/kamailio.ts';
import type { KamailioHandle } from '../interop/harness/kamailio.ts';
import { makeTempDir, ManagedProcess, sleep } from '../interop/harness/managed-process.ts';
import { startParleyEngine } from '../interop/harness/parley-engine.ts';
import type { ParleyEnginePeer } from '../interop/harness/parley-engine.ts';
import { browserAvailable, startBrowser, type Browser } from '../e2e/browser.ts';
import { buildRenderer } from '../e2e/build-renderer.ts';
import { shownAfter, watchProbes } from '../e2e/page-changes.ts';
import { startWebHost } from '../e2e/web-host.ts';

const { values } = parseArgs({ options: { changes: { type: 'string' }, lines: { type: 'string' }, idle: { type: 'string' }, only: { type: 'string' }, runs: { type: 'string' }, pcap: { type: 'string' } } });
const CHANGES = Number(values.changes ?? 100);
const LINES = Number(values.lines ?? 500);
const IDLE_S = Number(values.idle ?? 60);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const line = (name: string, xs: number[]) => `${name}: median ${pct(xs, 50).toFixed(1)} ms, p99 ${pct(xs, 99).toFixed(1)} ms, max ${Math.max(...xs).toFixed(1)} ms (n=${xs.length})`;

async function account(p: ParleyEnginePeer, kam: KamailioHandle, user: string): Promise<string> {
  const proxy = `sip:127.0.0.1:${kam.udpPort}`;
  const a = await p.call('accounts.add', { aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
  await p.waitFor('registration', (r) => r.accountId === a.id && r.state === 'registered', 10_000, `${user} registered`);
  return a.id;
}

async function latency(): Promise<void> {
  const kam = await startKamailio({ users: [{ username: 'alice', password: 'alicepw' }, { username: 'bob', password: 'bobpw' }], aliases: [], ipv6: false, presence: true });
  const alice = await startParleyEngine({ name: 'alice', toneHz: 600 });
  const bob = await startParleyEngine({ name: 'bob', toneHz: 700 });
  try {
    await account(alice, kam, 'alice');
    const bobId = await account(bob, kam, 'bob');
    const w = await bob.call('watch.add', { target: `sip:alice@${kam.domain}`, accountId: bobId });
    await bob.waitFor('watch', (x) => x.id === w.id && x.presence?.subscription.state === 'active' && x.line?.state === 'idle', 15_000, 'watch active');
    const presence: number[] = [];
    const statuses = ['away', 'busy', 'dnd', 'available'] as const;
    for (let i = 0; i < CHANGES; i++) {
      const status = statuses[i % statuses.length]!;
      const note = `change ${i}`;
      const t0 = performance.now();
      const seen = bob.waitFor('watch', (x) => x.id === w.id && x.presence?.status === status && x.presence.note === note, 15_000, `change ${i}`);
      await alice.call('presence.set', { status, note });
      await seen;
      presence.push(performance.now() - t0);
    }
    await alice.call('presence.set', { status: 'available', note: null });
    process.stdout.write(`${line('presence change → watcher event', presence)}\n`);

    // Each line event with the time it reached bob's host (a listener on the bus), so only events after an action count.
    const lineEvents: { t: number; state: string }[] = [];
    const off = bob.engine.events.on('watch', (x) => {
      if (x.id === w.id && x.line) lineEvents.push({ t: performance.now(), state: x.line.state });
    });
    const after = async (t0: number, state: string): Promise<number> => {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const e = lineEvents.find((x) => x.t >= t0 && x.state === state);
        if (e) return e.t - t0;
        if (Date.now() > deadline) throw new Error(`line ${state} not seen (${lineEvents.length} line events: ${lineEvents.slice(-4).map((e) => e.state).join(",")})`);
        await sleep(5);
      }
    };
    const blf: number[] = [];
    const calls = Math.max(1, Math.round(CHANGES / 3));
    for (let i = 0; i < calls; i++) {
      const incoming = alice.waitFor('call.incoming', (c) => !seenCalls.has(c.id), 15_000, 'alice rings');
      const out = await bob.call('call.dial', { target: `sip:alice@${kam.domain}`, accountId: bobId });
      const call = await incoming;
      seenCalls.add(call.id);
      // From the INVITE reaching alice (her incoming event) to bob's lamp ringing.
      const tRing = performance.now();
      blf.push(await after(tRing, 'ringing'));
      const tAnswer = performance.now();
      await alice.call('call.answer', { callId: call.id });
      blf.push(await after(tAnswer, 'busy'));
      const tEnd = performance.now();
      await bob.call('call.hangup', { callId: out.id });
      blf.push(await after(tEnd, 'idle'));
      await sleep(100);
    }
    off();
    process.stdout.write(`${line('line change (ringing / answered / hung up) → watcher event', blf)}\n`);
  } finally {
    await Promise.allSettled([alice.close(), bob.close()]);
    await kam.stop();
  }
}
const seenCalls = new Set<string>();

/**
 * The same changes to the page: a `parley web` host (alice) with Bob as a
 * watched contact, its page open in Chromium (WebdriverIO, as the e2e
 * tests); ms from Bob's action to the animation frame that shows it
 * (tests/e2e/page-changes.ts): his status and note on his contact card,
 * then his lamp in the Lines panel as Carol calls him.
 */
async function toThePage(): Promise<void> {
  const missing = browserAvailable();
  if (missing) {
    process.stdout.write(`page: not measured: ${missing}\n`);
    return;
  }
  buildRenderer();
  const kam = await startKamailio({ users: ['alice', 'bob', 'carol'].map((u) => ({ username: u, password: `${u}pw` })), aliases: [], ipv6: false, presence: true });
  const tmp = makeTempDir('presence-bench-page');
  const [web, bob, carol] = await Promise.all([startWebHost({ dataDir: tmp.path }), startParleyEngine({ name: 'bob', toneHz: 600 }), startParleyEngine({ name: 'carol', toneHz: 700 })]);
  const ws = new WebSocket(String(web.events.find((e) => e.event === 'web')!.data.apiUrl));
  let session: Browser | undefined;
  try {
    const [, carolId] = await Promise.all([account(bob, kam, 'bob'), account(carol, kam, 'carol')]);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error('the API WebSocket did not open')));
    });
    const api = createApiClient(ws, { timeoutMs: 30_000 });
    const proxy = `sip:127.0.0.1:${kam.udpPort}`;
    const added = await api.call('accounts.add', { aor: `sip:alice@${kam.domain}`, password: 'alicepw', registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    if (!added.ok) throw new Error(added.message);
    await web.waitFor('registration', (r) => r.accountId === added.result.id && r.state === 'registered', 15_000, 'alice registered');
    await api.call('contacts.add', { name: 'Bob Lamp', addresses: [{ uri: `sip:bob@${kam.domain}` }] });
    await api.call('watch.add', { target: `sip:bob@${kam.domain}` });
    session = await startBrowser({ width: 1100, height: 760 });
    const browser = session.browser;
    await browser.url(web.url);
    await browser.$('[data-testid="status-picker"]').waitForExist({ timeout: 20_000 });
    await browser.keys(['Alt', '2']);
    await browser.$('button.contact*=Bob Lamp').click();
    await browser.$('[data-testid="contact-presence"]').waitForExist({ timeout: 15_000 });
    await watchProbes(browser, { words: '[data-testid="contact-presence"]' });
    const words: Record<string, string> = { away: 'Away', busy: 'Busy', dnd: 'Do not disturb', available: 'Available' };
    const presence: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const status = (['away', 'busy', 'dnd', 'available'] as const)[i % 4]!;
      const t0 = Date.now();
      await bob.call('presence.set', { status, note: `change ${i}` });
      presence.push(await shownAfter(browser, 'words', t0, (v) => v === `|${words[status]} · change ${i}`));
    }
    process.stdout.write(`${line('page: presence change → shown on the contact card', presence)}\n`);

    await browser.keys(['Alt', '1']);
    await browser.$('[data-testid="blf-line"][data-state="idle"]').waitForExist({ timeout: 15_000 });
    await watchProbes(browser, { lamp: '[data-testid="blf-line"]' });
    const lamp: number[] = [];
    const calls = Math.max(1, Math.round(CHANGES / 3));
    const seen = new Set<string>();
    for (let i = 0; i < calls; i++) {
      let t0 = Date.now();
      const out = await carol.call('call.dial', { target: `sip:bob@${kam.domain}`, accountId: carolId });
      const ringing = await bob.waitFor('call.incoming', (c) => !seen.has(c.id), 15_000, 'bob rings');
      seen.add(ringing.id);
      lamp.push(await shownAfter(browser, 'lamp', t0, (v) => v.startsWith('ringing|')));
      t0 = Date.now();
      await bob.call('call.answer', { callId: ringing.id });
      lamp.push(await shownAfter(browser, 'lamp', t0, (v) => v.startsWith('busy|')));
      t0 = Date.now();
      await carol.call('call.hangup', { callId: out.id });
      lamp.push(await shownAfter(browser, 'lamp', t0, (v) => v.startsWith('idle|')));
      await sleep(100);
    }
    process.stdout.write(`${line('page: line change (dialled / answered / hung up) → shown in the Lines panel', lamp)}\n`);
  } finally {
    ws.close();
    await session?.close();
    await Promise.allSettled([web.stop(), bob.close(), carol.close()]);
    tmp.remove();
    await kam.stop();
  }
}


function procFigures(pid: number): { cpuS: number; rssMb: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return { cpuS: ticks / 100, rssMb: Number(rss ?? 0) / 1024 };
}

/**
 * Parley as people run it, in a process of its own like baresip: the real
 * `parley web` host (the CLI's V8 settings, its API server, its store), with
 * --expose-gc so diagnostics.counts can read the heap after a full GC. RSS
 * and CPU from /proc: once registered and idle (the base), then after the W
 * lines are active and an idle minute. RSS is read before the forced GC.
 */
async function scaleParley(kam: KamailioHandle): Promise<void> {
  const tmp = makeTempDir('presence-bench');
  const web = await startWebHost({ dataDir: tmp.path, env: { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim() } });
  const ws = new WebSocket(String(web.events.find((e) => e.event === 'web')!.data.apiUrl));
  try {
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error('the API WebSocket did not open')));
    });
    const api = createApiClient(ws, { timeoutMs: 60_000 });
    const ok = async <T>(r: Promise<ApiResult<T>>): Promise<T> => {
      const x = await r;
      if (!x.ok) throw new Error(`${x.code}: ${x.message}`);
      return x.result;
    };
    const proxy = `sip:127.0.0.1:${kam.udpPort}`;
    const account = await ok(api.call('accounts.add', { aor: `sip:watcher@${kam.domain}`, password: 'watcherpw', registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] }));
    await web.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', 15_000, 'registered');
    await sleep(IDLE_S * 1000);
    const base = procFigures(web.pid);
    const heap0 = await ok(api.call('diagnostics.counts', { gc: true }));
    const t0 = performance.now();
    for (let i = 0; i < LINES; i++) await ok(api.call('watch.add', { target: `sip:line${i}@${kam.domain}`, accountId: account.id }));
    const deadline = Date.now() + 180_000;
    let active = 0;
    while (Date.now() < deadline) {
      const list = await ok(api.call('watch.list'));
      active = list.filter((x) => x.presence?.subscription.state === 'active' && x.line?.subscription.state === 'active').length;
      if (active === LINES) break;
      await sleep(500);
    }
    const setupS = (performance.now() - t0) / 1000;
    const busy = procFigures(web.pid);
    await sleep(IDLE_S * 1000);
    const end = procFigures(web.pid);
    const heap1 = await ok(api.call('diagnostics.counts', { gc: true }));
    const extraRss = end.rssMb - base.rssMb;
    const extraHeap = (heap1.heapUsedBytes - heap0.heapUsedBytes) / 1048576;
    process.stdout.write(
      `Parley (parley web): ${LINES} lines (${2 * LINES} subscriptions, ${heap1.dialogs} dialogs), ${active} fully active after ${setupS.toFixed(1)} s (CPU then ${(busy.cpuS - base.cpuS).toFixed(2)} s); ` +
        `idle ${IDLE_S} s: CPU ${((100 * (end.cpuS - busy.cpuS)) / IDLE_S).toFixed(2)} % of one core; ` +
        `RSS ${end.rssMb.toFixed(1)} MB (+${extraRss.toFixed(1)} MB over the registered idle phone, ${((extraRss * 1024) / LINES).toFixed(1)} KB per line); ` +
        `live heap after a full GC +${extraHeap.toFixed(1)} MB (${((heap1.heapUsedBytes - heap0.heapUsedBytes) / (2 * LINES)).toFixed(0)} bytes per subscription)${heap1.gcForced ? '' : ' (no GC forced)'}\n`,
    );
  } finally {
    ws.close();
    await web.stop();
    tmp.remove();
  }
}

/** baresip 1.0 watching the same addresses' presence (its presence module has no dialog package). */
async function scaleBaresip(kam: KamailioHandle): Promise<void> {
  const bare = await startBaresip({
    accounts: [{ aor: `sip:watcher@${kam.domain}`, password: 'watcherpw', outbound: `sip:127.0.0.1:${kam.udpPort};lr`, regint: 600 }],
    extraModules: ['contact.so', 'presence.so'],
    contacts: Array.from({ length: LINES }, (_, i) => `<sip:line${i}@${kam.domain}>;presence=p2p`),
    dumpAudio: false,
  });
  try {
    const start = procFigures(bare.pid);
    const t0 = performance.now();
    await sleep(15_000);
    const subscribed = procFigures(bare.pid);
    const w0 = performance.now();
    await sleep(IDLE_S * 1000);
    const end = procFigures(bare.pid);
    const wall = (performance.now() - w0) / 1000;
    process.stdout.write(
      `baresip: ${LINES} presence subscriptions; start-up ${((performance.now() - t0) / 1000 - wall).toFixed(0)} s, CPU then ${(subscribed.cpuS - start.cpuS).toFixed(2)} s; ` +
        `idle ${wall.toFixed(0)} s: CPU ${((100 * (end.cpuS - subscribed.cpuS)) / wall).toFixed(2)} % of one core; RSS ${end.rssMb.toFixed(1)} MB (${(end.rssMb - start.rssMb).toFixed(1)} MB more than at start)\n`,
    );
  } finally {
    await bare.stop();
  }
}

async function scale(): Promise<void> {
  const kam = await startKamailio({ users: [{ username: 'watcher', password: 'watcherpw' }], aliases: [], ipv6: false, presence: true });
  try {
    await scaleParley(kam);
    await scaleBaresip(kam);
  } finally {
    await kam.stop();
  }
}

/** Seconds until every watch of `api`'s phone has both subscriptions active (bounded: 180 s), and how many were. */
async function allActive(api: ReturnType<typeof createApiClient>, t0: number): Promise<{ seconds: number; active: number; states: string }> {
  const deadline = Date.now() + 180_000;
  let active = 0;
  let states = '';
  while (Date.now() < deadline) {
    const r = await api.call('watch.list');
    if (r.ok) {
      const subs = r.result.flatMap((x) => [x.presence?.subscription.state ?? 'none', x.line?.subscription.state ?? 'none']);
      active = r.result.filter((x) => x.presence?.subscription.state === 'active' && x.line?.subscription.state === 'active').length;
      const count = new Map<string, number>();
      for (const s of subs) count.set(s, (count.get(s) ?? 0) + 1);
      states = [...count].map(([k, v]) => `${k} ${v}`).join(', ');
      if (active === LINES) break;
    }
    await sleep(250);
  }
  return { seconds: (performance.now() - t0) / 1000, active, states };
}

async function connect(web: Awaited<ReturnType<typeof startWebHost>>): Promise<{ api: ReturnType<typeof createApiClient>; ws: WebSocket }> {
  const ws = new WebSocket(String(web.events.find((e) => e.event === 'web')!.data.apiUrl));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('the API WebSocket did not open')));
  });
  return { api: createApiClient(ws, { timeoutMs: 60_000 }), ws };
}

/**
 * Restart with W stored watched lines: `parley web` is stopped (SIGTERM, as
 * a user's Ctrl-C or a logout) and started again on the same data folder;
 * seconds from the new process's start to all 2·W subscriptions active.
 */
async function restart(): Promise<void> {
  const kam = await startKamailio({ users: [{ username: 'watcher', password: 'watcherpw' }], aliases: [], ipv6: false, presence: true });
  const tmp = makeTempDir('presence-bench-restart');
  const capture = values.pcap
    ? new ManagedProcess('dumpcap', ['-q', '-i', 'lo', '-f', `udp port ${kam.udpPort}`, '-w', values.pcap], {})
    : undefined;
  try {
    let web = await startWebHost({ dataDir: tmp.path });
    let { api, ws } = await connect(web);
    const proxy = `sip:127.0.0.1:${kam.udpPort}`;
    const added = await api.call('accounts.add', { aor: `sip:watcher@${kam.domain}`, password: 'watcherpw', registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
    if (!added.ok) throw new Error(added.message);
    await web.waitFor('registration', (r) => r.accountId === added.result.id && r.state === 'registered', 15_000, 'registered');
    const t0 = performance.now();
    for (let i = 0; i < LINES; i++) {
      const r = await api.call('watch.add', { target: `sip:line${i}@${kam.domain}`, accountId: added.result.id });
      if (!r.ok) throw new Error(r.message);
    }
    const first = await allActive(api, t0);
    process.stdout.write(`restart: ${LINES} lines added, ${first.active} fully active after ${first.seconds.toFixed(1)} s (${first.states})\n`);
    const runs = Number(values.runs ?? 3);
    for (let run = 1; run <= runs; run++) {
      ws.close();
      await web.stop();
      const t1 = performance.now();
      web = await startWebHost({ dataDir: tmp.path });
      ({ api, ws } = await connect(web));
      const again = await allActive(api, t1);
      process.stdout.write(`restart ${run}: ${again.active} of ${LINES} fully active after ${again.seconds.toFixed(1)} s from the start of the process (${again.states}) at ${new Date().toISOString()}\n`);
    }
    ws.close();
    await web.stop();
    // What Kamailio said went wrong (its 500s to SUBSCRIBE come with an error line), counted by kind.
    const errors = new Map<string, number>();
    for (const l of kam.logs().split('\n')) {
      const m = /(ERROR|WARNING|CRITICAL): (.*)$/.exec(l);
      if (!m) continue;
      const kind = `${m[1]}: ${m[2]!.replace(/\d+/g, 'N').slice(0, 160)}`;
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
    }
    for (const [kind, n] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 8)) process.stdout.write(`kamailio ${n}× ${kind}\n`);
  } finally {
    await capture?.stop(2000);
    tmp.remove();
    await kam.stop();
  }
}

const only = values.only;
if (only === 'restart') await restart();
if (only === undefined || only === 'latency') await latency();
if (only === undefined || only === 'page') await toThePage();
if (only === undefined || only === 'scale') await scale();
