/**
 * Recovery from a network change mid-call (the NAT test 4), on the
 * NAT test bed: Parley listens on LAN 1 behind router 1, bound to the
 * wildcard address as a laptop is, and a public baresip calls it through
 * Kamailio. Mid-call the laptop moves behind router 2 (a new LAN address and
 * a new public address: Wi-Fi → wired). Parley must notice (its network
 * monitor), register its new public address within 5 s, and send a
 * re-INVITE with its new Contact and media address so that the audio comes
 * back both ways. Measured: the re-registration time after the move, and
 * the longest silence each side heard.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBaresip, type BaresipHandle } from '../harness/baresip.ts';
import { sleep } from '../harness/managed-process.ts';
import { writeToneWav } from '../harness/wav.ts';
import { gaps, heard } from './heard.ts';
import { WAN_HOSTS } from './nat-testbed.ts';
import { netnsAvailable } from './netns.ts';
import { assertHeardBothWays, log, startNatFixture, type NatFixture } from './nat-fixture.ts';

const can = netnsAvailable();
const PARLEY_HZ = 600;
const PEER_HZ = 440;
/** The goal: registered again this soon after the address changed. */
const REREGISTER_MS = 5000;

describe('recovery from a network change', { skip: can.ok ? false : `network namespaces unavailable: ${can.ok ? '' : can.why}` }, () => {
  let fx: NatFixture;
  let bob: BaresipHandle;

  before(async () => {
    fx = await startNatFixture({ tag: 'natrec', routers: [{ udpTimeoutS: 30 }, { udpTimeoutS: 30 }], users: [['johndoe', 'secret'], ['bob', 'bobpw']] });
    const source = join(fx.tmp.path, 'bob.wav');
    writeToneWav(source, { frequency: PEER_HZ, seconds: 60 });
    bob = await startBaresip({
      placement: fx.bed.wanPlacement(WAN_HOSTS.baresip),
      audioSourceFile: source,
      accounts: [{ aor: `sip:bob@${fx.kam.domain}`, password: 'bobpw', outbound: `sip:${fx.kam.host}:${fx.kam.udpPort}`, regint: 600, answermode: 'auto', audioCodecs: 'PCMU/8000/1' }],
    });
    fx.peers.push(bob);
    await bob.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
  });
  after(async () => {
    await fx?.teardown();
  });

  test('the laptop moves to another router mid-call: registered again within 5 s, re-INVITE, audio back both ways', { timeout: 60_000 }, async () => {
    const [home, work] = fx.bed.sites as [typeof fx.bed.sites[0], typeof fx.bed.sites[0]];
    const rec = join(fx.tmp.path, 'parley-heard.wav');
    const kam = fx.kam;
    const listener = fx.parley(home, [
      'listen', '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', `${kam.host}:${kam.udpPort}`,
      '--bind', '0.0.0.0:5060', '--codecs', 'PCMU', '--keepalive', '20',
      '--auto-answer', '--tone', String(PARLEY_HZ), '--record', rec, '--json', ...(process.env.NAT_VERBOSE ? ['-v'] : []),
    ]);
    await listener.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
    await fx.publicContact('johndoe', home.publicAddress);

    const files = bob.receivedAudioFiles();
    const dial = await bob.command('dial', `sip:johndoe@${kam.domain}`);
    assert.ok(dial.ok, dial.data);
    const active = await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 10_000, 'answered');
    const answeredAt = performance.now();
    await sleep(4000);

    const movedAt = performance.now();
    const lanAddress = fx.bed.roam(home, work);
    log(`moved from ${home.hostAddress} behind ${home.publicAddress} to ${lanAddress} behind ${work.publicAddress} ${((movedAt - answeredAt) / 1000).toFixed(2)} s into the call`);
    const { contact, ms } = await fx.publicContact('johndoe', work.publicAddress, 15_000);
    log(`registered again ${ms.toFixed(0)} ms after the move: ${contact}`);
    await sleep(6000);
    if (process.env.NAT_VERBOSE) log(listener.stderr.split('\n').filter((l) => !/keep-alive|transition/.test(l)).slice(-80).join('\n# '));

    await bob.command('hangup');
    await listener.waitForEvent((e) => e.event === 'call' && e.data.id === active.data.id && e.data.state === 'ended', 10_000, 'ended');
    const callS = (performance.now() - answeredAt) / 1000;
    await bob.waitForEvent((e) => e.type === 'CALL_CLOSED', 5000).catch(() => undefined);
    await sleep(500);
    const fresh = bob.receivedAudioFiles().filter((f) => !files.includes(f));
    assert.equal(fresh.length, 1, 'baresip wrote what it heard');
    const byPeer = heard(fresh[0]!);
    const byParley = heard(rec);
    const peerGaps = gaps(fresh[0]!);
    const parleyGaps = gaps(rec);
    log(`call ${callS.toFixed(1)} s; baresip's recording ${byPeer.seconds.toFixed(1)} s (decoded packets only: ${(callS - byPeer.onsetS - byPeer.seconds).toFixed(1)} s missing), longest silence ${peerGaps.longestS.toFixed(2)} s, last 3 s ${(peerGaps.tailActive * 100).toFixed(0)} % sound`);
    log(`Parley's recording: longest silence ${parleyGaps.longestS.toFixed(2)} s, last 3 s ${(parleyGaps.tailActive * 100).toFixed(0)} % sound`);
    assert.ok(ms <= REREGISTER_MS, `registered again ${ms.toFixed(0)} ms after the move (goal ${REREGISTER_MS} ms)`);
    assertHeardBothWays({ byPeer, byParley }, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: 1, active: 0.5 });
    assert.ok(peerGaps.tailActive >= 0.9, `baresip hears Parley again after the move: ${(peerGaps.tailActive * 100).toFixed(0)} % of the last 3 s`);
    assert.ok(parleyGaps.tailActive >= 0.9, `Parley hears baresip again after the move: ${(parleyGaps.tailActive * 100).toFixed(0)} % of the last 3 s`);
    assert.ok(parleyGaps.longestS <= REREGISTER_MS / 1000 + 1, `Parley's longest silence ${parleyGaps.longestS.toFixed(2)} s`);
    assert.equal((await listener.stop()).code, 0, listener.stderr);
  });
});
