/**
 * Registration behind a NAT, on the in-memory network and a fake clock: the
 * public address read from received/rport goes into Contact (RFC 3581), the
 * UDP flow is kept open with STUN keep-alives (RFC 5626 §4.4.2) whose
 * answers track the mapping, an unanswered keep-alive re-registers, and a
 * registrar without STUN gets CRLF keep-alives.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStun, isStun, StunType } from '../../../../electron/net/stun/index.ts';
import type { SipRequest } from '../../../../electron/sip/message/index.ts';
import { onLink } from '../../../../electron/sip/transport/address.ts';
import { fixedMedia, registrar, world } from './ua-world.ts';
import { phone } from './two-phones.ts';

const PUBLIC = { address: '203.0.113.7', port: 40000 };

function setup(opts: { stun?: boolean; keepAliveMs?: number } = {}) {
  const w = world();
  const server = w.server('198.51.100.10', 5060);
  server.transport.stunServer = opts.stun ?? true;
  registrar(server);
  const ua = w.ua('10.0.0.2', 5070, opts.keepAliveMs !== undefined ? { keepAliveMs: opts.keepAliveMs } : {});
  const uaTransport = w.network.node('10.0.0.2', 5070)!;
  w.network.mapNat(uaTransport, PUBLIC.address, PUBLIC.port);
  ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: 'secret', outboundProxy: 'sip:198.51.100.10:5060', registerExpires: 3600 });
  const states: string[] = [];
  ua.on('registration', (c) => states.push(c.state));
  const keepAlives = () => w.network.raw.filter((r) => r.to.address === '198.51.100.10');
  const stunRequests = () => keepAlives().filter((r) => isStun(r.data) && decodeStun(r.data).type === StunType.bindingRequest);
  return { w, server, ua, uaTransport, states, keepAlives, stunRequests };
}

const contacts = (r: SipRequest) => r.headers.getAll('Contact');

describe('Registration behind a NAT', () => {
  it('registers the address the registrar saw (received/rport) and removes the private Contact in the same REGISTER', async () => {
    const { w, server, ua, states } = setup();
    ua.register('a');
    await w.settle(20);
    const regs = server.of('REGISTER');
    assert.equal(regs.length, 3, '401, 200 (private Contact), then the public one');
    assert.match(contacts(regs[1]!)[0]!, /@10\.0\.0\.2:5070>/);
    const third = contacts(regs[2]!);
    assert.match(third[0]!, /^<sip:johndoe@203\.0\.113\.7:40000>;expires=3600$/);
    assert.match(third[1]!, /^<sip:johndoe@10\.0\.0\.2:5070>;expires=0$/);
    // 'registered' only once the public Contact is bound: whatever starts then (subscriptions to
    // our own address) must not be routed to the private one.
    assert.deepEqual(states, ['registering', 'registered']);
    assert.deepEqual(ua.publicAddress('a'), { host: PUBLIC.address, port: PUBLIC.port });
    // A refresh keeps the public Contact and lists the private one no more.
    await w.run(3600_000 / 2 + 1000, 60_000);
    const refresh = server.of('REGISTER').at(-1)!;
    assert.deepEqual(contacts(refresh).length, 1);
    assert.match(contacts(refresh)[0]!, /203\.0\.113\.7:40000/);
  });

  it('sends a STUN keep-alive at once and then every 80–100 % of 25 s; nothing more', async () => {
    const { w, ua, stunRequests } = setup();
    ua.register('a');
    await w.settle(20);
    const first = stunRequests().length;
    assert.ok(first >= 1, 'probed at registration');
    await w.run(60_000, 1000);
    // random() = 0 in the test world: every 20 s.
    const times = stunRequests().map((r) => r.time);
    const gaps = times.slice(1).map((t, i) => t - times[i]!).filter((g) => g > 1000);
    assert.ok(gaps.length >= 2 && gaps.every((g) => g >= 20_000 && g <= 21_000), `gaps ${gaps.join(', ')}`);
  });

  it('a mapping that moves (the router rebooted, a new public port) is registered again from the keep-alive answer', async () => {
    const { w, server, ua, uaTransport } = setup();
    ua.register('a');
    await w.settle(20);
    const before = server.of('REGISTER').length;
    w.network.mapNat(uaTransport, PUBLIC.address, 40001);
    await w.run(21_000, 1000);
    const regs = server.of('REGISTER');
    assert.equal(regs.length, before + 1, 'one REGISTER for the new mapping');
    assert.match(contacts(regs.at(-1)!)[0]!, /203\.0\.113\.7:40001>;expires=3600/);
    assert.match(contacts(regs.at(-1)!)[1]!, /203\.0\.113\.7:40000>;expires=0/);
    assert.deepEqual(ua.publicAddress('a'), { host: PUBLIC.address, port: 40001 });
  });

  it('a refresh whose answer shows a new public address (another network) is registered only once the new Contact is bound', async () => {
    const { w, server, ua, uaTransport, states } = setup();
    ua.register('a');
    await w.settle(20);
    // The laptop is behind another router now: the refresh (a network change asks for one) is seen from there.
    w.network.mapNat(uaTransport, '203.0.113.8', 41000);
    const seen: string[] = [];
    ua.on('registration', (c) => seen.push(`${c.state} ${ua.publicAddress('a')?.host ?? '-'}`));
    const before = server.of('REGISTER').length;
    states.length = 0;
    ua.register('a');
    await w.settle(20);
    assert.equal(server.of('REGISTER').length, before + 2, 'the refresh, then the REGISTER with the new public Contact');
    assert.match(contacts(server.of('REGISTER').at(-1)!)[0]!, /203\.0\.113\.8:41000>;expires=3600/);
    // Not 'registered' in between with the old address: calls following our address would re-INVITE naming it.
    assert.deepEqual(seen, ['refreshing 203.0.113.7', 'registered 203.0.113.8']);
  });

  it('a keep-alive left unanswered by a registrar that used to answer means the flow failed: register again', async () => {
    const { w, server, ua } = setup();
    ua.register('a');
    await w.settle(20);
    const before = server.of('REGISTER').length;
    w.network.dropRaw = () => true;
    await w.run(20_000 + 7_500 + 2_000, 500);
    assert.ok(server.of('REGISTER').length > before, 'a new REGISTER after the failed keep-alive');
    assert.equal(ua.registration('a').state, 'registered');
  });

  it('a failed flow backs off per RFC 5626 §4.5 while the registrar is gone, and registers within seconds of its return', async () => {
    const { w, server, ua, stunRequests } = setup();
    const changes: Array<{ state: string; retryInMs?: number; at: number }> = [];
    ua.on('registration', (c) => changes.push({ state: c.state, retryInMs: c.retryInMs, at: w.clock.now() }));
    ua.register('a');
    await w.settle(20);
    // The registrar dies: nothing it used to answer (SIP or STUN) is answered.
    let down = true;
    w.network.drop = (p) => down && p.to.address === '198.51.100.10';
    w.network.dropRaw = (p) => down && p.to.address === '198.51.100.10';
    const diedAt = w.clock.now();
    await w.run(20 * 60_000, 1000);
    const waits = changes.filter((c) => c.state === 'retrying').map((c) => c.retryInMs!);
    // random() = 0: half of W = 30 s * 2^n, n the consecutive failures, capped at max-time 1800 s.
    assert.deepEqual(waits.slice(0, 4), [30_000, 60_000, 120_000, 240_000], `waits ${waits.join(', ')}`);
    const registersWhileDown = server.of('REGISTER').length;
    // While it is down, one STUN probe every 80–100 % of 2 s (random() = 0: 1.6 s) and no faster.
    const probes = stunRequests().filter((r) => r.time > diedAt + 40_000);
    const gaps = probes.slice(1).map((r, i) => r.time - probes[i]!.time);
    assert.ok(gaps.length > 100 && gaps.every((g) => g >= 1_500), `probe gaps ${Math.min(...gaps)}–${Math.max(...gaps)} ms`);
    // It comes back in the middle of a long back-off wait: registered within a probe interval and a round trip.
    down = false;
    const backAt = w.clock.now();
    await w.run(5_000, 100);
    const registered = changes.find((c) => c.state === 'registered' && c.at > backAt);
    assert.ok(registered, `registered after the registrar's return: ${changes.slice(-3).map((c) => c.state).join(', ')}`);
    assert.ok(registered.at - backAt <= 2_500, `${registered.at - backAt} ms after its return`);
    assert.ok(server.of('REGISTER').length > registersWhileDown);
    // Back to the normal keep-alive interval once registered.
    const before = stunRequests().length;
    await w.run(15_000, 1000);
    assert.ok(stunRequests().length - before <= 1, 'keep-alives at their interval again');
  });

  it('the back-off grows only with consecutive failures: a success resets it (§4.5)', async () => {
    const { w, ua } = setup();
    const waits: number[] = [];
    ua.on('registration', (c) => c.state === 'retrying' && waits.push(c.retryInMs!));
    ua.register('a');
    await w.settle(20);
    for (let round = 0; round < 2; round++) {
      let down = true;
      w.network.drop = (p) => down && p.to.address === '198.51.100.10';
      w.network.dropRaw = (p) => down && p.to.address === '198.51.100.10';
      await w.run(3 * 60_000, 1000);
      down = false;
      await w.run(5_000, 100);
      assert.equal(ua.registration('a').state, 'registered');
    }
    // Each outage starts again from the first wait.
    assert.equal(waits.filter((x) => x === 30_000).length, 2, `waits ${waits.join(', ')}`);
  });

  it('a registrar that does not answer STUN gets a double CRLF every interval instead', async () => {
    const { w, ua, keepAlives } = setup({ stun: false });
    ua.register('a');
    await w.run(8_000, 500);
    const probes = keepAlives().length;
    await w.run(45_000, 1000);
    const crlf = keepAlives().slice(probes).filter((r) => r.data.toString() === '\r\n\r\n');
    assert.equal(crlf.length, 2, 'two CRLF keep-alives in 45 s at a 20 s interval');
    assert.equal(ua.registration('a').state, 'registered', 'no STUN answer is no failure here');
  });

  it('keepAliveMs 0: no keep-alives at all', async () => {
    const { w, ua, keepAlives } = setup({ keepAliveMs: 0 });
    ua.register('a');
    await w.run(60_000, 1000);
    assert.equal(keepAlives().length, 0);
  });

  it('a call follows a new public address: re-INVITE with the new Contact, and the peer\'s requests come there', async () => {
    const w = world();
    const server = w.server('198.51.100.10', 5060);
    server.transport.stunServer = true;
    registrar(server);
    const media = fixedMedia();
    const ua = w.ua('10.0.0.2', 5070, { media: media.factory });
    const node = w.network.node('10.0.0.2', 5070)!;
    w.network.mapNat(node, PUBLIC.address, PUBLIC.port);
    ua.addAccount({ id: 'a', aor: 'sip:johndoe@sipA.test', password: 'secret', registrar: 'sip:198.51.100.10:5060', registerExpires: 3600 });
    const bob = phone(w, 'bob', '10.0.0.3', 5080);
    ua.register('a');
    await w.settle(20);
    const call = ua.call(bob.uri, { accountId: 'a' });
    await w.settle();
    await bob.incoming[0]!.accept();
    await w.settle();
    assert.equal(call.state, 'active');
    assert.equal(call.movedContact(), undefined, 'nothing moved yet');
    // The router reboots: a new public port, seen by the next keep-alive, registered.
    w.network.mapNat(node, PUBLIC.address, 40001);
    await w.run(21_000, 1000);
    assert.deepEqual(ua.publicAddress('a'), { host: PUBLIC.address, port: 40001 });
    assert.equal(call.movedContact()?.uri.port, 40001);
    const done = call.readdress();
    await w.settle();
    assert.equal((await done).status, 200);
    const reinvite = w.network.packets.filter((p) => p.message.kind === 'request' && p.message.method === 'INVITE').at(-1)!;
    assert.match(reinvite.message.headers.get('Contact')!, /@203\.0\.113\.7:40001>/);
    assert.deepEqual(media.offers.at(-1), { hold: false }, 'a new offer, the hold state kept');
    assert.equal(call.movedContact(), undefined);
    await bob.incoming[0]!.hangup();
    await w.settle();
    const bye = w.network.packets.find((p) => p.message.kind === 'request' && p.message.method === 'BYE')!;
    assert.equal(bye.to.port, 40001, "the peer's BYE goes to where we are now");
    assert.equal(call.state, 'ended');
  });
});

describe('Keep-alives only where the flow needs them (no interval chosen)', () => {
  /** Our one interface: 10.0.0.2/24, so the registrar at 10.0.0.1 is on our link and 198.51.100.10 is not. */
  const ourLink = (address: string) => onLink(address, () => ({ eth0: [{ address: '10.0.0.2', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:02', internal: false, cidr: '10.0.0.2/24' }] }));

  function flow(o: { registrarAt: string; nat?: boolean; keepAliveMs?: number; flowTimer?: number; outbound?: boolean }) {
    const w = world();
    const server = w.server(o.registrarAt, 5060);
    server.transport.stunServer = true;
    registrar(server, { ...(o.flowTimer !== undefined ? { flowTimer: o.flowTimer } : {}), ...(o.outbound ? { outbound: true } : {}) });
    const ua = w.ua('10.0.0.2', 5070, { onLink: ourLink, ...(o.keepAliveMs !== undefined ? { keepAliveMs: o.keepAliveMs } : {}) });
    if (o.nat) w.network.mapNat(w.network.node('10.0.0.2', 5070)!, PUBLIC.address, PUBLIC.port);
    ua.addAccount({
      id: 'a', aor: 'sip:johndoe@sipA.test', password: 'secret', outboundProxy: `sip:${o.registrarAt}:5060`, registerExpires: 600,
      ...(o.outbound ? { instanceId: 'urn:uuid:00000000-0000-1000-8000-000a95a0e128' } : {}),
    });
    const keepAlives = () => w.network.raw.filter((r) => r.to.address === o.registrarAt);
    return { w, server, ua, keepAlives };
  }

  it('a registrar on our link that saw our own address: no keep-alive in 10 minutes, the refreshes alone keep the binding', async () => {
    const { w, server, ua, keepAlives } = flow({ registrarAt: '10.0.0.1' });
    ua.register('a');
    await w.settle(20);
    assert.equal(ua.registration('a').state, 'registered');
    await w.run(600_000, 5000);
    assert.equal(keepAlives().length, 0, 'no STUN probe, no CRLF');
    assert.ok(server.of('REGISTER').length >= 4, 'the binding was refreshed before it ran out');
    assert.equal(ua.registration('a').state, 'registered');
  });

  it('kept wherever something on the way may forget the flow, or they were asked for', async () => {
    const cases: { name: string; o: Parameters<typeof flow>[0]; everyMs: number }[] = [
      { name: 'a registrar beyond a router (a stateful firewall may be there; the Via cannot show one)', o: { registrarAt: '198.51.100.10' }, everyMs: 25_000 },
      { name: 'a NAT the Via shows, even on our link', o: { registrarAt: '10.0.0.1', nat: true }, everyMs: 25_000 },
      { name: 'an interval chosen (keepAliveMs)', o: { registrarAt: '10.0.0.1', keepAliveMs: 20_000 }, everyMs: 20_000 },
      { name: "the registrar's Flow-Timer", o: { registrarAt: '10.0.0.1', flowTimer: 40 }, everyMs: 40_000 },
      { name: 'an RFC 5626 outbound flow', o: { registrarAt: '10.0.0.1', outbound: true }, everyMs: 25_000 },
    ];
    for (const c of cases) {
      const { w, ua, keepAlives } = flow(c.o);
      ua.register('a');
      await w.settle(20);
      await w.run(10_000, 500);
      const first = keepAlives().length;
      assert.ok(first >= 1, `${c.name}: the flow is probed at once`);
      // random() is 0 in this world: one keep-alive every 80 % of the interval.
      await w.run(c.everyMs * 4, 500);
      assert.equal(keepAlives().length - first, 5, `${c.name}: five keep-alives in four intervals (every ${c.everyMs * 0.8} ms)`);
      assert.equal(ua.registration('a').state, 'registered', c.name);
    }
  });

  it('stopped when a later answer shows the flow no longer needs them, started again when it does', async () => {
    const { w, ua, keepAlives } = flow({ registrarAt: '10.0.0.1', nat: true });
    ua.register('a');
    await w.settle(20);
    await w.run(30_000, 500);
    assert.ok(keepAlives().length >= 2, 'behind the NAT: kept alive');
    // The NAT goes away: the next keep-alive's answer names our own address, and the REGISTER it prompts is
    // answered with a Via that shows no NAT.
    w.network.unmapNat(w.network.node('10.0.0.2', 5070)!);
    await w.run(60_000, 500);
    assert.equal(ua.registration('a').state, 'registered');
    assert.equal(ua.publicAddress('a'), undefined, 'our own address again');
    const after = keepAlives().length;
    await w.run(240_000, 5000);
    assert.equal(keepAlives().length, after, 'none after the answer that shows no NAT');
    // And back behind a NAT: the refresh's answer shows it, and the keep-alives start again.
    w.network.mapNat(w.network.node('10.0.0.2', 5070)!, PUBLIC.address, PUBLIC.port);
    await w.run(600_000, 5000);
    assert.ok(keepAlives().length - after >= 10, `kept alive again (${keepAlives().length - after})`);
  });
});
