/**
 * Mouth-to-ear latency (issue "Fast where the user feels it" §1), Parley
 * beside baresip in the same run, measured on the wire.
 *
 * Method — the echo turnaround. A baresip "driver" plays a click train (clicks
 * at irregular intervals, PCMU) into a call to an echo line E that sends back
 * what it hears; dumpcap records both directions of the driver's RTP on
 * loopback. Each direction is rebuilt from its RTP timestamps and put on the
 * capture's time line (the packet with the least transit anchors it; a
 * sample's time is when the packet that carried it left, minus one ptime:
 * when it was spoken). Cross-correlating the two gives E's turnaround: the
 * time E took from a packet arriving to the same sound leaving again —
 * E's receive path (jitter buffer, decode, resampling, playout device) plus
 * its send path (capture device, resampling, packetisation, encode) with the
 * loudspeaker tied to the microphone. That is E's mouth-to-ear delay, one
 * way, over a zero-delay network: the figure a user of E hears.
 *
 *   E = baresip 1.0 with its echo module (aubridge ties its player to its
 *       source), the reference;
 *   E = `parley echo` (the CLI: SIP, engine, 48 kHz device frames through
 *       the echo device).
 *
 * And through the renderer: the page of `parley web` in Chromium (its fake
 * microphone plays the clicks) calls baresip's echo line from the dialpad.
 * A tap on the page's audio graph (harness/renderer-tap.ts) records the
 * capture worklet's input and the playback worklet's output on the
 * AudioContext's clock; click by click, the round trip less the echo line's
 * own turnaround (from the capture of its RTP) is Parley's renderer + engine
 * one-way delay, as between two Parley pages (goal ≤ baresip + 10 ms, and
 * ≤ 60 ms), split at the wire with the engine's jitter buffer and the page's
 * playback ring beside it.
 *
 * Then where Parley's milliseconds go, engine only: two MediaSessions in this
 * process (a click source, a sink that notes when each frame is played)
 * carry the same clicks; the sink's times against the source's give the
 * one-way delay, split into packetisation, capture → send, the socket,
 * arrival → playout (jitter buffer) and the resamplers' filter delay.
 *
 * Each round runs the echo lines in alternating order; printed: per round
 * the median turnaround over the clicks, then the medians over the rounds,
 * the difference (goal: Parley ≤ baresip + 10 ms at zero jitter) and the load.
 *
 *   node tests/bench/latency.bench.ts [--seconds 12] [--rounds 3] [--no-renderer] [--compare-page] [--rt [priority]]
 *
 * --compare-page adds a second page, the same build with its Worker
 * constructor taken away, so its audio goes through the page's main thread
 * (as before the socket Worker): the two side by side in the same rounds.
 *
 * --rt runs every measured process at real-time priority: in each round,
 * once its processes are up and just before the call, the bench puts every
 * process it started (all their threads) at SCHED_FIFO 10 with chrt —
 * `parley web`, `parley echo`, baresip, linphonec, dumpcap, strace, and of
 * Chromium the threads that carry the call's audio (see
 * CHROMIUM_AUDIO_PATH); what they start later inherits it — so on a
 * loaded machine the figures measure the software rather than the queue
 * for the CPU, Parley and the peers alike. Each round starts its own
 * processes (a renderer round its own page), so none stays real-time
 * longer than a round (≈ 30 s); the bench itself stays at ordinary
 * priority but for the engine-only part 2, whose two sessions it runs
 * (≈ 30 s). The kernel's real-time throttling
 * (95 % of each second) keeps the machine alive; --rt refuses calls longer
 * than 30 s, so each stays bounded. It prints how many of the processes it
 * started ran at that priority. Needs root (or CAP_SYS_NICE). `--rt 20`
 * asks for priority 20 instead: where other real-time processes that keep
 * a CPU busy at 10 share the machine, ours would wait for them at 10.
 *
 * Needs dumpcap (Wireshark) able to capture on the loopback interface (root
 * or the capture capability); without it only the engine-only part runs.
 * The renderer round needs Chromium and chromedriver (skipped, saying so,
 * without them) and builds the renderer first.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { initMedia } from '../../electron/media/audio/init-media.ts';
import { Resampler } from '../../electron/media/audio/resampler.ts';
import type { AudioSink, AudioSource } from '../../electron/media/audio/frame.ts';
import { MediaEngine } from '../../electron/media/session/media-engine.ts';
import { startBaresip } from '../interop/harness/baresip.ts';
import type { BaresipHandle } from '../interop/harness/baresip.ts';
import { makeTempDir, sleep } from '../interop/harness/managed-process.ts';
import { ParleyProcess } from '../unit/cli/parley-process.ts';
import { browserAvailable, startBrowser, type Browser } from '../e2e/browser.ts';
import { buildRenderer } from '../e2e/build-renderer.ts';
import { startWebHost, type WebHost } from '../e2e/web-host.ts';
import { clearTap, collectTap, installTap, openWithoutCsp } from './harness/renderer-tap.ts';
import { Capture, RATE, baresipEcho, clickOnsets, clickTrain, delayMs, f1, freeEvenPortPair, detectClicksMs, median, pairClicks, sendSpreadMs, turnaroundMs, wireClicks, writeWav, type EchoLine, type WirePacket } from './harness/click-latency.ts';
import { FileIoTrace, playerClockMs, recorderClockMs } from './harness/file-io-clock.ts';
import { finishedRecording, startLinphonec, type LinphonecHandle } from '../interop/harness/linphonec.ts';
import { readWavPcm16 } from '../interop/harness/wav.ts';

const argValue = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SECONDS = Number(argValue('--seconds') ?? 12);
const ROUNDS = Number(argValue('--rounds') ?? 3);
const RENDERER = !process.argv.includes('--no-renderer');
/** Also a second page whose audio goes through its main thread (no socket Worker), in the same rounds. */
const COMPARE_PAGE = process.argv.includes('--compare-page');
/** Every measured process at SCHED_FIFO 10, or at the priority given after --rt (see the file comment). */
const RT = process.argv.includes('--rt');
const RT_PRIORITY = /^\d+$/.test(argValue('--rt') ?? '') ? Number(argValue('--rt')) : 10;
const RT_MAX_SECONDS = 30;

