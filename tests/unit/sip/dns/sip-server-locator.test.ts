import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SipServerLocator } from '../../../../electron/sip/dns/sip-server-locator.ts';
import type { SipServerLocatorOptions } from '../../../../electron/sip/dns/sip-server-locator.ts';
import type { LocatableUri, SipTarget } from '../../../../electron/sip/dns/sip-target.ts';
import { WireDnsResolver } from '../../../../electron/sip/dns/wire-dns-resolver.ts';
import { CachingDnsResolver } from '../../../../electron/sip/dns/caching-dns-resolver.ts';
import { DnsError } from '../../../../electron/sip/dns/dns-error.ts';
import { startDnsServer } from '../../../helpers/dns-server.ts';
import type { TestDnsServer, Zone } from '../../../helpers/dns-server.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';

const naptr = (order: number, preference: number, services: string, replacement: string, flags = 'S') => ({
  order,
  preference,
  flags,
  services,
  regexp: '',
  replacement,
});
const srv = (priority: number, weight: number, port: number, target: string) => ({ priority, weight, port, target });

const zone: Zone = {
  // NAPTR -> SRV -> A/AAAA, with records we must ignore (SCTP, ENUM, WebSocket, a flag we do not use).
  'proxy.example.test': {
    NAPTR: [
      naptr(10, 50, 'SIP+D2T', '_sip._tcp.proxy.example.test'),
      naptr(10, 10, 'SIP+D2U', '_sip._udp.proxy.example.test'),
      naptr(20, 10, 'SIPS+D2T', '_sips._tcp.proxy.example.test'),
      naptr(5, 10, 'SIP+D2S', '_sip._sctp.proxy.example.test'),
      naptr(1, 10, 'E2U+sip', '!^.*$!sip:info@example.test!'),
      naptr(2, 10, 'SIP+D2W', '_sip._ws.proxy.example.test'),
      naptr(3, 10, 'SIP+D2U', 'a.proxy.example.test', 'A'),
    ],
    A: ['192.0.2.250'],
  },
  '_sip._udp.proxy.example.test': { SRV: [srv(10, 0, 5070, 'a.proxy.example.test')] },
  '_sip._tcp.proxy.example.test': { SRV: [srv(10, 0, 5071, 'b.proxy.example.test')] },
  '_sips._tcp.proxy.example.test': { SRV: [srv(10, 0, 5072, 'b.proxy.example.test')] },
  '_sip._sctp.proxy.example.test': { SRV: [srv(10, 0, 5073, 'a.proxy.example.test')] },
  'a.proxy.example.test': { A: ['192.0.2.10'], AAAA: ['2001:db8::10'] },
  'b.proxy.example.test': { A: ['192.0.2.11'] },

  // The order-10 record leads nowhere, so order 20 is used.
  'fallback.example.test': {
    NAPTR: [naptr(10, 10, 'SIP+D2U', '_sip._udp.missing.example.test'), naptr(20, 10, 'SIP+D2T', '_sip._tcp.fallback.example.test')],
  },
  '_sip._tcp.fallback.example.test': { SRV: [srv(0, 0, 5080, 'b.proxy.example.test')] },

  // Only unusable NAPTR records: treated as no NAPTR.
  'sctp-only.example.test': { NAPTR: [naptr(10, 10, 'SIP+D2S', '_sip._sctp.sctp-only.example.test')] },
  '_sip._tcp.sctp-only.example.test': { SRV: [srv(0, 0, 5090, 'b.proxy.example.test')] },

  // No NAPTR; SRV for two transports, with priorities and weights.
  'srv.example.test': { A: ['192.0.2.251'] },
  '_sip._udp.srv.example.test': {
    SRV: [srv(20, 0, 5060, 's4.example.test'), srv(10, 60, 5060, 's1.example.test'), srv(10, 20, 5060, 's2.example.test'), srv(10, 20, 5060, 's3.example.test')],
  },
  '_sip._tcp.srv.example.test': { SRV: [srv(0, 0, 5060, 's1.example.test')] },
  's1.example.test': { A: ['192.0.2.1'] },
  's2.example.test': { A: ['192.0.2.2'] },
  's3.example.test': { A: ['192.0.2.3'] },
  's4.example.test': { AAAA: ['2001:db8::4'] },

  // No NAPTR, no SRV: A/AAAA and the default port.
  'plain.example.test': { A: ['192.0.2.30'], AAAA: ['2001:db8::30'] },
  'v6only.example.test': { AAAA: ['2001:db8::66'] },

  // SRV says "decidedly not available": no fallback to the A record.
  'nosip.example.test': { A: ['192.0.2.40'] },
  '_sip._udp.nosip.example.test': { SRV: [srv(0, 0, 0, '.')] },

  // SRV target through a CNAME, and duplicates collapsing.
  'alias.example.test': {},
  '_sip._udp.alias.example.test': { SRV: [srv(0, 0, 5060, 'www.alias.example.test'), srv(1, 0, 5060, 'real.alias.example.test')] },
  'www.alias.example.test': { CNAME: 'real.alias.example.test' },
  'real.alias.example.test': { A: ['192.0.2.60'] },

  // Lookups that fail.
  'broken.example.test': { servfail: true },
  '_sip._udp.broken.example.test': { servfail: true },
  '_sip._tcp.broken.example.test': { servfail: true },
  '_sips._tcp.broken.example.test': { servfail: true },
  'half.example.test': { servfail: true },
  '_sip._udp.half.example.test': { SRV: [srv(0, 0, 5060, 'b.proxy.example.test')] },

  // A truncated SRV answer (fetched again over TCP).
  'big.example.test': {},
  '_sip._udp.big.example.test': { SRV: [srv(0, 0, 5060, 'b.proxy.example.test')], truncate: true },

  'cached.example.test': { ttl: 60 },
  '_sip._udp.cached.example.test': { SRV: [srv(0, 0, 5060, 'host.cached.example.test')], ttl: 60 },
  'host.cached.example.test': { A: ['192.0.2.70'], ttl: 60 },
};

