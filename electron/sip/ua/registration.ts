/**
 * Registration of one account's Contact with its registrar (RFC 3261 §10):
 * REGISTER with Expires (and ;expires, and +sip.instance when configured),
 * one Call-ID and a rising CSeq for the account's whole life (§10.2),
 * refreshed before the binding runs out (refresh-policy.ts), digest
 * challenges answered once per challenge (a wrong password ends in 'failed',
 * never a loop), 423 Interval Too Brief retried with Min-Expires (§10.2.8),
 * other failures retried after Retry-After or the RFC 5626 §4.5 back-off.
 * Every interval the registrar sends is clamped (timer-bounds.ts) and at
 * most MAX_REGISTERS_PER_MINUTE REGISTERs leave per account in any minute:
 * an attempt with no room waits in its state until the window has some.
 * A 2xx whose Via shows a NAT (RFC 3581 received/rport differ from our
 * Contact; over TCP/TLS a `received` IP: then the connection's public end)
 * is answered by a REGISTER with the public Contact: from
 * `registering` without leaving it, from `registered` through `refreshing`.
 *
 *                 register()                 2xx
 *   unregistered ───────────▶ registering ─────────▶ registered ◀──┐
 *        ▲                     │  │  ▲                  │ refresh  │ 2xx
 *        │                     │  │  │ timer            ▼ timer    │
 *        │                     │  │  └──── retrying ◀── refreshing ┘
 *        │                     │  └─ retryable ─▶ ▲ ◀── retryable ─┘│
 *        │                     │ fatal / auth rejected              │ fatal
 *        │                     ▼                                    ▼
 *        │                   failed ◀────────────────────────────────
 *        │ final answer        │ register()
 *   unregistering ◀────────────┴── unregister() (from any state)
 */
import type { TimerHandle } from '../../common/clock.ts';
import { clampNetworkSeconds, formatNameAddr, newCallId, newTag } from '../message/index.ts';
import type { NameAddr, SipResponse } from '../message/index.ts';
import { synthesizeResponse } from '../transaction/synthesized-response.ts';
import { InsecureTargetError } from './ua-errors.ts';
import { assertTransition } from '../transaction/transaction.ts';
import type { SendTarget } from '../transport/transport.ts';
import type { UaAccount } from './account.ts';
import { sendOutsideDialog } from './challenged-request.ts';
import { readBindings } from './bindings.ts';
import type { Binding } from './bindings.ts';
import { Emitter } from './emitter.ts';
import { defaultRetryPolicy, parseRetryAfter, RegisterBudget, refreshDelayMs, retryDelayMs } from './refresh-policy.ts';
import type { RetryPolicy } from './refresh-policy.ts';
import { buildRequest } from './request-builder.ts';
import { outcomeOf } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import { familyOf } from './target-resolver.ts';
import { FlowKeepAlive } from './flow-keepalive.ts';
import { sameAddress, viaConnectionAddress, viaPublicAddress, viaShowsNat } from './public-address.ts';
import type { PublicAddress } from './public-address.ts';
import type { UaContext } from './ua-context.ts';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'refreshing' | 'retrying' | 'unregistering' | 'failed';

const moves: Record<RegistrationState, readonly RegistrationState[]> = {
  unregistered: ['registering', 'unregistering'],
  registering: ['registered', 'retrying', 'failed', 'unregistering'],
  registered: ['refreshing', 'unregistering'],
  refreshing: ['registered', 'retrying', 'failed', 'unregistering'],
  retrying: ['registering', 'unregistering'],
  unregistering: ['unregistered', 'registering'],
  failed: ['registering', 'unregistering'],
};

