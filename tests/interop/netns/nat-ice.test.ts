/**
 * Media through NATs with ICE (RFC 8445) and TURN (RFC 8656), on the NAT
 * test bed: Parley on LAN 1 behind a masquerading router; baresip 1.0 (its
 * ice, stun and turn modules) on LAN 2 behind another, and on LAN 3 behind
 * a symmetric one (a new public port per destination: server-reflexive
 * candidates cannot work there, only the relay); coturn and a plain public
 * baresip on the WAN. Each call measures the tones both ways, and the path
 * Parley reports (call snapshot `mediaPath`) is checked. DTLS-SRTP across
 * the NATs (UDP signalling, SRTP mandatory): Parley ↔ Parley and baresip
 * (ice + dtls_srtp) → Parley, the handshake on the pair ICE chose.
 *
 * Kamailio has no NAT helper: a phone behind NAT is reachable only when it
 * registers its public address itself (Parley does; baresip 1.0 does not),
 * so the baresips behind NAT are the callers here and hang up themselves.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KamailioHandle } from '../harness/kamailio.ts';
import { startBaresip, type BaresipHandle } from '../harness/baresip.ts';
import { startCoturn, type CoturnHandle } from '../harness/coturn.ts';
import { sleep } from '../harness/managed-process.ts';
import { writeToneWav } from '../harness/wav.ts';
import type { ParleyProcess } from '../../unit/cli/parley-process.ts';
import { WAN_HOSTS } from './nat-testbed.ts';
import type { NatTestbed, Site } from './nat-testbed.ts';
import { netnsAvailable } from './netns.ts';
import { heard } from './heard.ts';
import { assertHeardBothWays, log, startNatFixture, type NatFixture } from './nat-fixture.ts';

const can = netnsAvailable();
const PARLEY_HZ = 600;
const PEER_HZ = 440;
const TALK_MS = 6000;
/** Sound must start this soon after the answer: ICE checks through two routers (baresip starts its audio only once its checks conclude). */
const ONSET_S = 3;
/** With TURN relays on both sides baresip has two pairs to time out before its audio starts (the issue's goal for this case). */
const C2_ONSET_S = 4;

