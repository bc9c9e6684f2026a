/**
 * From a next-hop URI to the transport targets to try (RFC 3263 §4 via the
 * SipServerLocator), keeping only those this UA can use: a listener of that
 * protocol and address family must exist, since Via and Contact name it.
 * An account's transport preference is applied as if the URI carried
 * `;transport=` (§4.1), without changing the URI that goes on the wire.
 * Given the request's Request-URI, a sips: one keeps only TLS targets and
 * refuses any other hop in words (RFC 5630, dialog/next-hop.ts secureHops).
 */
import { InsecureTargetError, UnreachableTargetError } from './ua-errors.ts';
import { isIP } from 'node:net';
import { secureHops } from '../dialog/next-hop.ts';
import type { SipTarget, LocatableUri } from '../dns/sip-target.ts';
import type { SipUri } from '../message/index.ts';
import type { SendTarget, SipTransport, TransportProtocol } from '../transport/transport.ts';

export interface ServerLocator {
  locate(uri: LocatableUri): Promise<SipTarget[]>;
}

export class TargetResolver {
  readonly #locator: ServerLocator;
  readonly #transport: Pick<SipTransport, 'localAddress'>;

  constructor(locator: ServerLocator, transport: Pick<SipTransport, 'localAddress'>) {
    this.#locator = locator;
    this.#transport = transport;
  }

  /**
   * Targets of the next hop `uri` in the order to try; rejects when none is
   * usable, or when `requestUri` is sips: and the hop is not TLS.
   */
  async resolve(uri: SipUri, preferred?: TransportProtocol, requestUri?: SipUri): Promise<SendTarget[]> {
    const located = await this.#locator.locate(withPreferredTransport(uri, preferred));
    const usable = located.filter((t) => this.usable(t.protocol, t.address));
    if (usable.length === 0) {
      const what = located.length === 0 ? 'no server found' : `no listener for ${[...new Set(located.map((t) => t.protocol))].join('/')}`;
      throw new UnreachableTargetError(`cannot reach ${uri.host}: ${what}`);
    }
    const targets = usable.map((t) => ({ protocol: t.protocol, address: t.address, port: t.port, serverName: t.serverName }));
    try {
      return secureHops(requestUri ?? uri, uri, targets);
    } catch (err) {
      throw new InsecureTargetError(err instanceof Error ? err.message : String(err));
    }
  }

  usable(protocol: TransportProtocol, address: string): boolean {
    return this.#transport.localAddress(protocol, familyOf(address)) !== undefined;
  }
}

export function familyOf(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}

function withPreferredTransport(uri: SipUri, preferred: TransportProtocol | undefined): SipUri {
  if (!preferred || preferred === 'udp' || uri.scheme !== 'sip' || uri.params.has('transport')) return uri;
  const params = new Map(uri.params);
  params.set('transport', preferred);
  return { ...uri, params };
}
