/**
 * The ICE agent on the fake clock: two agents joined by a simulated network
 * that decides which datagrams get through (a NAT that drops what it has not
 * seen go out, a dead path), checked for the pair they select, nomination,
 * role conflicts, consent loss and hostile checks.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { IceAgent } from '../../../../electron/media/ice/ice-agent.ts';
import type { IceVia } from '../../../../electron/media/ice/ice-agent.ts';
import type { IceCandidate } from '../../../../electron/media/ice/candidate.ts';
import { candidatePriority, formatCandidate, parseCandidate, pairPriority } from '../../../../electron/media/ice/candidate.ts';
import { encodeStun, newTransactionId, StunAttr, StunType, stringAttribute } from '../../../../electron/net/stun/index.ts';
import type { Endpoint } from '../../../../electron/media/rtp/peer-latch.ts';
import { addressScope } from '../../../../electron/common/address-scope.ts';

const host = (address: string, port: number): IceCandidate => ({ foundation: 'h' + port, component: 1, priority: candidatePriority('host'), address, port, type: 'host' });
const srflx = (address: string, port: number, base: IceCandidate): IceCandidate => ({
  foundation: 's' + port, component: 1, priority: candidatePriority('srflx'), address, port, type: 'srflx', relatedAddress: base.address, relatedPort: base.port,
});

interface Wire {
  /** Whether a datagram from `from` to `to` arrives; the address it seems to come from (NAT). */
  deliver(from: 'a' | 'b', to: Endpoint): Endpoint | undefined | false;
}

function pairUp(clock: FakeClock, wire: Wire, aCands: IceCandidate[], bCands: IceCandidate[], opts: { aControlling?: boolean; bControlling?: boolean } = {}) {
  const agents: { a?: IceAgent; b?: IceAgent } = {};
  const sent = { a: 0, b: 0 };
  const mk = (me: 'a' | 'b', cands: IceCandidate[], controlling: boolean) =>
    new IceAgent({
      clock,
      controlling,
      candidates: cands,
      random: () => 0.5,
      send: (data: Buffer, to: Endpoint, via: IceVia) => {
        sent[me]++;
        const source = wire.deliver(me, to);
        if (source === false || source === undefined) return;
        const other = me === 'a' ? agents.b : agents.a;
        clock.setTimeout(() => other?.receive(data, source, via), 5);
      },
    });
  agents.a = mk('a', aCands, opts.aControlling ?? true);
  agents.b = mk('b', bCands, opts.bControlling ?? false);
  const a = agents.a;
  const b = agents.b;
  a.setRemote(b.local, bCands);
  b.setRemote(a.local, aCands);
  return { a, b, sent };
}

