/**
 * Call transfer with real peers: two whole Parley phones (A 600 Hz, B
 * 800 Hz) and a third phone that is baresip 1.0.0 or linphonec 5.1 (both
 * Debian 12, 1000 Hz). Every role is taken by Parley and by the peer where
 * the peer can; the final call is measured at both ends (Goertzel medians
 * over 100 ms blocks of the 1.1 s before its last 200 ms): each hears the
 * other's tone at the sent -15 dBFS RMS ±3 dB and no other tone — not its
 * own, not the transferor's (< -40 dBFS).
 *
 * linphonec (attended transfer, RFC 5589 §7: consultation call, then REFER
 * with Replaces, RFC 3891), all registered to Kamailio on loopback
 * (media-linphone.test.ts explains the 127.0.0.2 domain):
 *
 *   transferor   transferee   target      how
 *   A            linphonec    B           call.transfer { callId, toCallId }
 *   linphonec    A            B           linphonec `transfer 1 --to-call 2`
 *   A            B            linphonec   call.transfer { callId, toCallId }
 *
 * linphonec's Refer-To names the target's address of record (it would use
 * the Contact only if it were a GRUU), so its transfer needs the registrar.
 *
 * baresip 1.0.0, directly on loopback, has no attended transfer of its own:
 * its menu offers `/transfer <uri>` (blind, RFC 3515) only, and it
 * implements no Replaces (the string is nowhere in the binary). So:
 *  - as transferor it transfers blind: A (transferee) calls B (target) and
 *    leaves baresip;
 *  - as transferee of an attended transfer it copies the Refer-To URI, its
 *    ?Replaces= header included (the escaped ';' turned into '?'), into the
 *    Request-URI of its INVITE. B refuses that (400, RFC 3261 §19.1.5), the
 *    NOTIFY sipfrag tells A, and A shows the failure with both calls kept
 *    (RFC 5589 §6); A then ends the consultation and transfers blind;
 *  - as target it answers the transferee's INVITE as a new call (Replaces
 *    ignored); A, the transferor, ends the consultation call on the NOTIFY
 *    200 (RFC 5589 §7.1), so baresip is left with the transferee only.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { CallSnapshot } from '../../electron/api/snapshots.ts';
import { newBaresipRecording, nextDumpSecond, startBaresip, type BaresipHandle } from './harness/baresip.ts';
import { startKamailio, type KamailioHandle } from './harness/kamailio.ts';
import { finishedRecording, startLinphonec, type LinphonecHandle } from './harness/linphonec.ts';
import { groupAlive, makeTempDir, sleep } from './harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from './harness/parley-engine.ts';
import { soxTone } from './harness/sox.ts';
import { StallWatch } from '../helpers/stall-watch.ts';
import { assertHearsOnly } from './harness/tone-measure.ts';

const HZ = { a: 600, b: 800, peer: 1000 } as const;
const TONES = [HZ.a, HZ.b, HZ.peer];
const SENT_DBFS = -15;
/** Talk on the final call; the measure takes the 1.1 s before its last 200 ms (jitter buffers at hang-up). */
const TALK_MS = 1400;
const MEASURED_S = 1.1;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/** On the final call `who` hears `hz` at the sent level and no other tone. */
function hears(who: string, path: string, hz: number, stalledMs: number): string {
  return assertHearsOnly(who, path, { hz, sentDbfs: SENT_DBFS, tones: TONES, seconds: MEASURED_S, stalledMs });
}

/**
 * Talks on the final call for TALK_MS, then hangs up. A stall of this process that Parley's media
 * clock skipped (stall-watch.ts: nothing is sent or played then) spoils the stretch measured, so the
 * talk goes on for another TALK_MS, at most twice; returns what the last stretch lost all the same,
 * excused in the measure as the media tests do.
 */
