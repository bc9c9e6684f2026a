/**
 * ICE for one call's RTP socket: gathers our candidates (host; server-
 * reflexive from a STUN server or the TURN server's mapped address; relayed
 * from a TURN allocation), describes them for the SDP, and once the peer
 * answered either runs the ICE agent (a peer with ICE) or, for a peer
 * without it, sends to its SDP address straight or — when our default
 * candidate is the relay — through the TURN relay. It is the RTP session's
 * media path (MediaPathHooks): STUN and ChannelData from the socket come
 * here, media for a relayed pair goes out wrapped for the TURN server.
 *
 *   gather() ──▶ gathered ──start(peer's ICE or none)──▶ ice | plain ──close()──▶ closed
 *
 * Default candidate (RFC 8445 §5.1.4): relay, else server-reflexive, else
 * host — the one a peer without ICE can reach best.
 */
import { isIP } from 'node:net';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { StunAttr, StunBindingClient, decodeStun, attribute } from '../../net/stun/index.ts';
import type { Endpoint } from '../rtp/peer-latch.ts';
import type { RtpSession } from '../rtp/rtp-session.ts';
import type { LocalIceDescription, RemoteIce } from '../sdp/ice-sdp.ts';
import type { IceCandidate } from './candidate.ts';
import { candidatePriority, foundationOf, relayReaches, sameEndpoint } from './candidate.ts';
import type { IcePair, IceVia } from './ice-agent.ts';
import { IceAgent, newIceCredentials } from './ice-agent.ts';
import type { TurnServer } from './turn-client.ts';
import { TurnClient } from './turn-client.ts';

export type { TurnServer };

export interface IceSettings {
  /** STUN server for the server-reflexive candidate (RFC 8489). */
  stun?: Endpoint;
  /** TURN server and credentials for the relayed candidate (RFC 8656). */
  turn?: TurnServer;
  /** Longest wait for the STUN and TURN servers while the offer or answer waits (default 2 s). */
  gatherTimeoutMs?: number;
  /** RFC 7675 consent timeout (default 30 s). */
  consentTimeoutMs?: number;
}

/** The way the call's media travels, for the call details. */
export type MediaRoute = 'direct' | 'stun' | 'relay';

/** One end of the selected candidate pair, for the call details. */
export interface IcePairEnd {
  type: IceCandidate['type'];
  address: string;
  port: number;
}

export interface IceTransportEvents {
  /** The media now goes this way (ICE selected a pair, or the plain path was set). */
  route: (route: MediaRoute, remote: Endpoint) => void;
  consentLost: () => void;
}

const MAX_EARLY = 8;

type Mode = { kind: 'gathered' } | { kind: 'ice'; agent: IceAgent } | { kind: 'plain'; remote: Endpoint } | { kind: 'closed' };

export class IceTransport {
  readonly #rtp: RtpSession;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #settings: IceSettings;
  readonly #credentials = newIceCredentials();
  readonly #stunClient: StunBindingClient;
  readonly #candidates: IceCandidate[] = [];
  #turn: TurnClient | undefined;
  #mode: Mode = { kind: 'gathered' };
  #relayPeer: Endpoint | undefined;
  #route: MediaRoute | undefined;
  #pair: { local: IcePairEnd; remote: IcePairEnd } | undefined;
  #events: Partial<IceTransportEvents> = {};
  /** The peer's checks that came before its answer (RFC 8445 §7.3: answered once we know its password). */
  readonly #early: Array<{ data: Buffer; from: Endpoint; via: IceVia }> = [];

  private constructor(rtp: RtpSession, settings: IceSettings, clock: Clock, logger: Logger) {
    this.#rtp = rtp;
    this.#settings = settings;
    this.#clock = clock;
    this.#log = logger.child('ice');
    this.#stunClient = new StunBindingClient(clock);
  }

