/**
 * The ICE agent of one audio stream (RFC 8445, full implementation, one
 * component with rtcp-mux): it pairs our candidates with the peer's, runs
 * the connectivity checks (STUN Binding with short-term credentials) from
 * the RTP socket or through our TURN relay, nominates, and then keeps
 * checking consent (RFC 7675) on the selected pair.
 *
 *   new ──setRemote()──▶ checking ──a pair selected──▶ connected ──close()──▶ closed
 *                           │                             │
 *                           │ every pair failed / 10 s    │ no consent answer for 30 s
 *                           ▼                             ▼
 *                         failed ◀────────────────────────┘
 *
 * - Pairs: our host and relay candidates (a server-reflexive one checks
 *   from its host base, §6.1.2.4) × the peer's candidates of component 1
 *   (not a public relay × a private address: relayReaches), ordered by pair
 *   priority (§6.1.2.3); one check every Ta = 20 ms,
 *   triggered checks first (§7.3.1.4). At most MAX_REMOTE remote candidates
 *   and MAX_PAIRS pairs: a peer's SDP cannot make us send more.
 * - Nomination: aggressive when controlling (USE-CANDIDATE on every check;
 *   the best pair that succeeds is used), and as controlled the pair the
 *   peer nominates (aggressive or regular). Media may already use the best
 *   valid pair before the peer's nomination arrives.
 * - Role conflicts (§7.3.1.1) are settled by the tie-breakers (487).
 * - Every check, answer and consent request carries MESSAGE-INTEGRITY and
 *   FINGERPRINT; an incoming one that lacks either, or names another
 *   username, is dropped without an answer.
 * Timers run on the injected clock.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import {
  attribute, decodeStun, encodeStun, fingerprintValid, integrityValid, StunAttr, StunBindingClient, StunErrorResponse, StunType, stunClass,
  stringAttribute, uint32Attribute, xorAddressAttribute,
} from '../../net/stun/index.ts';
import type { StunAttribute, StunMessage } from '../../net/stun/index.ts';
import type { Endpoint } from '../rtp/peer-latch.ts';
import type { IceCandidate } from './candidate.ts';
import { candidatePriority, foundationOf, pairPriority, relayReaches, sameEndpoint } from './candidate.ts';

export type IceState = 'new' | 'checking' | 'connected' | 'failed' | 'closed';

const TRANSITIONS: Readonly<Record<IceState, readonly IceState[]>> = {
  new: ['checking', 'failed', 'closed'],
  checking: ['connected', 'failed', 'closed'],
  connected: ['failed', 'closed'],
  failed: ['closed'],
  closed: [],
};

/** How a datagram travels: straight from the RTP socket, or through our TURN allocation. */
export type IceVia = 'direct' | 'relay';

export interface IceCredentials {
  ufrag: string;
  pwd: string;
}

export interface IcePair {
  local: IceCandidate;
  remote: IceCandidate;
  priority: bigint;
  state: 'waiting' | 'in-progress' | 'succeeded' | 'failed';
  /** The controlling side put USE-CANDIDATE on it (ours, or the peer's check). */
  nominated: boolean;
}

export interface IceAgentOptions {
  clock: Clock;
  controlling: boolean;
  /** Our candidates: host, server-reflexive, relay (what our SDP lists). */
  candidates: readonly IceCandidate[];
  /** Sends a datagram to `to`, directly or through the TURN relay. */
  send(data: Buffer, to: Endpoint, via: IceVia): void;
  logger?: Logger;
  credentials?: IceCredentials;
  /** Ta, the pacing of checks (default 20 ms). */
  paceMs?: number;
  /** Give up when no pair is valid after this long (default 10 s). */
  checkTimeoutMs?: number;
  /** RFC 7675: consent lost after this long without an answer (default 30 s). */
  consentTimeoutMs?: number;
  /** Random in [0, 1) for the consent interval's jitter (tests pass their own). */
  random?: () => number;
}

export interface IceAgentEvents {
  state: [state: IceState];
  /** Media goes over this pair now (first selection and every change). */
  selected: [pair: IcePair];
  /** RFC 7675: the peer stopped answering on the selected pair. */
  'consent-lost': [];
}

const MAX_REMOTE = 32;
const MAX_PAIRS = 64;
const CHECK_RTO_MS = 200;
const CHECK_REQUESTS = 6;

export function newIceCredentials(): IceCredentials {
  // §5.3 (RFC 8839): ufrag ≥ 24 bits and pwd ≥ 128 bits of randomness, ice-chars only.
  const chars = (n: number) => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, Math.ceil((n * 4) / 3) - 2);
  return { ufrag: chars(9), pwd: chars(24) };
}

