/**
 * Recovery on the NAT test bed (the issue's NAT tests 4 and 5): Parley
 * listens on LAN 1 behind router 1 and public phones call it through
 * Kamailio; each call measures the tones both ways.
 *  - The registrar is stopped (its bindings, kept in memory, are gone) and
 *    started again: Parley notices the lost flow (STUN keep-alives), backs
 *    off (RFC 5626 §4.5) and is registered again within 5 s of its return;
 *    a call then reaches it.
 *  - Parley registered over TCP, the router's conntrack table is flushed and
 *    the router does not take up TCP flows it does not know (a rebooted home
 *    router): the CRLF keep-alive's missing pong shows the flow is gone, a
 *    new connection registers, and a call then reaches Parley over it.
 *  - Mid-call the laptop (bound to the wildcard address) moves behind router
 *    2 — a new LAN and public address, Wi-Fi → wired: Parley notices (its
 *    network monitor), registers its new public address within 5 s and
 *    re-INVITEs with its new Contact and media address; the audio comes back
 *    both ways. Measured: the re-registration time after the move and the
 *    longest silence each side heard. Once with a public baresip (plain RTP,
 *    latching), once with a public Parley (ICE both sides): the re-INVITE
 *    restarts ICE (new credentials and candidates, RFC 8445 §9) and the
 *    peer's selected pair moves to the new public address.
 *
 * Each case has a test bed of its own (its own namespaces, routers and
 * Kamailio: one stops its registrar, one flushes its router, two move their
 * laptop) and the cases run side by side: most of their time is spent
 * waiting for failure detection, which they then do at the same time. The
 * keep-alive interval is the per-account setting (`--keepalive 2`, what a
 * user behind a forgetful router could set), so failures are found in
 * seconds; the pong timeout (10 s) and the STUN retransmissions (7.5 s) are
 * the product's own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBaresip, type BaresipHandle } from '../harness/baresip.ts';
import type { ParleyProcess } from '../../unit/cli/parley-process.ts';
import { sleep } from '../harness/managed-process.ts';
import { writeToneWav } from '../harness/wav.ts';
import { gaps, heard } from './heard.ts';
import { WAN_HOSTS } from './nat-testbed.ts';
import type { RouterSpec, Site } from './nat-testbed.ts';
import { netnsAvailable } from './netns.ts';
import { assertHeardBothWays, icePairs, iceRestarts, log, startNatFixture, type NatFixture } from './nat-fixture.ts';

const can = netnsAvailable();
const PARLEY_HZ = 600;
const PEER_HZ = 440;
/** The issue's goal: registered again this soon after the address changed, or after the registrar's return. */
const REREGISTER_MS = 5000;
const USERS: ReadonlyArray<[string, string]> = [['johndoe', 'secret'], ['bob', 'bobpw'], ['carol', 'carolpw']];

/** A test bed of the case's own, torn down when the case ends. */
async function bed(t: { after(fn: () => Promise<void>): void }, tag: string, routers: readonly RouterSpec[]): Promise<{ fx: NatFixture; home: Site; work: Site | undefined }> {
  const fx = await startNatFixture({ tag, routers, users: USERS });
  t.after(() => fx.teardown());
  return { fx, home: fx.bed.sites[0]!, work: fx.bed.sites[1] };
}

/** A public baresip (tone PEER_HZ, auto-answer) registered with Kamailio as it is now. */
async function peer(fx: NatFixture, user: string): Promise<BaresipHandle> {
  const source = join(fx.tmp.path, `${user}.wav`);
  writeToneWav(source, { frequency: PEER_HZ, seconds: 60 });
  const kam = fx.kam;
  const b = await startBaresip({
    placement: fx.bed.wanPlacement(WAN_HOSTS.baresip),
    audioSourceFile: source,
    accounts: [{ aor: `sip:${user}@${kam.domain}`, password: `${user}pw`, outbound: `sip:${kam.host}:${kam.udpPort}`, regint: 600, answermode: 'auto', audioCodecs: 'PCMU/8000/1' }],
  });
  fx.peers.push(b);
  await b.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
  return b;
}

/** Parley on LAN 1 as johndoe, auto-answering with its tone and recording what it hears. */
function listener(fx: NatFixture, home: Site, extra: string[], rec: string): ParleyProcess {
  const kam = fx.kam;
  return fx.parley(home, [
    'listen', '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', `${kam.host}:${kam.udpPort}`, '--codecs', 'PCMU',
    ...extra, '--auto-answer', '--tone', String(PARLEY_HZ), '--record', rec, '--json', ...(process.env.NAT_VERBOSE ? ['-v'] : []),
  ]);
}

