import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CachingDnsResolver } from '../../../../electron/sip/dns/caching-dns-resolver.ts';
import { WireDnsResolver } from '../../../../electron/sip/dns/wire-dns-resolver.ts';
import { DnsError } from '../../../../electron/sip/dns/dns-error.ts';
import type { DnsRecordMap, DnsRecordType, DnsResolver } from '../../../../electron/sip/dns/dns-records.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { startDnsServer } from '../../../helpers/dns-server.ts';
import type { TestDnsServer } from '../../../helpers/dns-server.ts';

/** An in-memory resolver that counts questions; answers come from a table the test edits. */
class TableResolver implements DnsResolver {
  calls = 0;
  table = new Map<string, unknown[] | DnsError>();
  gate: Promise<void> | undefined;
  async query<T extends DnsRecordType>(name: string, type: T): Promise<DnsRecordMap[T][]> {
    this.calls++;
    if (this.gate) await this.gate;
    const v = this.table.get(`${type} ${name}`) ?? [];
    if (v instanceof DnsError) throw v;
    return v as DnsRecordMap[T][];
  }
}

test('an answer is reused until its smallest TTL runs out', async () => {
  const clock = new FakeClock();
  const inner = new TableResolver();
  inner.table.set('A a.example.test', [
    { address: '192.0.2.1', ttl: 60 },
    { address: '192.0.2.2', ttl: 30 },
  ]);
  const cache = new CachingDnsResolver(inner, { clock });
  assert.equal((await cache.query('a.example.test', 'A')).length, 2);
  clock.advance(29_999);
  assert.equal((await cache.query('A.EXAMPLE.TEST.', 'A')).length, 2, 'same question, other spelling');
  assert.equal(inner.calls, 1);
  inner.table.set('A a.example.test', [{ address: '192.0.2.3', ttl: 60 }]);
  clock.advance(1);
  assert.deepEqual(await cache.query('a.example.test', 'A'), [{ address: '192.0.2.3', ttl: 60 }]);
  assert.equal(inner.calls, 2);
});

test('types are cached apart', async () => {
  const inner = new TableResolver();
  inner.table.set('A h.example.test', [{ address: '192.0.2.1', ttl: 60 }]);
  inner.table.set('AAAA h.example.test', [{ address: '2001:db8::1', ttl: 60 }]);
  const cache = new CachingDnsResolver(inner, { clock: new FakeClock() });
  assert.equal((await cache.query('h.example.test', 'A'))[0].address, '192.0.2.1');
  assert.equal((await cache.query('h.example.test', 'AAAA'))[0].address, '2001:db8::1');
  assert.equal(inner.calls, 2);
});

test('empty answers are remembered for the negative TTL only', async () => {
  const clock = new FakeClock();
  const inner = new TableResolver();
  const cache = new CachingDnsResolver(inner, { clock, negativeTtlSeconds: 10 });
  assert.deepEqual(await cache.query('none.example.test', 'SRV'), []);
  clock.advance(9_000);
  assert.deepEqual(await cache.query('none.example.test', 'SRV'), []);
  assert.equal(inner.calls, 1);
  clock.advance(1_000);
  await cache.query('none.example.test', 'SRV');
  assert.equal(inner.calls, 2);
});

test('TTL 0 and failures are not cached', async () => {
  const inner = new TableResolver();
  inner.table.set('A zero.example.test', [{ address: '192.0.2.9', ttl: 0 }]);
  inner.table.set('A bad.example.test', new DnsError('servfail', 'bad.example.test', 'A'));
  const cache = new CachingDnsResolver(inner, { clock: new FakeClock() });
  await cache.query('zero.example.test', 'A');
  await cache.query('zero.example.test', 'A');
  await assert.rejects(cache.query('bad.example.test', 'A'), DnsError);
  await assert.rejects(cache.query('bad.example.test', 'A'), DnsError);
  assert.equal(inner.calls, 4);
  assert.equal(cache.size, 0);
});

test('a TTL is capped by maxTtlSeconds', async () => {
  const clock = new FakeClock();
  const inner = new TableResolver();
  inner.table.set('A long.example.test', [{ address: '192.0.2.1', ttl: 604800 }]);
  const cache = new CachingDnsResolver(inner, { clock, maxTtlSeconds: 100 });
  await cache.query('long.example.test', 'A');
  clock.advance(100_000);
  await cache.query('long.example.test', 'A');
  assert.equal(inner.calls, 2);
});

test('callers asking the same question at once share one lookup', async () => {
  const inner = new TableResolver();
  inner.table.set('A same.example.test', [{ address: '192.0.2.1', ttl: 60 }]);
  let open!: () => void;
  inner.gate = new Promise<void>((r) => (open = r));
  const cache = new CachingDnsResolver(inner, { clock: new FakeClock() });
  const all = Promise.all([cache.query('same.example.test', 'A'), cache.query('same.example.test', 'A'), cache.query('same.example.test', 'A')]);
  open();
  const answers = await all;
  assert.equal(inner.calls, 1);
  assert.deepEqual(answers[2], [{ address: '192.0.2.1', ttl: 60 }]);
  answers[0].pop();
  assert.equal(answers[1].length, 1, 'each caller gets its own array');
});

test('the oldest entries are evicted beyond maxEntries', async () => {
  const inner = new TableResolver();
  for (const n of ['a', 'b', 'c']) inner.table.set(`A ${n}.example.test`, [{ address: '192.0.2.1', ttl: 60 }]);
  const cache = new CachingDnsResolver(inner, { clock: new FakeClock(), maxEntries: 2 });
  await cache.query('a.example.test', 'A');
  await cache.query('b.example.test', 'A');
  await cache.query('c.example.test', 'A');
  assert.equal(cache.size, 2);
  await cache.query('b.example.test', 'A');
  assert.equal(inner.calls, 3, 'b still cached');
  await cache.query('a.example.test', 'A');
  assert.equal(inner.calls, 4, 'a was evicted');
});

let dns: TestDnsServer;
before(async () => {
  dns = await startDnsServer({ 'ttl.example.test': { A: ['192.0.2.50'], ttl: 20 } });
});
after(async () => {
  await dns.close();
});

test('over the wire: the second lookup within the TTL never reaches the server', async () => {
  const clock = new FakeClock();
  const cache = new CachingDnsResolver(new WireDnsResolver({ servers: [dns.endpoint], timeoutMs: 1000 }), { clock });
  assert.deepEqual(await cache.query('ttl.example.test', 'A'), [{ address: '192.0.2.50', ttl: 20 }]);
  dns.zone['ttl.example.test'] = { A: ['192.0.2.51'], ttl: 20 };
  clock.advance(19_000);
  assert.deepEqual(await cache.query('ttl.example.test', 'A'), [{ address: '192.0.2.50', ttl: 20 }]);
  assert.equal(dns.count('ttl.example.test', 'A'), 1);
  clock.advance(1_000);
  assert.deepEqual(await cache.query('ttl.example.test', 'A'), [{ address: '192.0.2.51', ttl: 20 }]);
  assert.equal(dns.count('ttl.example.test', 'A'), 2);
});