export class IceAgent extends EventEmitter<IceAgentEvents> {
  readonly #o: IceAgentOptions;
  readonly #log: Logger;
  readonly #stun: StunBindingClient;
  readonly local: IceCredentials;
  readonly #tieBreaker = randomBytes(8);
  #controlling: boolean;
  #state: IceState = 'new';
  #remote: IceCredentials | undefined;
  readonly #remoteCandidates: IceCandidate[] = [];
  readonly #pairs: IcePair[] = [];
  readonly #triggered: IcePair[] = [];
  #selected: IcePair | undefined;
  #pacer: TimerHandle | undefined;
  #deadline: TimerHandle | undefined;
  #consentTimer: TimerHandle | undefined;
  #lastConsentMs = 0;
  #checksSent = 0;

  constructor(options: IceAgentOptions) {
    super();
    this.#o = options;
    this.#controlling = options.controlling;
    this.#log = (options.logger ?? nullLogger).child('ice');
    this.#stun = new StunBindingClient(options.clock);
    this.local = options.credentials ?? newIceCredentials();
  }

  get state(): IceState {
    return this.#state;
  }

  get controlling(): boolean {
    return this.#controlling;
  }

  get selected(): IcePair | undefined {
    return this.#selected;
  }

  get pairs(): readonly IcePair[] {
    return this.#pairs;
  }

  get checksSent(): number {
    return this.#checksSent;
  }

  #transition(to: IceState): void {
    if (this.#state === to) return;
    if (!TRANSITIONS[this.#state].includes(to)) throw new Error(`ICE agent cannot go from ${this.#state} to ${to}`);
    this.#state = to;
    this.emit('state', to);
  }

  /** The peer's ufrag once known: a new one in its offer means it restarted ICE (RFC 8445 §9). */
  get remoteUfrag(): string | undefined {
    return this.#remote?.ufrag;
  }

  /** The peer's ufrag, pwd and candidates (its SDP): checks start. */
  setRemote(credentials: IceCredentials, candidates: readonly IceCandidate[]): void {
    if (this.#state !== 'new') return;
    this.#remote = credentials;
    for (const c of candidates) if (c.component === 1) this.#addRemote(c);
    this.#transition('checking');
    this.#deadline = this.#o.clock.setTimeout(() => {
      if (this.#state === 'checking' && !this.#pairs.some((p) => p.state === 'succeeded')) {
        this.#log.info('no ICE pair worked', { pairs: this.#pairs.length });
        this.#fail();
      }
    }, this.#o.checkTimeoutMs ?? 10_000);
    this.#schedule(0);
  }

  /** A STUN datagram from `from` (directly, or unwrapped from the relay). */
  receive(data: Buffer, from: Endpoint, via: IceVia): void {
    if (this.#state === 'closed') return;
    let m: StunMessage;
    try {
      m = decodeStun(data);
    } catch {
      return;
    }
    const cls = stunClass(m.type);
    if (cls === 'success' || cls === 'error') {
      // An answer to our check: it must carry the peer's integrity (§7.2.5.2).
      if (this.#remote && integrityValid(data, this.#remote.pwd) && fingerprintValid(data)) this.#stun.receive(data);
      return;
    }
    if (m.type === StunType.bindingRequest) this.#onCheck(m, data, from, via);
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#o.clock.clearTimeout(this.#pacer);
    this.#o.clock.clearTimeout(this.#deadline);
    this.#o.clock.clearTimeout(this.#consentTimer);
    this.#stun.close();
    this.#transition('closed');
  }

  // ---- checks we send --------------------------------------------------------

  #localFor(via: IceVia): IceCandidate | undefined {
    return this.#o.candidates.find((c) => (via === 'relay' ? c.type === 'relay' : c.type === 'host'));
  }

  #addRemote(c: IceCandidate): IceCandidate | undefined {
    const known = this.#remoteCandidates.find((r) => sameEndpoint(r, c));
    if (known) return known;
    if (this.#remoteCandidates.length >= MAX_REMOTE) return undefined;
    this.#remoteCandidates.push(c);
    for (const local of this.#o.candidates) {
      if (local.type === 'srflx' || local.type === 'prflx') continue; // checked from its base (§6.1.2.4)
      if (local.address.includes(':') !== c.address.includes(':')) continue;
      if (local.type === 'relay' && !relayReaches(local, c)) continue;
      this.#addPair(local, c);
    }
    return c;
  }

  #addPair(local: IceCandidate, remote: IceCandidate): IcePair | undefined {
    const known = this.#pairs.find((p) => p.local === local && sameEndpoint(p.remote, remote));
    if (known) return known;
    if (this.#pairs.length >= MAX_PAIRS) return undefined;
    const g = this.#controlling ? local.priority : remote.priority;
    const d = this.#controlling ? remote.priority : local.priority;
    const pair: IcePair = { local, remote, priority: pairPriority(g, d), state: 'waiting', nominated: false };
    this.#pairs.push(pair);
    this.#pairs.sort((a, b) => (a.priority === b.priority ? 0 : a.priority > b.priority ? -1 : 1));
    return pair;
  }

  #schedule(ms: number): void {
    if (this.#pacer !== undefined || this.#state !== 'checking') return;
    this.#pacer = this.#o.clock.setTimeout(() => {
      this.#pacer = undefined;
      const next = this.#triggered.shift() ?? this.#pairs.find((p) => p.state === 'waiting');
      if (!next || this.#state !== 'checking') return;
      this.#check(next);
      this.#schedule(this.#o.paceMs ?? 20);
    }, ms);
  }

  #check(pair: IcePair): void {
    const remote = this.#remote;
    if (!remote) return;
    pair.state = 'in-progress';
    const nominate = this.#controlling;
    this.#checksSent++;
    const name = `${pair.local.type} ${pair.local.address}:${pair.local.port} → ${pair.remote.type} ${pair.remote.address}:${pair.remote.port}`;
    this.#log.debug('check', { pair: name, nominate });
    this.#request(pair, nominate, remote).then(
      () => {
        this.#log.debug('check succeeded', { pair: name });
        this.#succeeded(pair, nominate);
      },
      (err: unknown) => {
        this.#log.debug('check failed', { pair: name, error: String(err) });
        if (err instanceof StunErrorResponse && err.code === 487) {
          // §7.2.5.1: role conflict: switch roles and check again.
          this.#controlling = !this.#controlling;
          pair.state = 'waiting';
          this.#triggered.push(pair);
          this.#schedule(0);
          return;
        }
        pair.state = 'failed';
        this.#maybeFailed();
      },
    );
  }