async function talkThen(hangUp: () => Promise<unknown>): Promise<number> {
  let lost = 0;
  for (let stretch = 0; stretch < 3; stretch++) {
    const watch = new StallWatch().start();
    await sleep(TALK_MS);
    lost = watch.stop().lostMs;
    if (lost === 0) break;
    log(`host stalled ${lost.toFixed(0)} ms: talking on`);
  }
  await hangUp();
  return lost;
}

describe('call transfer with baresip and linphonec', () => {
  const tmp = makeTempDir('transfer-peers');
  let a: ParleyEnginePeer;
  let b: ParleyEnginePeer;
  /** The peer's microphone. */
  const tone = join(tmp.path, 'peer-1000.wav');

  before(async () => {
    soxTone(tone, { hz: HZ.peer, seconds: 60, rate: 8000, peakDbfs: -12 });
    [a, b] = await Promise.all([startParleyEngine({ name: 'xfer-a', toneHz: HZ.a, toneDbfs: -12 }), startParleyEngine({ name: 'xfer-b', toneHz: HZ.b, toneDbfs: -12 })]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    tmp.remove();
  });
  // A failed case leaves no call behind for the next one.
  afterEach(async () => {
    for (const p of [a, b]) {
      for (const c of await p.call('calls.list', {})) {
        await p.try('call.hangup', { callId: c.id });
        await p.waitFor('call', (x) => x.id === c.id && x.state === 'ended', 5000, 'a left-over call ends').catch(() => undefined);
      }
    }
  });

  /**
   * Answers the next call to `p` (one not offered before now), told apart by the events already seen
   * rather than by comparing timestamps.
   */
  function answerNext(p: ParleyEnginePeer): Promise<CallSnapshot> {
    const offered = new Set(p.all('call.incoming').map((c) => c.id));
    return p.waitFor('call.incoming', (c) => !offered.has(c.id), 8000, 'an incoming call').then(async (inc) => {
      await p.call('call.answer', { callId: inc.id });
      return inc;
    });
  }

  /** Adds both Parleys' SIP traces and the peer's output to a failure. */
  function explain(peerOutput: () => string): (e: unknown) => never {
    return (e) => {
      throw new Error(`${String(e)}\n--- A:\n${a.trace().slice(-5000)}\n--- B:\n${b.trace().slice(-5000)}\n--- peer:\n${peerOutput()}`);
    };
  }

  /** A calls B and B answers: the consultation call (A holds its other call). */
  async function consult(): Promise<{ toB: CallSnapshot; atB: CallSnapshot }> {
    const answered = answerNext(b);
    const toB = await a.call('call.dial', { target: b.aor });
    const atB = await answered;
    await a.waitFor('call', (c) => c.id === toB.id && c.state === 'active', 8000, 'B answers');
    return { toB, atB };
  }

  describe('baresip 1.0: blind by baresip, attended by Parley', () => {
    let bare: BaresipHandle;
    let bareUri: string;
    /** How many calls baresip has closed so far. */
    const closed = () => bare.events.filter((e) => e.type === 'CALL_CLOSED').length;
    const why = explain(() => bare.logs().slice(-3000));

    before(async () => {
      bare = await startBaresip({ accounts: [{ aor: 'sip:bare@127.0.0.1', regint: 0, answermode: 'auto', audioCodecs: 'PCMU/8000/1', extra: `;audio_source=aufile,${tone}` }] });
      bareUri = `sip:bare@127.0.0.1:${bare.sipPort}`;
    });
    after(async () => {
      const pid = bare?.pid;
      await bare?.stop();
      if (pid) assert.equal(groupAlive(pid), false, 'baresip is gone');
    });

    test('A transfers baresip to B: the attended transfer fails visibly (baresip puts Replaces in the Request-URI), the blind one works', { timeout: 60_000 }, async () => {
      const toBare = await a.call('call.dial', { target: bareUri });
      await a.waitFor('call', (c) => c.id === toBare.id && c.state === 'active', 8000, 'baresip answers').catch(why);
      const { toB } = await consult();
      await a.waitFor('call', (c) => c.id === toBare.id && c.state === 'held', 8000, 'baresip on hold');
      await a.call('call.transfer', { callId: toBare.id, toCallId: toB.id });
      const failed = await a.waitFor('call', (c) => c.id === toBare.id && c.transfer?.state === 'failed', 10_000, 'the transfer fails').catch(why);
      assert.equal(failed.transfer?.code, 400, JSON.stringify(failed.transfer));
      assert.ok(failed.transfer?.words, 'the failure is in words');
      log(`attended transfer of baresip: ${failed.transfer?.code} ${failed.transfer?.reason} ("${failed.transfer?.words}")`);
      const inB = b.all('trace').find((t) => t.direction === 'in' && /^INVITE \S+\?Replaces=/.test(t.text));
      assert.ok(inB, 'baresip sent its INVITE to the Refer-To URI, headers and all');
      const calls = await a.call('calls.list', {});
      assert.deepEqual(calls.map((c) => [c.id, c.state]).sort(), [[toB.id, 'active'], [toBare.id, 'held']].sort(), 'A keeps both calls');

      // What the user does next: end the consultation call, and transfer baresip to B blind.
      await a.call('call.hangup', { callId: toB.id });
      await b.waitFor('call', (c) => c.state === 'ended' && c.remote.uri === a.aor, 5000, 'B’s consultation call ends');
      await nextDumpSecond();
      const before = bare.receivedAudioFiles();
      const closedBefore = closed();
      const answered = answerNext(b);
      await a.call('call.transfer', { callId: toBare.id, target: b.aor });
      const final = await answered.catch(why);
      const done = await a.waitFor('call', (c) => c.id === toBare.id && c.state === 'ended', 10_000, 'the blind transfer ends A’s call').catch(why);
      assert.equal(done.transfer?.state, 'succeeded', JSON.stringify(done.transfer));
      assert.equal(done.code, 200, `the transferred call ends as a hang-up: ${done.code} ${done.reason}`);
      assert.ok(final.remote.uri.startsWith('sip:bare@'), final.remote.uri);
      await b.waitFor('call', (c) => c.id === final.id && c.state === 'active', 5000, 'baresip’s call to B');
      const stalled = await talkThen(() => b.call('call.hangup', { callId: final.id }));
      await bare.waitForEvent(() => closed() >= closedBefore + 2, 5000);
      await sleep(300);
      log(hears('baresip (transferee)', await newBaresipRecording(bare, before), HZ.b, stalled));
      log(hears('B (target)', b.recordings.get(final.id)!, HZ.peer, stalled));
    });

    test('A transfers B to baresip: baresip answers B’s INVITE with Replaces as a new call and A ends the consultation', { timeout: 60_000 }, async () => {
      const answered = answerNext(b);
      const toB = await a.call('call.dial', { target: b.aor });
      const first = await answered;
      await a.waitFor('call', (c) => c.id === toB.id && c.state === 'active', 8000, 'B answers');
      const toBare = await a.call('call.dial', { target: bareUri });
      await a.waitFor('call', (c) => c.id === toBare.id && c.state === 'active', 8000, 'baresip answers').catch(why);
      const closedBefore = closed();
      await nextDumpSecond();
      const before = bare.receivedAudioFiles();
      await a.call('call.transfer', { callId: toB.id, toCallId: toBare.id });
      const done = await a.waitFor('call', (c) => c.id === toB.id && c.state === 'ended', 10_000, 'the transferred call ends').catch(why);
      assert.equal(done.transfer?.state, 'succeeded', JSON.stringify(done.transfer));
      assert.equal(done.code, 200, `the transferred call ends as a hang-up: ${done.code} ${done.reason}`);
      await a.waitFor('call', (c) => c.id === toBare.id && c.state === 'ended', 10_000, 'A ends the consultation call');
      const final = await b.waitFor('call', (c) => c.direction === 'out' && c.startedAt >= first.startedAt && c.state === 'active', 10_000, 'B calls baresip').catch(why);
      const invite = b.all('trace').find((t) => t.direction === 'out' && t.callId === final.sipCallId && /^INVITE /.test(t.text));
      assert.match(invite?.text ?? '', /^Replaces: [^\r\n]+;to-tag=[^\r\n]+/m, 'B’s INVITE names the consultation dialog');
      await b.waitFor('call', (c) => c.id === first.id && c.state === 'ended', 10_000, 'B left A');
      const stalled = await talkThen(() => b.call('call.hangup', { callId: final.id }));
      await bare.waitForEvent(() => closed() >= closedBefore + 2, 5000);
      await sleep(300);
      log(hears('baresip (target)', await newBaresipRecording(bare, before), HZ.b, stalled));
      log(hears('B (transferee)', b.recordings.get(final.id)!, HZ.peer, stalled));
    });

    test('baresip transfers A to B blind (`/transfer`): A calls B, reports 200 and leaves baresip', { timeout: 60_000 }, async () => {
      const aAnswers = answerNext(a);
      const dial = await bare.command('dial', a.aor);
      assert.equal(dial.ok, true, dial.data);
      const first = await aAnswers;
      await a.waitFor('call', (c) => c.id === first.id && c.state === 'active', 8000, 'A answers baresip');
      const closedBefore = closed();
      const bAnswers = answerNext(b);
      const t = await bare.command('transfer', b.aor);
      assert.equal(t.ok, true, t.data);
      const atB = await bAnswers.catch(why);
      const final = await a.waitFor('call', (c) => c.direction === 'out' && c.startedAt >= first.startedAt && c.state === 'active', 10_000, 'A calls B').catch(why);
      await a.waitFor('call', (c) => c.id === first.id && c.state === 'ended', 10_000, 'A leaves baresip');
      await bare.waitForEvent(() => closed() > closedBefore, 5000);
      const notifies = a.all('trace').filter((x) => x.direction === 'out' && x.callId === first.sipCallId && /^NOTIFY /.test(x.text));
      assert.ok(notifies.some((n) => /^SIP\/2\.0 200 /m.test(n.text)), `A told baresip 200:\n${notifies.map((n) => n.text).join('\n')}`);
      const stalled = await talkThen(() => a.call('call.hangup', { callId: final.id }));
      await b.waitFor('call', (c) => c.id === atB.id && c.state === 'ended', 5000, 'B sees the BYE');
      await sleep(300);
      log(hears('A (transferee)', a.recordings.get(final.id)!, HZ.b, stalled));
      log(hears('B (target)', b.recordings.get(atB.id)!, HZ.a, stalled));
    });
  });

  describe('linphonec through Kamailio: attended, every role', () => {
    const DOMAIN = '127.0.0.2';
    let kam: KamailioHandle;
    let lin: LinphonecHandle;
    let accountA: string;
    let recordings = 0;

    async function register(p: ParleyEnginePeer, user: string, password: string): Promise<string> {
      const proxy = `sip:127.0.0.1:${kam.udpPort}`;
      const account = await p.call('accounts.add', { aor: `sip:${user}@${DOMAIN}`, password, registrar: proxy, outboundProxy: proxy, codecs: ['PCMU'] });
      await p.waitFor('registration', (r) => r.accountId === account.id && r.state === 'registered', 8000, `${user} registered`);
      return account.id;
    }

    before(async () => {
      kam = await startKamailio({
        domain: DOMAIN,
        aliases: [],
        ipv6: false,
        users: [
          { username: 'johndoe', password: 'secret' },
          { username: 'jane', password: 'janepw' },
          { username: 'lin', password: 'linpw' },
        ],
      });
      lin = await startLinphonec({ user: 'lin', password: 'linpw', domain: DOMAIN, proxyPort: kam.udpPort, codecs: ['PCMU'], autoAnswer: true });
      lin.command('soundcard use files');
      lin.command(`play ${tone}`);
      await lin.waitForOutput(/Using wav files instead of soundcard/, 5000);
      [accountA] = await Promise.all([register(a, 'johndoe', 'secret'), register(b, 'jane', 'janepw')]);
      // linphonec 5.1 prints nothing when it registers: the registrar's location table tells.
      const deadline = Date.now() + 8000;
      while (!(await kam.locations()).some((l) => l.aor.startsWith('lin'))) {
        if (Date.now() > deadline) throw new Error(`linphonec did not register\n${lin.output().slice(-2000)}`);
        await sleep(100);
      }
    });
    after(async () => {
      const pids = [lin?.pid, kam?.pid];
      await lin?.stop();
      await kam?.stop();
      for (const pid of pids) if (pid) assert.equal(groupAlive(pid), false, `process group ${pid} is gone`);
    });

    /** linphonec's "files" sound card records its next calls into a fresh file. */
    function linRecording(): string {
      const path = join(tmp.path, `lin-heard-${++recordings}.wav`);
      lin.command(`record ${path}`);
      return path;
    }

    test('A transfers linphonec to B: linphonec replaces the consultation call (A transferor, B target)', { timeout: 60_000 }, async () => {
      const mark = lin.output().length;
      const why = explain(() => lin.output().slice(mark));
      const heard = linRecording();
      const toLin = await a.call('call.dial', { target: `sip:lin@${DOMAIN}`, accountId: accountA });
      await a.waitFor('call', (c) => c.id === toLin.id && c.state === 'active', 8000, 'linphonec answers').catch(why);
      const answered = answerNext(b);
      const toB = await a.call('call.dial', { target: `sip:jane@${DOMAIN}`, accountId: accountA });
      const consult = await answered;
      await a.waitFor('call', (c) => c.id === toB.id && c.state === 'active', 8000, 'the consultation call');
      await a.waitFor('call', (c) => c.id === toLin.id && c.state === 'held', 8000, 'linphonec on hold');
      await a.call('call.transfer', { callId: toLin.id, toCallId: toB.id });
      const done = await a.waitFor('call', (c) => c.id === toLin.id && c.state === 'ended', 10_000, 'the transferred call ends').catch(why);
      assert.equal(done.transfer?.state, 'succeeded', JSON.stringify(done.transfer));
      assert.equal(done.code, 200, `the transferred call ends as a hang-up: ${done.code} ${done.reason}`);
      await a.waitFor('call', (c) => c.id === toB.id && c.state === 'ended', 10_000, 'the consultation call ends');
      const final = await b.waitFor('call', (c) => c.replacedCall === consult.id && c.state === 'active', 10_000, 'linphonec replaces the consultation call').catch(why);
      assert.ok(!b.all('call.incoming').some((c) => c.id === final.id), 'the replacing call never rang');
      assert.ok(final.remote.uri.startsWith('sip:lin@'), final.remote.uri);
      const bye = lin.output().length;
      const stalled = await talkThen(() => b.call('call.hangup', { callId: final.id }));
      await lin.waitForOutput(/Call \d+ with [^\n]*ended/, 5000, bye);
      log(hears('linphonec (transferee)', await finishedRecording(lin, heard), HZ.b, stalled));
      log(hears('B (target)', b.recordings.get(final.id)!, HZ.peer, stalled));
    });

    test('linphonec transfers A to B with `transfer 1 --to-call 2` (A transferee, B target)', { timeout: 60_000 }, async () => {
      const mark = lin.output().length;
      const why = explain(() => lin.output().slice(mark));
      const aAnswers = answerNext(a);
      lin.command(`call sip:johndoe@${DOMAIN}`);
      const first = await aAnswers.catch(why);
      const id1 = (await lin.waitForOutput(/Call (\d+) with [^\n]*connected/, 8000, mark))[1];
      // linphonec places a second call only once the first is on hold.
      const mark2 = lin.output().length;
      lin.command(`pause ${id1}`);
      await a.waitFor('call', (c) => c.id === first.id && c.state === 'remote-held', 8000, 'linphonec holds A');
      const bAnswers = answerNext(b);
      lin.command(`call sip:jane@${DOMAIN}`);
      const consult = await bAnswers.catch(why);
      const id2 = (await lin.waitForOutput(/Call (\d+) with [^\n]*connected/, 8000, mark2))[1];
      lin.command(`transfer ${id1} --to-call ${id2}`);
      const refer = await a.waitFor('trace', (t) => t.direction === 'in' && t.callId === first.sipCallId && /^REFER /.test(t.text), 8000, 'the REFER').catch(why);
      assert.match(refer.text, /^Refer-To: *<sip:jane@127\.0\.0\.2\?Replaces=[^>]+>/im);
      const final = await a.waitFor('call', (c) => c.direction === 'out' && c.startedAt >= first.startedAt && c.state === 'active', 10_000, 'A calls B with Replaces').catch(why);
      const atB = await b.waitFor('call', (c) => c.replacedCall === consult.id && c.state === 'active', 10_000, 'B: the consultation call replaced').catch(why);
      assert.ok(!b.all('call.incoming').some((c) => c.id === atB.id), 'the replacing call never rang at B');
      await a.waitFor('call', (c) => c.id === first.id && c.state === 'ended', 10_000, 'A leaves linphonec');
      await b.waitFor('call', (c) => c.id === consult.id && c.state === 'ended', 10_000, 'B ends the replaced call');
      await lin.waitForOutput(new RegExp(`Call ${id1} with [^\\n]*ended`), 5000, mark2);
      await lin.waitForOutput(new RegExp(`Call ${id2} with [^\\n]*ended`), 5000, mark2);
      const stalled = await talkThen(() => a.call('call.hangup', { callId: final.id }));
      await b.waitFor('call', (c) => c.id === atB.id && c.state === 'ended', 5000, 'B sees the BYE');
      await sleep(300);
      log(hears('A (transferee)', a.recordings.get(final.id)!, HZ.b, stalled));
      log(hears('B (target)', b.recordings.get(atB.id)!, HZ.a, stalled));
    });

    test('A transfers B to linphonec: linphonec takes the consultation call over (A transferor, B transferee)', { timeout: 60_000 }, async () => {
      const mark = lin.output().length;
      const why = explain(() => lin.output().slice(mark));
      const heard = linRecording();
      const bAnswers = answerNext(b);
      const toB = await a.call('call.dial', { target: `sip:jane@${DOMAIN}`, accountId: accountA });
      const first = await bAnswers;
      await a.waitFor('call', (c) => c.id === toB.id && c.state === 'active', 8000, 'B answers');
      const toLin = await a.call('call.dial', { target: `sip:lin@${DOMAIN}`, accountId: accountA });
      await a.waitFor('call', (c) => c.id === toLin.id && c.state === 'active', 8000, 'linphonec answers').catch(why);
      await a.waitFor('call', (c) => c.id === toB.id && c.state === 'held', 8000, 'B on hold');
      await a.call('call.transfer', { callId: toB.id, toCallId: toLin.id });
      const done = await a.waitFor('call', (c) => c.id === toB.id && c.state === 'ended', 10_000, 'the transferred call ends').catch(why);
      assert.equal(done.transfer?.state, 'succeeded', JSON.stringify(done.transfer));
      assert.equal(done.code, 200, `the transferred call ends as a hang-up: ${done.code} ${done.reason}`);
      await a.waitFor('call', (c) => c.id === toLin.id && c.state === 'ended', 10_000, 'linphonec ends the consultation call');
      const final = await b.waitFor('call', (c) => c.direction === 'out' && c.startedAt >= first.startedAt && c.state === 'active', 10_000, 'B calls linphonec').catch(why);
      await b.waitFor('call', (c) => c.id === first.id && c.state === 'ended', 10_000, 'B left A');
      const bye = lin.output().length;
      const stalled = await talkThen(() => b.call('call.hangup', { callId: final.id }));
      await lin.waitForOutput(/Call \d+ with [^\n]*ended/, 5000, bye);
      log(hears('linphonec (target)', await finishedRecording(lin, heard), HZ.b, stalled));
      log(hears('B (transferee)', b.recordings.get(final.id)!, HZ.peer, stalled));
    });
  });
});
