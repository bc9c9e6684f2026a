/**
 * A TURN client (RFC 8656) for one UDP allocation, spoken from the RTP
 * socket: the relayed address becomes our relay candidate (and the mapped
 * address a server-reflexive one). The socket is not owned here: `send`
 * puts bytes on the wire to the server and the RTP socket hands back every
 * STUN and ChannelData datagram from the server to `receive()`.
 *
 *   idle ──allocate()──▶ allocating ──200──▶ allocated ──close()──▶ closed
 *                            │                 │  ▲ Refresh at 3/4 of the lifetime
 *                            │ 401 → credentials, 438 → new nonce (bounded)
 *                            └── error/timeout ──▶ failed
 *
 * - Long-term credentials (§9.2, RFC 8489 §9.2): the first Allocate is
 *   refused with 401 + REALM + NONCE; every request after it carries
 *   USERNAME, REALM, NONCE and MESSAGE-INTEGRITY keyed MD5(user:realm:pass).
 *   A 438 (stale nonce) is retried once with the new nonce.
 * - Permissions (§9) per peer IP, refreshed every 4 minutes (they last 5);
 *   channels (§12, 0x4000–0x4FFF) per peer address, re-bound every 9
 *   minutes (they last 10). Until a channel is bound, data goes in Send
 *   indications (§11).
 * - At most MAX_PEERS permissions and channels: a peer's SDP cannot make us
 *   hold more.
 * Timers run on the injected clock.
 */
import { createHash } from 'node:crypto';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import {
  attribute, decodeStun, encodeStun, mappedAddress, newTransactionId, StunAttr, StunBindingClient, StunErrorResponse, StunType,
  stringAttribute, uint32Attribute, xorAddress, xorAddressAttribute,
} from '../../net/stun/index.ts';
import type { StunAttribute, StunBindingResult, TransportAddress } from '../../net/stun/index.ts';
import type { Endpoint } from '../rtp/peer-latch.ts';

export type TurnState = 'idle' | 'allocating' | 'allocated' | 'failed' | 'closed';

const TRANSITIONS: Readonly<Record<TurnState, readonly TurnState[]>> = {
  idle: ['allocating', 'closed'],
  allocating: ['allocated', 'failed', 'closed'],
  allocated: ['failed', 'closed'],
  failed: ['closed'],
  closed: [],
};

export interface TurnServer {
  host: string;
  port: number;
  username: string;
  password: string;
}

export interface TurnClientOptions {
  server: TurnServer;
  clock: Clock;
  /** Sends bytes to the TURN server from the RTP socket. */
  send(data: Buffer, to: Endpoint): Promise<void> | void;
  logger?: Logger;
  /** Requested allocation lifetime in s (default 600, §7.2). */
  lifetimeS?: number;
  /** STUN retransmission timing (default RTO 250 ms, 5 requests: a server that is not there costs ~5 s at most). */
  rtoMs?: number;
  maxRequests?: number;
}

export interface TurnAllocation {
  relayed: TransportAddress;
  mapped: TransportAddress | undefined;
  lifetimeS: number;
}

const MAX_PEERS = 16;
const PERMISSION_REFRESH_MS = 4 * 60_000;
const CHANNEL_REFRESH_MS = 9 * 60_000;
const FIRST_CHANNEL = 0x4000;

interface Channel {
  number: number;
  peer: Endpoint;
  bound: boolean;
  timer: TimerHandle | undefined;
}

export class TurnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TurnError';
  }
}

export class TurnClient {
  readonly #o: TurnClientOptions;
  readonly #server: Endpoint;
  readonly #stun: StunBindingClient;
  readonly #log: Logger;
  #state: TurnState = 'idle';
  #realm: string | undefined;
  #nonce: string | undefined;
  #key: Buffer | undefined;
  #allocation: TurnAllocation | undefined;
  #refreshTimer: TimerHandle | undefined;
  readonly #permissions = new Map<string, TimerHandle | undefined>();
  readonly #channels = new Map<string, Channel>();
  readonly #byNumber = new Map<number, Channel>();

  constructor(options: TurnClientOptions) {
    this.#o = options;
    this.#server = { address: options.server.host, port: options.server.port };
    this.#stun = new StunBindingClient(options.clock);
    this.#log = (options.logger ?? nullLogger).child('turn');
  }

  get state(): TurnState {
    return this.#state;
  }

  get server(): Endpoint {
    return this.#server;
  }

  get allocation(): TurnAllocation | undefined {
    return this.#allocation;
  }