export interface RegistrationChange {
  accountId: string;
  state: RegistrationState;
  previous: RegistrationState;
  /** The answer that caused the change, if one did. */
  outcome?: SipOutcome;
  /** More words, e.g. the authenticator's "authentication failed for realm …: credentials rejected". */
  detail?: string;
  /** Clock time (ms) at which the binding lapses unless refreshed. */
  expiresAt?: number;
  /** Seconds the registrar granted. */
  expires?: number;
  /** 'retrying': clock ms until the next attempt. */
  retryInMs?: number;
  /** Other devices' bindings on the same AOR, from the last 2xx. */
  otherBindings: Binding[];
}

export interface RegistrationEvents {
  state: RegistrationChange;
}

/** Failures worth trying again later: timeouts, overload, server errors (and anything with Retry-After). */
function retryable(status: number): boolean {
  return status === 408 || status === 429 || status === 480 || (status >= 500 && status < 600);
}

const MAX_INTERVAL_RETRIES = 3;
const MAX_ADDRESS_REFRESHES = 3;

function sameUri(a: NameAddr, b: NameAddr): boolean {
  return a.uri.host.toLowerCase() === b.uri.host.toLowerCase() && (a.uri.port ?? 5060) === (b.uri.port ?? 5060);
}

export class Registration extends Emitter<RegistrationEvents> {
  readonly account: UaAccount;
  readonly #ctx: UaContext;
  readonly #retry: RetryPolicy;
  readonly #callId: string;
  readonly #fromTag = newTag();
  #cseq = 0;
  #state: RegistrationState = 'unregistered';
  #generation = 0;
  #timer: TimerHandle | undefined;
  #requested: number;
  #failures = 0;
  #intervalRetries = 0;
  #contact: NameAddr | undefined;
  #mayBeBound = false;
  #outcome: SipOutcome | undefined;
  #expiresAt: number | undefined;
  #granted: number | undefined;
  /** The registrar keeps our flow per RFC 5626 (Require: outbound in its 2xx): dialog-forming requests get ;ob. */
  #outbound = false;
  #others: Binding[] = [];
  #disposed = false;
  readonly #budget = new RegisterBudget();
  #server: { address: string; port: number } | undefined;
  /** RFC 5626 keep-alive of the UDP flow to the registrar (and its unwatch), while registered. */
  #keepAlive: { flow: FlowKeepAlive; unwatch: () => void } | undefined;
  /** The Contact we registered before learning our public address: removed by the next REGISTER. */
  #stale: NameAddr | undefined;
  /** REGISTERs in a row sent only because our public address moved (bounded: a confused NAT must not loop). */
  #addressRefreshes = 0;

  constructor(ctx: UaContext, account: UaAccount, retry: Partial<RetryPolicy> = {}) {
    super();
    this.setEmitLogger(ctx.logger);
    this.#ctx = ctx;
    this.account = account;
    this.#retry = { ...defaultRetryPolicy, ...retry };
    this.#requested = account.registerExpires > 0 ? account.registerExpires : 3600;
    this.#callId = newCallId();
  }

  /** The address our last successful REGISTER reached (the account's server as we know it: its requests are trusted, RFC 3325). */
  get server(): { address: string; port: number } | undefined {
    return this.#server ? { ...this.#server } : undefined;
  }

  get state(): RegistrationState {
    return this.#state;
  }
  get lastOutcome(): SipOutcome | undefined {
    return this.#outcome;
  }
  get expiresAt(): number | undefined {
    return this.#expiresAt;
  }
  get grantedExpires(): number | undefined {
    return this.#granted;
  }
  get otherBindings(): readonly Binding[] {
    return this.#others;
  }
  get callId(): string {
    return this.#callId;
  }

