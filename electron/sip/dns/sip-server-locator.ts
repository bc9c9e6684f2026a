/**
 * RFC 3263 §4, "Client Usage": from a SIP or SIPS URI to the ordered list of
 * (transport, address, port) to send a request to.
 *
 *   TARGET = maddr param, else host                                  §4.1
 *     numeric IP ─────────────▶ that address; port from URI or default
 *     port in URI ────────────▶ A/AAAA(TARGET), that port
 *     transport param ────────▶ SRV _sip(s)._<proto>.TARGET ─┐       §4.2
 *     otherwise NAPTR(TARGET)                                │
 *        usable records ──────▶ SRV(replacement) per record  │
 *        none ────────────────▶ SRV for each supported proto ┤
 *                                                            ▼
 *             SRV found: targets in RFC 2782 order, each A/AAAA(target)
 *             no SRV: A/AAAA(TARGET), default port               §4.2
 *
 * Transport without a transport param or DNS help: UDP for sip:, TLS for
 * sips: (§4.1). A sips: URI only ever yields TLS. Address families are asked
 * both, in the configured order (IPv4 first by default).
 *
 * A failed lookup (timeout, SERVFAIL) counts as "no records" so that other
 * branches can still produce servers; if nothing at all is found and some
 * lookup failed, `locate` rejects with that `DnsError` rather than pretending
 * the domain has no servers.
 */
import { isIP } from 'node:net';
import type { Clock } from '../../common/clock.ts';
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { CachingDnsResolver } from './caching-dns-resolver.ts';
import { DnsError } from './dns-error.ts';
import { normalizeDnsName } from './dns-records.ts';
import type { DnsRecordMap, DnsRecordType, DnsResolver, NaptrRecord } from './dns-records.ts';
import { orderSrvRecords } from './srv-order.ts';
import type { RandomSource } from './srv-order.ts';
import { SystemDnsResolver } from './system-dns-resolver.ts';
import { defaultSipPort } from './sip-target.ts';
import type { IpFamily, LocatableUri, SipTarget, SipTransportProtocol } from './sip-target.ts';

export interface SipServerLocatorOptions {
  /** Default: a `CachingDnsResolver` over a `SystemDnsResolver`. */
  resolver?: DnsResolver;
  /** For the default resolver's cache. */
  clock?: Clock;
  /** Transports we can use, in the order to prefer when DNS expresses no preference; default udp, tcp, tls. */
  transports?: SipTransportProtocol[];
  /** Address families to ask for, in order of preference; default ipv4, ipv6. */
  ipFamilies?: IpFamily[];
  /** For the weighted SRV draw (RFC 2782); default Math.random. */
  random?: RandomSource;
  logger?: Logger;
  /** Bound on the list returned (and on the work a hostile zone can cause); default 32. */
  maxTargets?: number;
}

/** RFC 3263 §4.1 resolution services; D2S (SCTP) and D2W (WebSocket, RFC 7118) are not ours. */
const naptrServices: Record<string, SipTransportProtocol> = { 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };
const maxRecordsPerAnswer = 16;

/** Per-call state: the lookups that failed. */
type Failures = DnsError[];

interface SrvOutcome {
  /** SRV records exist (even if all say "."), so no fallback to A/AAAA (RFC 2782). */
  found: boolean;
  targets: SipTarget[];
}

export class SipServerLocator {
  readonly #resolver: DnsResolver;
  readonly #transports: SipTransportProtocol[];
  readonly #families: IpFamily[];
  readonly #random: RandomSource;
  readonly #log: Logger;
  readonly #maxTargets: number;

  constructor(options: SipServerLocatorOptions = {}) {
    this.#resolver = options.resolver ?? new CachingDnsResolver(new SystemDnsResolver(), { clock: options.clock });
    this.#transports = [...new Set<SipTransportProtocol>(options.transports ?? ['udp', 'tcp', 'tls'])];
    this.#families = [...new Set<IpFamily>(options.ipFamilies ?? ['ipv4', 'ipv6'])];
    this.#random = options.random ?? Math.random;
    this.#log = (options.logger ?? nullLogger).child('sip.dns');
    this.#maxTargets = Math.max(1, options.maxTargets ?? 32);
  }