let dns: TestDnsServer;

before(async () => {
  dns = await startDnsServer(zone);
});

after(async () => {
  await dns.close();
});

function locator(options: SipServerLocatorOptions = {}): SipServerLocator {
  return new SipServerLocator({ resolver: new WireDnsResolver({ servers: [dns.endpoint], timeoutMs: 1000, attempts: 2 }), random: () => 0, ...options });
}

function uri(scheme: 'sip' | 'sips' | 'tel', host: string, port?: number, params: Record<string, string | null> = {}): LocatableUri {
  return { scheme, host, port, params: new Map(Object.entries(params)) };
}

const t = (protocol: SipTarget['protocol'], address: string, port: number, serverName: string): SipTarget => ({ protocol, address, port, serverName });

/** Queries the server saw while `fn` ran, as "TYPE name". */
async function seen(fn: () => Promise<unknown>): Promise<string[]> {
  const before = dns.queries.length;
  await fn();
  return dns.queries.slice(before).map((q) => `${q.type} ${q.name.toLowerCase()}`);
}

test('numeric hosts need no DNS: IPv4, IPv6, bracketed, with and without port', async () => {
  const l = locator();
  const asked = await seen(async () => {
    assert.deepEqual(await l.locate(uri('sip', '192.0.2.55')), [t('udp', '192.0.2.55', 5060, '192.0.2.55')]);
    assert.deepEqual(await l.locate(uri('sip', '2001:db8::1', 5090, { transport: 'tcp' })), [t('tcp', '2001:db8::1', 5090, '2001:db8::1')]);
    assert.deepEqual(await l.locate(uri('sip', '[::1]', 5062)), [t('udp', '::1', 5062, '::1')]);
    assert.deepEqual(await l.locate(uri('sips', '192.0.2.55')), [t('tls', '192.0.2.55', 5061, '192.0.2.55')]);
  });
  assert.deepEqual(asked, []);
});

test('an explicit port means A/AAAA only, UDP for sip: and TLS for sips:', async () => {
  const l = locator();
  const asked = await seen(async () => {
    assert.deepEqual(await l.locate(uri('sip', 'a.proxy.example.test', 5080)), [
      t('udp', '192.0.2.10', 5080, 'a.proxy.example.test'),
      t('udp', '2001:db8::10', 5080, 'a.proxy.example.test'),
    ]);
    assert.deepEqual(await l.locate(uri('sips', 'b.proxy.example.test', 5081)), [t('tls', '192.0.2.11', 5081, 'b.proxy.example.test')]);
    assert.deepEqual(await l.locate(uri('sip', 'b.proxy.example.test', 5082, { transport: 'TCP' })), [t('tcp', '192.0.2.11', 5082, 'b.proxy.example.test')]);
  });
  assert.ok(
    asked.every((q) => q.startsWith('A ') || q.startsWith('AAAA ')),
    asked.join(', '),
  );
});