  #transition(to: TurnState): void {
    if (!TRANSITIONS[this.#state].includes(to)) throw new TurnError(`TURN client cannot go from ${this.#state} to ${to}`);
    this.#state = to;
  }

  /** Allocates a relayed UDP address (§7.1). Rejects with TurnError in words. */
  async allocate(): Promise<TurnAllocation> {
    this.#transition('allocating');
    const lifetime = this.#o.lifetimeS ?? 600;
    const attrs = (): StunAttribute[] => [uint32Attribute(StunAttr.requestedTransport, 17 << 24), uint32Attribute(StunAttr.lifetime, lifetime)];
    try {
      const res = await this.#request(StunType.allocateRequest, attrs, true);
      const relayed = xorAddress(res.response, StunAttr.xorRelayedAddress);
      if (!relayed) throw new TurnError('the TURN server answered without a relayed address');
      const granted = attribute(res.response, StunAttr.lifetime)?.readUInt32BE(0) ?? lifetime;
      this.#allocation = { relayed, mapped: mappedAddress(res.response), lifetimeS: granted };
      if (this.#state !== 'allocating') throw new TurnError('the TURN client was closed');
      this.#transition('allocated');
      this.#scheduleRefresh(granted);
      this.#log.info('TURN allocation', { relayed: `${relayed.address}:${relayed.port}`, lifetimeS: granted });
      return this.#allocation;
    } catch (err) {
      if (this.#state === 'allocating') this.#transition('failed');
      throw err instanceof TurnError ? err : new TurnError(`TURN server ${this.#server.address}:${this.#server.port}: ${describe(err)}`);
    }
  }

  /** Lets `peer` send to our relayed address (§9): needed before any data flows either way. */
  async permit(peer: Endpoint): Promise<void> {
    if (this.#state !== 'allocated') return;
    if (this.#permissions.has(peer.address)) return;
    if (this.#permissions.size >= MAX_PEERS) throw new TurnError('too many TURN peers');
    this.#permissions.set(peer.address, undefined);
    const refresh = async () => {
      if (this.#state !== 'allocated' || !this.#permissions.has(peer.address)) return;
      try {
        await this.#request(StunType.createPermissionRequest, () => [xorAddressAttribute(toTransport(peer), Buffer.alloc(12), StunAttr.xorPeerAddress)], false);
        this.#log.debug('TURN permission', { peer: peer.address });
      } catch (err) {
        this.#log.warn('TURN permission refused', { peer: peer.address, error: describe(err) });
      }
      if (this.#permissions.has(peer.address) && this.#state === 'allocated') {
        this.#permissions.set(peer.address, this.#o.clock.setTimeout(() => void refresh(), PERMISSION_REFRESH_MS));
      }
    };
    await refresh();
  }

  /** Binds a channel to `peer` (§12) so media goes in 4-byte ChannelData headers rather than Send indications. */
  async bindChannel(peer: Endpoint): Promise<void> {
    if (this.#state !== 'allocated') return;
    const k = key(peer);
    if (this.#channels.has(k)) return;
    if (this.#channels.size >= MAX_PEERS) throw new TurnError('too many TURN channels');
    await this.permit(peer);
    const channel: Channel = { number: FIRST_CHANNEL + this.#channels.size, peer: { ...peer }, bound: false, timer: undefined };
    this.#channels.set(k, channel);
    this.#byNumber.set(channel.number, channel);
    const bind = async () => {
      if (this.#state !== 'allocated') return;
      try {
        await this.#request(StunType.channelBindRequest, () => [
          uint32Attribute(StunAttr.channelNumber, channel.number << 16),
          xorAddressAttribute(toTransport(peer), Buffer.alloc(12), StunAttr.xorPeerAddress),
        ], false);
        channel.bound = true;
      } catch (err) {
        this.#log.warn('TURN channel refused; Send indications instead', { peer: k, error: describe(err) });
      }
      if (this.#state === 'allocated') channel.timer = this.#o.clock.setTimeout(() => void bind(), CHANNEL_REFRESH_MS);
    };
    await bind();
  }

  /** What to send to the server so that `data` reaches `peer` from our relayed address. */
  wrap(data: Uint8Array, peer: Endpoint): Buffer {
    const channel = this.#channels.get(key(peer));
    if (channel?.bound) {
      const pad = (4 - (data.length % 4)) % 4;
      const out = Buffer.alloc(4 + data.length + pad);
      out.writeUInt16BE(channel.number, 0);
      out.writeUInt16BE(data.length, 2);
      out.set(data, 4);
      return out;
    }
    const tid = newTransactionId();
    return encodeStun({
      type: StunType.sendIndication,
      transactionId: tid,
      attributes: [xorAddressAttribute(toTransport(peer), tid, StunAttr.xorPeerAddress), { type: StunAttr.data, value: Buffer.from(data) }],
    }, { fingerprint: false });
  }

  /**
   * A datagram from the server: our transactions' answers are consumed
   * (returns 'consumed'), relayed data comes back with the peer it came
   * from, anything else is 'ignored'.
   */
  receive(kind: 'stun' | 'turn-channel', data: Buffer): { peer: Endpoint; data: Buffer } | 'consumed' | 'ignored' {
    if (kind === 'turn-channel') {
      if (data.length < 4) return 'ignored';
      const channel = this.#byNumber.get(data.readUInt16BE(0));
      const len = data.readUInt16BE(2);
      if (!channel || 4 + len > data.length) return 'ignored';
      return { peer: channel.peer, data: data.subarray(4, 4 + len) };
    }
    if (this.#stun.receive(data)) return 'consumed';
    let m;
    try {
      m = decodeStun(data);
    } catch {
      return 'ignored';
    }
    if (m.type !== StunType.dataIndication) return 'ignored';
    const peer = xorAddress(m, StunAttr.xorPeerAddress);
    const payload = attribute(m, StunAttr.data);
    if (!peer || !payload || !this.#permissions.has(peer.address)) return 'ignored';
    return { peer: { address: peer.address, port: peer.port }, data: payload };
  }

  /** Releases the allocation (Refresh with LIFETIME 0, §7.3) and stops every timer. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasAllocated = this.#state === 'allocated';
    this.#stopTimers();
    if (wasAllocated) {
      await this.#request(StunType.refreshRequest, () => [uint32Attribute(StunAttr.lifetime, 0)], false, 1).catch(() => undefined);
    }
    this.#state = 'closed';
    this.#stun.close();
  }

  #stopTimers(): void {
    this.#o.clock.clearTimeout(this.#refreshTimer);
    for (const t of this.#permissions.values()) this.#o.clock.clearTimeout(t);
    for (const c of this.#channels.values()) this.#o.clock.clearTimeout(c.timer);
  }

  #scheduleRefresh(lifetimeS: number): void {
    const ms = Math.max(30, lifetimeS * 0.75) * 1000;
    this.#refreshTimer = this.#o.clock.setTimeout(() => {
      if (this.#state !== 'allocated') return;
      this.#request(StunType.refreshRequest, () => [uint32Attribute(StunAttr.lifetime, this.#o.lifetimeS ?? 600)], false).then(
        (res) => this.#scheduleRefresh(attribute(res.response, StunAttr.lifetime)?.readUInt32BE(0) ?? lifetimeS),
        (err: unknown) => {
          this.#log.warn('TURN refresh failed: the relay is gone', { error: describe(err) });
          if (this.#state === 'allocated') this.#transition('failed');
          this.#stopTimers();
        },
      );
    }, ms);
  }

  /** One request with long-term credentials: a 401 (first time) or 438 (stale nonce) is answered once with the server's realm and nonce. */
  async #request(type: number, attrs: () => StunAttribute[], firstContact: boolean, maxRequests?: number): Promise<StunBindingResult> {
    for (let attempt = 0; ; attempt++) {
      const auth: StunAttribute[] = this.#key && this.#realm !== undefined && this.#nonce !== undefined
        ? [stringAttribute(StunAttr.username, this.#o.server.username), stringAttribute(StunAttr.realm, this.#realm), stringAttribute(StunAttr.nonce, this.#nonce)]
        : [];
      try {
        return await this.#stun.request({
          type,
          send: (bytes) => this.#o.send(bytes, this.#server),
          attributes: [...attrs(), ...auth],
          integrityKey: auth.length > 0 ? this.#key : undefined,
          rtoMs: this.#o.rtoMs ?? 250,
          maxRequests: maxRequests ?? this.#o.maxRequests ?? 5,
        });
      } catch (err) {
        if (!(err instanceof StunErrorResponse)) throw err;
        if (attempt > 0) throw err.code === 401 ? new TurnError('the TURN server refused the username or password') : err;
        const realm = err.response && attribute(err.response, StunAttr.realm)?.toString('utf8');
        const nonce = err.response && attribute(err.response, StunAttr.nonce)?.toString('utf8');
        const challenge = err.code === 401 && (firstContact || this.#key === undefined);
        if ((!challenge && err.code !== 438) || realm === undefined || nonce === undefined) throw err;
        this.#realm = realm;
        this.#nonce = nonce;
        this.#key = createHash('md5').update(`${this.#o.server.username}:${realm}:${this.#o.server.password}`).digest();
      }
    }
  }
}

function key(e: Endpoint): string {
  return `${e.address}:${e.port}`;
}

function toTransport(e: Endpoint): TransportAddress {
  return { family: e.address.includes(':') ? 6 : 4, address: e.address, port: e.port };
}

function describe(err: unknown): string {
  if (err instanceof StunErrorResponse) return `refused (${err.code})`;
  if (err instanceof Error && err.name === 'StunTimeoutError') return 'no answer';
  return err instanceof Error ? err.message : String(err);
}