  /** Binds to the RTP session and gathers the candidates (bounded in time: a server that does not answer is left out). */
  static async gather(
    rtp: RtpSession,
    settings: IceSettings,
    opts: { clock: Clock; logger?: Logger; hostAddresses: readonly string[]; publicAddress?: string },
  ): Promise<IceTransport> {
    const t = new IceTransport(rtp, settings, opts.clock, opts.logger ?? nullLogger);
    rtp.setMediaPath({ receive: (kind, data, from) => t.#receive(kind, data, from), route: (data, target) => t.#routeOut(data, target) });
    for (const address of opts.hostAddresses) t.#add('host', address, rtp.localPort, undefined);
    const base = opts.hostAddresses[0] ?? rtp.localAddress;
    await t.#gatherServers(base);
    // No STUN answer, but the registrar told us our public address (RFC 3581): the router most likely keeps our port.
    const guess = opts.publicAddress;
    if (guess && !t.#candidates.some((c) => c.type === 'srflx') && !opts.hostAddresses.includes(guess) && isIP(guess) !== 0) {
      t.#add('srflx', guess, rtp.localPort, { address: base, port: rtp.localPort }, 'sip');
    }
    return t;
  }

  on<E extends keyof IceTransportEvents>(event: E, listener: IceTransportEvents[E]): void {
    this.#events[event] = listener;
  }

  get candidates(): readonly IceCandidate[] {
    return this.#candidates;
  }

  /** The candidate pair ICE selected (undefined without ICE or before a pair works), for the call details. */
  get selectedPair(): { local: IcePairEnd; remote: IcePairEnd } | undefined {
    return this.#pair;
  }

  /** Which way the media goes now (after start), for the call details. */
  get route(): MediaRoute | undefined {
    return this.#route;
  }

  get agent(): IceAgent | undefined {
    return this.#mode.kind === 'ice' ? this.#mode.agent : undefined;
  }

  /** Our SDP lines; `attributes` false for an answer to an offer without ICE. */
  description(attributes: boolean): LocalIceDescription {
    // Once ICE has selected a pair, later offers and answers name the candidate the peer
    // reaches us at as the default (RFC 8839): a peer that sends to the c= line after its
    // re-INVITE (baresip 1.0 does) must not be sent to our relay when the pair it chose was
    // our server-reflexive one. Our end of a pair is its base (the host socket); unless the
    // peer's end is a host candidate too (same network), the peer sees our reflexive address.
    const def = this.#pairDefault() ?? this.#candidates.find((c) => c.type === 'relay') ?? this.#candidates.find((c) => c.type === 'srflx') ?? this.#candidates[0]!;
    return { ufrag: this.#credentials.ufrag, pwd: this.#credentials.pwd, candidates: this.#candidates, defaultAddress: def.address, defaultPort: def.port, attributes };
  }

  #pairDefault(): { address: string; port: number } | undefined {
    const pair = this.#pair;
    if (!pair) return undefined;
    if (pair.local.type === 'relay' || pair.remote.type === 'host') return pair.local;
    return this.#candidates.find((c) => c.type === 'srflx') ?? pair.local;
  }

  /**
   * Offer/answer done. With the peer's ICE the checks start (the offerer
   * controls, RFC 8445 §6.1.1); without it media goes to `sdpRemote`,
   * through the relay when the relay is what our SDP named.
   */
  start(remote: RemoteIce | undefined, sdpRemote: Endpoint, controlling: boolean): void {
    if (this.#mode.kind !== 'gathered') return;
    this.#log.debug('ICE start', {
      peer: remote ? `${remote.candidates.length} candidate(s)${remote.lite ? ', lite' : ''}` : 'no ICE',
      ours: this.#candidates.map((c) => `${c.type} ${c.address}:${c.port}`).join(', '),
      controlling,
    });
    if (remote) {
      const agent = new IceAgent({
        clock: this.#clock,
        controlling: remote.lite ? true : controlling,
        candidates: this.#candidates,
        credentials: this.#credentials,
        logger: this.#log,
        consentTimeoutMs: this.#settings.consentTimeoutMs,
        send: (data, to, via) => this.#send(data, to, via),
      });
      this.#mode = { kind: 'ice', agent };
      agent.on('selected', (pair) => this.#selected(pair));
      agent.on('consent-lost', () => this.#events.consentLost?.());
      agent.on('state', (state) => {
        if (state === 'failed' && !agent.selected) this.#log.warn('ICE failed: media goes to the SDP address', { remote: `${sdpRemote.address}:${sdpRemote.port}` });
      });
      // Our relay lets through only the peers it was told of (RFC 8656 §9): every candidate of the peer's it can reach.
      const turn = this.#turn;
      const relayed = turn?.allocation?.relayed;
      if (turn?.state === 'allocated' && relayed) {
        for (const c of remote.candidates) if (relayReaches(relayed, c)) void turn.permit(c).catch(() => undefined);
      }
      agent.setRemote({ ufrag: remote.ufrag, pwd: remote.pwd }, remote.candidates);
      for (const e of this.#early.splice(0)) agent.receive(e.data, e.from, e.via);
      return;
    }
    this.#mode = { kind: 'plain', remote: { ...sdpRemote } };
    const viaRelay = this.description(false).defaultAddress === this.#turn?.allocation?.relayed.address;
    if (viaRelay && this.#turn) {
      this.#relayPeer = { ...sdpRemote };
      void this.#turn.bindChannel(sdpRemote).catch((err: unknown) => this.#log.warn('TURN channel for the peer failed', { error: String(err) }));
    }
    this.#setRoute(viaRelay ? 'relay' : this.#candidates.some((c) => c.type === 'srflx') ? 'stun' : 'direct', sdpRemote);
  }

  /** The peer's offer carries other credentials than those we check with: it restarted ICE (RFC 8445 §9.1.1.1). */
  restartedBy(remote: RemoteIce | undefined): boolean {
    const ufrag = this.agent?.remoteUfrag;
    return remote !== undefined && ufrag !== undefined && remote.ufrag !== ufrag;
  }

  async close(): Promise<void> {
    if (this.#mode.kind === 'ice') this.#mode.agent.close();
    this.#mode = { kind: 'closed' };
    this.#stunClient.close();
    this.#rtp.setMediaPath(undefined);
    await this.#turn?.close();
  }

  // ---- gathering ---------------------------------------------------------------

  #add(type: IceCandidate['type'], address: string, port: number, related: Endpoint | undefined, server = ''): void {
    if (this.#candidates.some((c) => c.address === address && c.port === port)) return;
    const localPref = 65535 - this.#candidates.filter((c) => c.type === type).length;
    const c: IceCandidate = { foundation: foundationOf(type, related?.address ?? address, server), component: 1, priority: candidatePriority(type, 1, localPref), address, port, type };
    if (related) {
      c.relatedAddress = related.address;
      c.relatedPort = related.port;
    }
    this.#candidates.push(c);
  }

  async #gatherServers(base: string): Promise<void> {
    const s = this.#settings;
    const baseEndpoint = { address: base, port: this.#rtp.localPort };
    const work: Array<Promise<void>> = [];
    if (s.stun) {
      const named = s.stun;
      work.push(this.#resolve(named.address).then((address) => {
        if (address === undefined) return;
        const stun = { address, port: named.port };
        return this.#stunClient.request({ send: (bytes) => this.#rtp.sendRaw(bytes, stun), rtoMs: 250, maxRequests: 4, lastWaitRtos: 4 }).then(
          (r) => {
            if (r.mapped) this.#add('srflx', r.mapped.address, r.mapped.port, baseEndpoint, `${stun.address}:${stun.port}`);
          },
          (err: unknown) => this.#log.warn('STUN server did not give our public address', { server: `${named.address}:${named.port}`, error: String(err) }),
        );
      }));
    }
    if (s.turn) {
      const named = s.turn;
      work.push(this.#resolve(named.host).then((host) => {
        if (host === undefined) return;
        const server = { ...named, host };
        const turn = new TurnClient({ server, clock: this.#clock, logger: this.#log, send: (bytes, to) => this.#rtp.sendRaw(bytes, to) });
        this.#turn = turn;
        return turn.allocate().then(
          (a) => {
            const label = `${host}:${named.port}`;
            if (a.mapped) this.#add('srflx', a.mapped.address, a.mapped.port, baseEndpoint, label);
            this.#add('relay', a.relayed.address, a.relayed.port, a.mapped ? { address: a.mapped.address, port: a.mapped.port } : baseEndpoint, label);
          },
          (err: unknown) => this.#log.warn('no TURN relay', { server: `${named.host}:${named.port}`, error: (err as Error).message }),
        );
      }));
    }
    if (work.length === 0) return;
    let timer: ReturnType<Clock['setTimeout']> | undefined;
    await Promise.race([
      Promise.all(work),
      new Promise<void>((resolve) => {
        timer = this.#clock.setTimeout(resolve, s.gatherTimeoutMs ?? 2000);
      }),
    ]);
    this.#clock.clearTimeout(timer);
    this.#candidates.sort((a, b) => b.priority - a.priority);
  }

  /** A server named by host name is looked up (DNS A/AAAA, in the family of our socket); undefined, logged, when it cannot be. */
  async #resolve(host: string): Promise<string | undefined> {
    if (isIP(host) !== 0) return host;
    try {
      return (await process.getBuiltinModule('node:dns/promises').lookup(host, { family: this.#rtp.localAddress.includes(':') ? 6 : 4 })).address;
    } catch (err) {
      this.#log.warn('STUN/TURN server name not found', { server: host, error: String(err) });
      return undefined;
    }
  }

  // ---- the socket ---------------------------------------------------------------

  #send(data: Buffer, to: Endpoint, via: IceVia): void {
    if (via === 'relay' && this.#turn) void this.#rtp.sendRaw(this.#turn.wrap(data, to), this.#turn.server);
    else void this.#rtp.sendRaw(data, to);
  }

  #routeOut(data: Uint8Array, target: Endpoint): { data: Uint8Array; target: Endpoint } {
    if (this.#turn && this.#relayPeer && sameEndpoint(this.#relayPeer, target)) return { data: this.#turn.wrap(data, target), target: this.#turn.server };
    return { data, target };
  }

  #receive(kind: 'stun' | 'turn-channel', data: Buffer, from: Endpoint): void {
    const turn = this.#turn;
    if (turn && sameEndpoint(turn.server, from)) {
      const got = turn.receive(kind, data);
      if (got === 'consumed') return;
      if (got === 'ignored') {
        // The same server may be our STUN server too: its Binding answer is the STUN client's.
        if (kind === 'stun') this.#stunClient.receive(data);
        return;
      }
      if (got.data[0] !== undefined && got.data[0] < 4) this.#agentReceive(got.data, got.peer, 'relay');
      else this.#rtp.receiveMedia(got.data, got.peer);
      return;
    }
    if (kind !== 'stun') return;
    if (this.#stunClient.receive(data)) return;
    this.#agentReceive(data, from, 'direct');
  }

  #agentReceive(data: Buffer, from: Endpoint, via: IceVia): void {
    if (this.#mode.kind === 'ice') {
      this.#mode.agent.receive(data, from, via);
      return;
    }
    // Before the answer: the peer's early checks are answered once the agent exists; a peer's pinhole probe is not ours to answer.
    if (this.#mode.kind === 'gathered' && this.#early.length < MAX_EARLY && isCheckFor(data, this.#credentials.ufrag)) this.#early.push({ data, from, via });
  }

  #selected(pair: IcePair): void {
    const remote = { address: pair.remote.address, port: pair.remote.port };
    this.#pair = {
      local: { type: pair.local.type, address: pair.local.address, port: pair.local.port },
      remote: { type: pair.remote.type, address: pair.remote.address, port: pair.remote.port },
    };
    this.#relayPeer = pair.local.type === 'relay' ? remote : undefined;
    if (this.#relayPeer && this.#turn) void this.#turn.bindChannel(remote).catch(() => undefined);
    this.#rtp.useRemote(remote);
    const viaStun = pair.remote.type === 'srflx' || pair.remote.type === 'prflx' || pair.local.type === 'srflx';
    this.#setRoute(pair.local.type === 'relay' || pair.remote.type === 'relay' ? 'relay' : viaStun ? 'stun' : 'direct', remote);
  }

  #setRoute(route: MediaRoute, remote: Endpoint): void {
    this.#route = route;
    this.#log.info('media route', { route, remote: `${remote.address}:${remote.port}` });
    this.#events.route?.(route, remote);
  }
}

function isCheckFor(data: Buffer, ufrag: string): boolean {
  try {
    const m = decodeStun(data);
    return attribute(m, StunAttr.username)?.toString('utf8').startsWith(`${ufrag}:`) ?? false;
  } catch {
    return false;
  }
}
