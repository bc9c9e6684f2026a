/**
 * The production resolver: node:dns/promises `Resolver` (c-ares), which asks
 * the servers of the system configuration (or the ones given). c-ares does not
 * report TTLs for NAPTR and SRV answers, so those get `defaultTtlSeconds`.
 *
 * c-ares speaks DNS only; a server name written in /etc/hosts or announced
 * over mDNS would not resolve. So, unless turned off, an A/AAAA question that
 * DNS answers with nothing is asked once more of the operating system
 * (getaddrinfo via `lookup`), as every other program on the machine would.
 */
import { DnsError } from './dns-error.ts';
import type { DnsErrorCode } from './dns-error.ts';
import { normalizeDnsName } from './dns-records.ts';
import type { AddressRecord, DnsRecordMap, DnsRecordType, DnsResolver, NaptrRecord, SrvRecord } from './dns-records.ts';

/** The part of node:dns/promises `Resolver` we use; tests inject a stub. */
export interface NodeDnsResolverLike {
  resolveNaptr(name: string): Promise<{ flags: string; service: string; regexp: string; replacement: string; order: number; preference: number }[]>;
  resolveSrv(name: string): Promise<{ priority: number; weight: number; port: number; name: string }[]>;
  resolve4(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
  resolve6(name: string, options: { ttl: true }): Promise<{ address: string; ttl: number }[]>;
}

export type OsLookup = (name: string, options: { family: 4 | 6; all: true }) => Promise<{ address: string; family: number }[]>;

export interface SystemDnsResolverOptions {
  /** Servers as node:dns `setServers` takes them ("127.0.0.1", "[::1]:5353"); default: the system's. */
  servers?: string[];
  /** Per try, as c-ares counts it; default 2000 ms. */
  timeoutMs?: number;
  /** Tries per server; default 2. */
  tries?: number;
  /** TTL given to NAPTR and SRV records, and to addresses found by the OS lookup; default 60 s. */
  defaultTtlSeconds?: number;
  /** Ask the OS (hosts file, mDNS) when DNS has no address; default true. */
  osLookupFallback?: boolean;
  resolver?: NodeDnsResolverLike;
  lookup?: OsLookup;
}

/** c-ares error codes (node:dns constants) that mean "no such data": an empty answer. */
const emptyCodes = new Set(['ENOTFOUND', 'ENODATA', 'EBADNAME', 'ENONAME']);
const errorCodes: Record<string, DnsErrorCode> = {
  ETIMEOUT: 'timeout',
  ESERVFAIL: 'servfail',
  EREFUSED: 'refused',
  EFORMERR: 'formerr',
  ENOTIMP: 'notimp',
  EBADRESP: 'bad-response',
  ECONNREFUSED: 'network',
};

/**
 * node:dns/promises when the first question is asked: a phone whose
 * registrars are IP literals asks none, and loading it at start costs an
 * idle phone ≈ 0.5 MB.
 */
const nodeDns = () => process.getBuiltinModule('node:dns/promises');
const osLookup: OsLookup = (name, options) => nodeDns().lookup(name, options);

function nodeResolver(options: SystemDnsResolverOptions): NodeDnsResolverLike {
  const r = new (nodeDns().Resolver)({ timeout: options.timeoutMs ?? 2000, tries: options.tries ?? 2 });
  if (options.servers) r.setServers(options.servers);
  return r;
}

export class SystemDnsResolver implements DnsResolver {
  #resolver: NodeDnsResolverLike | undefined;
  readonly #options: SystemDnsResolverOptions;
  readonly #lookup: OsLookup;
  readonly #defaultTtl: number;
  readonly #osFallback: boolean;

  constructor(options: SystemDnsResolverOptions = {}) {
    this.#options = options;
    // Servers given are checked at once (setServers throws on a bad one); the system's wait for the first question.
    this.#resolver = options.resolver ?? (options.servers ? nodeResolver(options) : undefined);
    this.#lookup = options.lookup ?? osLookup;
    this.#defaultTtl = options.defaultTtlSeconds ?? 60;
    this.#osFallback = options.osLookupFallback ?? true;
  }

  async query<T extends DnsRecordType>(name: string, type: T): Promise<DnsRecordMap[T][]> {
    const qname = normalizeDnsName(name);
    if (qname === '.') return [];
    const records = await this.#dns(qname, type);
    if (records.length > 0 || !this.#osFallback || (type !== 'A' && type !== 'AAAA')) return records as DnsRecordMap[T][];
    return (await this.#os(qname, type === 'A' ? 4 : 6)) as DnsRecordMap[T][];
  }

  async #dns(name: string, type: DnsRecordType): Promise<(NaptrRecord | SrvRecord | AddressRecord)[]> {
    const resolver = (this.#resolver ??= nodeResolver(this.#options));
    try {
      switch (type) {
        case 'NAPTR':
          return (await resolver.resolveNaptr(name)).map((r) => ({
            order: r.order,
            preference: r.preference,
            flags: r.flags,
            services: r.service,
            regexp: r.regexp,
            replacement: normalizeDnsName(r.replacement),
            ttl: this.#defaultTtl,
          }));
        case 'SRV':
          return (await resolver.resolveSrv(name)).map((r) => ({
            priority: r.priority,
            weight: r.weight,
            port: r.port,
            target: normalizeDnsName(r.name),
            ttl: this.#defaultTtl,
          }));
        case 'A':
          return (await resolver.resolve4(name, { ttl: true })).map((r) => ({ address: r.address, ttl: r.ttl }));
        case 'AAAA':
          return (await resolver.resolve6(name, { ttl: true })).map((r) => ({ address: r.address, ttl: r.ttl }));
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (emptyCodes.has(code)) return [];
      throw new DnsError(errorCodes[code] ?? 'other', name, type, code || (e as Error).message);
    }
  }

  async #os(name: string, family: 4 | 6): Promise<AddressRecord[]> {
    try {
      const found = await this.#lookup(name, { family, all: true });
      return found.filter((a) => a.family === family).map((a) => ({ address: a.address, ttl: this.#defaultTtl }));
    } catch {
      // The OS lookup is a second chance only; its failure means "no address", DNS already had its say.
      return [];
    }
  }
}
