/**
 * An in-memory SipTransport for tests of the transaction and dialog layers:
 * endpoints on a `FakeNetwork` exchange messages by address:port. Every
 * message crosses as text (serialize + parse), so sender and receiver never
 * share objects, and requests get their Via stamped like the real transport
 * does (sent-by + rport out, received + rport in; RFC 3261 §18, RFC 3581).
 * Delivery is asynchronous: on a microtask, or after `latency` ms of the
 * injected clock. `drop` decides per packet (loss); `failSend` makes `send`
 * reject with a TransportError (e.g. connection refused).
 */
import type { Clock } from '../../electron/common/clock.ts';
import { copyVia, formatVia, parseMessage, serializeMessage, topVia } from '../../electron/sip/message/index.ts';
import type { SipMessage, SipResponse } from '../../electron/sip/message/index.ts';
import { TransportError } from '../../electron/sip/transport/transport-error.ts';
import { decodeStun, encodeStun, isStun, StunType, xorAddressAttribute } from '../../electron/net/stun/index.ts';
import type { Endpoint, IncomingMessage, SendTarget, SipTransport, TransportProtocol } from '../../electron/sip/transport/transport.ts';

export interface Packet {
  from: Endpoint;
  to: Endpoint;
  /** The message as the receiver parses it. */
  message: SipMessage;
  text: string;
  dropped: boolean;
  time: number;
}

export interface FakeNetworkOptions {
  clock?: Clock;
  /** Delivery delay in clock ms (needs `clock`); default: next microtask. */
  latency?: number;
}

export class FakeNetwork {
  readonly packets: Packet[] = [];
  /** Return true to lose the packet (it is still recorded, with dropped: true). */
  drop: (p: { from: Endpoint; to: Endpoint; message: SipMessage }) => boolean = () => false;
  readonly #nodes = new Map<string, FakeTransport>();
  /** Public address:port → the node behind a NAT that it maps to. */
  readonly #nat = new Map<string, FakeTransport>();
  readonly #clock: Clock | undefined;
  readonly #latency: number | undefined;

  constructor(opts: FakeNetworkOptions = {}) {
    this.#clock = opts.clock;
    this.#latency = opts.latency;
  }

  /** A transport bound to address:port on this network. */
  endpoint(address: string, port = 5060): FakeTransport {
    const t = new FakeTransport(this, address, port);
    this.#nodes.set(`${address}|${port}`, t);
    return t;
  }

  /** Drops the next `n` packets matching `filter` (default: any), then lets everything through again. */
  loseNext(n: number, filter: (p: { from: Endpoint; to: Endpoint; message: SipMessage }) => boolean = () => true): void {
    let left = n;
    const previous = this.drop;
    this.drop = (p) => {
      if (left > 0 && filter(p)) {
        left--;
        return true;
      }
      return previous(p);
    };
  }

  /** Packets whose message is a request of `method` (or a response with that status when a number). */
  find(what: string | number, opts: { includeDropped?: boolean } = {}): Packet[] {
    return this.packets.filter(
      (p) =>
        (opts.includeDropped || !p.dropped) &&
        (typeof what === 'number' ? p.message.kind === 'response' && p.message.status === what : p.message.kind === 'request' && p.message.method === what),
    );
  }

  node(address: string, port: number): FakeTransport | undefined {
    return this.#nodes.get(`${address}|${port}`);
  }

  unregister(t: FakeTransport): void {
    this.#nodes.delete(`${t.address}|${t.port}`);
  }