test('NAPTR -> SRV -> A/AAAA: lowest order, then preference; unknown services ignored', async () => {
  const asked = await seen(async () => {
    assert.deepEqual(await locator().locate(uri('sip', 'proxy.example.test')), [
      t('udp', '192.0.2.10', 5070, 'proxy.example.test'),
      t('udp', '2001:db8::10', 5070, 'proxy.example.test'),
      t('tcp', '192.0.2.11', 5071, 'proxy.example.test'),
    ]);
  });
  assert.ok(!asked.includes('SRV _sip._sctp.proxy.example.test'), 'SCTP is not ours');
  assert.ok(!asked.includes('SRV _sips._tcp.proxy.example.test'), 'order 20 not needed');
  assert.ok(!asked.includes('A proxy.example.test'), 'no A fallback when NAPTR worked');
});

test('sips: keeps only SIPS+D2T and yields TLS, verified against the URI domain', async () => {
  assert.deepEqual(await locator().locate(uri('sips', 'proxy.example.test')), [t('tls', '192.0.2.11', 5072, 'proxy.example.test')]);
});

test('a higher NAPTR order is used when the lower one leads to no server', async () => {
  assert.deepEqual(await locator().locate(uri('sip', 'fallback.example.test')), [t('tcp', '192.0.2.11', 5080, 'fallback.example.test')]);
});

test('the transports we support restrict NAPTR choices', async () => {
  assert.deepEqual(await locator({ transports: ['tcp', 'tls'] }).locate(uri('sip', 'proxy.example.test')), [
    t('tcp', '192.0.2.11', 5071, 'proxy.example.test'),
  ]);
  assert.deepEqual(await locator({ transports: ['tls'] }).locate(uri('sip', 'proxy.example.test')), [t('tls', '192.0.2.11', 5072, 'proxy.example.test')]);
});

test('no NAPTR: SRV for each supported transport, priorities then weights', async () => {
  const l = locator({ random: () => 0 });
  let result: SipTarget[] = [];
  const asked = await seen(async () => {
    result = await l.locate(uri('sip', 'srv.example.test'));
  });
  assert.deepEqual(result, [
    t('udp', '192.0.2.1', 5060, 'srv.example.test'),
    t('udp', '192.0.2.2', 5060, 'srv.example.test'),
    t('udp', '192.0.2.3', 5060, 'srv.example.test'),
    t('udp', '2001:db8::4', 5060, 'srv.example.test'),
    t('tcp', '192.0.2.1', 5060, 'srv.example.test'),
  ]);
  for (const q of ['NAPTR srv.example.test', 'SRV _sip._udp.srv.example.test', 'SRV _sip._tcp.srv.example.test', 'SRV _sips._tcp.srv.example.test']) {
    assert.ok(asked.includes(q), `asked ${q}`);
  }
  assert.ok(!asked.includes('A srv.example.test'), 'no A fallback when SRV exists');

  // A draw of 70 in 0..100 falls in s2's range (61..80); then 0 picks s1.
  const draws = [0.7, 0, 0, 0];
  const weighted = await locator({ random: () => draws.shift() ?? 0, transports: ['udp'] }).locate(uri('sip', 'srv.example.test'));
  assert.deepEqual(
    weighted.map((x) => x.address),
    ['192.0.2.2', '192.0.2.1', '192.0.2.3', '2001:db8::4'],
  );
});

test('NAPTR records none of which we can use count as no NAPTR', async () => {
  assert.deepEqual(await locator().locate(uri('sip', 'sctp-only.example.test')), [t('tcp', '192.0.2.11', 5090, 'sctp-only.example.test')]);
});

test('no NAPTR and no SRV: A/AAAA with the default port (5060 UDP for sip:, 5061 TLS for sips:)', async () => {
  assert.deepEqual(await locator().locate(uri('sip', 'plain.example.test')), [
    t('udp', '192.0.2.30', 5060, 'plain.example.test'),
    t('udp', '2001:db8::30', 5060, 'plain.example.test'),
  ]);
  assert.deepEqual(await locator().locate(uri('sips', 'plain.example.test')), [
    t('tls', '192.0.2.30', 5061, 'plain.example.test'),
    t('tls', '2001:db8::30', 5061, 'plain.example.test'),
  ]);
});