  /** The servers for `uri`, best first; `[]` when the name has none (or the URI cannot be located, e.g. tel:). */
  async locate(uri: LocatableUri): Promise<SipTarget[]> {
    const failures: Failures = [];
    const seen = new Set<string>();
    const targets: SipTarget[] = [];
    for (const t of await this.#locate(uri, failures)) {
      const key = `${t.protocol}|${t.address}|${t.port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push(t);
      if (targets.length >= this.#maxTargets) break;
    }
    if (targets.length === 0 && failures.length > 0) throw failures[0];
    this.#log.debug('located', { uri: `${uri.scheme}:${uri.host}`, targets: targets.length, failures: failures.length });
    return targets;
  }

  async #locate(uri: LocatableUri, failures: Failures): Promise<SipTarget[]> {
    // tel: has no host; reaching it is the outbound proxy's job (or ENUM, RFC 6116, which we do not do).
    if (uri.scheme === 'tel') return [];
    const secure = uri.scheme === 'sips';
    const maddr = uri.params.get('maddr');
    const target = hostOf(typeof maddr === 'string' && maddr !== '' ? maddr : uri.host);
    if (target === '.') return [];
    // RFC 5922 §4: the certificate must match the domain we meant to reach, not the SRV target.
    const serverName = uri.host ? hostOf(uri.host) : target;

    const explicit = this.#explicitTransport(uri.params.get('transport'), secure);
    if (explicit === null) return [];
    const protocol = explicit ?? this.#defaultProtocol(secure);
    if (protocol === undefined) return [];

    if (isIP(target)) return [{ protocol, address: target, port: uri.port ?? defaultSipPort(protocol), serverName }];
    if (uri.port !== undefined) return this.#addresses(target, protocol, uri.port, serverName, failures);
    if (explicit !== undefined) {
      const srv = await this.#srv(srvName(explicit, target), explicit, serverName, failures);
      return srv.found ? srv.targets : this.#addresses(target, explicit, defaultSipPort(explicit), serverName, failures);
    }

    const naptr = await this.#naptr(target, secure, serverName, failures);
    if (naptr !== undefined) return naptr;

    // §4.1: no NAPTR: SRV for each transport we support (only TLS for sips:), in our order.
    const protocols = this.#transports.filter((p) => !secure || p === 'tls');
    const outcomes = await Promise.all(protocols.map((p) => this.#srv(srvName(p, target), p, serverName, failures)));
    if (outcomes.some((o) => o.found)) return outcomes.flatMap((o) => o.targets);
    return this.#addresses(target, protocol, defaultSipPort(protocol), serverName, failures);
  }

  /** RFC 3261 §19.1.1 transport param; `undefined` = absent, `null` = one we cannot use. */
  #explicitTransport(value: string | null | undefined, secure: boolean): SipTransportProtocol | null | undefined {
    if (value === undefined || value === null || value === '') return undefined;
    let protocol: SipTransportProtocol | null;
    switch (value.toLowerCase()) {
      case 'udp':
        // sips: over UDP would need DTLS, which SIP does not define (RFC 5630 §3.1.3).
        protocol = secure ? null : 'udp';
        break;
      case 'tcp':
        // RFC 5630 §3.1.1: sips: with transport=tcp means TLS over TCP.
        protocol = secure ? 'tls' : 'tcp';
        break;
      case 'tls': // RFC 3261 kept transport=tls for compatibility; RFC 5630 deprecates it.
        protocol = 'tls';
        break;
      default:
        protocol = null; // sctp, ws, wss...
    }
    if (protocol !== null && !this.#transports.includes(protocol)) protocol = null;
    if (protocol === null) this.#log.debug('transport not usable', { transport: value, secure });
    return protocol;
  }

  /** §4.1: UDP for sip:, TLS for sips:, when neither the URI nor DNS says more. */
  #defaultProtocol(secure: boolean): SipTransportProtocol | undefined {
    if (secure) return this.#transports.includes('tls') ? 'tls' : undefined;
    return this.#transports.includes('udp') ? 'udp' : this.#transports[0];
  }

  /**
   * §4.1 with RFC 3403 §4: the usable records of the lowest ORDER are tried,
   * by PREFERENCE; a higher ORDER only when the lower one led to no server.
   * `undefined` when there is no usable NAPTR record at all.
   */
  async #naptr(target: string, secure: boolean, serverName: string, failures: Failures): Promise<SipTarget[] | undefined> {
    const usable: { record: NaptrRecord; protocol: SipTransportProtocol }[] = [];
    for (const record of (await this.#query(target, 'NAPTR', failures)).slice(0, maxRecordsPerAnswer)) {
      const protocol = naptrServices[record.services.toUpperCase()];
      if (protocol === undefined || !this.#transports.includes(protocol)) continue;
      if (secure && protocol !== 'tls') continue; // §4.1: a SIPS URI discards all but SIPS services
      if (record.flags.toLowerCase() !== 's' || record.replacement === '.') continue;
      usable.push({ record, protocol });
    }
    if (usable.length === 0) return undefined;
    usable.sort((a, b) => a.record.order - b.record.order || a.record.preference - b.record.preference);
    const orders = [...new Set(usable.map((u) => u.record.order))];
    for (const order of orders) {
      const group = usable.filter((u) => u.record.order === order);
      const outcomes = await Promise.all(group.map((u) => this.#srv(u.record.replacement, u.protocol, serverName, failures)));
      const targets = outcomes.flatMap((o) => o.targets);
      if (targets.length > 0) return targets;
    }
    return [];
  }

  async #srv(name: string, protocol: SipTransportProtocol, serverName: string, failures: Failures): Promise<SrvOutcome> {
    const records = (await this.#query(name, 'SRV', failures)).slice(0, maxRecordsPerAnswer);
    const ordered = orderSrvRecords(records, this.#random);
    const lists = await Promise.all(ordered.map((r) => this.#addresses(r.target, protocol, r.port, serverName, failures)));
    return { found: records.length > 0, targets: lists.flat() };
  }

  async #addresses(name: string, protocol: SipTransportProtocol, port: number, serverName: string, failures: Failures): Promise<SipTarget[]> {
    const host = hostOf(name);
    if (isIP(host)) return [{ protocol, address: host, port, serverName }];
    const lists = await Promise.all(
      this.#families.map(async (f) => {
        const records = await this.#query(host, f === 'ipv4' ? 'A' : 'AAAA', failures);
        return records.filter((r) => isIP(r.address) === (f === 'ipv4' ? 4 : 6));
      }),
    );
    return lists.flat().map((r) => ({ protocol, address: r.address, port, serverName }));
  }

  async #query<T extends DnsRecordType>(name: string, type: T, failures: Failures): Promise<DnsRecordMap[T][]> {
    try {
      return await this.#resolver.query(name, type);
    } catch (e) {
      if (!(e instanceof DnsError)) throw e;
      this.#log.debug('lookup failed', { name, type, code: e.code });
      failures.push(e);
      return [];
    }
  }
}

function srvName(protocol: SipTransportProtocol, target: string): string {
  // §4.2: TLS uses the "_sips" service (for sip: URIs too) over "_tcp".
  return protocol === 'tls' ? `_sips._tcp.${target}` : `_sip._${protocol}.${target}`;
}

/** An IP literal without brackets, or a normalized host name. */
function hostOf(host: string): string {
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  return isIP(h) ? h.toLowerCase() : normalizeDnsName(h);
}
