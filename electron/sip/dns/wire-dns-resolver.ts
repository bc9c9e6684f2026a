/**
 * Our own stub resolver: asks configured recursive (or authoritative) servers
 * directly, over UDP with a fallback to TCP when the answer is truncated
 * (TC=1, RFC 1035 §4.2.1, RFC 7766 §5). Used where the system resolver is not
 * wanted (a softphone told to use a given DNS server) and by the tests, which
 * point it at a DNS server they run on loopback.
 *
 * Every lookup is bounded: `attempts` rounds over the servers, each exchange
 * at most `timeoutMs`, so the worst case is attempts x servers x timeoutMs
 * (twice that for an exchange that goes on over TCP).
 */
import { randomInt } from 'node:crypto';
import { encode, RECURSION_DESIRED } from 'dns-packet';
import type { Answer } from 'dns-packet';
import { systemClock } from '../../common/clock.ts';
import type { Clock } from '../../common/clock.ts';
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { DnsError } from './dns-error.ts';
import type { DnsErrorCode } from './dns-error.ts';
import { tcpExchange, udpExchange } from './dns-exchange.ts';
import type { DnsResponse, DnsServerAddress } from './dns-exchange.ts';
import { normalizeDnsName } from './dns-records.ts';
import type { DnsRecordMap, DnsRecordType, DnsResolver } from './dns-records.ts';

export type { DnsServerAddress } from './dns-exchange.ts';

export interface WireDnsResolverOptions {
  servers: DnsServerAddress[];
  /** Per exchange; default 2000 ms. */
  timeoutMs?: number;
  /** Rounds over all servers; default 2, at most 5. */
  attempts?: number;
  /** EDNS0 UDP payload size to advertise (RFC 6891); 0 sends no OPT record. Default 1232 (DNS flag day 2020). */
  ednsUdpSize?: number;
  clock?: Clock;
  logger?: Logger;
}

/** CNAME chains longer than this are treated as a loop (RFC 1034 §3.6.2 says chains should be short). */
const maxCnameHops = 8;

/** RCODEs after which another server (or another round) may do better. */
const rcodeErrors: Record<string, DnsErrorCode> = {
  SERVFAIL: 'servfail',
  REFUSED: 'refused',
  FORMERR: 'formerr',
  NOTIMP: 'notimp',
};

export class WireDnsResolver implements DnsResolver {
  readonly #servers: DnsServerAddress[];
  readonly #timeoutMs: number;
  readonly #attempts: number;
  readonly #ednsUdpSize: number;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(options: WireDnsResolverOptions) {
    if (options.servers.length === 0) throw new Error('WireDnsResolver needs at least one server');
    this.#servers = options.servers.map((s) => ({ address: s.address.replace(/^\[(.*)\]$/, '$1'), port: s.port }));
    this.#timeoutMs = Math.max(1, options.timeoutMs ?? 2000);
    this.#attempts = Math.min(5, Math.max(1, Math.floor(options.attempts ?? 2)));
    this.#ednsUdpSize = options.ednsUdpSize ?? 1232;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? nullLogger).child('wire');
  }

  async query<T extends DnsRecordType>(name: string, type: T): Promise<DnsRecordMap[T][]> {
    let qname = normalizeDnsName(name);
    let chainTtl = Number.POSITIVE_INFINITY;
    // A server may answer with a CNAME chain that ends outside its data; then we ask for the chain's end.
    for (let hop = 0; hop <= maxCnameHops; hop++) {
      const response = await this.#lookup(qname, type);
      if (response.rcode === 'NXDOMAIN') return [];
      const answers = response.answers ?? [];
      let owner = qname;
      for (let i = 0; i < maxCnameHops; i++) {
        const cname = answers.find((a) => a.type === 'CNAME' && normalizeDnsName(a.name) === owner);
        if (!cname || cname.type !== 'CNAME') break;
        chainTtl = Math.min(chainTtl, cname.ttl ?? 0);
        owner = normalizeDnsName(cname.data);
      }
      const records = answers.filter((a) => a.type === type && normalizeDnsName(a.name) === owner);
      if (records.length > 0 || owner === qname) return records.map((a) => toRecord(a, type, chainTtl));
      qname = owner;
    }
    throw new DnsError('bad-response', name, type, 'CNAME chain too long');
  }

  /** Asks the servers in turn until one gives a usable answer (NOERROR or NXDOMAIN). */
  async #lookup(name: string, type: DnsRecordType): Promise<DnsResponse> {
    let last: DnsError | undefined;
    for (let round = 0; round < this.#attempts; round++) {
      for (const server of this.#servers) {
        const id = randomInt(0, 0x10000);
        const query = encode({
          type: 'query',
          id,
          flags: RECURSION_DESIRED,
          questions: [{ type, name, class: 'IN' }],
          additionals:
            this.#ednsUdpSize > 0
              ? [{ type: 'OPT', name: '.', udpPayloadSize: this.#ednsUdpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
              : [],
        });
        const exchange = { server, query, id, name, type, timeoutMs: this.#timeoutMs, clock: this.#clock };
        try {
          let response = await udpExchange(exchange);
          if (response.flag_tc) {
            this.#log.debug('truncated answer, retrying over TCP', { name, type, server: server.address });
            response = await tcpExchange(exchange);
          }
          const code = rcodeErrors[response.rcode ?? 'NOERROR'];
          if (code === undefined) return response;
          last = new DnsError(code, name, type, `from ${server.address}:${server.port}`);
        } catch (e) {
          if (!(e instanceof DnsError)) throw e;
          last = e;
        }
        this.#log.debug('lookup failed', { name, type, server: server.address, code: last.code, round });
      }
    }
    throw last ?? new DnsError('other', name, type);
  }
}

function toRecord<T extends DnsRecordType>(a: Answer, type: T, chainTtl: number): DnsRecordMap[T] {
  const ttl = Math.min(chainTtl, 'ttl' in a ? (a.ttl ?? 0) : 0);
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return { address: a.data, ttl } as DnsRecordMap[T];
    case 'SRV':
      return {
        priority: a.data.priority ?? 0,
        weight: a.data.weight ?? 0,
        port: a.data.port,
        target: normalizeDnsName(a.data.target),
        ttl,
      } as DnsRecordMap[T];
    case 'NAPTR':
      return {
        order: a.data.order,
        preference: a.data.preference,
        flags: a.data.flags,
        services: a.data.services,
        regexp: a.data.regexp,
        replacement: normalizeDnsName(a.data.replacement),
        ttl,
      } as DnsRecordMap[T];
    default:
      throw new DnsError('bad-response', a.name, type, `unexpected ${a.type} record`);
  }
}