describe('ICE and TURN through NATs', { skip: can.ok ? false : `network namespaces unavailable: ${can.ok ? '' : can.why}` }, () => {
  let fx: NatFixture;
  let bed: NatTestbed;
  let kam: KamailioHandle;
  let turn: CoturnHandle;
  let tmp: { path: string };
  let parleySite: Site;

  before(async () => {
    fx = await startNatFixture({
      tag: 'natice',
      routers: [{ udpTimeoutS: 30 }, { udpTimeoutS: 30 }, { udpTimeoutS: 30, symmetric: true }],
      users: [['johndoe', 'secret'], ['bob', 'bobpw'], ['carol', 'carolpw'], ['dave', 'davepw'], ['erin', 'erinpw'], ['frank', 'frankpw'], ['gina', 'ginapw'], ['hank', 'hankpw'], ['ivy', 'ivypw'], ['jack', 'jackpw'], ['kim', 'kimpw']],
    });
    ({ bed, kam, tmp } = fx);
    parleySite = bed.sites[0]!;
    turn = await startCoturn(bed.wanPlacement(WAN_HOSTS.coturn));
    fx.servers.push(turn);
    log(`test bed ${bed.prefix}: kamailio ${kam.host}:${kam.udpPort}, coturn ${turn.address}:${turn.port}`);
  });
  after(async () => {
    await fx?.teardown();
  });

  const parley = (site: Site, args: string[]) => fx.parley(site, args, { PARLEY_TURN_PASSWORD: turn.password });
  const account = (site: Site, user: string, password: string) => [
    '--aor', `sip:${user}@${kam.domain}`, '--password', password, '--proxy', `${kam.host}:${kam.udpPort}`,
    '--bind', `${site.hostAddress}:5060`, '--codecs', 'PCMU', '--keepalive', '20',
  ];
  const stunFlag = () => ['--stun', `${turn.address}:${turn.port}`];
  const turnFlag = () => ['--turn', `${turn.username}@${turn.address}:${turn.port}`];

  async function baresipPeer(site: Site | undefined, user: string, password: string, nat: 'none' | 'stun' | 'turn', dtls = false): Promise<BaresipHandle> {
    const source = join(tmp.path, `${user}.wav`);
    writeToneWav(source, { frequency: PEER_HZ, seconds: 30 });
    const medianat = nat === 'none' ? '' : nat === 'stun'
      ? `;medianat=ice;stunserver="stun:${turn.address}:${turn.port}"`
      : `;medianat=ice;stunserver="turn:${turn.address}:${turn.port}";stunuser=${turn.username};stunpass=${turn.password}`;
    const b = await startBaresip({
      placement: site ? site.placement : bed.wanPlacement(WAN_HOSTS.baresip),
      audioSourceFile: source,
      extraConfig: [...(nat === 'none' ? [] : ['module stun.so', 'module turn.so', 'module ice.so']), ...(dtls ? ['module dtls_srtp.so'] : [])],
      rtcpMux: nat !== 'none',
      verbose: process.env.NAT_VERBOSE !== undefined,
      accounts: [{ aor: `sip:${user}@${kam.domain}`, password, outbound: `sip:${kam.host}:${kam.udpPort}`, regint: 600, answermode: 'auto', audioCodecs: 'PCMU/8000/1', extra: medianat, ...(dtls ? { mediaenc: 'dtls_srtp' as const } : {}) }],
    });
    fx.peers.push(b);
    await b.waitForEvent((e) => e.type === 'REGISTER_OK', 10_000);
    return b;
  }

  /** Parley listens behind NAT 1 as `user` and auto-answers; registered with its public address (ready for callers). */
  async function parleyListener(user: string, extra: string[], rec: string): Promise<ParleyProcess> {
    const p = parley(parleySite, ['listen', ...account(parleySite, user, `${user === 'johndoe' ? 'secret' : `${user}pw`}`), ...extra, '--auto-answer', '--tone', String(PARLEY_HZ), '--record', rec, '--json', ...(process.env.NAT_VERBOSE ? ['-v'] : [])]);
    await p.waitForEvent((e) => e.event === 'listening', 20_000, 'listening');
    await fx.publicContact(user, parleySite.publicAddress);
    return p;
  }

  /** baresip dials Parley, talks, hangs up; returns what each heard and the path Parley reported. */
  async function baresipCallsParley(peer: BaresipHandle, user: string, listener: ParleyProcess, rec: string) {
    const files = peer.receivedAudioFiles();
    const t0 = performance.now();
    const dial = await peer.command('dial', `sip:${user}@${kam.domain}`);
    assert.ok(dial.ok, dial.data);
    const active = await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 15_000, 'answered');
    const answeredAt = performance.now();
    log(`answered ${((answeredAt - t0) / 1000).toFixed(2)} s after the dial`);
    // baresip 1.0 checks its pairs one after another (≈2.5 s for each that fails), so a relayed path comes late.
    await listener.waitForEvent((e) => e.event === 'call' && e.data.id === active.data.id && e.data.mediaPath !== undefined, 25_000, 'a media path').catch(() => undefined);
    const pathS = (performance.now() - answeredAt) / 1000;
    log(`media path known ${pathS.toFixed(2)} s after the answer`);
    await sleep(TALK_MS);
    if (process.env.NAT_VERBOSE) log(listener.stderr.split('\n').filter((l) => !/keep-alive|transition/.test(l)).slice(-60).join('\n# '));
    if (process.env.NAT_VERBOSE) log(peer.logs().split('\n').slice(-60).join('\n# '));
    if (process.env.NAT_VERBOSE) log(turn.output().split('\n').slice(-60).join('\n# '));
    const path = [...listener.events].reverse().find((e) => e.event === 'call' && e.data.id === active.data.id && e.data.mediaPath)?.data.mediaPath as string | undefined;
    const security = [...listener.events].reverse().find((e) => e.event === 'call' && e.data.id === active.data.id && e.data.security)?.data.security as { summary: string } | undefined;
    await peer.command('hangup');
    await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'ended', 10_000, 'ended');
    await peer.waitForEvent((e) => e.type === 'CALL_CLOSED', 5000).catch(() => undefined);
    await sleep(500);
    const fresh = peer.receivedAudioFiles().filter((f) => !files.includes(f));
    assert.equal(fresh.length, 1, 'baresip wrote what it heard');
    return { byPeer: heard(fresh[0]!), byParley: heard(rec), path, pathS, security: security?.summary };
  }

  function assertBothWays(r: { byPeer: ReturnType<typeof heard>; byParley: ReturnType<typeof heard>; pathS?: number }, onsetS = ONSET_S): void {
    assertHeardBothWays(r, { parleyHz: PARLEY_HZ, peerHz: PEER_HZ }, { onsetS: onsetS + (r.pathS ?? 0), active: 0.9 });
  }

  test('Parley behind NAT calls a public baresip that neither latches nor does ICE: media through the TURN relay, audio both ways', { timeout: 90_000 }, async () => {
    const bob = await baresipPeer(undefined, 'bob', 'bobpw', 'none');
    const rec = join(tmp.path, 'a-parley.wav');
    const files = bob.receivedAudioFiles();
    const caller = parley(parleySite, ['call', `sip:bob@${kam.domain}`, ...account(parleySite, 'johndoe', 'secret'), ...stunFlag(), ...turnFlag(), '--tone', String(PARLEY_HZ), '--record', rec, '--duration', String(TALK_MS / 1000), '--json']);
    const active = await caller.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 20_000, 'answered');
    const exit = await caller.waitForExit(30_000);
    assert.equal(exit.code, 0, caller.stderr);
    const path = [...caller.events].reverse().find((e) => e.event === 'call' && e.data.id === active.data.id && e.data.mediaPath)?.data.mediaPath;
    await sleep(500);
    const fresh = bob.receivedAudioFiles().filter((f) => !files.includes(f));
    assert.equal(fresh.length, 1, 'baresip wrote what it heard');
    log(`media path reported: ${String(path)}`);
    assert.equal(path, 'relay');
    assertBothWays({ byPeer: heard(fresh[0]!), byParley: heard(rec) });
  });

  test('baresip with ICE behind NAT 2 calls Parley behind NAT 1: server-reflexive candidates, audio both ways', { timeout: 90_000 }, async () => {
    const carol = await baresipPeer(bed.sites[1], 'carol', 'carolpw', 'stun');
    const rec = join(tmp.path, 'b-parley.wav');
    const listener = await parleyListener('johndoe', stunFlag(), rec);
    const r = await baresipCallsParley(carol, 'johndoe', listener, rec);
    log(`media path reported: ${String(r.path)}`);
    assert.equal(r.path, 'stun');
    assertBothWays(r);
    assert.equal((await listener.stop()).code, 0, listener.stderr);
  });

  /** Parley on `site` calls the Parley listening on LAN 1 (user `callee`); both report the path they use. */
  async function parleyCallsParley(site: Site, caller: string, callee: string, flags: string[]) {
    const rec = join(tmp.path, `${caller}-callee.wav`);
    const listener = await parleyListener(callee, flags, rec);
    const rec2 = join(tmp.path, `${caller}-caller.wav`);
    const t0 = performance.now();
    const p = parley(site, ['call', `sip:${callee}@${kam.domain}`, ...account(site, caller, `${caller}pw`), ...flags, '--tone', String(PEER_HZ), '--record', rec2, '--duration', String(TALK_MS / 1000), '--json', ...(process.env.NAT_VERBOSE ? ['-v'] : [])]);
    await p.waitForEvent((e) => e.event === 'call' && e.data.state === 'active', 20_000, 'answered');
    log(`answered ${((performance.now() - t0) / 1000).toFixed(2)} s after the caller started`);
    const exit = await p.waitForExit(30_000);
    assert.equal(exit.code, 0, p.stderr);
    if (process.env.NAT_VERBOSE) for (const x of [p, listener]) log(x.stderr.split('\n').filter((l) => /\.ice|turn/.test(l)).join('\n# '));
    await listener.waitForEvent((e) => e.event === 'call' && e.data.state === 'ended', 10_000, 'ended');
    const paths = [p, listener].map((x) => [...x.events].reverse().find((e) => e.event === 'call' && e.data.mediaPath)?.data.mediaPath as string | undefined);
    log(`media paths reported: caller ${String(paths[0])}, callee ${String(paths[1])}`);
    const security = [p, listener].map((x) => ([...x.events].reverse().find((e) => e.event === 'call' && e.data.security)?.data.security as { summary: string } | undefined)?.summary);
    const r = { byPeer: heard(rec2), byParley: heard(rec) };
    assert.equal((await listener.stop()).code, 0, listener.stderr);
    return { ...r, paths, security };
  }

  test('Parley behind NAT 2 calls Parley behind NAT 1, both with ICE: server-reflexive candidates, audio both ways', { timeout: 90_000 }, async () => {
    const r = await parleyCallsParley(bed.sites[1]!, 'erin', 'gina', stunFlag());
    assert.deepEqual(r.paths, ['stun', 'stun']);
    assertBothWays(r);
  });

  test('Parley behind a symmetric NAT calls Parley behind NAT 1: relayed through coturn, audio both ways', { timeout: 90_000 }, async () => {
    const r = await parleyCallsParley(bed.sites[2]!, 'dave', 'frank', [...stunFlag(), ...turnFlag()]);
    assert.deepEqual(r.paths, ['relay', 'relay']);
    assertBothWays(r);
  });

  test('DTLS-SRTP across the NATs: Parley behind NAT 2 calls Parley behind NAT 1 over UDP signalling, ICE then the handshake on the chosen pair', { timeout: 90_000 }, async () => {
    const r = await parleyCallsParley(bed.sites[1]!, 'hank', 'ivy', [...stunFlag(), '--srtp', 'mandatory']);
    log(`security: caller "${String(r.security[0])}", callee "${String(r.security[1])}"`);
    assert.deepEqual(r.paths, ['stun', 'stun']);
    for (const s of r.security) assert.match(s ?? '', /^Signalling: UDP \(not encrypted\) · Media: SRTP \S+ \(DTLS-SRTP\)$/);
    assertBothWays(r);
  });

  // Both with a TURN relay on the same coturn (the NAT table's row C2, goal: sound both ways within 4 s): the checks
  // through the relays succeed, so baresip's check list concludes (and its audio starts) once its two pairs to our
  // private host candidate time out, then the DTLS handshake. When the relays died (coturn ends an allocation whose
  // relay socket cannot send, as it could not to a private address without a route), its relay pairs timed out too:
  // sound from 7 s.
  test('DTLS-SRTP across the NATs with baresip: baresip (ICE with TURN, dtls_srtp) behind NAT 2 calls Parley behind NAT 1 (TURN set too), audio both ways', { timeout: 90_000 }, async () => {
    const jack = await baresipPeer(bed.sites[1], 'jack', 'jackpw', 'turn', true);
    const rec = join(tmp.path, 'dtls-parley.wav');
    const listener = await parleyListener('kim', [...stunFlag(), ...turnFlag(), '--srtp', 'mandatory'], rec);
    const r = await baresipCallsParley(jack, 'kim', listener, rec);
    log(`media path reported: ${String(r.path)}; security: "${String(r.security)}"`);
    assert.equal(r.path, 'stun');
    assert.match(r.security ?? '', /\(DTLS-SRTP\)$/);
    assertBothWays(r, C2_ONSET_S);
    assert.equal((await listener.stop()).code, 0, listener.stderr);
  });
});