/** Moves the fake clock in 5 ms steps, letting promise callbacks (check results) run between steps. */
async function run(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 5) {
    clock.advance(5);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('ICE agent', () => {
  test('hosts on one network: the host pair is selected and nominated on both sides', async () => {
    const clock = new FakeClock();
    const ha = host('10.0.0.1', 4000);
    const hb = host('10.0.0.2', 5000);
    const { a, b } = pairUp(clock, { deliver: (from) => (from === 'a' ? { address: '10.0.0.1', port: 4000 } : { address: '10.0.0.2', port: 5000 }) }, [ha], [hb]);
    await run(clock, 200);
    assert.equal(a.state, 'connected');
    assert.equal(b.state, 'connected');
    assert.equal(a.selected?.remote.address, '10.0.0.2');
    assert.equal(b.selected?.remote.address, '10.0.0.1');
    assert.ok(a.selected?.nominated && b.selected?.nominated);
    a.close();
    b.close();
  });

  test('both behind NATs that only let in what went out: server-reflexive pair found through peer-reflexive learning', async () => {
    const clock = new FakeClock();
    const ha = host('10.1.0.2', 4000);
    const hb = host('10.2.0.2', 5000);
    const sa = srflx('198.51.100.101', 4000, ha);
    const sb = srflx('198.51.100.102', 5000, hb);
    const opened = new Set<string>();
    const wire: Wire = {
      deliver(from, to) {
        const me = from === 'a' ? '198.51.100.101:4000' : '198.51.100.102:5000';
        const target = `${to.address}:${to.port}`;
        if (!target.startsWith('198.51.100.')) return false; // private addresses do not route
        opened.add(`${me}>${target}`);
        if (!opened.has(`${target}>${me}`)) return false; // the far router has not seen its side go out yet
        return from === 'a' ? { address: '198.51.100.101', port: 4000 } : { address: '198.51.100.102', port: 5000 };
      },
    };
    const { a, b } = pairUp(clock, wire, [ha, sa], [hb, sb]);
    await run(clock, 3000);
    assert.equal(a.state, 'connected');
    assert.equal(b.state, 'connected');
    assert.deepEqual([a.selected?.remote.address, a.selected?.remote.port], ['198.51.100.102', 5000]);
    assert.deepEqual([b.selected?.remote.address, b.selected?.remote.port], ['198.51.100.101', 4000]);
  });

  test('nothing gets through: failed after the check timeout, no pair selected', async () => {
    const clock = new FakeClock();
    const { a, b } = pairUp(clock, { deliver: () => false }, [host('10.0.0.1', 4000)], [host('10.0.0.2', 5000)]);
    await run(clock, 11_000);
    assert.equal(a.state, 'failed');
    assert.equal(b.state, 'failed');
    assert.equal(a.selected, undefined);
  });

  test('both controlling: the tie-breakers settle it (487) and one pair is selected', async () => {
    const clock = new FakeClock();
    const deliver = (from: 'a' | 'b') => (from === 'a' ? { address: '10.0.0.1', port: 4000 } : { address: '10.0.0.2', port: 5000 });
    const { a, b } = pairUp(clock, { deliver }, [host('10.0.0.1', 4000)], [host('10.0.0.2', 5000)], { aControlling: true, bControlling: true });
    await run(clock, 2000);
    assert.notEqual(a.controlling, b.controlling, 'one side gave way');
    assert.equal(a.state, 'connected');
    assert.equal(b.state, 'connected');
  });

  test('consent (RFC 7675): the peer goes silent, consent is lost after 30 s', async () => {
    const clock = new FakeClock();
    let up = true;
    const deliver = (from: 'a' | 'b') => (up ? (from === 'a' ? { address: '10.0.0.1', port: 4000 } : { address: '10.0.0.2', port: 5000 }) : false);
    const { a } = pairUp(clock, { deliver }, [host('10.0.0.1', 4000)], [host('10.0.0.2', 5000)]);
    let lost = 0;
    a.on('consent-lost', () => lost++);
    await run(clock, 200);
    assert.equal(a.state, 'connected');
    await run(clock, 60_000);
    assert.equal(lost, 0, 'consent kept while the peer answers');
    up = false;
    await run(clock, 29_000);
    assert.equal(lost, 0);
    await run(clock, 8000);
    assert.equal(lost, 1);
    assert.equal(a.state, 'failed');
  });

  test('a check without our password, or for another username, is not answered', async () => {
    const clock = new FakeClock();
    const out: Buffer[] = [];
    const agent = new IceAgent({ clock, controlling: false, candidates: [host('10.0.0.1', 4000)], send: (d) => out.push(d) });
    const tid = newTransactionId();
    const wrongKey = encodeStun({ type: StunType.bindingRequest, transactionId: tid, attributes: [stringAttribute(StunAttr.username, `${agent.local.ufrag}:x`)] }, { integrityKey: 'not-the-password-at-all!' });
    agent.receive(wrongKey, { address: '10.0.0.9', port: 9 }, 'direct');
    const wrongUser = encodeStun({ type: StunType.bindingRequest, transactionId: tid, attributes: [stringAttribute(StunAttr.username, 'someone:x')] }, { integrityKey: agent.local.pwd });
    agent.receive(wrongUser, { address: '10.0.0.9', port: 9 }, 'direct');
    agent.receive(Buffer.from('garbage that is not STUN'), { address: '10.0.0.9', port: 9 }, 'direct');
    assert.equal(out.length, 0);
    const good = encodeStun({ type: StunType.bindingRequest, transactionId: tid, attributes: [stringAttribute(StunAttr.username, `${agent.local.ufrag}:x`)] }, { integrityKey: agent.local.pwd });
    agent.receive(good, { address: '10.0.0.9', port: 9 }, 'direct');
    assert.equal(out.length, 1, 'a proper check is answered');
    agent.close();
  });

  test('a relay on a public address is not paired with the peer\'s private, link-local or loopback candidates', () => {
    const clock = new FakeClock();
    const relayed = (address: string): IceCandidate => ({ foundation: 'r', component: 1, priority: candidatePriority('relay'), address, port: 49152, type: 'relay' });
    const ours = [host('10.1.0.2', 4000), relayed('198.51.100.20')];
    const theirs = [host('10.2.0.2', 5000), host('169.254.7.7', 5001), host('fd00::2', 5002), srflx('198.51.100.102', 5000, host('10.2.0.2', 5000)), relayed('203.0.113.9')];
    const agent = new IceAgent({ clock, controlling: false, candidates: ours, send: () => undefined });
    agent.setRemote({ ufrag: 'peer', pwd: 'peer-password-peer-password' }, theirs);
    const names = agent.pairs.map((p) => `${p.local.type} → ${p.remote.address}`).sort();
    assert.deepEqual(names, ['host → 10.2.0.2', 'host → 169.254.7.7', 'host → 198.51.100.102', 'host → 203.0.113.9', 'relay → 198.51.100.102', 'relay → 203.0.113.9']);
    agent.close();
    // A TURN server inside a private network (a relayed address of its own there) may reach the peer's private address.
    const inside = new IceAgent({ clock, controlling: false, candidates: [relayed('10.9.0.1')], send: () => undefined });
    inside.setRemote({ ufrag: 'peer', pwd: 'peer-password-peer-password' }, [host('10.2.0.2', 5000)]);
    assert.equal(inside.pairs.length, 1);
    inside.close();
  });

  test('address scopes', () => {
    const scopes = ['127.0.0.3', '::1', '169.254.1.1', 'fe80::1', '10.1.0.2', '172.16.0.1', '172.31.255.1', '192.168.1.1', '100.64.0.1', 'fd12::1', '::ffff:10.0.0.1',
      '172.32.0.1', '100.128.0.1', '198.51.100.20', '2001:db8::1', '::ffff:8.8.8.8'].map((a) => `${a} ${addressScope(a)}`);
    assert.deepEqual(scopes, ['127.0.0.3 loopback', '::1 loopback', '169.254.1.1 link-local', 'fe80::1 link-local', '10.1.0.2 private', '172.16.0.1 private', '172.31.255.1 private',
      '192.168.1.1 private', '100.64.0.1 private', 'fd12::1 private', '::ffff:10.0.0.1 private', '172.32.0.1 public', '100.128.0.1 public', '198.51.100.20 public', '2001:db8::1 public',
      '::ffff:8.8.8.8 public']);
  });

  test('candidate lines: round trip, and lines we do not use are skipped', () => {
    const c: IceCandidate = { foundation: 'abc', component: 1, priority: 2130706431, address: '198.51.100.5', port: 40000, type: 'srflx', relatedAddress: '10.0.0.1', relatedPort: 4000 };
    assert.deepEqual(parseCandidate(formatCandidate(c)), c);
    assert.equal(parseCandidate('1 1 TCP 2130706431 10.0.0.1 9 typ host tcptype active'), undefined);
    assert.equal(parseCandidate('1 1 UDP 2130706431 abcd.local 4000 typ host'), undefined);
    assert.equal(parseCandidate('1 1 UDP 99999999999 10.0.0.1 4000 typ host'), undefined);
    assert.equal(parseCandidate('1 1 UDP 1 10.0.0.1 4000 typ bogus'), undefined);
    assert.ok(pairPriority(10, 20) > pairPriority(10, 19));
  });
});