/** The processes this one started (at any depth), with their scheduling policy and real-time priority. */
function descendants(): { pid: number; name: string; policy: number; priority: number }[] {
  const parent = new Map<number, number>();
  const info = new Map<number, { name: string; policy: number; priority: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      // proc(5): field 4 is ppid, 40 rt_priority, 41 policy; `fields` starts at field 3.
      parent.set(Number(entry), Number(fields[1]));
      info.set(Number(entry), { name: stat.slice(stat.indexOf('(') + 1, close), priority: Number(fields[37]), policy: Number(fields[38]) });
    } catch {
      // gone meanwhile
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid), n = 0; p !== undefined && p > 1 && n < 64; p = parent.get(p), n++) if (p === process.pid) return true;
    return false;
  };
  return [...info].filter(([pid]) => ours(pid)).map(([pid, i]) => ({ pid, ...i }));
}

/** SCHED_FIFO is policy 1, SCHED_RR 2 (sched.h); Chromium gives its audio threads SCHED_RR. */
const SCHED_FIFO = 1;
const realTimePolicy = (policy: number): boolean => policy === SCHED_FIFO || policy === 2;

/**
 * Chromium's threads that carry a call's audio besides the ones Chromium
 * itself makes real-time (its audio threads, SCHED_RR 8: "Realtime
 * AudioWorklet", the audio devices, the audio service's worker): the page's
 * Workers (the socket's), the IPC threads between its processes, and the
 * whole network service (the WebSocket) and audio service (the fake
 * microphone and speaker) processes. Its other threads (page main threads,
 * compositors, raster and GPU, thread pools) stay ordinary: all of
 * Chromium at one FIFO priority let a busy compositor hold a CPU from its
 * audio threads (page stalls of 0.4–5.8 s when tried).
 */
const CHROMIUM_AUDIO_PATH = /^(DedicatedWorker|Chrome_ChildIOT|Chrome_IOThread|NetworkService)/;
const CHROMIUM_AUDIO_PROCESSES = /--utility-sub-type=(network\.mojom\.NetworkService|audio\.mojom\.AudioService)/;

/** Whether every thread of Chromium process `pid` is on the audio path (CHROMIUM_AUDIO_PROCESSES). */
function chromiumAudioProcess(pid: number): boolean {
  try {
    return CHROMIUM_AUDIO_PROCESSES.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** The threads of `pid` with their names and policies. */
function threadsOf(pid: number): { tid: number; name: string; policy: number }[] {
  const out: { tid: number; name: string; policy: number }[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      out.push({ tid: Number(tid), name: stat.slice(stat.indexOf('(') + 1, close), policy: Number(stat.slice(close + 2).split(' ')[38]) });
    }
  } catch {
    // gone meanwhile
  }
  return out;
}

/**
 * --rt: every process this bench started so far at SCHED_FIFO RT_PRIORITY,
 * all their threads (what they start from now on inherits it) — Chromium's
 * audio path only (CHROMIUM_AUDIO_PATH and the threads it made real-time
 * itself). Called in each round once its processes are up, just before the
 * call (and once the page's audio runs), so that none of them runs
 * real-time for longer than a round (≈ 30 s); this process itself stays an
 * ordinary one.
 */
function raiseToRealTime(): void {
  if (!RT) return;
  const chrt = (args: string[]) => spawnSync('chrt', args, { stdio: 'ignore', timeout: 5000 });
  for (const d of descendants()) {
    if (d.name.startsWith('chrom') && !chromiumAudioProcess(d.pid)) {
      for (const t of threadsOf(d.pid)) {
        if (realTimePolicy(t.policy) || CHROMIUM_AUDIO_PATH.test(t.name)) chrt(['-f', '-p', String(RT_PRIORITY), String(t.tid)]);
      }
      continue;
    }
    if (d.policy === SCHED_FIFO && d.priority === RT_PRIORITY) continue;
    // A process may be gone meanwhile: then there is nothing to raise.
    chrt(['-a', '-f', '-p', String(RT_PRIORITY), String(d.pid)]);
  }
}

/**
 * The processes started by this one, and how many of them run SCHED_FIFO at
 * RT_PRIORITY (for Chromium's: how many of its audio-path threads do).
 */
function realTimeDescendants(): { fifo: number; all: number; others: string[] } {
  let fifo = 0;
  let all = 0;
  const others: string[] = [];
  for (const d of descendants()) {
    if (d.name.startsWith('chrom') && !chromiumAudioProcess(d.pid)) {
      for (const t of threadsOf(d.pid).filter((x) => realTimePolicy(x.policy) || CHROMIUM_AUDIO_PATH.test(x.name))) {
        all++;
        if (t.policy === SCHED_FIFO) fifo++;
        else others.push(`chromium ${t.name}`);
      }
      continue;
    }
    all++;
    if (d.policy === SCHED_FIFO && d.priority === RT_PRIORITY) fifo++;
    else others.push(d.name);
  }
  return { fifo, all, others };
}

/** --rt: refuses what would keep processes real-time for long, and checks that chrt works here. */
function checkRealTime(): void {
  if (SECONDS > RT_MAX_SECONDS) throw new Error(`--rt runs calls of at most ${RT_MAX_SECONDS} s (asked: --seconds ${SECONDS})`);
  const r = spawnSync('chrt', ['-f', String(RT_PRIORITY), 'true'], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0) throw new Error(`--rt: chrt failed (${r.stderr?.trim() || r.status}); it needs root or CAP_SYS_NICE`);
}

async function parleyEcho(dir: string): Promise<EchoLine> {
  const p = new ParleyProcess(['echo', '--bind', '127.0.0.1:0', '--codecs', 'PCMU', '--json'], {
    env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'xdg'), PARLEY_PASSWORD: '' },
  });
  // Bounded, but generous: at the load this bench is for, a Node start can take tens of seconds.
  const listening = await p.waitForEvent((e) => e.event === 'listening', 60_000, 'listening');
  const local = String(listening.data.local ?? '');
  return {
    uri: local.replace(/^sip:[^@]*@/, 'sip:echo@'),
    stop: async () => {
      await p.stop();
    },
  };
}