test('AAAA: IPv6 first or only when so configured; an IPv6-only name works by default', async () => {
  assert.deepEqual(
    (await locator({ ipFamilies: ['ipv6', 'ipv4'] }).locate(uri('sip', 'plain.example.test'))).map((x) => x.address),
    ['2001:db8::30', '192.0.2.30'],
  );
  assert.deepEqual(
    (await locator({ ipFamilies: ['ipv6'] }).locate(uri('sip', 'plain.example.test'))).map((x) => x.address),
    ['2001:db8::30'],
  );
  assert.deepEqual(
    (await locator({ ipFamilies: ['ipv4'] }).locate(uri('sip', 'plain.example.test'))).map((x) => x.address),
    ['192.0.2.30'],
  );
  assert.deepEqual(await locator().locate(uri('sip', 'v6only.example.test')), [t('udp', '2001:db8::66', 5060, 'v6only.example.test')]);
});

test('the transport param skips NAPTR and asks SRV for that transport only', async () => {
  let result: SipTarget[] = [];
  const asked = await seen(async () => {
    result = await locator().locate(uri('sip', 'proxy.example.test', undefined, { transport: 'tcp' }));
  });
  assert.deepEqual(result, [t('tcp', '192.0.2.11', 5071, 'proxy.example.test')]);
  assert.deepEqual(asked, ['SRV _sip._tcp.proxy.example.test', 'A b.proxy.example.test', 'AAAA b.proxy.example.test']);

  assert.deepEqual(await locator().locate(uri('sip', 'proxy.example.test', undefined, { transport: 'tls' })), [
    t('tls', '192.0.2.11', 5072, 'proxy.example.test'),
  ]);
  assert.deepEqual(await locator().locate(uri('sips', 'proxy.example.test', undefined, { transport: 'tcp' })), [
    t('tls', '192.0.2.11', 5072, 'proxy.example.test'),
  ]);
  // No SRV for that transport: A/AAAA with its default port.
  assert.deepEqual(await locator().locate(uri('sip', 'plain.example.test', undefined, { transport: 'tcp' })), [
    t('tcp', '192.0.2.30', 5060, 'plain.example.test'),
    t('tcp', '2001:db8::30', 5060, 'plain.example.test'),
  ]);
});

test('transports we cannot use give no targets: sips over UDP, SCTP, WebSocket, or one turned off', async () => {
  const asked = await seen(async () => {
    assert.deepEqual(await locator().locate(uri('sips', 'proxy.example.test', undefined, { transport: 'udp' })), []);
    assert.deepEqual(await locator().locate(uri('sip', 'proxy.example.test', undefined, { transport: 'sctp' })), []);
    assert.deepEqual(await locator().locate(uri('sip', '192.0.2.1', undefined, { transport: 'ws' })), []);
    assert.deepEqual(await locator({ transports: ['udp', 'tcp'] }).locate(uri('sips', 'proxy.example.test')), []);
  });
  assert.deepEqual(asked, []);
});

test('maddr replaces the host as the target; the URI host stays the TLS name', async () => {
  assert.deepEqual(await locator().locate(uri('sip', 'proxy.example.test', undefined, { maddr: '192.0.2.99' })), [
    t('udp', '192.0.2.99', 5060, 'proxy.example.test'),
  ]);
  assert.deepEqual(await locator().locate(uri('sips', 'proxy.example.test', 5999, { maddr: '[2001:db8::99]' })), [
    t('tls', '2001:db8::99', 5999, 'proxy.example.test'),
  ]);
  assert.deepEqual(await locator().locate(uri('sip', 'example.test', undefined, { maddr: 'srv.example.test', transport: 'tcp' })), [
    t('tcp', '192.0.2.1', 5060, 'example.test'),
  ]);
});

test('an SRV target of "." means no service: no fallback to A', async () => {
  assert.deepEqual(await locator().locate(uri('sip', 'nosip.example.test')), []);
});

test('SRV targets behind a CNAME resolve, and duplicates appear once', async () => {
  assert.deepEqual(await locator().locate(uri('sip', 'alias.example.test')), [t('udp', '192.0.2.60', 5060, 'alias.example.test')]);
});

