/**
 * Parley's Registration against a real Kamailio registrar with digest auth:
 * register, refresh, unregister over UDP, TCP and IPv6 UDP; a wrong password
 * and a wrong auth user end in 'failed' with the server's answer in words.
 * Every peer is stopped by PID in after(); every wait is bounded.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from './harness/kamailio.ts';
import type { KamailioHandle } from './harness/kamailio.ts';
import { groupAlive } from './harness/managed-process.ts';
import { log, startParley, until } from './parley-peer.ts';
import type { ParleyPeer } from './parley-peer.ts';

const users = [
  { username: 'johndoe', password: 'secret' },
  { username: 'bob', password: 'bobpw' },
];

describe('Registration against Kamailio', () => {
  let kam: KamailioHandle;
  let peer: ParleyPeer;

  before(async () => {
    kam = await startKamailio({ users });
    peer = await startParley({ udp: true, tcp: true, udp6: kam.udp6Port !== undefined });
  });

  after(async () => {
    await peer?.close();
    const pid = kam?.pid;
    await kam?.stop();
    if (pid) assert.equal(groupAlive(pid), false);
  });

  const contactsOf = async (user: string) => (await kam.locations()).find((l) => l.aor.startsWith(`${user}@`) || l.aor === user)?.contacts ?? [];

  test('UDP: 401 answered, registered, refreshed before expiry (pre-authorized), unregistered', { timeout: 30_000 }, async () => {
    const { ua } = peer;
    ua.addAccount({ id: 'udp', aor: `sip:johndoe@${kam.domain}`, password: 'secret', outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 4 });
    const t0 = performance.now();
    ua.register('udp');
    await until(() => ua.registration('udp').state === 'registered', 5000, 'registered');
    log(`UDP REGISTER (401 + 200) in ${(performance.now() - t0).toFixed(1)} ms`);
    assert.equal(peer.sent(/^REGISTER /).length, 2);
    assert.equal(peer.received(/^SIP\/2\.0 401/).length, 1);
    assert.equal(ua.registration('udp').grantedExpires, 4);
    const contacts = await contactsOf('johndoe');
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0]!.contact, `sip:johndoe@127.0.0.1:${peer.endpoints.udp!.port}`);
    assert.match(contacts[0]!.userAgent ?? '', /Parley/);
    // Every Authorization in the trace is redacted.
    assert.ok(peer.trace.some((t) => /Authorization: Digest <redacted>/.test(t.text)));
    assert.ok(!peer.trace.some((t) => /response="/.test(t.text)));

    // Expires 4: refreshed at 2 s, with the cached nonce (nc=2) that Kamailio's nonce_count accepts.
    await until(() => peer.sent(/^REGISTER /).length >= 3, 4000, 'the refresh');
    await until(() => ua.registration('udp').state === 'registered' && peer.received(/^SIP\/2\.0 200/).length >= 2, 2000, 'refresh answered');
    assert.equal(peer.received(/^SIP\/2\.0 401/).length, 1, 'the refresh was not challenged');
    assert.equal(peer.registrations.filter((r) => r.accountId === 'udp').map((r) => r.state).join(' '), 'registering registered refreshing registered');

    const result = await ua.unregister('udp');
    assert.equal(result?.status, 200);
    assert.equal(ua.registration('udp').state, 'unregistered');
    assert.deepEqual(await contactsOf('johndoe'), []);
    await ua.removeAccount('udp');
  });

  test('TCP: registered over a TCP connection; Contact carries transport=tcp; unregister all (*)', { timeout: 30_000 }, async () => {
    const { ua } = peer;
    ua.addAccount({ id: 'tcp', aor: `sip:bob@${kam.domain}`, password: 'bobpw', outboundProxy: `sip:127.0.0.1:${kam.tcpPort}`, transport: 'tcp', registerExpires: 60 });
    ua.register('tcp');
    await until(() => ua.registration('tcp').state === 'registered', 5000, 'registered over TCP');
    const regs = peer.sent(/^REGISTER /).filter((t) => t.protocol === 'tcp');
    assert.equal(regs.length, 2);
    const contacts = await contactsOf('bob');
    assert.equal(contacts.length, 1);
    assert.equal(contacts[0]!.contact, `sip:bob@127.0.0.1:${peer.endpoints.tcp!.port};transport=tcp`);
    const all = await ua.unregister('tcp', { all: true });
    assert.equal(all?.status, 200);
    assert.match(peer.sent(/^REGISTER /).at(-1)!.text, /\r\nContact: \*\r\n/);
    assert.deepEqual(await contactsOf('bob'), []);
    await ua.removeAccount('tcp');
  });

  test('IPv6: registered through Kamailio on [::1]', { timeout: 30_000, skip: false }, async (t) => {
    if (!kam.udp6Port || !peer.endpoints.udp6) {
      t.skip('no IPv6 loopback');
      return;
    }
    const { ua } = peer;
    ua.addAccount({ id: 'v6', aor: `sip:johndoe@${kam.domain}`, password: 'secret', outboundProxy: `sip:[::1]:${kam.udp6Port}`, registerExpires: 60 });
    ua.register('v6');
    await until(() => ua.registration('v6').state === 'registered', 5000, 'registered over IPv6');
    const contacts = await contactsOf('johndoe');
    assert.equal(contacts[0]!.contact, `sip:johndoe@[::1]:${peer.endpoints.udp6.port}`);
    assert.ok(peer.sent(/^REGISTER /).some((t) => t.remote.address === '::1'));
    assert.equal((await ua.unregister('v6'))?.status, 200);
    await ua.removeAccount('v6');
  });

  test('a wrong password ends in "failed" with the 401 in words, after exactly one answer', { timeout: 30_000 }, async () => {
    const { ua } = peer;
    const before = peer.sent(/^REGISTER /).length;
    ua.addAccount({ id: 'bad', aor: `sip:johndoe@${kam.domain}`, password: 'not-the-password', outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 60 });
    ua.register('bad');
    await until(() => ua.registration('bad').state === 'failed', 5000, 'failed');
    const change = peer.registrations.filter((r) => r.accountId === 'bad').at(-1)!;
    assert.equal(change.outcome?.status, 401);
    assert.equal(change.outcome?.description, 'authentication failed: check the user name and password (401 "Unauthorized")');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(peer.sent(/^REGISTER /).length - before, 2, 'no loop');
    await ua.removeAccount('bad');
  });

  test('an auth user that does not own the AOR: Kamailio answers 403, shown as "not allowed"', { timeout: 30_000 }, async () => {
    const { ua } = peer;
    ua.addAccount({ id: 'forbidden', aor: `sip:johndoe@${kam.domain}`, authUser: 'bob', password: 'bobpw', outboundProxy: `sip:127.0.0.1:${kam.udpPort}`, registerExpires: 60 });
    ua.register('forbidden');
    await until(() => ua.registration('forbidden').state === 'failed', 5000, 'failed');
    const change = peer.registrations.filter((r) => r.accountId === 'forbidden').at(-1)!;
    assert.equal(change.outcome?.status, 403);
    assert.equal(change.outcome?.words, 'not allowed');
    assert.equal(change.outcome?.reason, 'Forbidden Auth ID');
    await ua.removeAccount('forbidden');
  });
});
