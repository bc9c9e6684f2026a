/**
 * Keeps answers for as long as their TTL allows (RFC 1035 §3.2.1: the
 * smallest TTL of the set), empty answers for a short negative TTL (RFC 2308
 * would take it from the SOA, which the resolver contract does not carry),
 * and shares one lookup among callers asking the same question at once.
 * Failures are never cached: the next request asks again.
 */
import { systemClock } from '../../common/clock.ts';
import type { Clock } from '../../common/clock.ts';
import { normalizeDnsName } from './dns-records.ts';
import type { DnsRecordMap, DnsRecordType, DnsResolver } from './dns-records.ts';

export interface CachingDnsResolverOptions {
  clock?: Clock;
  /** How long "no such name / no such records" is remembered; default 30 s (0 = not at all). */
  negativeTtlSeconds?: number;
  /** Upper bound for any TTL (RFC 8767 suggests a week; a phone roaming between networks wants less); default 1 h. */
  maxTtlSeconds?: number;
  /** Oldest entries go first beyond this; default 1000. */
  maxEntries?: number;
}

interface Entry {
  records: unknown[];
  expiresAt: number;
}

export class CachingDnsResolver implements DnsResolver {
  readonly #inner: DnsResolver;
  readonly #clock: Clock;
  readonly #negativeTtl: number;
  readonly #maxTtl: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Map<string, Promise<unknown[]>>();

  constructor(inner: DnsResolver, options: CachingDnsResolverOptions = {}) {
    this.#inner = inner;
    this.#clock = options.clock ?? systemClock;
    this.#negativeTtl = Math.max(0, options.negativeTtlSeconds ?? 30);
    this.#maxTtl = Math.max(0, options.maxTtlSeconds ?? 3600);
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1000);
  }

  /** Entries held, expired ones included until they are next looked at. */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }

  async query<T extends DnsRecordType>(name: string, type: T): Promise<DnsRecordMap[T][]> {
    const key = `${type} ${normalizeDnsName(name)}`;
    const now = this.#clock.now();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > now) return [...hit.records] as DnsRecordMap[T][];
    if (hit) this.#entries.delete(key);

    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#fetch(key, name, type);
      this.#pending.set(key, pending);
      const forget = () => this.#pending.delete(key);
      pending.then(forget, forget);
    }
    return [...(await pending)] as DnsRecordMap[T][];
  }

  async #fetch(key: string, name: string, type: DnsRecordType): Promise<unknown[]> {
    const records = await this.#inner.query(name, type);
    const ttl = records.length === 0 ? this.#negativeTtl : Math.min(this.#maxTtl, ...records.map((r) => r.ttl));
    if (ttl > 0) {
      this.#entries.delete(key);
      this.#entries.set(key, { records, expiresAt: this.#clock.now() + ttl * 1000 });
      while (this.#entries.size > this.#maxEntries) {
        const oldest = this.#entries.keys().next().value;
        if (oldest === undefined) break;
        this.#entries.delete(oldest);
      }
    }
    return records;
  }
}
