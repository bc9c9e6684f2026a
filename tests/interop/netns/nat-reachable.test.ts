/**
 * Calls behind a home router (the NAT test bed): Parley on a LAN behind a
 * masquerading router that forgets idle UDP mappings after UDP_TIMEOUT_S,
 * Kamailio (no NAT helper, STUN answered on its SIP port) and a baresip on
 * the WAN. Parley must learn its public address from the registrar
 * (RFC 3581), register it, keep the mapping open (RFC 5626 keep-alives) and
 * so still receive a call placed three router timeouts after registering;
 * audio is measured both ways. Also: a registrar on a closed UDP port is
 * reported as a network error in under 2 s (ICMP through the router).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KamailioHandle } from '../harness/kamailio.ts';
import { startBaresip, type BaresipHandle } from '../harness/baresip.ts';
import { sleep } from '../harness/managed-process.ts';
import { writeToneWav } from '../harness/wav.ts';
import { heard } from './heard.ts';
import { WAN_HOSTS } from './nat-testbed.ts';
import type { NatTestbed, Site } from './nat-testbed.ts';
import { netnsAvailable } from './netns.ts';
import { log, startNatFixture, type NatFixture } from './nat-fixture.ts';

const can = netnsAvailable();
/** The router forgets an idle UDP mapping after this long (a home router's ~30 s, scaled down with the keep-alive). */
const UDP_TIMEOUT_S = 10;
const KEEPALIVE_S = 8;
const PARLEY_HZ = 600;
const BARESIP_HZ = 440;