/** The driver (baresip, the click train on aufile) calls `line` for SECONDS; returns E's turnaround. */
interface EchoFigures {
  turnaroundMs: number;
  /** How unevenly the driver's packets left (see sendSpreadMs), p99. */
  driverSpreadMs: number;
}

async function echoRound(wav: string, dir: string, line: EchoLine): Promise<EchoFigures> {
  const rtpPort = await freeEvenPortPair();
  let driver: BaresipHandle | undefined;
  let capture: Capture | undefined;
  try {
    driver = await startBaresip({
      accounts: [{ aor: 'sip:driver@127.0.0.1', regint: 0, audioCodecs: 'PCMU/8000/1' }],
      audioSourceFile: wav,
      dumpAudio: false,
      extraConfig: [`rtp_ports ${rtpPort}-${rtpPort + 1}`],
    });
    capture = await Capture.start(dir, rtpPort);
    raiseToRealTime();
    const r = await driver.command('dial', line.uri);
    if (!r.ok) throw new Error(`dial: ${r.data}`);
    await driver.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 10_000);
    await sleep(1000);
    noteRealTime();
    await sleep(SECONDS * 1000 - 1000);
    // The capture holds what is measured; a hang-up the driver did not confirm (a loaded machine) changes nothing.
    await driver.command('hangup').catch(() => undefined);
    const packets = await capture.stop();
    capture = undefined;
    return { turnaroundMs: turnaroundMs(packets, rtpPort), driverSpreadMs: sendSpreadMs(packets.filter((p) => p.srcPort === rtpPort)).p99 };
  } finally {
    await capture?.stop().catch(() => undefined);
    await driver?.stop();
    await line.stop();
  }
}

// ---- linphonec: its own one way, from its sound card's file I/O ---------------------------------

/** linphonec's one way, click by click (medians): mouth → wire (its send path) + wire → ear (its receive path). */
interface LinphonecFigures {
  clicks: number;
  oneWayMs: number;
  sendMs: number;
  receiveMs: number;
  /** baresip echo's own turnaround in the same call (not in linphonec's figure). */
  echoMs: number;
  /** How far the recorder's writes lagged its clock over the call (recorderClockMs): a tick or two when it ran continuously. */
  recorderSpreadMs: number;
}

