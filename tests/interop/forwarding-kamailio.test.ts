/**
 * Call forwarding through Kamailio with real peers, every party registered
 * on one Kamailio (loopback UDP): Parley johndoe (600 Hz tone) forwards its
 * calls to baresip carol (auto-answer, playing 800 Hz).
 *
 *  - by a new leg: baresip bob (playing 1000 Hz) calls johndoe; Parley calls
 *    carol through Kamailio, answers bob once carol answers and joins the
 *    two calls. bob must hear carol (800 Hz) and carol bob (1000 Hz), each
 *    at its level and without Parley's own tone.
 *  - by 302, baresip calling: bob calls johndoe, gets 302 with carol in
 *    Contact and calls carol himself (baresip follows redirects); bob and
 *    carol hear each other.
 *  - by 302: a second Parley, alice (400 Hz), calls johndoe; johndoe answers
 *    302 with carol in Contact and a Diversion; alice's phone follows it
 *    through Kamailio to carol. alice hears carol, carol hears alice, and
 *    carol's INVITE carries the Diversion.
 *
 * Levels are medians over 100 ms blocks (Goertzel) of the last 2 s of each
 * side's recording before the hang-up.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { emptyForwardingRule } from '../../electron/api/forwarding-contract.ts';
import { startBaresip, type BaresipHandle } from './harness/baresip.ts';
import { startKamailio, type KamailioHandle } from './harness/kamailio.ts';
import { makeTempDir, sleep } from './harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from './harness/parley-engine.ts';
import { soxTone } from './harness/sox.ts';
import { lastTwoSeconds, medianToneLevels } from './harness/tone-measure.ts';

const HEARD_DBFS = -15;
const ABSENT_DBFS = -40;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

function levels(path: string, tones: number[]): Record<number, number> {
  const { samples, rate } = lastTwoSeconds(path);
  return medianToneLevels(samples, rate, tones);
}

const near = (x: number | undefined) => x !== undefined && Math.abs(x - HEARD_DBFS) <= 5;

describe('call forwarding through Kamailio (baresip and Parley)', () => {
  const tmp = makeTempDir('forwarding-kamailio');
  let kam: KamailioHandle;
  let bob: BaresipHandle;
  let carol: BaresipHandle;
  let john: ParleyEnginePeer;
  let alice: ParleyEnginePeer;
  const aor = (user: string) => `sip:${user}@${kam.domain}`;

  before(async () => {
    const bobTone = join(tmp.path, 'bob-1000.wav');
    const carolTone = join(tmp.path, 'carol-800.wav');
    soxTone(bobTone, { hz: 1000, seconds: 60, rate: 8000, channels: 1, peakDbfs: -12 });
    soxTone(carolTone, { hz: 800, seconds: 60, rate: 8000, channels: 1, peakDbfs: -12 });
    kam = await startKamailio({ users: ['johndoe', 'alice', 'bob', 'carol'].map((u) => ({ username: u, password: 'pw' })), ipv6: false });
    const account = (user: string, tone: string, answermode: 'auto' | 'manual') => ({
      aor: aor(user), password: 'pw', outbound: `sip:127.0.0.1:${kam.udpPort}`, regint: 600, answermode, audioCodecs: 'PCMU/8000/1', extra: `;audio_source=aufile,${tone}`,
    });
    [bob, carol, john, alice] = await Promise.all([
      startBaresip({ accounts: [account('bob', bobTone, 'manual')] }),
      startBaresip({ accounts: [account('carol', carolTone, 'auto')] }),
      startParleyEngine({ name: 'john', toneHz: 600, toneDbfs: -12 }),
      startParleyEngine({ name: 'alice', toneHz: 400, toneDbfs: -12 }),
    ]);
    for (const [p, user] of [[john, 'johndoe'], [alice, 'alice']] as const) {
      const a = await p.call('accounts.add', { aor: aor(user), password: 'pw', codecs: ['PCMU'], registrar: `sip:127.0.0.1:${kam.udpPort}`, outboundProxy: `sip:127.0.0.1:${kam.udpPort}` });
      await p.waitFor('registration', (r) => r.accountId === a.id && r.state === 'registered', 8000, `${user} registered`);
    }
    for (const b of [bob, carol]) await b.waitForEvent((e) => e.type === 'REGISTER_OK', 8000);
  });
  after(async () => {
    await Promise.all([john?.close(), alice?.close()]);
    await Promise.all([bob?.stop(), carol?.stop()]);
    await kam?.stop();
    tmp.remove();
  });

  test('by a new leg: bob (baresip) calls johndoe, Parley calls carol and joins them; each hears the other, not Parley', { timeout: 90_000 }, async () => {
    await john.call('forwarding.set', { rule: { ...emptyForwardingRule(), always: 'carol', method: 'bridge' } });
    const bobFiles = bob.receivedAudioFiles().length;
    const carolFiles = carol.receivedAudioFiles().length;
    const dial = await bob.command('dial', aor('johndoe'));
    assert.equal(dial.ok, true, dial.data);
    const joined = await john.waitFor('call', (c) => c.direction === 'in' && c.forwardedTo?.state === 'connected' && c.state === 'active', 15_000, 'joined');
    assert.equal(joined.forwardedTo?.target, `sip:carol@${kam.domain}`);
    await bob.waitForEvent((e) => e.type === 'CALL_ESTABLISHED', 10_000);
    await sleep(3000);
    await bob.command('hangup');
    await john.waitFor('call', (c) => c.id === joined.id && c.state === 'ended', 10_000, 'ended at Parley');
    await carol.waitForEvent((e) => e.type === 'CALL_CLOSED', 10_000);
    await sleep(500);
    const heardByBob = levels(bob.receivedAudioFiles().at(-1)!, [600, 800, 1000]);
    const heardByCarol = levels(carol.receivedAudioFiles().at(-1)!, [600, 800, 1000]);
    log(`new leg: bob heard ${JSON.stringify(heardByBob)} dBFS; carol heard ${JSON.stringify(heardByCarol)} dBFS`);
    assert.ok(bob.receivedAudioFiles().length > bobFiles && carol.receivedAudioFiles().length > carolFiles, 'both baresip dumped the call');
    assert.ok(near(heardByBob[800]) && heardByBob[600]! < ABSENT_DBFS, `bob hears carol only: ${JSON.stringify(heardByBob)}`);
    assert.ok(near(heardByCarol[1000]) && heardByCarol[600]! < ABSENT_DBFS, `carol hears bob only: ${JSON.stringify(heardByCarol)}`);
    const history = await john.waitFor('history', (h) => h.direction === 'in' && h.forwardedTo !== undefined, 3000, 'history');
    assert.match(history.forwardedTo!, /^forwarded to carol@.*, always, by a new call$/);
  });

  test('by 302: alice (Parley) calls johndoe, follows the redirect through Kamailio to carol; audio both ways, Diversion at carol', { timeout: 90_000 }, async () => {
    await john.call('forwarding.set', { rule: { ...emptyForwardingRule(), always: 'carol' } });
    const carolFiles = carol.receivedAudioFiles().length;
    const carolSeen = carol.events.length;
    const dialled = await alice.call('call.dial', { target: aor('johndoe') });
    const active = await alice.waitFor('call', (c) => c.id === dialled.id && c.state === 'active', 15_000, 'alice connected to carol');
    assert.equal(active.code, 200);
    const johnHistory = await john.waitFor('history', (h) => h.direction === 'in' && h.code === 302, 5000, 'johndoe history');
    assert.match(johnHistory.forwardedTo ?? '', /^forwarded to carol@.*, always$/);
    await sleep(3000);
    await alice.call('call.hangup', { callId: dialled.id });
    await carol.waitForEvent((e) => e.type === 'CALL_CLOSED' && carol.events.indexOf(e) >= carolSeen, 10_000);
    await alice.waitFor('call', (c) => c.id === dialled.id && c.state === 'ended', 10_000, 'ended');
    await sleep(500);
    assert.ok(carol.receivedAudioFiles().length > carolFiles, 'carol dumped the call');
    const heardByCarol = levels(carol.receivedAudioFiles().at(-1)!, [400, 600]);
    const heardByAlice = levels(alice.recordings.get(dialled.id)!, [600, 800]);
    log(`302: alice heard ${JSON.stringify(heardByAlice)} dBFS; carol heard ${JSON.stringify(heardByCarol)} dBFS`);
    assert.ok(near(heardByAlice[800]) && heardByAlice[600]! < ABSENT_DBFS, `alice hears carol, not johndoe: ${JSON.stringify(heardByAlice)}`);
    assert.ok(near(heardByCarol[400]) && heardByCarol[600]! < ABSENT_DBFS, `carol hears alice: ${JSON.stringify(heardByCarol)}`);
    const trace = alice.events.filter((e) => e.event === 'trace').map((e) => String((e.data as { text?: string }).text ?? ''));
    assert.ok(trace.some((t) => /^INVITE sip:carol@/m.test(t) && /^Diversion: <sip:johndoe@[^>]+>;reason=unconditional;counter=1/m.test(t)), 'the redirected INVITE carries the Diversion');
  });
  test('by 302 with baresip calling: bob follows johndoe’s redirect to carol; each hears the other', { timeout: 90_000 }, async () => {
    await john.call('forwarding.set', { rule: { ...emptyForwardingRule(), always: 'carol' } });
    const carolSeen = carol.events.length;
    const bobSeen = bob.events.length;
    const dial = await bob.command('dial', aor('johndoe'));
    assert.equal(dial.ok, true, dial.data);
    await carol.waitForEvent((e) => e.type === 'CALL_ESTABLISHED' && carol.events.indexOf(e) >= carolSeen, 10_000);
    await bob.waitForEvent((e) => e.type === 'CALL_ESTABLISHED' && bob.events.indexOf(e) >= bobSeen, 10_000);
    const johnHistory = await john.waitFor('history', (h) => h.direction === 'in' && h.code === 302 && h.peer.includes('bob'), 5000, 'johndoe redirected bob');
    assert.match(johnHistory.forwardedTo ?? '', /^forwarded to carol@.*, always$/);
    await sleep(3000);
    await bob.command('hangup');
    await carol.waitForEvent((e) => e.type === 'CALL_CLOSED' && carol.events.indexOf(e) >= carolSeen, 10_000);
    await sleep(500);
    const heardByBob = levels(bob.receivedAudioFiles().at(-1)!, [600, 800, 1000]);
    const heardByCarol = levels(carol.receivedAudioFiles().at(-1)!, [600, 800, 1000]);
    log(`302 (baresip caller): bob heard ${JSON.stringify(heardByBob)} dBFS; carol heard ${JSON.stringify(heardByCarol)} dBFS`);
    assert.ok(near(heardByBob[800]) && heardByBob[600]! < ABSENT_DBFS, `bob hears carol: ${JSON.stringify(heardByBob)}`);
    assert.ok(near(heardByCarol[1000]) && heardByCarol[600]! < ABSENT_DBFS, `carol hears bob: ${JSON.stringify(heardByCarol)}`);
  });
});