  /** Registers now (or refreshes now when registered). */
  register(): void {
    if (this.#disposed) throw new Error('Registration: disposed');
    if (this.#state === 'registering' || this.#state === 'refreshing') return;
    this.#failures = 0;
    this.#intervalRetries = 0;
    this.#startRegister(this.#state === 'registered' ? 'refreshing' : 'registering');
  }

  /** Removes our binding (or every binding of the AOR with `all`, §10.2.2); resolves with the registrar's answer. */
  async unregister(opts: { all?: boolean } = {}): Promise<SipOutcome | undefined> {
    if (this.#disposed) return undefined;
    this.#stopTimer();
    const generation = ++this.#generation;
    this.#stopKeepAlive();
    if (!opts.all && !this.#mayBeBound) {
      if (this.#state !== 'unregistered') {
        this.#to('unregistering', {});
        this.#to('unregistered', {});
      }
      return undefined;
    }
    if (this.#state !== 'unregistering') this.#to('unregistering', {});
    const response = await this.#send(0, opts.all === true, generation);
    if (!response || generation !== this.#generation) return undefined;
    const result = outcomeOf(response.response);
    this.#mayBeBound = false;
    this.#expiresAt = undefined;
    this.#granted = undefined;
    if (response.response.status < 300) this.#others = readBindings(response.response, this.#contact?.uri ?? this.account.aor, this.account.instanceId).others;
    this.#to('unregistered', { outcome: result, detail: response.authFailure?.message });
    return result;
  }

  /** Stops timers and forgets pending answers, without sending anything (UA shutdown). */
  /** The registrar uses RFC 5626 outbound for our binding (its 2xx had Require: outbound). */
  get outbound(): boolean {
    return this.#outbound;
  }

  dispose(): void {
    this.#disposed = true;
    this.#generation++;
    this.#stopTimer();
    this.#stopKeepAlive();
  }

  /** Keep-alive datagrams sent on this registration's flow so far. */
  get keepAlivesSent(): number {
    return this.#keepAlive?.flow.sent ?? 0;
  }

  #startRegister(state: 'registering' | 'refreshing'): void {
    this.#stopTimer();
    this.#to(state, {});
    void this.#attempt(++this.#generation);
  }

  async #attempt(generation: number): Promise<void> {
    const wait = this.#budget.delayMs(this.#ctx.clock.now());
    if (wait > 0) {
      // Too many REGISTERs this minute (a server answering 503 at once, a tiny Expires): hold this one back.
      this.#ctx.logger.info('REGISTER held back by the per-minute cap', { account: this.account.id, waitMs: wait });
      this.#timer = this.#ctx.clock.setTimeout(() => {
        this.#timer = undefined;
        if (generation === this.#generation) void this.#attempt(generation);
      }, wait);
      return;
    }
    const sent = await this.#send(this.#requested, false, generation);
    if (!sent || generation !== this.#generation) return;
    if ('refused' in sent && typeof sent.refused === 'string') {
      this.#stopKeepAlive();
      this.#to('failed', { outcome: outcomeOf(sent.response), detail: sent.refused });
      return;
    }
    const { response, authFailure } = sent;
    const status = response.status;
    if (status >= 200 && status < 300) {
      this.#registered(response, sent.target);
      return;
    }
    if (status === 423 && !authFailure) {
      // §10.2.8: the registrar wants a longer interval; ask again with its Min-Expires.
      const raw = Number(response.headers.get('Min-Expires')?.trim());
      const min = Number.isFinite(raw) ? clampNetworkSeconds('min-expires', raw) : Number.NaN;
      if (min > this.#requested && this.#intervalRetries++ < MAX_INTERVAL_RETRIES) {
        this.#requested = min;
        void this.#attempt(generation);
        return;
      }
    }
    const result = outcomeOf(response);
    const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
    if (!authFailure && (retryable(status) || retryAfter !== undefined)) {
      this.#failures++;
      const delay = retryDelayMs(this.#failures, retryAfter, this.#retry, this.#ctx.random);
      this.#to('retrying', { outcome: result, retryInMs: delay });
      this.#timer = this.#ctx.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#startRegister('registering');
      }, delay);
      return;
    }
    this.#stopKeepAlive();
    this.#to('failed', { outcome: result, detail: authFailure?.message });
  }

  #registered(response: SipResponse, target: SendTarget | undefined): void {
    const report = readBindings(response, this.#contact?.uri ?? this.account.aor, this.account.instanceId);
    // RFC 5626 §4.2.1: a registrar that does outbound says so with Require: outbound in its 2xx.
    this.#outbound = this.account.instanceId !== undefined && response.headers.getAll('Require').some((v) => /(^|,)\s*outbound\s*(,|$)/i.test(v));
    const offered = report.granted ?? this.#requested;
    this.#others = report.others;
    if (offered <= 0) {
      this.#to('failed', { outcome: outcomeOf(response), detail: 'the registrar kept no binding for our contact' });
      return;
    }
    // A binding of 4294967295 s is refreshed as one of a day; a very short one is bounded by the per-minute cap.
    const granted = clampNetworkSeconds('expires', offered);
    this.#failures = 0;
    this.#granted = granted;
    this.#expiresAt = this.#ctx.clock.now() + granted * 1000;
    this.#stale = undefined;
    if (target) this.#server = { address: target.address, port: target.port };
    // A registration that shows a NAT between us (or, refreshed after a network change, a
    // new public address) stays 'registering' or 'refreshing' until the Contact with the
    // public address is bound: until then requests to us go nowhere, whatever starts at
    // 'registered' (subscriptions to our own address) would be routed to the old Contact,
    // and calls that follow our address (call-readdress.ts) would re-INVITE naming the old
    // public address, then again with the new one.
    if (target?.protocol === 'udp') {
      this.#keepFlowAlive(target, response);
      if (this.#learn(viaPublicAddress(response))) return;
    } else if (target && this.#learn(viaConnectionAddress(response, target.protocol))) return;
    this.#to('registered', { outcome: outcomeOf(response) });
    this.#addressRefreshes = 0;
    this.#timer = this.#ctx.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#startRegister('refreshing');
    }, refreshDelayMs(granted));
  }

  /**
   * RFC 3581: the registrar saw us at `seen`. When that is not the address our
   * Contact carries (a NAT between us), the Contact must carry it instead, or
   * the registrar's requests go to a private address: register again now,
   * removing the old Contact in the same REGISTER. True when it re-registers.
   */
  #learn(seen: PublicAddress | undefined): boolean {
    if (!seen || !this.#contact) return false;
    const local = this.#ctx.layer.context.transport.localAddress(seen.protocol ?? 'udp', familyOf(seen.host));
    const current = { host: this.#contact.uri.host, port: this.#contact.uri.port ?? 5060 };
    const wanted = local && sameAddress(seen, local) ? undefined : seen;
    if (sameAddress(wanted ?? local, current)) return false;
    if (this.#addressRefreshes >= MAX_ADDRESS_REFRESHES) return false;
    this.#addressRefreshes++;
    this.#ctx.logger.info('public address learned', { account: this.account.id, seen: `${seen.host}:${seen.port}`, contact: `${current.host}:${current.port}` });
    this.#ctx.setPublicAddress(this.account, wanted);
    this.#stale = this.#contact;
    if (this.#state === 'registering' || this.#state === 'refreshing') {
      this.#stopTimer();
      void this.#attempt(++this.#generation);
    } else this.#startRegister('refreshing');
    return true;
  }

  /**
   * RFC 5626 §4.4: keep the UDP flow to the registrar open (Flow-Timer honoured, §5.4) where it needs it. Unless
   * an interval was chosen (then always), a flow is left alone when nothing on its way can forget it: the
   * registrar is on one of our own links (no router between us, so neither a NAT nor a stateful firewall),
   * its Via says it saw us at our own address and port (RFC 3581: no NAT), and it asks for no keep-alives
   * (no Flow-Timer, no outbound: §4.4 makes them part of an outbound flow). Then a keep-alive keeps nothing
   * open, and the idle phone need not wake for it: a dead registrar shows at the next refresh, a move of
   * ours in the network check. Any router on the way may hold state for the flow — a NAT, which the Via
   * shows, or a firewall, which nothing shows (an IPv6 home router's) — so off-link flows keep theirs.
   */
  #keepFlowAlive(target: SendTarget, response: SipResponse): void {
    // Keep-alives turned off (keepAliveMs 0, `--keepalive 0`) stay off, whatever Flow-Timer the registrar suggests.
    if (this.#ctx.keepAliveMs <= 0) return;
    const flowTimer = Number(response.headers.get('Flow-Timer')?.trim());
    const asked = Number.isFinite(flowTimer) && flowTimer > 0;
    const intervalMs = asked ? clampNetworkSeconds('flow-timer', flowTimer) * 1000 : this.#ctx.keepAliveMs;
    const transport = this.#ctx.layer.context.transport;
    if (intervalMs <= 0 || !transport.sendKeepAlive) return;
    if (this.#ctx.keepAliveWhenNeeded && !asked && !this.#outbound && !viaShowsNat(response) && this.#ctx.onLink(target.address)) {
      if (this.#keepAlive) this.#ctx.logger.info('keep-alives stopped: the registrar is on our link and saw our own address', { account: this.account.id });
      this.#stopKeepAlive();
      return;
    }
    const current = this.#keepAlive?.flow;
    if (current && current.target.address === target.address && current.target.port === target.port) {
      current.setInterval(intervalMs);
      return;
    }
    this.#stopKeepAlive();
    const flow = new FlowKeepAlive({
      clock: this.#ctx.clock,
      idleTimers: this.#ctx.idleTimers,
      logger: this.#ctx.logger,
      random: this.#ctx.random,
      transport,
      target: { protocol: 'udp', address: target.address, port: target.port },
      intervalMs,
      onMapped: (mapped) => {
        if (this.#state === 'registered') this.#learn({ host: mapped.address, port: mapped.port });
      },
      // §4.4.2 / §4.5: the flow failed; a new REGISTER makes a new one (failures back off as any other).
      onFailed: () => {
        if (this.#state === 'registered') this.#startRegister('refreshing');
      },
      // The server answers again while we back off: register now rather than at the end of the wait.
      onRecovered: () => {
        if (this.#state !== 'retrying') return;
        this.#ctx.logger.info('registrar back: registering without waiting out the back-off', { account: this.account.id });
        this.#startRegister('registering');
      },
    });
    this.#keepAlive = { flow, unwatch: this.#ctx.watchKeepAlive(flow) };
    // Probe at once: whether the registrar answers STUN decides how the flow is watched.
    flow.start();
  }

  #stopKeepAlive(): void {
    if (!this.#keepAlive) return;
    this.#keepAlive.flow.stop();
    this.#keepAlive.unwatch();
    this.#keepAlive = undefined;
  }

  /** One REGISTER (with its challenges answered); undefined when superseded. */
  async #send(expires: number, all: boolean, generation: number) {
    const account = this.account;
    let targets: SendTarget[];
    try {
      targets = await this.#ctx.resolver.resolve(account.outboundProxy ?? account.registrar, account.transport, account.registrar);
    } catch (err) {
      this.#ctx.logger.info('registrar not resolved', { account: account.id, error: String(err) });
      if (generation !== this.#generation) return undefined;
      const request = buildRequest({ method: 'REGISTER', requestUri: account.registrar, from: account.identity(), fromTag: this.#fromTag, to: account.identity(), callId: this.#callId, cseq: this.#cseq });
      // A sips: account behind a non-TLS hop is a setting to change: failed, in words, not retried.
      const refused = err instanceof InsecureTargetError ? err.message : undefined;
      return { response: synthesizeResponse(request, 'transport'), request, ...(refused ? { refused } : {}) };
    }
    if (generation !== this.#generation) return undefined;
    const contact = this.#contactFor(targets[0]!, expires);
    const aor: NameAddr = { uri: account.aor, params: new Map(), displayName: account.displayName };
    const request = buildRequest({
      method: 'REGISTER',
      requestUri: account.registrar,
      from: aor,
      fromTag: this.#fromTag,
      to: { uri: account.aor, params: new Map() },
      callId: this.#callId,
      cseq: this.#nextCseq(),
      routes: account.routeSet(),
      contact: all ? undefined : contact,
      headers: [['Expires', String(expires)], ...(this.account.instanceId ? [['Supported', 'outbound, path'] as [string, string]] : [])],
      userAgent: this.#ctx.userAgent,
    });
    if (all) request.headers.set('Contact', '*');
    else if (expires > 0 && this.#stale && !sameUri(this.#stale, contact) && !this.account.instanceId) {
      // RFC 3261 §10.2.2: the binding of our old (private) Contact goes in the same request. With
      // +sip.instance the registrar replaces the binding by instance (RFC 5626 §6), and a Contact
      // with the same instance and expires=0 would remove the new one.
      const params = new Map(this.#stale.params);
      params.set('expires', '0');
      request.headers.append('Contact', formatNameAddr({ ...this.#stale, params }));
    }
    // §22.3: reuse the realm's nonce (next nc) to spare the refresh a challenge round trip.
    for (const f of account.authenticator.preauthorize(request)) if (f.name === 'Authorization') request.headers.append(f.name, f.value);
    if (expires > 0) this.#mayBeBound = true;
    this.#ctx.logger.debug('REGISTER', { account: account.id, expires, contact: all ? '*' : formatNameAddr(contact) });
    return sendOutsideDialog(this.#ctx.layer, request, targets, account.authenticator, () => this.#nextCseq());
  }

  /** The CSeq of the next REGISTER, which is counted against the per-minute cap. */
  #nextCseq(): number {
    this.#budget.record(this.#ctx.clock.now());
    return ++this.#cseq;
  }

  #contactFor(target: SendTarget, expires: number): NameAddr {
    // A sips: address of record (or registrar) binds a sips: Contact: calls to it reach us over TLS only (RFC 5630 §3.1.3).
    const base = this.#ctx.contact(this.account, target.protocol, familyOf(target.address), this.account.aor.scheme === 'sips' || this.account.registrar.scheme === 'sips');
    const params = new Map(base.params);
    params.set('expires', String(expires));
    if (this.account.instanceId) {
      // RFC 5626 §4.2: one flow per account, reg-id 1, with the installation's instance id.
      params.set('+sip.instance', `"<${this.account.instanceId}>"`);
      params.set('reg-id', '1');
    }
    // Unregister the contact we registered, even if the listener changed since.
    const uri = expires === 0 && this.#contact ? this.#contact.uri : base.uri;
    const contact = { ...base, uri, params };
    if (expires > 0) this.#contact = contact;
    return contact;
  }

  #stopTimer(): void {
    this.#ctx.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #to(state: RegistrationState, info: { outcome?: SipOutcome; detail?: string; retryInMs?: number }): void {
    assertTransition('Registration', moves, this.#state, state);
    const previous = this.#state;
    this.#state = state;
    if (info.outcome) this.#outcome = info.outcome;
    const change: RegistrationChange = { accountId: this.account.id, state, previous, otherBindings: [...this.#others] };
    if (info.outcome) change.outcome = info.outcome;
    if (info.detail) change.detail = info.detail;
    if (info.retryInMs !== undefined) change.retryInMs = info.retryInMs;
    if (this.#expiresAt !== undefined) change.expiresAt = this.#expiresAt;
    if (this.#granted !== undefined) change.expires = this.#granted;
    this.#ctx.logger.info('registration', { account: this.account.id, state, previous, status: info.outcome?.status });
    this.emit('state', change);
  }
}