/** Why the linphonec round cannot run here, or '' when it can. */
function linphonecAvailable(): string {
  for (const tool of ['linphonec', 'strace']) if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed`;
  return '';
}

/**
 * linphonec (liblinphone 5.1, its rc's 60 ms adaptive jitter buffer) with
 * the "files" sound card calls baresip's echo line: it plays the clicks
 * from `wav` and records what comes back. strace's record of its file I/O
 * puts both files on the wall clock (file-io-clock.ts), a capture of the
 * echo line's RTP puts the wire there: click by click, mouth → its packet
 * to the echo is linphonec's send path, the echo's packet → ear its receive
 * path, and their sum its one-way mouth-to-ear delay as between two
 * linphonecs, with no sound-card buffers (as for the other phones here).
 */
async function linphonecRound(wav: string, dir: string): Promise<LinphonecFigures> {
  const rtpPort = await freeEvenPortPair();
  const echo = await baresipEcho({ rtpPort });
  let lin: LinphonecHandle | undefined;
  let capture: Capture | undefined;
  let trace: FileIoTrace | undefined;
  try {
    lin = await startLinphonec({ user: 'driver', password: '', domain: '127.0.0.1', codecs: ['PCMU'], readyTimeoutMs: 30_000 });
    const heard = join(dir, `linphonec-heard-${rtpPort}.wav`);
    lin.command('soundcard use files');
    lin.command(`play ${wav}`);
    lin.command(`record ${heard}`);
    await lin.waitForOutput(/Using wav files instead of soundcard/, 5000);
    trace = await FileIoTrace.attach(lin.pid, join(dir, `linphonec-${rtpPort}.strace`));
    capture = await Capture.start(dir, rtpPort);
    const from = lin.output().length;
    raiseToRealTime();
    lin.command(`call ${echo.uri}`);
    await lin.waitForOutput(/Call \d+ with \S+ connected/, 10_000, from);
    await sleep(1000);
    noteRealTime();
    await sleep(SECONDS * 1000 - 1000);
    lin.command('terminate');
    await lin.waitForOutput(/Call \d+ with \S+ ended/, 5000, from);
    await finishedRecording(lin, heard);
    const io = await trace.stop();
    trace = undefined;
    const packets = await capture.stop();
    capture = undefined;
    const spokenAt = playerClockMs(io.reads.get(wav) ?? []);
    const { t1: heardAt, spreadMs } = recorderClockMs(io.writes.get(heard) ?? [], RATE);
    if (!Number.isFinite(spokenAt) || !Number.isFinite(heardAt)) throw new Error(`strace saw too little of linphonec's file I/O (reads of ${wav}: ${io.reads.get(wav)?.length ?? 0}, writes of ${heard}: ${io.writes.get(heard)?.length ?? 0})`);
    const rows = followClicks(
      { ms: clickOnsets(SECONDS + 20, RATE).map((s) => (s / RATE) * 1000), wallMinusMs: spokenAt },
      packets,
      rtpPort,
      { ms: detectClicksMs(readWavPcm16(heard).samples, RATE), wallMinusMs: heardAt },
    );
    const med = (f: (r: ClickRow) => number) => median(rows.map(f));
    return { clicks: rows.length, oneWayMs: med((r) => r.send + r.receive), sendMs: med((r) => r.send), receiveMs: med((r) => r.receive), echoMs: med((r) => r.echo), recorderSpreadMs: spreadMs };
  } finally {
    await trace?.stop().catch(() => undefined);
    await capture?.stop().catch(() => undefined);
    await lin?.stop();
    await echo.stop();
  }
}

// ---- through the renderer: Chromium's fake microphone → page → engine, and back to the speaker ----

/** The fake microphone's file, which Chromium loops. */
const MIC_TRAIN_S = 120;

/** The page of a `parley web` host in Chromium, its microphone the click train, its audio graph tapped. */
interface RendererPage {
  web: WebHost;
  session: Browser;
  close(): Promise<void>;
}

async function openRendererPage(dir: string, opts: { withoutWorkers?: boolean } = {}): Promise<RendererPage> {
  const mic = join(dir, 'clicks-48k.wav');
  // Chromium loops the file; the irregular click spacing keeps a loop from matching a wrong click.
  writeWav(mic, clickTrain(MIC_TRAIN_S, 48000), 48000);
  buildRenderer();
  const web = await startWebHost({ dataDir: join(dir, opts.withoutWorkers ? 'parley-web-page' : 'parley-web') });
  let session: Browser | undefined;
  try {
    session = await startBrowser({ micWav: mic });
    await openWithoutCsp(session, web.url, opts);
    // The tap goes in before the first key: the page makes its spare call AudioContext after the user's first key
    // or click (renderer/src/lib: made ahead, resumed by a call), and a context made before the tap is not tapped.
    await installTap(session);
    await session.browser.keys(['Alt', '1']);
    await session.browser.$('#dial-input').waitForExist({ timeout: 20_000 });
  } catch (e) {
    await session?.close();
    await web.stop();
    throw e;
  }
  const s = session;
  return {
    web,
    session: s,
    async close() {
      await s.close();
      await web.stop();
    },
  };
}

/** Medians over the clicks of one call (each click seen in all four recordings). */
interface RendererFigures {
  clicks: number;
  /** Mic tap → speaker tap, through the engine, baresip's echo and back (the AudioContext's clock). */
  roundTripMs: number;
  /** baresip echo's own turnaround on the wire (its packet in → its packet out), in the same call. */
  echoMs: number;
  /** Parley's one way, click by click: the round trip less the echo's turnaround (median, 90th percentile). */
  oneWayMs: number;
  oneWayP90Ms: number;
  /** Its halves, the taps put on the wire's clock: mouth → the packet leaving (frame filling counted), the packet arriving → ear. */
  sendMs: number;
  receiveMs: number;
  tapGaps: number;
  outputLatencyMs: number;
  renderJitterMs: number;
  /** How unevenly the engine's packets to the echo line left (sendSpreadMs), p99: the renderer's capture frames pace them. */
  sendSpreadMs: number;
  /** The page's playback ring buffer, ms held (median). */
  ringMs: number;
  /** How the page's audio went: 'relay' (worklets ↔ the socket's Worker) or 'page' (through the main thread). */
  audioVia: string;
  /** The engine's jitter buffer for the call (its last media.stats: the mean over the call). */
  jitterBufferMs: number;
}

/** Click onsets on a recording's own clock (ms) and that clock's offset to the wall clock (wall = ms + wallMinusMs). */
interface ClockedClicks {
  ms: number[];
  wallMinusMs: number;
}