describe('behind a NAT router', { skip: can.ok ? false : `network namespaces unavailable: ${can.ok ? '' : can.why}` }, () => {
  let fx: NatFixture;
  let bed: NatTestbed;
  let site: Site;
  let kam: KamailioHandle;
  let bare: BaresipHandle;
  let tmp: { path: string };
  const parley = (args: string[]) => fx.parley(site, args);

  before(async () => {
    fx = await startNatFixture({ tag: 'nat', routers: [{ udpTimeoutS: UDP_TIMEOUT_S }], users: [['johndoe', 'secret'], ['bob', 'bobpw'], ['carol', 'carolpw']] });
    ({ bed, kam, tmp } = fx);
    site = bed.sites[0]!;
    const source = join(tmp.path, 'bob.wav');
    writeToneWav(source, { frequency: BARESIP_HZ, seconds: 30 });
    bare = await startBaresip({
      placement: bed.wanPlacement(WAN_HOSTS.baresip),
      audioSourceFile: source,
      accounts: [{ aor: `sip:bob@${kam.domain}`, password: 'bobpw', outbound: `sip:${kam.host}:${kam.udpPort}`, regint: 600, answermode: 'auto', audioCodecs: 'PCMU/8000/1' }],
    });
    fx.peers.push(bare);
    await bare.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
    log(`test bed ${bed.prefix}: kamailio ${kam.host}:${kam.udpPort}, baresip ${WAN_HOSTS.baresip}, Parley ${site.hostAddress} behind ${site.publicAddress}`);
  });
  after(async () => {
    await fx?.teardown();
  });

  const account = (extra: string[] = [], port = 5060) => [
    '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', `${kam.host}:${kam.udpPort}`,
    '--bind', `${site.hostAddress}:${port}`, '--codecs', 'PCMU', ...extra,
  ];

  test('registers its public address, keeps the mapping open and is called 3 router timeouts later: audio both ways', { timeout: 120_000 }, async () => {
    const rec = join(tmp.path, 'parley-heard.wav');
    const started = performance.now();
    const listener = parley(['listen', ...account(['--keepalive', String(KEEPALIVE_S)]), '--auto-answer', '--tone', String(PARLEY_HZ), '--record', rec, '--json']);
    await listener.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
    // Registered twice: first with the private Contact, then (having read received/rport) with the public one.
    const { contact } = await fx.publicContact('johndoe', site.publicAddress);
    log(`registered after ${((performance.now() - started) / 1000).toFixed(2)} s with Contact ${contact}`);
    assert.match(contact, new RegExp(`@${site.publicAddress.replaceAll('.', '\\.')}:\\d+`), 'the Contact carries the router address');
    assert.equal(contact.split(',').length, 1, 'the private Contact was removed');

    const waitS = Number(process.env.NAT_WAIT_S ?? 3 * UDP_TIMEOUT_S);
    log(`waiting ${waitS} s (3 router UDP timeouts) before the call`);
    await sleep(waitS * 1000);
    assert.match(site.mappings(), /udp .*src=10\.1\.0\.2 dst=198\.51\.100\.10 sport=5060/, 'the keep-alives kept the mapping');

    const files = bare.receivedAudioFiles();
    const t0 = performance.now();
    const dial = await bare.command('dial', `sip:johndoe@${kam.domain}`);
    assert.ok(dial.ok, dial.data);
    await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 10_000, 'answered behind the NAT');
    log(`baresip → Parley behind NAT: answered ${((performance.now() - t0) / 1000).toFixed(2)} s after dial`);
    await sleep(4000);
    await bare.command('hangup');
    await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'ended', 10_000, 'ended');
    await bare.waitForEvent((e) => e.type === 'CALL_CLOSED', 5000);
    await sleep(500);
    const fresh = bare.receivedAudioFiles().filter((f) => !files.includes(f));
    assert.equal(fresh.length, 1, 'baresip wrote what it heard');
    const byBaresip = heard(fresh[0]!);
    const byParley = heard(rec);
    log(`baresip heard ${byBaresip.hz.toFixed(1)} Hz from ${byBaresip.onsetS.toFixed(2)} s, sound ${(byBaresip.active * 100).toFixed(1)} % of the next ${byBaresip.seconds.toFixed(2)} s`);
    log(`Parley heard ${byParley.hz.toFixed(1)} Hz from ${byParley.onsetS.toFixed(2)} s, sound ${(byParley.active * 100).toFixed(1)} % of the next ${byParley.seconds.toFixed(2)} s`);
    assert.ok(byBaresip.onsetS < 1 && byParley.onsetS < 1, 'sound within a second of the answer, both ways');
    assert.ok(Math.abs(byBaresip.hz - PARLEY_HZ) <= 10, `baresip heard ${byBaresip.hz} Hz`);
    assert.ok(Math.abs(byParley.hz - BARESIP_HZ) <= 10, `Parley heard ${byParley.hz} Hz`);
    assert.ok(byBaresip.active >= 0.95, `baresip heard sound ${(byBaresip.active * 100).toFixed(1)} % of the call`);
    assert.ok(byParley.active >= 0.95, `Parley heard sound ${(byParley.active * 100).toFixed(1)} % of the call`);
    assert.equal((await listener.stop()).code, 0, listener.stderr);
  });

  test('the control: without keep-alives the router forgets the mapping and the same call never arrives', { timeout: 120_000 }, async () => {
    const listener = parley(['listen', ...account(['--keepalive', '0']), '--auto-answer', '--json']);
    await listener.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
    await sleep(1500);
    const waitS = Number(process.env.NAT_WAIT_S ?? 3 * UDP_TIMEOUT_S);
    await sleep(Math.max(waitS, UDP_TIMEOUT_S + 2) * 1000);
    assert.doesNotMatch(site.mappings(), /src=10\.1\.0\.2 dst=198\.51\.100\.10 sport=5060/, 'the router forgot the idle mapping');
    const dial = await bare.command('dial', `sip:johndoe@${kam.domain}`);
    assert.ok(dial.ok, dial.data);
    await sleep(5000);
    assert.ok(!listener.events.some((e) => e.event === 'call.incoming'), 'no INVITE got through the router');
    await bare.command('hangup').catch(() => undefined);
    assert.equal((await listener.stop()).code, 0, listener.stderr);
  });

  /** A second public phone (carol) that a test may kill. */
  async function carol(): Promise<BaresipHandle> {
    const source = join(tmp.path, 'carol.wav');
    writeToneWav(source, { frequency: BARESIP_HZ, seconds: 60 });
    const b = await startBaresip({
      placement: bed.wanPlacement(WAN_HOSTS.baresip),
      audioSourceFile: source,
      dumpAudio: false,
      accounts: [{ aor: `sip:carol@${kam.domain}`, password: 'carolpw', outbound: `sip:${kam.host}:${kam.udpPort}`, regint: 600, answermode: 'auto', audioCodecs: 'PCMU/8000/1' }],
    });
    await b.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
    return b;
  }

  test('the peer killed with SIGKILL mid-call: the call ends after the RTP timeout, saying why; a held call is not ended', { timeout: 120_000 }, async () => {
    const RTP_TIMEOUT_S = 4;
    const peer = await carol();
    // Another port than the control's: Kamailio may still be retransmitting the control's INVITE
    // (no provisional answer, so no CANCEL) to the public :5060, and would ring this phone with it.
    const listener = parley(['listen', ...account(['--keepalive', String(KEEPALIVE_S), '--rtp-timeout', String(RTP_TIMEOUT_S)], 5062), '--auto-answer', '--tone', String(PARLEY_HZ), '--json']);
    try {
      await listener.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
      // Let the public Contact replace the private one before the call.
      await sleep(1500);
      const dial = await peer.command('dial', `sip:johndoe@${kam.domain}`);
      assert.ok(dial.ok, dial.data);
      const answered = await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'active' && e.data.remote.uri.startsWith('sip:carol@'), 10_000, 'answered');
      const callId = answered.data.id;
      await sleep(1000);
      // Held: the peer puts us on hold (we go recvonly) and sends no audio for twice the timeout; the call stays.
      const hold = await peer.command('hold');
      assert.ok(hold.ok, hold.data);
      await sleep(2 * RTP_TIMEOUT_S * 1000 + 1000);
      const endedEarly = () => listener.events.some((e) => e.event === 'call' && e.data.id === callId && e.data.state === 'ended');
      assert.ok(!endedEarly(), 'a held call is not ended by the RTP timeout');
      const resumed = await peer.command('resume');
      assert.ok(resumed.ok, resumed.data);
      await sleep(2000);
      assert.ok(!endedEarly(), 'talking again after the resume');

      // Then the peer dies: no BYE, no RTCP BYE, nothing.
      const killedAt = performance.now() - listener.startedAt;
      process.kill(peer.pid, 'SIGKILL');
      const ended = await listener.waitForEvent((e) => e.event === 'call' && e.data.id === callId && e.data.state === 'ended', 3 * RTP_TIMEOUT_S * 1000, 'ended by the RTP timeout');
      const afterS = (ended.at - killedAt) / 1000;
      log(`peer SIGKILLed: call ended ${afterS.toFixed(2)} s later (timeout ${RTP_TIMEOUT_S} s): ${ended.data.failure}`);
      assert.equal(ended.data.failure, 'the other side stopped sending audio');
      assert.ok(afterS >= RTP_TIMEOUT_S - 0.1 && afterS <= RTP_TIMEOUT_S + 1.5, `${afterS} s`);
      assert.equal((await listener.stop()).code, 0, listener.stderr);
    } finally {
      await peer.stop();
    }
  });

  test('a registrar on a closed UDP port: "network error" in under 2 s (ICMP back through the router)', { timeout: 60_000 }, async () => {
    const p = parley(['register', '--aor', `sip:johndoe@${kam.domain}`, '--password', 'secret', '--proxy', `${kam.host}:${kam.udpPort + 7}`, '--bind', `${site.hostAddress}:0`, '--json']);
    const registering = await p.waitForEvent((e) => e.event === 'registration' && e.data.state === 'registering', 20_000, 'registering');
    const exit = await p.waitForExit(20_000);
    const failed = p.events.find((e) => e.event === 'registration' && (e.data.state === 'failed' || e.data.state === 'retrying'));
    assert.ok(failed, p.stdout + p.stderr);
    const ms = failed.at - registering.at;
    log(`closed port ${kam.host}:${kam.udpPort + 7}: ${failed.data.state} after ${ms.toFixed(0)} ms: ${failed.data.words ?? ''}`);
    assert.equal(exit.code, 6);
    assert.match(p.stderr, new RegExp(`network error: the server at ${kam.host.replaceAll('.', '\\.')}:${kam.udpPort + 7} is not answering`));
    assert.ok(ms < 2000, `${ms} ms`);
  });
});
