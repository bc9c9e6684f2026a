/**
 * "Host a phone system on this computer" through the API, as Settings drives
 * it: a whole Parley phone (createPhoneEngine with electron/server-host's
 * phone system) turns it on, adds two users — itself as alice, and bob, a
 * second Parley phone that registers to it — and the two call each other
 * through it, audio measured both ways. The snapshot and the `phoneSystem`
 * events show who is registered and the call going through (ringing, then
 * talking, then gone). Off by default, on 127.0.0.1 only; removing alice
 * removes this Parley's account for her; turning it off frees the port.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PhoneSystemSnapshot } from '../../../electron/api/contract.ts';
import { localPhoneSystem } from '../../../electron/server-host/local-phone-system.ts';
import { freePort, portBound } from '../harness/free-port.ts';
import { sleep } from '../harness/managed-process.ts';
import { startParleyEngine, type ParleyEnginePeer } from '../harness/parley-engine.ts';
import { assertHeard, describeTone, measureWav } from '../harness/tone-measure.ts';

const HOST_HZ = 600;
const BOB_HZ = 900;

function log(text: string): void {
  process.stdout.write(`# ${text}\n`);
}

/** From the 200 for the INVITE (caller) or the ACK (callee) to the BYE, in the peer's SIP trace. */
function wireAnsweredMs(peer: ParleyEnginePeer, since: number): number {
  const trace = peer.all('trace').filter((t) => t.time >= since - 1000);
  const answered = trace.find((t) => t.direction === 'in' && /^SIP\/2.0 200 /.test(t.text) && /^CSeq: \d+ INVITE/m.test(t.text)) ?? trace.find((t) => t.direction === 'in' && /^ACK /.test(t.text));
  const bye = trace.find((t) => /^BYE /.test(t.text));
  assert.ok(answered && bye, `${peer.name}: the answer and the BYE are in the trace`);
  return bye.time - answered.time;
}