/** `from` calls johndoe, they talk `talkMs` (then `during` runs), `from` hangs up; what each heard. */
async function callParley(fx: NatFixture, from: BaresipHandle, parley: ParleyProcess, rec: string, talkMs: number, during?: () => Promise<void>) {
  const files = from.receivedAudioFiles();
  const dial = await from.command('dial', `sip:johndoe@${fx.kam.domain}`);
  assert.ok(dial.ok, dial.data);
  const active = await parley.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 10_000, 'the call to arrive and be answered');
  const answeredAt = performance.now();
  await sleep(talkMs);
  await during?.();
  if (process.env.NAT_VERBOSE) log(parley.stderr.split('\n').filter((l) => !/keep-alive|transition/.test(l)).slice(-80).join('\n# '));
  await from.command('hangup');
  await parley.waitForEvent((e) => e.event === 'call' && e.data.id === active.data.id && e.data.state === 'ended', 10_000, 'ended');
  const callS = (performance.now() - answeredAt) / 1000;
  await from.waitForEvent((e) => e.type === 'CALL_CLOSED', 5000).catch(() => undefined);
  await sleep(500);
  const fresh = from.receivedAudioFiles().filter((f) => !files.includes(f));
  assert.equal(fresh.length, 1, 'baresip wrote what it heard');
  return { byPeer: heard(fresh[0]!), byParley: heard(rec), peerFile: fresh[0]!, callS };
}

/** Parley's registration events (state, and ms since it started). */
const registrations = (p: ParleyProcess) => p.events.filter((e) => e.event === 'registration').map((e) => ({
  state: `${String(e.data.state)}${e.data.reconnecting ? ' (reconnecting)' : ''}`, at: e.at, publicAddress: e.data.publicAddress as string | undefined,
}));

/** After a move: each side heard the other again, and for how long it heard nothing. */
function assertAudioBack(who: string, recording: string, say: (text: string) => void): void {
  const g = gaps(recording);
  say(`${who}'s recording: longest silence ${g.longestS.toFixed(2)} s, last 3 s ${(g.tailActive * 100).toFixed(0)} % sound`);
  assert.ok(g.tailActive >= 0.9, `${who} hears the other side again after the move: ${(g.tailActive * 100).toFixed(0)} % of the last 3 s`);
  assert.ok(g.longestS <= REREGISTER_MS / 1000 + 1, `${who}'s longest silence ${g.longestS.toFixed(2)} s`);
}

