/**
 * The `parley` command end to end against real peers on loopback: Kamailio
 * (registrar, proxy, aliases, digest auth) and baresip (another phone).
 * Every parley is a child process of bin/parley.js stopped by PID; every
 * wait is bounded; audio is checked by measuring the recordings (dominant
 * frequency, and how much of the talk time carries sound).
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKamailio, type KamailioHandle } from './harness/kamailio.ts';
import { startBaresip, type BaresipHandle } from './harness/baresip.ts';
import { startSipp } from './harness/sipp.ts';
import { freePort } from './harness/free-port.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import { readWavPcm16, writeToneWav } from './harness/wav.ts';
import { activeFraction, dominantFrequency } from '../helpers/audio-analysis.ts';
import { ParleyProcess, type ParleyEvent } from '../unit/cli/parley-process.ts';
import WebSocket from 'ws';
import { decodeAudioFrame, encodeAudioFrame, MIX_STREAM } from '../../electron/api/audio-frames.ts';

const users = [
  { username: 'johndoe', password: 'secret' },
  { username: 'bob', password: 'bobpw' },
  { username: 'carol', password: 'carolpw' },
];

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/** Call set-up left out of the presence measure, as in media-baresip.test.ts: the 200/ACK, the first packet and the jitter buffer's start. */
const SETUP_S = 0.1;

/** Measured audio of a recording: its tone, and active time against the call's talk time (both without the set-up). */
function analyse(path: string, talkS: number) {
  const wav = readWavPcm16(path);
  const skip = Math.min(wav.samples.length, Math.round(SETUP_S * wav.sampleRate));
  const rest = wav.samples.subarray(skip);
  const seconds = rest.length / wav.sampleRate;
  const activeS = activeFraction(rest, wav.sampleRate) * seconds;
  return { rate: wav.sampleRate, seconds, hz: dominantFrequency(wav.samples, wav.sampleRate), activeS, presence: activeS / Math.max(0.001, talkS - SETUP_S) };
}

const finalCall = (e: ParleyEvent) => e.event === 'call' && e.data.state === 'ended';

