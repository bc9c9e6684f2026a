import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { decode, encode } from 'dns-packet';
import { WireDnsResolver } from '../../../../electron/sip/dns/wire-dns-resolver.ts';
import { DnsError } from '../../../../electron/sip/dns/dns-error.ts';
import { startDnsServer } from '../../../helpers/dns-server.ts';
import type { TestDnsServer } from '../../../helpers/dns-server.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

let dns: TestDnsServer;

before(async () => {
  dns = await startDnsServer({
    'host.example.test': { A: ['192.0.2.1', '192.0.2.2'], AAAA: ['2001:db8::1'], ttl: 120 },
    'alias.example.test': { CNAME: 'host.example.test', ttl: 30 },
    'example.test': {
      NAPTR: [{ order: 10, preference: 20, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.test' }],
    },
    '_sip._udp.example.test': { SRV: [{ priority: 1, weight: 5, port: 5070, target: 'Host.Example.Test.' }] },
    'big.example.test': { A: Array.from({ length: 60 }, (_, i) => `198.51.100.${i + 1}`) },
    'forced-tc.example.test': { A: ['192.0.2.7'], truncate: true },
    'sick.example.test': { servfail: true },
    'silent.example.test': { drop: true },
  });
});

after(async () => {
  await dns.close();
});

function resolver(extra: Partial<ConstructorParameters<typeof WireDnsResolver>[0]> = {}) {
  return new WireDnsResolver({ servers: [dns.endpoint], timeoutMs: 1000, attempts: 2, ...extra });
}

test('A and AAAA answers, with their TTL', async () => {
  const r = resolver();
  assert.deepEqual(await r.query('host.example.test', 'A'), [
    { address: '192.0.2.1', ttl: 120 },
    { address: '192.0.2.2', ttl: 120 },
  ]);
  assert.deepEqual(await r.query('HOST.example.test.', 'AAAA'), [{ address: '2001:db8::1', ttl: 120 }]);
});

test('NAPTR and SRV records are decoded and their names normalized', async () => {
  const r = resolver();
  assert.deepEqual(await r.query('example.test', 'NAPTR'), [
    { order: 10, preference: 20, flags: 'S', services: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.test', ttl: 300 },
  ]);
  assert.deepEqual(await r.query('_sip._udp.example.test', 'SRV'), [{ priority: 1, weight: 5, port: 5070, target: 'host.example.test', ttl: 300 }]);
});

test('NXDOMAIN and "no records of that type" are both an empty answer', async () => {
  const r = resolver();
  assert.deepEqual(await r.query('nowhere.example.test', 'A'), []);
  assert.deepEqual(await r.query('example.test', 'A'), []);
  assert.deepEqual(await r.query('host.example.test', 'SRV'), []);
});

test('a CNAME chain is followed and the smallest TTL on it wins', async () => {
  assert.deepEqual(await resolver().query('alias.example.test', 'A'), [
    { address: '192.0.2.1', ttl: 30 },
    { address: '192.0.2.2', ttl: 30 },
  ]);
});

test('an answer too big for UDP comes truncated and is fetched again over TCP', async () => {
  const before = dns.queries.length;
  const records = await resolver().query('big.example.test', 'A');
  assert.equal(records.length, 60);
  assert.equal(records[59].address, '198.51.100.60');
  assert.deepEqual(
    dns.queries.slice(before).map((q) => q.transport),
    ['udp', 'tcp'],
  );
});

test('TC=1 on a small answer also switches to TCP', async () => {
  const before = dns.queries.length;
  assert.deepEqual(await resolver().query('forced-tc.example.test', 'A'), [{ address: '192.0.2.7', ttl: 300 }]);
  assert.deepEqual(
    dns.queries.slice(before).map((q) => `${q.transport} ${q.type}`),
    ['udp A', 'tcp A'],
  );
});

test('SERVFAIL rejects with a DnsError after the bounded attempts', async () => {
  const before = dns.count('sick.example.test');
  await assert.rejects(resolver({ attempts: 3 }).query('sick.example.test', 'SRV'), (e: unknown) => {
    assert.ok(e instanceof DnsError);
    assert.equal(e.code, 'servfail');
    assert.equal(e.queryName, 'sick.example.test');
    assert.equal(e.queryType, 'SRV');
    return true;
  });
  assert.equal(dns.count('sick.example.test') - before, 3);
});

test('a server that never answers gives a timeout DnsError within attempts x timeout', async () => {
  const before = dns.count('silent.example.test');
  const started = performance.now();
  await assert.rejects(resolver({ timeoutMs: 150, attempts: 2 }).query('silent.example.test', 'A'), (e: unknown) => {
    assert.ok(e instanceof DnsError);
    assert.equal(e.code, 'timeout');
    return true;
  });
  const elapsed = performance.now() - started;
  assert.equal(dns.count('silent.example.test') - before, 2, 'exactly two tries');
  assert.ok(elapsed >= 290, `waited the timeouts (${elapsed} ms)`);
  assert.ok(elapsed < 1500, `bounded (${elapsed} ms)`);
});

test('timeouts run on the injected clock', async () => {
  const clock = new FakeClock();
  const before = dns.count('silent.example.test');
  const pending = resolver({ clock, timeoutMs: 5000, attempts: 1 }).query('silent.example.test', 'A');
  const outcome = pending.then(
    () => 'resolved',
    (e: unknown) => (e instanceof DnsError ? e.code : 'other'),
  );
  for (let i = 0; i < 200 && dns.count('silent.example.test') === before; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(dns.count('silent.example.test') - before, 1, 'the query reached the server');
  clock.advance(4999);
  const early = await Promise.race([outcome, new Promise((r) => setTimeout(() => r('pending'), 50))]);
  assert.equal(early, 'pending');
  clock.advance(1);
  assert.equal(await outcome, 'timeout');
});

test('a dead first server fails over to the next one', async () => {
  const dead = await startDnsServer({});
  dead.dropAll = true;
  try {
    const r = new WireDnsResolver({ servers: [dead.endpoint, dns.endpoint], timeoutMs: 150, attempts: 1 });
    assert.deepEqual(await r.query('host.example.test', 'AAAA'), [{ address: '2001:db8::1', ttl: 120 }]);
    assert.equal(dead.queries.length, 1);
  } finally {
    await dead.close();
  }
});

test('a closed port is a network DnsError, not a long wait', async () => {
  const probe = createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  const port = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const started = performance.now();
  await assert.rejects(
    new WireDnsResolver({ servers: [{ address: '127.0.0.1', port }], timeoutMs: 2000, attempts: 1 }).query('host.example.test', 'A'),
    (e: unknown) => e instanceof DnsError && e.code === 'network',
  );
  assert.ok(performance.now() - started < 1500);
});

test('answers with the wrong ID or the wrong question are ignored (RFC 5452)', async () => {
  const spoofer = createSocket('udp4');
  await new Promise<void>((r) => spoofer.bind(0, '127.0.0.1', () => r()));
  spoofer.on('message', (msg, rinfo) => {
    const q = decode(msg);
    const question = q.questions![0];
    const answer = (id: number, name: string, address: string) =>
      encode({ type: 'response', id, flags: 0, questions: [{ ...question, name }], answers: [{ type: 'A', name, ttl: 9, data: address }] });
    spoofer.send(answer((q.id! + 1) & 0xffff, question.name, '203.0.113.66'), rinfo.port, rinfo.address);
    spoofer.send(answer(q.id!, 'other.example.test', '203.0.113.67'), rinfo.port, rinfo.address);
    setTimeout(() => spoofer.send(answer(q.id!, question.name, '192.0.2.200'), rinfo.port, rinfo.address), 20);
  });
  try {
    const r = new WireDnsResolver({ servers: [{ address: '127.0.0.1', port: spoofer.address().port }], timeoutMs: 1000, attempts: 1 });
    assert.deepEqual(await r.query('real.example.test', 'A'), [{ address: '192.0.2.200', ttl: 9 }]);
  } finally {
    await new Promise<void>((r) => spoofer.close(() => r()));
  }
});

test('a resolver needs a server', () => {
  assert.throws(() => new WireDnsResolver({ servers: [] }), /at least one server/);
});