test('a truncated SRV answer is fetched over TCP and used', async () => {
  const before = dns.queries.length;
  assert.deepEqual(await locator().locate(uri('sip', 'big.example.test', undefined, { transport: 'udp' })), [t('udp', '192.0.2.11', 5060, 'big.example.test')]);
  const srvQueries = dns.queries.slice(before).filter((q) => q.type === 'SRV');
  assert.deepEqual(
    srvQueries.map((q) => q.transport),
    ['udp', 'tcp'],
  );
});

test('an unknown name gives an empty list (NXDOMAIN from our server)', async () => {
  const asked = await seen(async () => {
    assert.deepEqual(await locator().locate(uri('sip', 'nowhere.example.test')), []);
  });
  assert.deepEqual(asked.sort(), [
    'A nowhere.example.test',
    'AAAA nowhere.example.test',
    'NAPTR nowhere.example.test',
    'SRV _sip._tcp.nowhere.example.test',
    'SRV _sip._udp.nowhere.example.test',
    'SRV _sips._tcp.nowhere.example.test',
  ]);
});

test('tel: URIs have nothing to locate', async () => {
  assert.deepEqual(await locator().locate({ scheme: 'tel', host: '', params: new Map() }), []);
});

test('when every lookup fails, locate rejects with the DnsError', async () => {
  await assert.rejects(locator().locate(uri('sip', 'broken.example.test', undefined, { transport: 'udp' })), (e: unknown) => {
    assert.ok(e instanceof DnsError);
    assert.equal(e.code, 'servfail');
    return true;
  });
});

test('a failed NAPTR lookup does not stop SRV from finding servers', async () => {
  assert.deepEqual(await locator().locate(uri('sip', 'half.example.test')), [t('udp', '192.0.2.11', 5060, 'half.example.test')]);
});

test('a silent DNS server: locate rejects with a timeout, bounded in time', async () => {
  const dead = await startDnsServer(zone);
  dead.dropAll = true;
  try {
    const l = new SipServerLocator({ resolver: new WireDnsResolver({ servers: [dead.endpoint], timeoutMs: 100, attempts: 2 }) });
    const started = performance.now();
    await assert.rejects(l.locate(uri('sip', 'proxy.example.test')), (e: unknown) => e instanceof DnsError && e.code === 'timeout');
    const elapsed = performance.now() - started;
    // NAPTR (2 x 100 ms), then the SRV queries in parallel (2 x 100 ms), then A/AAAA in parallel (2 x 100 ms).
    assert.ok(elapsed < 2000, `bounded (${Math.round(elapsed)} ms)`);
    assert.equal(dead.count('proxy.example.test', 'NAPTR'), 2);
  } finally {
    await dead.close();
  }
});

test('with a caching resolver, records are reused until their TTL expires', async () => {
  const clock = new FakeClock();
  const resolver = new CachingDnsResolver(new WireDnsResolver({ servers: [dns.endpoint], timeoutMs: 1000 }), { clock });
  const l = new SipServerLocator({ resolver });
  const first = await seen(() => l.locate(uri('sip', 'cached.example.test')));
  assert.ok(first.includes('SRV _sip._udp.cached.example.test'));
  assert.deepEqual(await l.locate(uri('sip', 'cached.example.test')), [t('udp', '192.0.2.70', 5060, 'cached.example.test')]);

  dns.zone['host.cached.example.test'] = { A: ['192.0.2.71'], ttl: 60 };
  clock.advance(59_000);
  const second = await seen(async () => {
    assert.deepEqual(await l.locate(uri('sip', 'cached.example.test')), [t('udp', '192.0.2.70', 5060, 'cached.example.test')]);
  });
  // Only the negative answers (30 s negative TTL: NAPTR, the other SRV, AAAA) were asked again.
  assert.ok(!second.includes('SRV _sip._udp.cached.example.test') && !second.includes('A host.cached.example.test'), second.join(', '));

  clock.advance(1_000);
  assert.deepEqual(await l.locate(uri('sip', 'cached.example.test')), [t('udp', '192.0.2.71', 5060, 'cached.example.test')]);
});

test('maxTargets bounds the list', async () => {
  assert.equal((await locator({ maxTargets: 2 }).locate(uri('sip', 'srv.example.test'))).length, 2);
});
