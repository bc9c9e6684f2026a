/**
 * Which URIs name this server (RFC 3261 §16.4: a proxy removes the Route
 * values that are its own, and treats a Request-URI it put in a
 * Record-Route as addressed to itself): the domain at any port, or one of
 * the addresses and ports it listens on (a wildcard listener answers on
 * every local address). Also builds the Record-Route values (§16.6 step 4),
 * one per transport the request crosses (RFC 5658 double Record-Route).
 */
import { networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import type { SipUri } from '../sip/message/index.ts';
import type { Endpoint, TransportProtocol } from '../sip/transport/index.ts';

export interface OwnListener {
  protocol: TransportProtocol;
  local: Endpoint;
  /** The address written in Via / Record-Route for this listener. */
  advertised: { host: string; port: number };
}

function canonical(address: string): string {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

export class ServerIdentity {
  readonly domain: string;
  readonly listeners: OwnListener[] = [];
  readonly #addresses = new Set<string>();
  readonly #ports = new Set<number>();

  constructor(domain: string) {
    this.domain = domain.toLowerCase();
  }

  addListener(l: OwnListener): void {
    this.listeners.push(l);
    this.#ports.add(l.local.port);
    this.#ports.add(l.advertised.port);
    this.#addresses.add(canonical(l.advertised.host));
    const bound = canonical(l.local.address);
    if (bound === '0.0.0.0' || bound === '::') {
      for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) this.#addresses.add(canonical(i.address));
    } else {
      this.#addresses.add(bound);
    }
  }

  /** The URI names this server: our domain (any port), or our address and one of our ports. */
  isOwn(uri: SipUri): boolean {
    const host = canonical(uri.host);
    if (host === this.domain) return true;
    if (!this.#addresses.has(host)) return false;
    const port = uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060);
    return this.#ports.has(port);
  }

  /** The host is our domain or one of our addresses (whatever the port): requests there are ours to route. */
  servesHost(host: string): boolean {
    const h = canonical(host);
    return h === this.domain || this.#addresses.has(h);
  }

  listenerFor(protocol: TransportProtocol): OwnListener | undefined {
    return this.listeners.find((l) => l.protocol === protocol);
  }

  /** sip:host:port;transport=x;lr for the listener of `protocol`. */
  recordRoute(protocol: TransportProtocol): string | undefined {
    const l = this.listenerFor(protocol);
    if (!l) return undefined;
    const host = isIP(l.advertised.host) === 6 ? `[${l.advertised.host}]` : l.advertised.host;
    return `<sip:${host}:${l.advertised.port};transport=${protocol};lr>`;
  }
}