describe('parley CLI with Kamailio', () => {
  let kam: KamailioHandle;
  let tmp: { path: string; remove: () => void };
  const procs: ParleyProcess[] = [];
  const parley = (args: string[]) => {
    const p = new ParleyProcess(args, { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } });
    procs.push(p);
    return p;
  };
  // --bind: loopback only (the engine's default is every interface on 5060, advertising the machine's address).
  const account = (user: string, password: string, extra: string[] = []) => ['--aor', `sip:${user}@${kam.domain}`, '--password', password, '--proxy', `127.0.0.1:${kam.udpPort}`, '--bind', '127.0.0.1:0', ...extra];

  before(async () => {
    tmp = makeTempDir('cli');
    kam = await startKamailio({ users, ipv6: false });
    log(`kamailio pid ${kam.pid} on 127.0.0.1:${kam.udpPort}`);
  });
  // A test that fails half-way leaves its phones running: an auto-answering `listen` would then answer the
  // next test's call (its Ctrl-C test saw a 200 instead of ringing). Each test's leftovers are stopped
  // (SIGINT: they unregister) before the next one starts.
  afterEach(async () => {
    await Promise.all(procs.filter((p) => p.running).map((p) => p.stop(3000)));
  });
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    await kam?.stop();
    tmp?.remove();
  });

  test('register: the server answer is printed, the binding held, then removed before exit', { timeout: 30_000 }, async () => {
    const p = parley(['register', ...account('carol', 'carolpw'), '--json', '--duration', '2']);
    const reg = await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 10_000, 'registered');
    assert.equal(reg.data.code, 200);
    log(`parley register: spawn → registered in ${reg.at.toFixed(0)} ms`);
    const bound = (await kam.locations()).find((l) => l.aor.startsWith('carol'));
    assert.ok(bound, 'carol is in the location table');
    assert.match(bound.contacts[0]!.userAgent ?? '', /parley/i);
    const exit = await p.waitForExit(15_000);
    assert.equal(exit.code, 0, p.stderr);
    assert.ok(p.events.some((e) => e.event === 'registration' && e.data.state === 'unregistered'), 'unregistered before exit');
    assert.equal((await kam.locations()).find((l) => l.aor.startsWith('carol')), undefined, 'binding removed');

    // Without --duration it stays until a signal; SIGTERM unregisters and exits 0 within a bounded time.
    const held = parley(['register', ...account('carol', 'carolpw'), '--json']);
    await held.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 10_000, 'registered');
    await sleep(500);
    assert.equal(held.running, true, 'still registered, waiting');
    const t0 = performance.now();
    held.signal('SIGTERM');
    assert.equal((await held.waitForExit(8_000)).code, 0, held.stderr);
    log(`SIGTERM → unregistered and exited in ${(performance.now() - t0).toFixed(0)} ms`);
    assert.equal((await kam.locations()).find((l) => l.aor.startsWith('carol')), undefined, 'binding removed on SIGTERM');
  });

  test('a wrong password exits 3 and says what to check', { timeout: 30_000 }, async () => {
    const p = parley(['register', ...account('bob', 'not-bobs')]);
    const exit = await p.waitForExit(20_000);
    assert.equal(exit.code, 3, p.stdout + p.stderr);
    assert.match(p.stderr, /registration of sip:bob@sipA\.test failed: (authentication failed|the server refused the credentials) \((401|403)[^)]*\): check --user and --password/);
    assert.doesNotMatch(p.stdout + p.stderr, /not-bobs/, 'the password is never printed');
  });

  test('listen --auto-answer and call to an alias: states with codes, the alias called, tones both ways, quality', { timeout: 60_000 }, async () => {
    const aRec = join(tmp.path, 'a.wav');
    const bRec = join(tmp.path, 'b.wav');
    const listener = parley(['listen', ...account('johndoe', 'secret', ['--alias', `sip:+554845678901@${kam.domain}`, '--alias', `sip:45678901@${kam.domain}`]), '--auto-answer', '--tone', '1000', '--record', bRec, '--json']);
    await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
    const caller = parley(['call', `sip:+554845678901@${kam.domain}`, ...account('bob', 'bobpw'), '--tone', '600', '--record', aRec, '--duration', '3', '--json']);
    const exit = await caller.waitForExit(30_000);
    assert.equal(exit.code, 0, caller.stdout + caller.stderr);

    const states = caller.events.filter((e) => e.event === 'call').map((e) => `${e.data.state}${e.data.code ? ` ${e.data.code}` : ''}`);
    log(`caller states: ${states.join(' → ')}`);
    assert.ok(states.some((s) => s.startsWith('active')), 'the call was answered');
    assert.equal(caller.events.filter(finalCall).length, 1);
    const incoming = await listener.waitForEvent((e) => e.event === 'call.incoming', 5_000, 'call.incoming');
    assert.equal(incoming.data.calledAlias, `sip:+554845678901@${kam.domain}`, 'the listener knows which alias was called');
    assert.match(incoming.data.remote.uri, /^sip:bob@/);
    const callerQ = caller.events.find((e) => e.event === 'quality')!.data;
    const listenerQ = (await listener.waitForEvent((e) => e.event === 'quality', 8_000, 'listener quality')).data;
    log(`caller quality: MOS ${callerQ.mos} loss ${callerQ.lossPercent} % jitter ${callerQ.jitterMs} ms RTT ${callerQ.rttMs} ms talk ${callerQ.durationS} s codec ${callerQ.codec}`);
    log(`listener quality: MOS ${listenerQ.mos} loss ${listenerQ.lossPercent} % jitter ${listenerQ.jitterMs} ms RTT ${listenerQ.rttMs} ms`);
    assert.ok(callerQ.durationS >= 2.8 && callerQ.durationS <= 4, `talk time ${callerQ.durationS} s`);
    if (callerQ.mos !== undefined) assert.ok(callerQ.mos >= 3.5, `MOS ${callerQ.mos}`);

    const stopped = await listener.stop();
    assert.equal(stopped.code, 0, listener.stderr);
    assert.ok(listener.events.some((e) => e.event === 'registration' && e.data.state === 'unregistered'));

    // Each side's recording is measured against its own answered time: the listener's call starts when
    // it sends the 200 and ends when the BYE arrives, which is not the caller's span to the millisecond.
    const talkS = callerQ.durationS as number;
    const heardByCaller = analyse(aRec, talkS);
    const heardByListener = analyse(bRec, (listenerQ.durationS as number | undefined) ?? talkS);
    log(`a.wav (caller heard): ${heardByCaller.hz.toFixed(1)} Hz, ${heardByCaller.activeS.toFixed(2)} s of sound in ${talkS.toFixed(2)} s talk (${(heardByCaller.presence * 100).toFixed(1)} %)`);
    log(`b.wav (listener heard): ${heardByListener.hz.toFixed(1)} Hz, ${heardByListener.activeS.toFixed(2)} s of sound (${(heardByListener.presence * 100).toFixed(1)} %)`);
    assert.ok(Math.abs(heardByCaller.hz - 1000) <= 10, `caller heard ${heardByCaller.hz} Hz`);
    assert.ok(Math.abs(heardByListener.hz - 600) <= 10, `listener heard ${heardByListener.hz} Hz`);
    assert.ok(heardByCaller.presence >= 0.95, `caller heard audio ${(heardByCaller.presence * 100).toFixed(1)} % of the talk time`);
    assert.ok(heardByListener.presence >= 0.95, `listener heard audio ${(heardByListener.presence * 100).toFixed(1)} % of the talk time`);
  });

  test('echo: the caller hears its own tone back', { timeout: 60_000 }, async () => {
    const rec = join(tmp.path, 'echoed.wav');
    const echo = parley(['echo', ...account('carol', 'carolpw'), '--json']);
    await echo.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
    const caller = parley(['call', `sip:carol@${kam.domain}`, ...account('bob', 'bobpw'), '--tone', '700', '--record', rec, '--duration', '3', '--json']);
    assert.equal((await caller.waitForExit(30_000)).code, 0, caller.stderr);
    const q = caller.events.find((e) => e.event === 'quality')!.data;
    const heard = analyse(rec, q.durationS);
    log(`echo: caller heard ${heard.hz.toFixed(1)} Hz back, ${(heard.presence * 100).toFixed(1)} % of ${q.durationS} s; MOS ${q.mos}`);
    assert.ok(Math.abs(heard.hz - 700) <= 10, `heard ${heard.hz} Hz`);
    // The echo comes back one round trip late (two jitter buffers, two packetisations: ~0.3 s on an idle machine).
    assert.ok(heard.presence >= 0.75, `echo present ${(heard.presence * 100).toFixed(1)} % of the talk time`);
    assert.equal((await echo.stop()).code, 0, echo.stderr);
  });

  test('listen without --auto-answer lets it ring; Ctrl-C on the caller cancels (exit 130) within a bounded time', { timeout: 60_000 }, async () => {
    const listener = parley(['listen', ...account('johndoe', 'secret', ['--alias', `sip:45678901@${kam.domain}`]), '--json']);
    await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
    const caller = parley(['call', `sip:45678901@${kam.domain}`, ...account('bob', 'bobpw'), '--json']);
    const ringing = await caller.waitForEvent((e) => e.event === 'call' && e.data.state === 'ringing', 10_000, 'ringing');
    assert.equal(ringing.data.code, 180);
    const incoming = await listener.waitForEvent((e) => e.event === 'call.incoming', 5_000, 'call.incoming');
    assert.equal(incoming.data.calledAlias, `sip:45678901@${kam.domain}`);
    const t0 = performance.now();
    caller.signal('SIGINT');
    const exit = await caller.waitForExit(10_000);
    const stopMs = performance.now() - t0;
    log(`Ctrl-C while ringing: exit ${exit.code} after ${stopMs.toFixed(0)} ms`);
    assert.equal(exit.code, 130);
    assert.ok(stopMs < 7000, `${stopMs} ms`);
    const ended = await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'ended', 5_000, 'the cancelled call at the listener');
    assert.equal(ended.data.code, 487, 'the listener saw the CANCEL');
    assert.equal((await listener.stop()).code, 0);
  });

  test('busy: a peer answering 486 makes parley call exit 5', { timeout: 30_000 }, async () => {
    const uas = await startSipp({ scenario: 'uas-busy', timeoutMs: 15_000 });
    try {
      const p = parley(['call', `sip:service@127.0.0.1:${uas.localPort}`, '--data-dir', join(tmp.path, 'busy'), '--bind', '127.0.0.1:0', '--json']);
      assert.equal((await p.waitForExit(20_000)).code, 5, p.stderr);
      assert.equal(p.events.find(finalCall)?.data.code, 486);
      assert.match(p.stderr, /failed: busy \(486/);
    } finally {
      await uas.stop();
    }
  });

  test('parley web: a WebSocket client registers, dials a parley listener and talks with audio frames', { timeout: 90_000 }, async () => {
    const bRec = join(tmp.path, 'web-heard.wav');
    const listener = parley(['listen', ...account('carol', 'carolpw'), '--auto-answer', '--tone', '1000', '--record', bRec, '--json']);
    await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
    const web = parley(['web', '--no-open', '--json', ...account('bob', 'bobpw')]);
    const { apiUrl } = (await web.waitForEvent((e) => e.event === 'web', 80_000, 'the web URL')).data;
    // The URL comes before the engine has started (parley web serves the page first): allow for the start.
    await web.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered', 40_000, 'bob registered');

    const ws = new WebSocket(apiUrl);
    const played: number[] = [];
    const events: { event: string; data: any }[] = [];
    const replies = new Map<number, any>();
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const f = decodeAudioFrame(new Uint8Array(data as Buffer));
        if (f.ok && f.frame.kind === 'playback') played.push(...f.frame.samples);
        return;
      }
      const m = JSON.parse(String(data));
      if (m.event) events.push(m);
      else replies.set(m.id, m);
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    // The page's microphone: 20 ms frames of 600 Hz at 48 kHz, paced by a timer like an AudioWorklet.
    let n = 0;
    let seq = 0;
    const mic = setInterval(() => {
      const samples = new Int16Array(960);
      for (let i = 0; i < 960; i++, n++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 600 * n) / 48000));
      ws.send(encodeAudioFrame({ kind: 'capture', sampleRate: 48000, sequence: seq++ & 0xffff, stream: MIX_STREAM, samples }));
    }, 20);
    try {
      ws.send(JSON.stringify({ id: 1, cmd: 'call.dial', params: { target: `sip:carol@${kam.domain}` } }));
      await waitUntil(() => replies.has(1), 5_000, 'the call.dial reply');
      assert.equal(replies.get(1).ok, true, JSON.stringify(replies.get(1)));
      const callId = replies.get(1).result.id;
      await waitUntil(() => events.some((e) => e.event === 'call' && e.data.id === callId && e.data.state === 'active'), 10_000, 'the call answered');
      const answeredAt = played.length;
      await sleep(3000);
      ws.send(JSON.stringify({ id: 2, cmd: 'call.hangup', params: { callId } }));
      await waitUntil(() => events.some((e) => e.event === 'call' && e.data.id === callId && e.data.state === 'ended'), 5_000, 'the call ended');
      const heard = Int16Array.from(played.slice(answeredAt));
      const hz = dominantFrequency(heard, 48000);
      const presence = (activeFraction(heard, 48000) * heard.length) / 48000 / 3;
      log(`web client heard ${hz.toFixed(1)} Hz in ${(heard.length / 48000).toFixed(2)} s of playback frames, sound ${(presence * 100).toFixed(1)} % of 3 s`);
      assert.ok(Math.abs(hz - 1000) <= 10, `the browser side heard ${hz} Hz`);
      assert.ok(presence >= 0.9, `playback carried sound ${(presence * 100).toFixed(1)} % of the talk time`);
    } finally {
      clearInterval(mic);
      ws.close();
    }
    const q = (await listener.waitForEvent((e) => e.event === 'quality', 8_000, 'listener quality')).data;
    const theirs = analyse(bRec, q.durationS);
    log(`listener heard the web client: ${theirs.hz.toFixed(1)} Hz, ${(theirs.presence * 100).toFixed(1)} % of ${q.durationS} s; MOS ${q.mos}`);
    assert.ok(Math.abs(theirs.hz - 600) <= 10, `listener heard ${theirs.hz} Hz`);
    assert.ok(theirs.presence >= 0.9);
    assert.equal((await web.stop()).code, 0, web.stderr);
    assert.equal((await listener.stop()).code, 0);
  });

  test('calling nobody: 404 through the proxy exits 7; an unreachable address exits 4 or 6', { timeout: 60_000 }, async () => {
    const nobody = parley(['call', `sip:nobody@${kam.domain}`, ...account('bob', 'bobpw'), '--json']);
    assert.equal((await nobody.waitForExit(20_000)).code, 7, nobody.stderr);
    assert.equal(nobody.events.find(finalCall)?.data.code, 404);
    assert.match(nobody.stderr, /call to sip:nobody@sipA\.test failed: no such user \(404/);

    const closed = await freePort(['udp4', 'tcp4']);
    const t0 = performance.now();
    // TCP: a closed port is refused at once (503), where UDP would wait out Timer B (408).
    const away = parley(['call', `sip:nobody@127.0.0.1:${closed};transport=tcp`, '--data-dir', join(tmp.path, 'direct'), '--bind', '127.0.0.1:0', '--json']);
    const code = (await away.waitForExit(45_000)).code;
    log(`unreachable target: exit ${code} after ${(performance.now() - t0).toFixed(0)} ms: ${away.stderr.trim()}`);
    assert.ok(code === 4 || code === 6, `exit ${code}: ${away.stderr}`);
    assert.match(away.stderr, /call to sip:nobody@127\.0\.0\.1:\d+.* failed/);
  });
});