/** One click followed mouth → the echo line → ear, ms: the round trip and its parts on the wall clock. */
interface ClickRow {
  round: number;
  echo: number;
  send: number;
  receive: number;
}

/**
 * Follows each click from the mouth (`mouth`) to the packet to the echo
 * line (port `echoPort`), the echo's packet back, and the ear (`ear`): each
 * link paired on its own clocks (pairClicks), so a click lost or stretched
 * anywhere is left out. The round trip is measured on the mouth and ear
 * clocks (one clock for the page's taps), the halves against the capture.
 */
function followClicks(mouth: ClockedClicks, packets: WirePacket[], echoPort: number, ear: ClockedClicks): ClickRow[] {
  const toE = wireClicks(packets.filter((p) => p.dstPort === echoPort));
  const fromE = wireClicks(packets.filter((p) => p.srcPort === echoPort));
  const link = (a: number[], b: number[]) => new Map(pairClicks(a, b));
  const toWire = link(mouth.ms, toE.mediaMs);
  const echoed = link(toE.mediaMs, fromE.mediaMs);
  const heard = link(fromE.mediaMs, ear.ms);
  const rows: ClickRow[] = [];
  for (const [i, j] of toWire) {
    const k = echoed.get(j);
    const l = k === undefined ? undefined : heard.get(k);
    if (k === undefined || l === undefined) continue;
    const m = (mouth.ms[i] as number) + mouth.wallMinusMs;
    const o = (ear.ms[l] as number) + ear.wallMinusMs;
    const w1 = toE.wireMs[j] as number;
    const w2 = fromE.wireMs[k] as number;
    rows.push({ round: o - m, echo: w2 - w1, send: w1 - m, receive: o - w2 });
  }
  if (rows.length < 3) throw new Error(`only ${rows.length} clicks followed through (mouth ${mouth.ms.length}, to the echo ${toE.mediaMs.length}, back ${fromE.mediaMs.length}, ear ${ear.ms.length})`);
  return rows;
}

/** The page calls baresip's echo line; the taps and a capture of E's RTP give the round trip and its halves. */
async function rendererRound(page: RendererPage, dir: string): Promise<RendererFigures> {
  const rtpPort = await freeEvenPortPair();
  const echo = await baresipEcho({ rtpPort });
  let capture: Capture | undefined;
  const b = page.session.browser;
  try {
    capture = await Capture.start(dir, rtpPort);
    const from = page.web.events.length;
    raiseToRealTime();
    await b.keys(['Alt', '1']);
    const dial = b.$('#dial-input');
    await dial.waitForExist({ timeout: 5000 });
    await dial.click();
    await dial.setValue(echo.uri.replace(/^sip:/, ''));
    await b.keys('Enter');
    const call = await page.web.waitFor('call', (c) => c.direction === 'out' && c.state === 'active', 15_000, 'the call to the echo line answered', from);
    await sleep(2000); // the page's audio opens once the call carries media
    raiseToRealTime(); // its audio threads exist now
    await clearTap(page.session);
    noteRealTime();
    await sleep(SECONDS * 1000);
    const tap = await collectTap(page.session);
    await b.$('button[aria-label^="Hang up"]').click();
    await page.web.waitFor('call', (c) => c.id === call.id && c.state === 'ended', 5000, 'the call to end', from);
    const packets = await capture.stop();
    capture = undefined;
    // Click by click (the echo line's delay changes during a call, so whole-call correlations would not subtract).
    const ctx0 = (tap.startFrame / tap.sampleRate) * 1000;
    const inCtx = (x: Int16Array) => detectClicksMs(x, RATE).map((t) => ctx0 + t);
    const rows = followClicks(
      { ms: inCtx(tap.mic), wallMinusMs: tap.wallMinusContextMs },
      packets,
      rtpPort,
      { ms: inCtx(tap.out), wallMinusMs: tap.wallMinusContextMs },
    );
    const med = (f: (r: (typeof rows)[number]) => number) => median(rows.map(f));
    return {
      clicks: rows.length,
      roundTripMs: med((r) => r.round),
      echoMs: med((r) => r.echo),
      oneWayMs: med((r) => r.round - r.echo),
      oneWayP90Ms: rows.map((r) => r.round - r.echo).sort((x, y) => x - y)[Math.floor(0.9 * (rows.length - 1))] as number,
      sendMs: med((r) => r.send),
      receiveMs: med((r) => r.receive),
      tapGaps: tap.gaps,
      outputLatencyMs: tap.outputLatencyMs,
      renderJitterMs: tap.renderJitterMs,
      sendSpreadMs: sendSpreadMs(packets.filter((p) => p.dstPort === rtpPort)).p99,
      ringMs: tap.ringMs,
      audioVia: tap.captureFrames > 0 ? `page (${tap.captureFrames} frames through the main thread)` : tap.captureLevels > 0 ? 'relay (worklets ↔ the socket Worker)' : 'unknown',
      jitterBufferMs: Number(page.web.events.filter((e, i) => i >= from && e.event === 'media.stats' && e.data.callId === call.id).at(-1)?.data.jitterBufferMs ?? NaN),
    };
  } finally {
    await capture?.stop().catch(() => undefined);
    await echo.stop();
  }
}

// ---- engine only: where Parley's milliseconds go ------------------------------------------------