describe('recovery on the NAT test bed', { concurrency: true, skip: can.ok ? false : `network namespaces unavailable: ${can.ok ? '' : can.why}` }, () => {
  test('the registrar stops and starts again: back-off while it is down, registered within 5 s of its return, then called', { timeout: 90_000 }, async (t) => {
    const say = (text: string) => t.diagnostic(text);
    const { fx, home } = await bed(t, 'natrec-restart', [{ udpTimeoutS: 30 }]);
    const rec = join(fx.tmp.path, 'restart-parley.wav');
    const parley = listener(fx, home, ['--bind', `${home.hostAddress}:5064`, '--keepalive', '2'], rec);
    t.after(() => parley.stop());
    await parley.waitForEvent((e) => e.event === 'listening', 30_000, 'listening');
    await fx.publicContact('johndoe', home.publicAddress);
    // What Settings shows as "your public address": the registration snapshot says it.
    const seen = await parley.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered' && e.data.publicAddress !== undefined, 5000, 'the public address');
    assert.equal(seen.data.publicAddress, `${home.publicAddress}:5064`);
    const stoppedAt = performance.now() - parley.startedAt;
    await fx.stopKamailio();
    let readyAt: number | undefined;
    try {
      // The next keep-alive goes unanswered (≤ 2 s + 7.5 s of retransmissions): the flow failed, the REGISTER fails, the back-off starts.
      const retrying = await parley.waitForEvent((e) => e.event === 'registration' && e.data.reconnecting === true, 25_000, 'reconnecting');
      const words = String(retrying.data.words ?? '');
      say(`registrar stopped: Parley reconnecting ${((retrying.at - stoppedAt) / 1000).toFixed(2)} s later: ${words}`);
      const waitS = Number(/trying again in (\d+) s/.exec(words)?.[1]);
      assert.ok(waitS >= 15, `it backs off (RFC 5626 §4.5: a random 50–100 % of 30 s × 2^failures): ${words}`);
      await sleep(3000);
      readyAt = await fx.startKamailio();
    } finally {
      if (readyAt === undefined) await fx.startKamailio();
    }
    const { ms } = await fx.publicContact('johndoe', home.publicAddress, 15_000);
    say(`registrar back: registered again ${ms.toFixed(0)} ms after it answered (${(performance.now() - readyAt).toFixed(0)} ms with the last location check); states ${registrations(parley).map((r) => r.state).join(' → ')}`);
    assert.ok(ms <= REREGISTER_MS, `registered again ${ms.toFixed(0)} ms after the registrar's return`);
    const carol = await peer(fx, 'carol');
    const r = await callParley(fx, carol, parley, rec, 3000);
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.9 }, say);
    assert.equal((await parley.stop()).code, 0, parley.stderr);
  });

  test('the router forgets a TCP flow (conntrack flushed): the missing pong shows it, a new connection registers, then called over it', { timeout: 90_000 }, async (t) => {
    const say = (text: string) => t.diagnostic(text);
    const { fx, home } = await bed(t, 'natrec-tcp', [{ udpTimeoutS: 30, strictTcp: true }]);
    const rec = join(fx.tmp.path, 'tcp-parley.wav');
    const parley = listener(fx, home, ['--transport', 'tcp', '--bind', `${home.hostAddress}:5066`, '--keepalive', '2'], rec);
    t.after(() => parley.stop());
    await parley.waitForEvent((e) => e.event === 'listening', 30_000, 'listening');
    // No NAT helper in Kamailio: Parley registers its connection's public end (received/rport), where Kamailio finds the connection.
    const publicTcp = new RegExp(`@${home.publicAddress.replaceAll('.', '\\.')}:\\d+;transport=tcp`, 'i');
    const before = await fx.registered('johndoe', publicTcp);
    // A ping or two (every 1.6–2 s) answered first: only a server known to answer pings has its silence taken as a dead flow.
    await sleep(4000);
    const flushedAt = performance.now() - parley.startedAt;
    home.flushMappings();
    // The next ping (≤ 2 s) gets no pong within 10 s: the connection closes and a new one registers.
    const registered = await parley.waitForEvent((e) => e.event === 'registration' && e.at > flushedAt && e.data.state === 'registered' && e.data.code === 200, 25_000, 'registered again on a new connection');
    say(`conntrack flushed: registered again on a new connection ${((registered.at - flushedAt) / 1000).toFixed(2)} s after the flush (ping interval 2 s + pong timeout 10 s)`);
    const now = await fx.registered('johndoe', publicTcp);
    say(`Contact ${before.contact} → ${now.contact}`);
    assert.notEqual(now.contact, before.contact, 'the new connection (a new public port) is registered');
    const bob = await peer(fx, 'bob');
    const r = await callParley(fx, bob, parley, rec, 3000).catch((err: unknown) => {
      if (process.env.NAT_VERBOSE) log(fx.kam.logs().split('\n').slice(-40).join('\n# '));
      throw err;
    });
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.9 }, say);
    assert.equal((await parley.stop()).code, 0, parley.stderr);
  });

  test('the laptop moves to another router mid-call: registered again within 5 s, re-INVITE, audio back both ways', { timeout: 90_000 }, async (t) => {
    const say = (text: string) => t.diagnostic(text);
    const { fx, home, work } = await bed(t, 'natrec-roam', [{ udpTimeoutS: 30 }, { udpTimeoutS: 30 }]);
    const rec = join(fx.tmp.path, 'roam-parley.wav');
    const parley = listener(fx, home, ['--bind', '0.0.0.0:5060', '--keepalive', '20'], rec);
    t.after(() => parley.stop());
    await parley.waitForEvent((e) => e.event === 'listening', 30_000, 'listening');
    await fx.publicContact('johndoe', home.publicAddress);
    const bob = await peer(fx, 'bob');
    let reregisteredMs = 0;
    const r = await callParley(fx, bob, parley, rec, 4000, async () => {
      const lanAddress = fx.bed.roam(home, work!);
      say(`moved from ${home.hostAddress} behind ${home.publicAddress} to ${lanAddress} behind ${work!.publicAddress} mid-call`);
      const { contact, ms } = await fx.publicContact('johndoe', work!.publicAddress, 15_000);
      reregisteredMs = ms;
      say(`registered again ${ms.toFixed(0)} ms after the move: ${contact}`);
      await sleep(6000);
    });
    say(`call ${r.callS.toFixed(1)} s; baresip's recording ${r.byPeer.seconds.toFixed(1)} s (it holds decoded packets only: ${(r.callS - r.byPeer.onsetS - r.byPeer.seconds).toFixed(1)} s missing)`);
    assert.ok(reregisteredMs <= REREGISTER_MS, `registered again ${reregisteredMs.toFixed(0)} ms after the move (goal ${REREGISTER_MS} ms)`);
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.5 }, say);
    assertAudioBack('baresip', r.peerFile, say);
    assertAudioBack('Parley', rec, say);
    assert.equal((await parley.stop()).code, 0, parley.stderr);
  });

  test('the laptop moves mid-call in a call with ICE on both sides (a public Parley): registered again within 5 s, ICE restart, audio back both ways', { timeout: 90_000 }, async (t) => {
    const say = (text: string) => t.diagnostic(text);
    const { fx, home, work } = await bed(t, 'natrec-ice', [{ udpTimeoutS: 30 }, { udpTimeoutS: 30 }]);
    const kam = fx.kam;
    const rec = join(fx.tmp.path, 'ice-callee.wav');
    const callee = listener(fx, home, ['--bind', '0.0.0.0:5060', '--keepalive', '20', '-v'], rec);
    t.after(() => callee.stop());
    await callee.waitForEvent((e) => e.event === 'listening', 30_000, 'listening');
    await fx.publicContact('johndoe', home.publicAddress);
    // The public Parley (ICE is on by default) calls; the call lasts long enough for the move, the restart and 6 s after.
    const TALK_S = 14;
    const rec2 = join(fx.tmp.path, 'ice-caller.wav');
    const caller = fx.parley(fx.bed.wanPlacement(WAN_HOSTS.baresip), [
      'call', `sip:johndoe@${kam.domain}`, '--aor', `sip:bob@${kam.domain}`, '--password', 'bobpw', '--proxy', `${kam.host}:${kam.udpPort}`,
      '--bind', `${WAN_HOSTS.baresip}:5060`, '--codecs', 'PCMU', '--tone', String(PEER_HZ), '--record', rec2, '--duration', String(TALK_S), '--json', '-v',
    ]);
    t.after(() => caller.stop());
    // The caller's CLI starts, registers and dials first: at a load of 20 on two cores that alone took over 15 s.
    const active = await callee.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 40_000, 'answered').catch((err: unknown) => {
      throw new Error(`${(err as Error).message.split('\n')[0]}; the caller's last words:\n${caller.stderr.split('\n').slice(-20).join('\n')}`);
    });
    await callee.waitForEvent((e) => e.event === 'call' && e.data.id === active.data.id && e.data.icePair !== undefined, 10_000, 'an ICE pair');
    await sleep(4000);
    const movedAt = performance.now();
    const lanAddress = fx.bed.roam(home, work!);
    say(`moved from ${home.hostAddress} behind ${home.publicAddress} to ${lanAddress} behind ${work!.publicAddress} mid-call`);
    const { contact, ms } = await fx.publicContact('johndoe', work!.publicAddress, 15_000);
    say(`registered again ${ms.toFixed(0)} ms after the move: ${contact}`);
    const exit = await caller.waitForExit(30_000);
    const sinceMove = movedAt - callee.startedAt;
    say(`callee after the move: registrations ${registrations(callee).filter((r) => r.at > sinceMove).map((r) => `${r.state}${r.publicAddress ? ` (${r.publicAddress})` : ''} +${(r.at - sinceMove).toFixed(0)} ms`).join(', ')}; ${callee.stderr.split('\n').filter((l) => l.includes('call re-addressed') || l.includes('call not re-addressed')).length} re-INVITE(s) logged`);
    assert.equal(exit.code, 0, caller.stderr);
    await callee.waitForEvent((e) => e.event === 'call' && e.data.id === active.data.id && e.data.state === 'ended', 10_000, 'ended');
    say(`callee's ICE pairs: ${icePairs(callee).join(' | ')}`);
    say(`caller's ICE pairs: ${icePairs(caller).join(' | ')}`);
    say(`ICE restarts logged: callee ${iceRestarts(callee)}, caller ${iceRestarts(caller)}`);
    assert.ok(ms <= REREGISTER_MS, `registered again ${ms.toFixed(0)} ms after the move (goal ${REREGISTER_MS} ms)`);
    assert.ok(iceRestarts(callee) >= 1 && iceRestarts(caller) >= 1, 'the re-INVITE restarted ICE on both sides');
    // After the move each side selected a pair through the new router: the callee from its new LAN address, the caller towards the new public one.
    const iceLog = (p: ParleyProcess) => p.stderr.split('\n').filter((l) => /\.ice\b|ICE|re-addressed|media route/.test(l)).slice(-30).join('\n');
    const callerAfter = icePairs(caller, movedAt - caller.startedAt);
    const calleeAfter = icePairs(callee, movedAt - callee.startedAt);
    assert.ok(callerAfter.some((p) => p.split(' → ')[1]!.includes(` ${work!.publicAddress}:`)), `the caller's pair after the move goes to ${work!.publicAddress}: ${callerAfter.join(' | ')}\n${iceLog(caller)}`);
    assert.ok(calleeAfter.some((p) => p.startsWith(`host ${lanAddress}:`)), `the callee's pair after the move starts at ${lanAddress}: ${calleeAfter.join(' | ')}\n${iceLog(callee)}`);
    const r = { byPeer: heard(rec2), byParley: heard(rec) };
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.5 }, say);
    assertAudioBack('the caller', rec2, say);
    assertAudioBack('the callee', rec, say);
    assert.equal((await callee.stop()).code, 0, callee.stderr);
  });
});