describe('parley CLI with baresip', () => {
  let kam: KamailioHandle;
  let bare: BaresipHandle | undefined;
  let tmp: { path: string; remove: () => void };
  const procs: ParleyProcess[] = [];
  const parley = (args: string[]) => {
    const p = new ParleyProcess(args, { env: { XDG_CONFIG_HOME: join(tmp.path, 'xdg'), PARLEY_PASSWORD: '' } });
    procs.push(p);
    return p;
  };

  before(async () => {
    tmp = makeTempDir('cli-baresip');
    kam = await startKamailio({ users, ipv6: false });
    const source = join(tmp.path, 'bare-440.wav');
    writeToneWav(source, { frequency: 440, seconds: 30, sampleRate: 8000 });
    bare = await startBaresip({
      audioSourceFile: source,
      accounts: [{ aor: `sip:bob@${kam.domain}`, password: 'bobpw', outbound: `sip:127.0.0.1:${kam.udpPort}`, regint: 60, answermode: 'auto', audioCodecs: 'PCMU/8000/1,PCMA/8000/1' }],
    });
    const ev = await bare.waitForEvent((e) => e.type === 'REGISTER_OK' || e.type === 'REGISTER_FAIL', 5_000);
    assert.equal(ev.type, 'REGISTER_OK');
  });
  afterEach(async () => {
    await Promise.all(procs.filter((p) => p.running).map((p) => p.stop(3000)));
  });
  after(async () => {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    await bare?.stop();
    await kam?.stop();
    tmp?.remove();
  });

  test('parley call → baresip (auto-answer): each side hears the other\'s tone', { timeout: 60_000 }, async () => {
    const rec = join(tmp.path, 'from-baresip.wav');
    const before = bare!.receivedAudioFiles().length;
    const p = parley(['call', `sip:bob@${kam.domain}`, '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', `127.0.0.1:${kam.udpPort}`, '--bind', '127.0.0.1:0', '--tone', '600', '--record', rec, '--duration', '3', '--json']);
    const exit = await p.waitForExit(30_000);
    assert.equal(exit.code, 0, p.stdout + p.stderr);
    await bare!.waitForEvent((e) => e.type === 'CALL_CLOSED', 5_000);
    const q = p.events.find((e) => e.event === 'quality')!.data;
    log(`parley → baresip: codec ${q.codec}, MOS ${q.mos}, loss ${q.lossPercent} %, jitter ${q.jitterMs} ms, RTT ${q.rttMs} ms, talk ${q.durationS} s`);
    const ours = analyse(rec, q.durationS);
    log(`parley heard ${ours.hz.toFixed(1)} Hz, ${(ours.presence * 100).toFixed(1)} % of the talk time`);
    assert.ok(Math.abs(ours.hz - 440) <= 10, `parley heard ${ours.hz} Hz`);
    assert.ok(ours.presence >= 0.95, `parley heard audio ${(ours.presence * 100).toFixed(1)} % of the talk time`);
    await sleep(300); // sndfile closes its file when the call is torn down
    const files = bare!.receivedAudioFiles();
    assert.equal(files.length, before + 1, 'baresip dumped the call');
    const theirs = analyse(files.at(-1)!, q.durationS);
    log(`baresip heard ${theirs.hz.toFixed(1)} Hz, ${(theirs.presence * 100).toFixed(1)} % of the talk time`);
    assert.ok(Math.abs(theirs.hz - 600) <= 10, `baresip heard ${theirs.hz} Hz`);
    assert.ok(theirs.presence >= 0.9, `baresip heard audio ${(theirs.presence * 100).toFixed(1)} % of the talk time`);
  });

  test('baresip dials an alias of parley listen: the alias is reported, the tones cross', { timeout: 60_000 }, async () => {
    const rec = join(tmp.path, 'listen-heard.wav');
    const listener = parley(['listen', '--aor', `sip:johndoe@${kam.domain}`, '--alias', `sip:+554845678901@${kam.domain}`, '--alias', `sip:45678901@${kam.domain}`, '--password', 'secret', '--proxy', `127.0.0.1:${kam.udpPort}`, '--bind', '127.0.0.1:0', '--auto-answer', '--tone', '1000', '--record', rec, '--json']);
    await listener.waitForEvent((e) => e.event === 'listening', 15_000, 'listening');
    const before = bare!.receivedAudioFiles().length;
    const established = bare!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length;
    const closed = bare!.events.filter((e) => e.type === 'CALL_CLOSED').length;
    const dial = await bare!.command('dial', `sip:45678901@${kam.domain}`);
    assert.equal(dial.ok, true, dial.data);
    const incoming = await listener.waitForEvent((e) => e.event === 'call.incoming', 10_000, 'call.incoming');
    assert.equal(incoming.data.calledAlias, `sip:45678901@${kam.domain}`);
    await waitUntil(() => bare!.events.filter((e) => e.type === 'CALL_ESTABLISHED').length > established, 10_000, 'CALL_ESTABLISHED at baresip');
    await sleep(3000);
    assert.equal((await bare!.command('hangup')).ok, true);
    await waitUntil(() => bare!.events.filter((e) => e.type === 'CALL_CLOSED').length > closed, 5_000, 'CALL_CLOSED at baresip');
    const q = (await listener.waitForEvent((e) => e.event === 'quality', 8_000, 'quality')).data;
    log(`baresip → parley listen: codec ${q.codec}, MOS ${q.mos}, loss ${q.lossPercent} %, jitter ${q.jitterMs} ms, talk ${q.durationS} s`);
    const stopped = await listener.stop();
    assert.equal(stopped.code, 0, listener.stderr);
    const ours = analyse(rec, q.durationS);
    log(`parley heard ${ours.hz.toFixed(1)} Hz, ${(ours.presence * 100).toFixed(1)} % of the talk time`);
    assert.ok(Math.abs(ours.hz - 440) <= 10, `parley heard ${ours.hz} Hz`);
    assert.ok(ours.presence >= 0.95);
    await sleep(300);
    const files = bare!.receivedAudioFiles();
    assert.equal(files.length, before + 1);
    const theirs = analyse(files.at(-1)!, q.durationS);
    log(`baresip heard ${theirs.hz.toFixed(1)} Hz, ${(theirs.presence * 100).toFixed(1)} %`);
    assert.ok(Math.abs(theirs.hz - 1000) <= 10, `baresip heard ${theirs.hz} Hz`);
  });
});

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await sleep(50);
  }
}
