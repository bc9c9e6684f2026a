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
import { registrar, world } from './ua-world.ts';

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
});