describe('the phone system of Settings (phoneSystem.* API)', () => {
  let host: ParleyEnginePeer;
  let bob: ParleyEnginePeer;
  let port: number;
  let domain: string;

  before(async () => {
    host = await startParleyEngine({ name: 'ps-host', toneHz: HOST_HZ, phoneSystem: localPhoneSystem });
    bob = await startParleyEngine({ name: 'ps-bob', toneHz: BOB_HZ });
    port = await freePort(['udp4', 'tcp4']);
  });

  after(async () => {
    await bob?.close();
    await host?.close();
    if (port) assert.equal(await portBound(port), false, 'the phone system\'s port is free after the phone closed');
  });

  const waitSnapshot = (pred: (s: PhoneSystemSnapshot) => boolean, what: string) => host.waitFor('phoneSystem', pred, 8000, what);

  test('off by default; turned on it listens on 127.0.0.1 only', async () => {
    const first = await host.call('phoneSystem.get', {});
    assert.equal(first.state, 'off');
    assert.deepEqual(first.settings, { enabled: false, domain: 'home.arpa', exposure: 'loopback', port: 5070, redirect: false });
    assert.deepEqual(first.listening, []);
    const bad = await host.try('phoneSystem.update', { port: 80 });
    assert.equal(bad.ok, false);
    assert.match(JSON.stringify(bad), /below 1024/);
    const on = await host.call('phoneSystem.update', { enabled: true, port, domain: 'family.test' });
    domain = on.settings.domain;
    assert.equal(on.state, 'running', on.error);
    assert.deepEqual(on.listening, [`udp 127.0.0.1:${port}`, `tcp 127.0.0.1:${port}`]);
    assert.equal(await portBound(port, 'udp'), true);
  });

  test('users: this Parley registers as alice; bob registers from another phone; both are listed', async () => {
    const added = await host.call('phoneSystem.users.add', { username: 'alice', password: 'wonder land', aliases: ['+4930123456', '3456'], thisComputer: true });
    assert.equal(added.users.find((u) => u.username === 'alice')?.thisComputer, true);
    const dup = await host.try('phoneSystem.users.add', { username: 'bob', password: 'x', aliases: ['3456'] });
    assert.equal(dup.ok, false, 'an alias belongs to one user');
    assert.match(JSON.stringify(dup), /conflict/);
    await host.call('phoneSystem.users.add', { username: 'bob', password: 'builder' });
    const accounts = await host.call('accounts.list', {});
    const alice = accounts.find((a) => a.aor === `sip:alice@${domain}`);
    assert.ok(alice, 'an account for alice was made');
    await host.waitFor('registration', (r) => r.accountId === alice.id && r.state === 'registered', 8000, 'alice registered to the phone system');
    const bobAccount = await bob.call('accounts.add', { aor: `sip:bob@${domain}`, password: 'builder', registrar: `sip:127.0.0.1:${port}`, outboundProxy: `sip:127.0.0.1:${port}`, codecs: ['PCMU'] });
    await bob.waitFor('registration', (r) => r.accountId === bobAccount.id && r.state === 'registered', 8000, 'bob registered');
    const both = await waitSnapshot((s) => s.users.length === 2 && s.users.every((u) => u.registered === 1), 'both registered in the snapshot');
    assert.deepEqual(both.bindings.map((b) => b.username).sort(), ['alice', 'bob']);
    assert.ok(both.bindings.every((b) => b.expiresAt > Date.now()));
    assert.equal(JSON.stringify(both).includes('builder'), false, 'no password in the snapshot');
  });

  test('bob calls alice by her alias through it: the call shows ringing, then talking, then goes; both hear the other', { timeout: 30_000 }, async () => {
    const bobAccount = (await bob.call('accounts.list', {})).find((a) => a.aor.startsWith('sip:bob@'))!;
    const dialled = await bob.call('call.dial', { target: `sip:3456@${domain}`, accountId: bobAccount.id });
    const ring = await host.waitFor('call.incoming', () => true, 8000, 'alice rings');
    assert.equal(ring.calledAlias, `sip:3456@${domain}`);
    const ringing = await waitSnapshot((s) => s.calls.some((c) => c.state === 'ringing'), 'a ringing call in the snapshot');
    assert.deepEqual(ringing.calls.map((c) => [c.from, c.to]), [[`sip:bob@${domain}`, `sip:3456@${domain}`]]);
    await host.call('call.answer', { callId: ring.id });
    await waitSnapshot((s) => s.calls.some((c) => c.state === 'talking'), 'the call talking in the snapshot');
    await bob.waitFor('call', (s) => s.id === dialled.id && s.state === 'active', 5000, 'bob sees the answer');
    await sleep(2500);
    await bob.call('call.hangup', { callId: dialled.id });
    const ended = await host.waitFor('call', (s) => s.id === ring.id && s.state === 'ended', 5000, 'alice ended');
    await waitSnapshot((s) => s.calls.length === 0, 'no call left in the snapshot');
    assert.equal(ended.state, 'ended');
    await bob.waitFor('call', (s) => s.id === dialled.id && s.state === 'ended', 5000, 'bob ended');
    // The answered call as each side's wire saw it (the snapshot's answeredAt may precede the first call's lazy media load).
    const aliceMs = wireAnsweredMs(host, ring.startedAt);
    const bobMs = wireAnsweredMs(bob, dialled.startedAt);
    const heardByAlice = measureWav('Parley (alice)', host.recordings.get(ring.id)!, aliceMs);
    const heardByBob = measureWav('Parley (bob)', bob.recordings.get(dialled.id)!, bobMs);
    log(describeTone(heardByAlice));
    log(describeTone(heardByBob));
    assertHeard(heardByAlice, { hz: BOB_HZ, sentDbfs: -15, answeredMs: aliceMs });
    assertHeard(heardByBob, { hz: HOST_HZ, sentDbfs: -15, answeredMs: bobMs });
    const stats = (await host.call('phoneSystem.get', {})).stats;
    assert.ok(stats.forwarded >= 3, `the INVITE, the ACK and the BYE went through the proxy: ${JSON.stringify(stats)}`);
  });

  test('the domain cannot change under the users; removing alice removes this Parley\'s account; off frees the port', async () => {
    const refused = await host.try('phoneSystem.update', { domain: 'elsewhere.test' });
    assert.equal(refused.ok, false);
    assert.match(JSON.stringify(refused), /remove the users first/);
    const after = await host.call('phoneSystem.users.remove', { username: 'alice' });
    assert.deepEqual(after.users.map((u) => u.username), ['bob']);
    assert.equal(after.bindings.some((b) => b.username === 'alice'), false);
    assert.equal((await host.call('accounts.list', {})).some((a) => a.aor === `sip:alice@${domain}`), false);
    const off = await host.call('phoneSystem.update', { enabled: false });
    assert.equal(off.state, 'off');
    assert.equal(await portBound(port, 'udp'), false);
  });
});
