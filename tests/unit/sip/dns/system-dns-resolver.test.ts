/**
 * SystemDnsResolver is tested against a stub of node:dns's Resolver: no test
 * asks the machine's resolver about a made-up name (docs/testing.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemDnsResolver } from '../../../../electron/sip/dns/system-dns-resolver.ts';
import type { NodeDnsResolverLike, OsLookup } from '../../../../electron/sip/dns/system-dns-resolver.ts';
import { DnsError } from '../../../../electron/sip/dns/dns-error.ts';

function failing(code: string): () => Promise<never> {
  return () => Promise.reject(Object.assign(new Error(`queryA ${code}`), { code }));
}

const stub = (over: Partial<NodeDnsResolverLike> = {}): NodeDnsResolverLike => ({
  resolveNaptr: async () => [{ flags: 's', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.example.test', order: 10, preference: 5 }],
  resolveSrv: async () => [{ priority: 1, weight: 2, port: 5062, name: 'Sip.Example.Test' }],
  resolve4: async () => [{ address: '192.0.2.4', ttl: 42 }],
  resolve6: async () => [{ address: '2001:db8::6', ttl: 43 }],
  ...over,
});

const noLookup: OsLookup = () => Promise.reject(new Error('the OS lookup must not be asked'));

test('records are mapped to the resolver contract; NAPTR and SRV get the default TTL', async () => {
  const r = new SystemDnsResolver({ resolver: stub(), defaultTtlSeconds: 77, lookup: noLookup });
  assert.deepEqual(await r.query('example.test', 'NAPTR'), [
    { order: 10, preference: 5, flags: 's', services: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.example.test', ttl: 77 },
  ]);
  assert.deepEqual(await r.query('_sip._tcp.example.test', 'SRV'), [{ priority: 1, weight: 2, port: 5062, target: 'sip.example.test', ttl: 77 }]);
  assert.deepEqual(await r.query('sip.example.test', 'A'), [{ address: '192.0.2.4', ttl: 42 }]);
  assert.deepEqual(await r.query('sip.example.test', 'AAAA'), [{ address: '2001:db8::6', ttl: 43 }]);
});

test('ENOTFOUND and ENODATA are empty answers', async () => {
  const r = new SystemDnsResolver({
    resolver: stub({ resolveSrv: failing('ENOTFOUND'), resolveNaptr: failing('ENODATA') }),
    lookup: noLookup,
  });
  assert.deepEqual(await r.query('x.example.test', 'SRV'), []);
  assert.deepEqual(await r.query('x.example.test', 'NAPTR'), []);
});

test('server failure and timeout become typed DnsErrors', async () => {
  const r = new SystemDnsResolver({
    resolver: stub({ resolveSrv: failing('ESERVFAIL'), resolve4: failing('ETIMEOUT'), resolveNaptr: failing('EREFUSED'), resolve6: failing('EWEIRD') }),
    lookup: noLookup,
  });
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
      return 'resolved';
    } catch (e) {
      assert.ok(e instanceof DnsError);
      return e.code;
    }
  };
  assert.equal(await code(r.query('x.example.test', 'SRV')), 'servfail');
  assert.equal(await code(r.query('x.example.test', 'A')), 'timeout');
  assert.equal(await code(r.query('x.example.test', 'NAPTR')), 'refused');
  assert.equal(await code(r.query('x.example.test', 'AAAA')), 'other');
});

test('an address DNS does not know is asked of the OS (hosts file), once per family', async () => {
  const asked: string[] = [];
  const lookup: OsLookup = async (name, { family }) => {
    asked.push(`${name}/${family}`);
    return family === 4 ? [{ address: '10.1.2.3', family: 4 }] : [];
  };
  const r = new SystemDnsResolver({ resolver: stub({ resolve4: failing('ENOTFOUND'), resolve6: failing('ENODATA') }), lookup, defaultTtlSeconds: 5 });
  assert.deepEqual(await r.query('pbx', 'A'), [{ address: '10.1.2.3', ttl: 5 }]);
  assert.deepEqual(await r.query('pbx', 'AAAA'), []);
  assert.deepEqual(asked, ['pbx/4', 'pbx/6']);
});

test('the OS fallback can be turned off and is never used for SRV or NAPTR', async () => {
  const r = new SystemDnsResolver({ resolver: stub({ resolve4: failing('ENOTFOUND'), resolveSrv: failing('ENOTFOUND') }), lookup: noLookup, osLookupFallback: false });
  assert.deepEqual(await r.query('pbx', 'A'), []);
  const r2 = new SystemDnsResolver({ resolver: stub({ resolveSrv: failing('ENOTFOUND') }), lookup: noLookup });
  assert.deepEqual(await r2.query('_sip._udp.pbx', 'SRV'), []);
});

test('a DNS failure is not hidden by the OS fallback', async () => {
  const r = new SystemDnsResolver({ resolver: stub({ resolve4: failing('ESERVFAIL') }), lookup: noLookup });
  await assert.rejects(r.query('pbx.example.test', 'A'), (e: unknown) => e instanceof DnsError && e.code === 'servfail');
});

test('the default wiring over node:dns builds without asking anything', () => {
  // That node:dns's Resolver fits NodeDnsResolverLike is checked by tsc; constructing it sends nothing.
  assert.ok(new SystemDnsResolver({ servers: ['127.0.0.1:53'], timeoutMs: 100, tries: 1 }));
});
