/**
 * Recovery on the NAT test bed (the NAT tests 4 and 5): Parley
 * listens on LAN 1 behind router 1 and public baresips call it through
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
 *    longest silence each side heard.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBaresip, type BaresipHandle } from '../harness/baresip.ts';
import type { ParleyProcess } from '../../unit/cli/parley-process.ts';
import { sleep } from '../harness/managed-process.ts';
import { writeToneWav } from '../harness/wav.ts';
import { gaps, heard } from './heard.ts';
import { WAN_HOSTS } from './nat-testbed.ts';
import { netnsAvailable } from './netns.ts';
import { assertHeardBothWays, log, startNatFixture, type NatFixture } from './nat-fixture.ts';
import type { Site } from './nat-testbed.ts';

const can = netnsAvailable();
const PARLEY_HZ = 600;
const PEER_HZ = 440;
/** The goal: registered again this soon after the address changed. */
const REREGISTER_MS = 5000;

describe('recovery on the NAT test bed', { skip: can.ok ? false : `network namespaces unavailable: ${can.ok ? '' : can.why}` }, () => {
  let fx: NatFixture;
  let home: Site;
  let work: Site;

  before(async () => {
    fx = await startNatFixture({
      tag: 'natrec',
      routers: [{ udpTimeoutS: 30, strictTcp: true }, { udpTimeoutS: 30 }],
      users: [['johndoe', 'secret'], ['bob', 'bobpw'], ['carol', 'carolpw'], ['dave', 'davepw']],
    });
    [home, work] = fx.bed.sites as [Site, Site];
  });
  after(async () => {
    await fx?.teardown();
  });

  /** A public baresip (tone PEER_HZ, auto-answer) registered with Kamailio as it is now. */
  async function peer(user: string): Promise<BaresipHandle> {
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
  function listener(extra: string[], rec: string): ParleyProcess {
    const kam = fx.kam;
    return fx.parley(home, [
      'listen', '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', `${kam.host}:${kam.udpPort}`, '--codecs', 'PCMU',
      ...extra, '--auto-answer', '--tone', String(PARLEY_HZ), '--record', rec, '--json', ...(process.env.NAT_VERBOSE ? ['-v'] : []),
    ]);
  }

  /** `from` calls johndoe, they talk `talkMs` (or until `during` resolves), `from` hangs up; what each heard. */
  async function callParley(from: BaresipHandle, parley: ParleyProcess, rec: string, talkMs: number, during?: () => Promise<void>) {
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
  const registrations = (p: ParleyProcess) => p.events.filter((e) => e.event === 'registration').map((e) => ({ state: `${String(e.data.state)}${e.data.reconnecting ? ' (reconnecting)' : ''}`, at: e.at }));

  test('the registrar stops and starts again: back-off while it is down, registered within 5 s of its return, then called', { timeout: 60_000 }, async (t) => {
    const rec = join(fx.tmp.path, 'restart-parley.wav');
    const parley = listener(['--bind', `${home.hostAddress}:5064`, '--keepalive', '5'], rec);
    t.after(() => parley.stop());
    await parley.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
    await fx.publicContact('johndoe', home.publicAddress);
    // What Settings shows as "your public address": the registration snapshot says it.
    const seen = await parley.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registered' && e.data.publicAddress !== undefined, 5000, 'the public address');
    assert.equal(seen.data.publicAddress, `${home.publicAddress}:5064`);
    const stoppedAt = performance.now() - parley.startedAt;
    await fx.stopKamailio();
    let readyAt: number | undefined;
    try {
      // The next keep-alive goes unanswered (≤ 5 s + 7.5 s of retransmissions): the flow failed, the REGISTER fails, the back-off starts.
      const retrying = await parley.waitForEvent((e) => e.event === 'registration' && e.data.reconnecting === true, 25_000, 'reconnecting');
      const words = String(retrying.data.words ?? '');
      log(`registrar stopped: Parley reconnecting ${((retrying.at - stoppedAt) / 1000).toFixed(2)} s later: ${words}`);
      const waitS = Number(/trying again in (\d+) s/.exec(words)?.[1]);
      assert.ok(waitS >= 15, `it backs off (RFC 5626 §4.5: a random 50–100 % of 30 s × 2^failures): ${words}`);
      await sleep(3000);
      readyAt = await fx.startKamailio();
    } finally {
      if (readyAt === undefined) await fx.startKamailio();
    }
    const { ms } = await fx.publicContact('johndoe', home.publicAddress, 15_000);
    log(`registrar back: registered again ${ms.toFixed(0)} ms after it answered (${(performance.now() - readyAt).toFixed(0)} ms with the last location check); states ${registrations(parley).map((r) => r.state).join(' → ')}`);
    assert.ok(ms <= REREGISTER_MS, `registered again ${ms.toFixed(0)} ms after the registrar's return`);
    const carol = await peer('carol');
    const r = await callParley(carol, parley, rec, 3000);
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.9 });
    assert.equal((await parley.stop()).code, 0, parley.stderr);
  });

  test('the router forgets a TCP flow (conntrack flushed): the missing pong shows it, a new connection registers, then called over it', { timeout: 60_000 }, async (t) => {
    const rec = join(fx.tmp.path, 'tcp-parley.wav');
    const parley = listener(['--transport', 'tcp', '--bind', `${home.hostAddress}:5066`, '--keepalive', '5'], rec);
    t.after(() => parley.stop());
    await parley.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
    // No NAT helper in Kamailio: Parley registers its connection's public end (received/rport), where Kamailio finds the connection.
    const publicTcp = new RegExp(`@${home.publicAddress.replaceAll('.', '\\.')}:\\d+;transport=tcp`, 'i');
    const before = await fx.registered('johndoe', publicTcp);
    await sleep(6000);
    const flushedAt = performance.now() - parley.startedAt;
    home.flushMappings();
    // The next ping (≤ 5 s) gets no pong within 10 s: the connection closes and a new one registers.
    const registered = await parley.waitForEvent((e) => e.event === 'registration' && e.at > flushedAt && e.data.state === 'registered' && e.data.code === 200, 25_000, 'registered again on a new connection');
    log(`conntrack flushed: registered again on a new connection ${((registered.at - flushedAt) / 1000).toFixed(2)} s after the flush (ping interval 5 s + pong timeout 10 s)`);
    const now = await fx.registered('johndoe', publicTcp);
    log(`Contact ${before.contact} → ${now.contact}`);
    assert.notEqual(now.contact, before.contact, 'the new connection (a new public port) is registered');
    const dave = await peer('dave');
    const r = await callParley(dave, parley, rec, 3000).catch((err: unknown) => {
      if (process.env.NAT_VERBOSE) log(fx.kam.logs().split('\n').slice(-40).join('\n# '));
      throw err;
    });
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.9 });
    assert.equal((await parley.stop()).code, 0, parley.stderr);
  });

  test('the laptop moves to another router mid-call: registered again within 5 s, re-INVITE, audio back both ways', { timeout: 60_000 }, async (t) => {
    const rec = join(fx.tmp.path, 'roam-parley.wav');
    const parley = listener(['--bind', '0.0.0.0:5060', '--keepalive', '20'], rec);
    t.after(() => parley.stop());
    await parley.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
    await fx.publicContact('johndoe', home.publicAddress);
    const bob = await peer('bob');
    let reregisteredMs = 0;
    const r = await callParley(bob, parley, rec, 4000, async () => {
      const lanAddress = fx.bed.roam(home, work);
      log(`moved from ${home.hostAddress} behind ${home.publicAddress} to ${lanAddress} behind ${work.publicAddress} mid-call`);
      const { contact, ms } = await fx.publicContact('johndoe', work.publicAddress, 15_000);
      reregisteredMs = ms;
      log(`registered again ${ms.toFixed(0)} ms after the move: ${contact}`);
      await sleep(6000);
    });
    const peerGaps = gaps(r.peerFile);
    const parleyGaps = gaps(rec);
    log(`call ${r.callS.toFixed(1)} s; baresip's recording ${r.byPeer.seconds.toFixed(1)} s (it holds decoded packets only: ${(r.callS - r.byPeer.onsetS - r.byPeer.seconds).toFixed(1)} s missing), longest silence ${peerGaps.longestS.toFixed(2)} s, last 3 s ${(peerGaps.tailActive * 100).toFixed(0)} % sound`);
    log(`Parley's recording: longest silence ${parleyGaps.longestS.toFixed(2)} s, last 3 s ${(parleyGaps.tailActive * 100).toFixed(0)} % sound`);
    assert.ok(reregisteredMs <= REREGISTER_MS, `registered again ${reregisteredMs.toFixed(0)} ms after the move (goal ${REREGISTER_MS} ms)`);
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.5 });
    assert.ok(peerGaps.tailActive >= 0.9, `baresip hears Parley again after the move: ${(peerGaps.tailActive * 100).toFixed(0)} % of the last 3 s`);
    assert.ok(parleyGaps.tailActive >= 0.9, `Parley hears baresip again after the move: ${(parleyGaps.tailActive * 100).toFixed(0)} % of the last 3 s`);
    assert.ok(parleyGaps.longestS <= REREGISTER_MS / 1000 + 1, `Parley's longest silence ${parleyGaps.longestS.toFixed(2)} s`);
    assert.equal((await parley.stop()).code, 0, parley.stderr);
  });
});