  /** Puts `t` behind a NAT: it is seen at `address:port` (or `unmap` = the router forgot the mapping). */
  mapNat(t: FakeTransport, address: string, port: number): void {
    for (const [k, v] of this.#nat) if (v === t) this.#nat.delete(k);
    this.#nat.set(`${address}|${port}`, t);
  }

  unmapNat(t: FakeTransport): void {
    for (const [k, v] of this.#nat) if (v === t) this.#nat.delete(k);
  }

  /** Where `t`'s packets appear to come from. */
  seenAs(t: FakeTransport, protocol: TransportProtocol): Endpoint {
    for (const [k, v] of this.#nat) {
      if (v !== t) continue;
      const [address, port] = k.split('|');
      return { protocol, address: address!, port: Number(port) };
    }
    return t.local(protocol);
  }

  #destination(to: Endpoint): FakeTransport | undefined {
    return this.#nodes.get(`${to.address}|${to.port}`) ?? this.#nat.get(`${to.address}|${to.port}`);
  }

  /** A raw datagram (STUN): a node with `stunServer` answers a Binding request with the source it saw. */
  carryRaw(data: Buffer, from: Endpoint, to: Endpoint): void {
    this.raw.push({ from, to, data, time: this.#clock?.now() ?? 0 });
    const dest = this.#destination(to);
    if (!dest || this.dropRaw({ from, to })) return;
    const deliver = () => dest.deliverRaw(data, from);
    if (this.#clock && this.#latency !== undefined) this.#clock.setTimeout(deliver, this.#latency);
    else queueMicrotask(deliver);
  }

  /** Return true to lose a raw datagram (a STUN keep-alive or its answer). */
  dropRaw: (p: { from: Endpoint; to: Endpoint }) => boolean = () => false;
  /** Every raw datagram carried (keep-alives, STUN answers). */
  readonly raw: { from: Endpoint; to: Endpoint; data: Buffer; time: number }[] = [];

  /** Carries `message` from `from` to `to`; resolves false when nobody listens there. */
  carry(message: SipMessage, from: Endpoint, to: Endpoint): boolean {
    // The bytes are carried (a binary body, e.g. a deflated one, survives); the text is for reading.
    const bytes = serializeMessage(message);
    const text = bytes.toString('utf8');
    const copy = parseMessage(bytes);
    const dropped = this.drop({ from, to, message: copy });
    this.packets.push({ from, to, message: copy, text, dropped, time: this.#clock?.now() ?? 0 });
    const dest = this.#destination(to);
    if (!dest) return false;
    if (dropped) return true;
    const deliver = () => dest.deliver(copy, from, to);
    if (this.#clock && this.#latency !== undefined) this.#clock.setTimeout(deliver, this.#latency);
    else queueMicrotask(deliver);
    return true;
  }
}

export class FakeTransport implements SipTransport {
  readonly address: string;
  readonly port: number;
  /** Everything this transport sent, as given (before serialization). */
  readonly sent: { message: SipMessage; target: Endpoint }[] = [];
  readonly received: IncomingMessage[] = [];
  /** Return a TransportError code to make that send fail (the packet never leaves). */
  failSend: (message: SipMessage, target: Endpoint) => TransportError['code'] | undefined = () => undefined;
  /** Answer STUN Binding requests (as a registrar with STUN on its SIP port does). */
  stunServer = false;
  readonly #network: FakeNetwork;
  #handlers: ((m: IncomingMessage) => void)[] = [];
  #stunHandlers: ((data: Buffer, source: Endpoint) => void)[] = [];
  #closed = false;

  constructor(network: FakeNetwork, address: string, port: number) {
    this.#network = network;
    this.address = address;
    this.port = port;
  }

  async send(message: SipMessage, target: SendTarget): Promise<Endpoint> {
    const to: Endpoint = { protocol: target.protocol, address: target.address, port: target.port };
    if (this.#closed) throw new TransportError('closed', 'transport closed', { endpoint: to });
    if (message.kind === 'request') {
      // As the real transport (RFC 3261 §18.1.1, RFC 3581 §3): it stamps the Via of the request object it is given.
      const via = copyVia(topVia(message));
      via.transport = target.protocol.toUpperCase();
      via.host = this.address;
      via.port = this.port;
      if (!via.params.has('rport')) via.params.set('rport', null);
      const all = message.headers.getAll('Via');
      all[0] = formatVia(via);
      message.headers.set('Via', all);
    }
    const failure = this.failSend(message, to);
    this.sent.push({ message, target: to });
    if (failure) throw new TransportError(failure, `fake ${failure}`, { endpoint: to });
    const listening = this.#network.carry(message, this.#network.seenAs(this, target.protocol), to);
    if (!listening && target.protocol !== 'udp') throw new TransportError('refused', 'fake: nobody listens', { endpoint: to });
    return to;
  }

  async sendResponse(response: SipResponse, to: IncomingMessage): Promise<void> {
    if (this.#closed) throw new TransportError('closed', 'transport closed', { endpoint: to.source });
    const failure = this.failSend(response, to.source);
    this.sent.push({ message: response, target: to.source });
    if (failure) throw new TransportError(failure, `fake ${failure}`, { endpoint: to.source });
    this.#network.carry(response, this.#network.seenAs(this, to.source.protocol), to.source);
  }

  onStun(handler: (data: Buffer, source: Endpoint) => void): void {
    this.#stunHandlers.push(handler);
  }

  async sendKeepAlive(target: Endpoint, data: Buffer): Promise<void> {
    if (this.#closed) throw new TransportError('closed', 'transport closed', { endpoint: target });
    this.#network.carryRaw(data, this.#network.seenAs(this, 'udp'), target);
  }

  deliverRaw(data: Buffer, from: Endpoint): void {
    if (this.#closed || !isStun(data)) return;
    const m = decodeStun(data);
    if (m.type === StunType.bindingRequest) {
      if (!this.stunServer) return;
      const answer = encodeStun({ type: StunType.bindingSuccess, transactionId: m.transactionId, attributes: [xorAddressAttribute({ family: 4, address: from.address, port: from.port }, m.transactionId)] });
      this.#network.carryRaw(answer, this.#network.seenAs(this, 'udp'), from);
      return;
    }
    for (const h of this.#stunHandlers) h(data, from);
  }

  onMessage(handler: (m: IncomingMessage) => void): void {
    this.#handlers.push(handler);
  }

  localAddress(_protocol: TransportProtocol): { host: string; port: number } {
    return { host: this.address, port: this.port };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#network.unregister(this);
  }

  /** Requests/responses of `method` / status this transport sent. */
  sentOf(what: string | number): SipMessage[] {
    return this.sent
      .map((s) => s.message)
      .filter((m) => (typeof what === 'number' ? m.kind === 'response' && m.status === what : m.kind === 'request' && m.method === what));
  }

  deliver(message: SipMessage, from: Endpoint, to: Endpoint): void {
    if (this.#closed) return;
    if (message.kind === 'request') {
      // RFC 3261 §18.2.1 / RFC 3581 §4, as the real transport does on the way in.
      const via = copyVia(topVia(message));
      const rport = via.params.get('rport');
      if (via.params.has('rport') && (rport === null || rport === '')) {
        via.params.set('rport', String(from.port));
        via.params.set('received', from.address);
      } else if (via.host !== from.address) {
        via.params.set('received', from.address);
      }
      const all = message.headers.getAll('Via');
      all[0] = formatVia(via);
      message.headers.set('Via', all);
    }
    const incoming: IncomingMessage = { message, source: from, local: to };
    this.received.push(incoming);
    for (const h of this.#handlers) h(incoming);
  }

  local(protocol: TransportProtocol): Endpoint {
    return { protocol, address: this.address, port: this.port };
  }
}

/** Lets queued microtasks and immediate callbacks run (message delivery, send promises). */
export async function flush(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}