/** A source that plays `samples` once (then silence) and notes when each 20 ms frame was read. */
class TimedSource implements AudioSource {
  readonly sampleRate: number;
  readonly reads: number[] = [];
  #pos = 0;
  readonly #samples: Int16Array;
  constructor(samples: Int16Array, rate: number) {
    this.#samples = samples;
    this.sampleRate = rate;
  }
  read(n: number): Int16Array {
    this.reads.push(performance.now());
    const out = new Int16Array(n);
    out.set(this.#samples.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return out;
  }
}

/** A sink that keeps what it plays and when each frame was written. */
class TimedSink implements AudioSink {
  readonly sampleRate: number;
  readonly writes: number[] = [];
  readonly frames: Int16Array[] = [];
  constructor(rate: number) {
    this.sampleRate = rate;
  }
  write(frame: Int16Array): void {
    this.writes.push(performance.now());
    this.frames.push(frame.slice());
  }
}

/**
 * Puts frames on a time line: each frame's samples end when it was read
 * (a capture device hands over a frame once it is recorded) or begin when it
 * was written (a playback device starts playing a frame when it gets it).
 */
function onTimeLine(frames: Int16Array[], times: number[], originMs: number, rate: number, frameEnds: boolean): Float64Array {
  const n = frames[0]?.length ?? 0;
  const last = (times.at(-1) ?? originMs) - originMs + 1000;
  const out = new Float64Array(Math.ceil((last / 1000) * rate) + n);
  frames.forEach((f, k) => {
    const start = Math.round((((times[k] as number) - originMs) / 1000) * rate) - (frameEnds ? n : 0);
    for (let i = 0; i < f.length; i++) if (start + i >= 0 && start + i < out.length) out[start + i] = f[i] as number;
  });
  return out;
}

/** The resampler's own delay, ms: an impulse through `from → to`. */
function resamplerDelayMs(from: number, to: number): number {
  const r = new Resampler(from, to);
  const x = new Int16Array(from / 10);
  x[from / 100] = 30000;
  const y = r.process(x);
  r.destroy();
  let peak = 0;
  for (let i = 1; i < y.length; i++) if (Math.abs(y[i] as number) > Math.abs(y[peak] as number)) peak = i;
  return (peak / to) * 1000 - 10;
}

interface EngineFigures {
  oneWayMs: number;
  captureToSendMs: number;
  socketMs: number;
  arrivalToPlayoutMs: number;
  jitterTargetMs: number;
  resampleMs: number;
}

async function engineOnly(seconds: number): Promise<EngineFigures> {
  const deviceRate = 48000;
  const clicks = clickTrain(seconds, deviceRate);
  const engine = await MediaEngine.create({ bindAddress: '127.0.0.1' });
  const source = new TimedSource(clicks, deviceRate);
  const sink = new TimedSink(deviceRate);
  const a = engine.createSession({ codecs: ['PCMU'], source, statsIntervalMs: 0 });
  const b = engine.createSession({ codecs: ['PCMU'], sink, statsIntervalMs: 0 });
  const sent = new Map<number, number>();
  const socket: number[] = [];
  a.on('packet-sent', (p) => sent.set(p.sequenceNumber, p.sentMs));
  try {
    const r = await b.answerOffer(await a.createOffer());
    if ('reject' in r) throw new Error(r.reason);
    await a.setAnswer(r.answer);
    b.rtpSession!.on('rtp', (p, info) => {
      const s = sent.get(p.sequenceNumber);
      if (s !== undefined) socket.push(info.arrivalMs - s);
      sent.delete(p.sequenceNumber);
    });
    b.start();
    a.start();
    await sleep(seconds * 1000 + 500);
    const sb = b.stats();
    const sa = a.stats();
    // The source's frames, as read (the clicks as spoken), against what the sink played.
    const n = deviceRate / 50;
    const spoken: Int16Array[] = source.reads.map((_, k) => clicks.subarray(k * n, (k + 1) * n));
    const origin = source.reads[0] as number;
    const x = onTimeLine(spoken, source.reads, origin, deviceRate, true);
    const y = onTimeLine(sink.frames, sink.writes, origin, deviceRate, false);
    return {
      oneWayMs: delayMs(x, y, deviceRate, 0, 400),
      captureToSendMs: sa.captureToSend.avgMs,
      socketMs: median(socket),
      arrivalToPlayoutMs: sb.arrivalToPlayout.avgMs,
      jitterTargetMs: sb.jitterBuffer.targetDelayMs,
      resampleMs: resamplerDelayMs(deviceRate, RATE) + resamplerDelayMs(RATE, deviceRate),
    };
  } finally {
    await engine.close();
  }
}

// ---- main -----------------------------------------------------------------------------------------

/** What realTimeDescendants found in the middle of each call (--rt): the fewest at real-time priority. */
const rtSeen: { fifo: number; all: number; others: Set<string> } = { fifo: Infinity, all: 0, others: new Set() };
function noteRealTime(): void {
  if (!RT) return;
  const r = realTimeDescendants();
  if (r.all - r.fifo >= rtSeen.all - rtSeen.fifo) Object.assign(rtSeen, { fifo: r.fifo, all: r.all });
  for (const o of r.others) rtSeen.others.add(o);
}

async function main(): Promise<void> {
  await initMedia();
  // Built before --rt: a minute of compiling at real-time priority would starve everyone else.
  if (RENDERER && !browserAvailable()) buildRenderer();
  if (RT) checkRealTime();
  console.log(
    `Mouth-to-ear latency, PCMU 20 ms, loopback (zero network jitter); ${SECONDS} s calls, ${ROUNDS} rounds, node ${process.version}, ${cpus().length} CPUs, ` +
      (RT ? `every measured process at SCHED_FIFO ${RT_PRIORITY} (--rt)` : 'ordinary priority'),
  );
  const dir = makeTempDir('latency-bench');
  const wav = join(dir.path, 'clicks.wav');
  writeWav(wav, clickTrain(SECONDS + 20, RATE), RATE);
  try {
    if (!Capture.available()) console.log('\n(dumpcap cannot capture on loopback here: the echo turnaround vs baresip is skipped)');
    else {
      console.log('\n1. Echo turnaround on the wire (= the echo line\'s one-way mouth-to-ear delay), median over the clicks');
      const why = !RENDERER ? '--no-renderer' : browserAvailable();
      if (why) console.log(`  (the renderer path is skipped: ${why})`);
      // With --rt each renderer round opens its own page (no process stays real-time beyond its round).
      const page = why || RT ? undefined : await openRendererPage(dir.path);
      const viaPage = why || RT || !COMPARE_PAGE ? undefined : await openRendererPage(dir.path, { withoutWorkers: true }).catch(async (e: unknown) => {
        await page?.close();
        throw e;
      });
      const onPage = async (shared: RendererPage | undefined, opts: { withoutWorkers?: boolean }): Promise<RendererFigures> => {
        if (shared) return rendererRound(shared, dir.path);
        const fresh = await openRendererPage(dir.path, opts);
        try {
          return await rendererRound(fresh, dir.path);
        } finally {
          await fresh.close();
        }
      };
      const bare: EchoFigures[] = [];
      const ours: EchoFigures[] = [];
      const linphone: (LinphonecFigures | string)[] = [];
      const lin = linphonecAvailable();
      if (lin) console.log(`  (the linphonec reference is skipped: ${lin})`);
      const web: RendererFigures[] = [];
      const webViaPage: RendererFigures[] = [];
      const describeWeb = (label: string, w: RendererFigures | undefined) =>
        w
          ? `   ${label} ${f1(w.oneWayMs)} ms, p90 ${f1(w.oneWayP90Ms)} (${w.clicks} clicks; round trip ${f1(w.roundTripMs)} − baresip echo ${f1(w.echoMs)}; mouth→wire ${f1(w.sendMs)} + wire→ear ${f1(w.receiveMs)}, engine jitter buffer ${f1(w.jitterBufferMs)} ms, page playback ring ${f1(w.ringMs)} ms, render clock spread ${f1(w.renderJitterMs)} ms, its packets' send spread p99 ${f1(w.sendSpreadMs)} ms, audio via ${w.audioVia}${w.tapGaps ? `; ${w.tapGaps} tap gaps` : ''})`
          : '';
      try {
        for (let r = 0; r < ROUNDS; r++) {
          const order: (() => Promise<void>)[] = [
            async () => void bare.push(await echoRound(wav, dir.path, await baresipEcho())),
            async () => void ours.push(await echoRound(wav, dir.path, await parleyEcho(dir.path))),
          ];
          if (!lin) order.push(async () => void linphone.push(await linphonecRound(wav, dir.path).catch((e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0] as string)));
          if (!why) order.push(async () => void web.push(await onPage(page, {})));
          if (!why && COMPARE_PAGE) order.push(async () => void webViaPage.push(await onPage(viaPage, { withoutWorkers: true })));
          if (r % 2 === 1) order.reverse();
          for (const step of order) await step();
          const l = linphone[r];
          const linText = l === undefined ? '' : typeof l === 'string' ? `   linphonec: failed (${l})` : `   linphonec ${f1(l.oneWayMs)} ms (${l.clicks} clicks; mouth→wire ${f1(l.sendMs)} + wire→ear ${f1(l.receiveMs)}; baresip echo ${f1(l.echoMs)}; its recorder's clock spread ${f1(l.recorderSpreadMs)} ms)`;
          const inPage = linText + describeWeb('Parley web (renderer + engine)', web[r]) + describeWeb('Parley web with audio through the page (no Worker)', webViaPage[r]);
          console.log(
            `  round ${r + 1}: baresip ${f1(bare[r]!.turnaroundMs)} ms   Parley engine (parley echo) ${f1(ours[r]!.turnaroundMs)} ms${inPage}   ` +
              `(the baresip driver's send spread p99 ${f1(bare[r]!.driverSpreadMs)} ms)   load ${f1(loadavg()[0] as number)}`,
          );
        }
      } finally {
        await page?.close();
        await viaPage?.close();
      }
      const b = median(bare.map((e) => e.turnaroundMs));
      const p = median(ours.map((e) => e.turnaroundMs));
      console.log(`  median: baresip 1.0 ${f1(b)} ms, Parley engine ${f1(p)} ms; Parley − baresip ${f1(p - b)} ms (goal ≤ +10 ms: ${p - b <= 10 ? 'met' : 'NOT met'})`);
      const lins = linphone.filter((x): x is LinphonecFigures => typeof x !== 'string');
      if (lins.length > 0) {
        const v = (k: (x: LinphonecFigures) => number) => f1(median(lins.map(k)));
        console.log(`  linphonec 5.1 (files sound card, from its file I/O; ${lins.length} of ${linphone.length} rounds): ${v((x) => x.oneWayMs)} ms one way (mouth → wire ${v((x) => x.sendMs)}, wire → ear ${v((x) => x.receiveMs)})`);
      }
      if (web.length > 0) {
        const m = (k: (w: RendererFigures) => number) => median(web.map(k));
        const oneWay = m((w) => w.oneWayMs);
        console.log(
          `  Parley web, renderer + engine (Chromium's capture worklet input → the playback worklet's output, one way): ${f1(oneWay)} ms; ` +
            `Parley web − baresip ${f1(oneWay - b)} ms (goal ≤ +10 ms: ${oneWay - b <= 10 ? 'met' : 'NOT met'}); renderer + engine share ≤ 60 ms: ${oneWay <= 60 ? 'met' : 'NOT met'}`,
        );
        console.log(
          `    split on the wire: mouth → wire ${f1(m((w) => w.sendMs))} ms (from the capture worklet's input to the packet leaving: frame filling, worklet → page → WebSocket → engine, encoding), ` +
            `wire → ear ${f1(m((w) => w.receiveMs))} ms (jitter buffer ${f1(m((w) => w.jitterBufferMs))} ms, decoding, engine → WebSocket → page → playback ring ${f1(m((w) => w.ringMs))} ms); ` +
            `the renderer's share beyond the engine-only path: ${f1(oneWay - p)} ms; page output latency ${f1(m((w) => w.outputLatencyMs))} ms not counted`,
        );
        if (webViaPage.length > 0) {
          const v = (k: (w: RendererFigures) => number) => median(webViaPage.map(k));
          console.log(
            `    the same page with its audio through the main thread (no socket Worker), same rounds: ${f1(v((w) => w.oneWayMs))} ms ` +
              `(mouth → wire ${f1(v((w) => w.sendMs))}, wire → ear ${f1(v((w) => w.receiveMs))}, engine jitter buffer ${f1(v((w) => w.jitterBufferMs))}, ring ${f1(v((w) => w.ringMs))}, send spread p99 ${f1(v((w) => w.sendSpreadMs))} ms)`,
          );
        }
        console.log(
          `    not in Parley's share: baresip's echo held the page's audio ${f1(m((w) => w.echoMs) - b)} ms longer than the baresip driver's ` +
            `(its jitter buffer absorbs our send spread p99 ${f1(m((w) => w.sendSpreadMs))} ms vs the driver's ${f1(median(bare.map((e) => e.driverSpreadMs)))} ms)`,
        );
      }
    }

    console.log('\n2. Engine only, one way (two sessions in this process, 48 kHz devices, the clicks read by the capture side against what the playback side was given)');
    const figures: EngineFigures[] = [];
    // --rt: this process runs the two sessions, so it is real-time for this part only (≈ 30 s).
    if (RT) spawnSync('chrt', ['-a', '-f', '-p', String(RT_PRIORITY), String(process.pid)], { stdio: 'ignore', timeout: 5000 });
    try {
      for (let r = 0; r < ROUNDS; r++) figures.push(await engineOnly(Math.min(SECONDS, 8)));
    } finally {
      if (RT) spawnSync('chrt', ['-a', '-o', '-p', '0', String(process.pid)], { stdio: 'ignore', timeout: 5000 });
    }
    const m = (k: keyof EngineFigures) => median(figures.map((f) => f[k]));
    const one = m('oneWayMs');
    console.log(`  one way (source read → sink written), median of ${ROUNDS}: ${f1(one)} ms  (${figures.map((f) => f1(f.oneWayMs)).join(' / ')})`);
    console.log(`    packetisation (one 20 ms frame captured before it is sent)   20.0 ms`);
    console.log(`    capture → socket.send returned                                ${m('captureToSendMs').toFixed(2)} ms`);
    console.log(`    send → peer's socket handler (median)                          ${m('socketMs').toFixed(2)} ms`);
    const rest = one - 20 - m('captureToSendMs') - m('socketMs') - m('resampleMs');
    console.log(`    resampling 48 → 8 → 48 kHz (filter delay)                      ${m('resampleMs').toFixed(2)} ms`);
    console.log(`    jitter buffer wait + tick phase (the rest of the one way)      ${f1(rest)} ms`);
    console.log(`      (arrival → playout averaged over the whole call, its 40 ms start included: ${f1(m('arrivalToPlayoutMs'))} ms; target at the end ${f1(m('jitterTargetMs'))} ms)`);
    console.log(`  playout delay goal ≤ 30 ms at zero jitter: ${rest <= 30 ? 'met' : 'NOT met'} here (the host's timer jitter counts as jitter; see the jitter buffer's unit tests for the buffer alone)`);
    if (RT && rtSeen.all > 0) {
      const others = rtSeen.others.size > 0 ? ` (not: ${[...rtSeen.others].join(', ')})` : '';
      console.log(`\n  real-time priority: in the call that had the fewest, ${rtSeen.fifo} of the ${rtSeen.all} processes this bench started (Chromium: its audio-path threads) ran SCHED_FIFO ${RT_PRIORITY}${others}`);
    }
    console.log(`\n  load average: ${loadavg().map(f1).join(' ')}`);
  } finally {
    dir.remove();
  }
}

await main();