  #request(pair: IcePair, nominate: boolean, remote: IceCredentials) {
    const via: IceVia = pair.local.type === 'relay' ? 'relay' : 'direct';
    const attributes: StunAttribute[] = [
      stringAttribute(StunAttr.username, `${remote.ufrag}:${this.local.ufrag}`),
      uint32Attribute(StunAttr.priority, candidatePriority('prflx', 1, (pair.local.priority >>> 8) & 0xffff)),
      { type: this.#controlling ? StunAttr.iceControlling : StunAttr.iceControlled, value: this.#tieBreaker },
    ];
    if (nominate && this.#controlling) attributes.push({ type: StunAttr.useCandidate, value: Buffer.alloc(0) });
    return this.#stun.request({
      send: (bytes) => this.#o.send(bytes, { address: pair.remote.address, port: pair.remote.port }, via),
      attributes,
      integrityKey: remote.pwd,
      rtoMs: CHECK_RTO_MS,
      maxRequests: CHECK_REQUESTS,
      lastWaitRtos: 4,
    });
  }

  #succeeded(pair: IcePair, nominated: boolean): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    pair.state = 'succeeded';
    if (nominated && this.#controlling) pair.nominated = true;
    this.#select();
  }

  /** The pair media uses: the best nominated valid pair, else (controlled, before nomination) the best valid one. */
  #select(): void {
    const valid = this.#pairs.filter((p) => p.state === 'succeeded');
    const best = valid.find((p) => p.nominated) ?? (this.#controlling ? undefined : valid[0]);
    if (!best || best === this.#selected) return;
    if (this.#selected?.nominated && !best.nominated) return;
    this.#selected = best;
    this.#log.info('ICE pair selected', {
      local: `${best.local.type} ${best.local.address}:${best.local.port}`,
      remote: `${best.remote.type} ${best.remote.address}:${best.remote.port}`,
      nominated: best.nominated,
    });
    if (this.#state === 'checking') {
      this.#o.clock.clearTimeout(this.#deadline);
      this.#transition('connected');
      this.#startConsent();
    }
    this.emit('selected', best);
  }

  #maybeFailed(): void {
    if (this.#state !== 'checking') return;
    const open = this.#pairs.some((p) => p.state === 'waiting' || p.state === 'in-progress' || p.state === 'succeeded');
    if (!open && this.#triggered.length === 0) this.#fail();
  }

  #fail(): void {
    this.#o.clock.clearTimeout(this.#pacer);
    this.#o.clock.clearTimeout(this.#deadline);
    this.#o.clock.clearTimeout(this.#consentTimer);
    this.#transition('failed');
  }

  // ---- consent freshness (RFC 7675) -------------------------------------------

  #startConsent(): void {
    this.#lastConsentMs = this.#o.clock.now();
    const tick = () => {
      const pair = this.#selected;
      const remote = this.#remote;
      if (this.#state !== 'connected' || !pair || !remote) return;
      if (this.#o.clock.now() - this.#lastConsentMs >= (this.#o.consentTimeoutMs ?? 30_000)) {
        this.#log.warn('ICE consent lost: the peer stopped answering', { remote: `${pair.remote.address}:${pair.remote.port}` });
        this.#fail();
        this.emit('consent-lost');
        return;
      }
      this.#request(pair, false, remote).then(() => {
        if (this.#selected === pair) this.#lastConsentMs = this.#o.clock.now();
      }, () => undefined);
      // §5.1: every 4–6 s (5 s ± 20 %, randomised).
      this.#consentTimer = this.#o.clock.setTimeout(tick, 4000 + 2000 * (this.#o.random ?? Math.random)());
    };
    this.#consentTimer = this.#o.clock.setTimeout(tick, 4000 + 2000 * (this.#o.random ?? Math.random)());
  }

  // ---- checks we answer --------------------------------------------------------

  #onCheck(m: StunMessage, raw: Buffer, from: Endpoint, via: IceVia): void {
    const username = attribute(m, StunAttr.username)?.toString('utf8') ?? '';
    if (!username.startsWith(`${this.local.ufrag}:`)) return;
    if (!integrityValid(raw, this.local.pwd) || !fingerprintValid(raw) || attribute(m, StunAttr.fingerprint) === undefined) return;
    const theirs = attribute(m, StunAttr.iceControlling) ?? attribute(m, StunAttr.iceControlled);
    const theyControl = attribute(m, StunAttr.iceControlling) !== undefined;
    if (theirs && theyControl === this.#controlling) {
      // §7.3.1.1: both claim the same role; the larger tie-breaker controls.
      const weWin = Buffer.compare(this.#tieBreaker, theirs) >= 0;
      if (weWin === this.#controlling) {
        this.#answer(m, from, via, 487);
        return;
      }
      this.#controlling = !this.#controlling;
    }
    this.#answer(m, from, via);
    this.#log.debug('check answered', { from: `${from.address}:${from.port}`, via, useCandidate: attribute(m, StunAttr.useCandidate) !== undefined });
    if (this.#state === 'closed' || this.#state === 'failed') return;
    if (this.#state === 'connected' && sameEndpoint(this.#selected?.remote, from)) this.#lastConsentMs = this.#o.clock.now();
    const local = this.#localFor(via);
    if (!local) return;
    const prio = attribute(m, StunAttr.priority)?.readUInt32BE(0) ?? candidatePriority('prflx');
    // §7.3.1.3: an unknown source is a peer-reflexive candidate.
    const remote = this.#remoteCandidates.find((r) => sameEndpoint(r, from)) ??
      this.#addRemote({ foundation: foundationOf('prflx', from.address), component: 1, priority: prio, address: from.address, port: from.port, type: 'prflx' });
    if (!remote) return;
    const pair = this.#addPair(local, remote);
    if (!pair) return;
    const useCandidate = attribute(m, StunAttr.useCandidate) !== undefined;
    if (useCandidate && !this.#controlling) pair.nominated = true;
    if (pair.state === 'succeeded') {
      if (useCandidate) this.#select();
      return;
    }
    if (pair.state !== 'in-progress' && this.#remote && !this.#triggered.includes(pair)) {
      pair.state = 'waiting';
      this.#triggered.push(pair);
      this.#schedule(0);
    }
  }

  #answer(m: StunMessage, from: Endpoint, via: IceVia, error?: number): void {
    const attributes: StunAttribute[] = error === undefined
      ? [xorAddressAttribute({ family: from.address.includes(':') ? 6 : 4, address: from.address, port: from.port }, m.transactionId)]
      : [{ type: StunAttr.errorCode, value: Buffer.concat([Buffer.from([0, 0, Math.floor(error / 100), error % 100]), Buffer.from('Role Conflict')]) }];
    const type = error === undefined ? StunType.bindingSuccess : StunType.bindingError;
    this.#o.send(encodeStun({ type, transactionId: m.transactionId, attributes }, { integrityKey: this.local.pwd }), from, via);
  }
}
