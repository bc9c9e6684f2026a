/**
 * The user agent core (RFC 3261 §8): owns the transport listeners, the
 * transaction layer, the dialog manager, the RFC 3263 server locator and
 * the accounts (each with its digest authenticator and registration). It
 * places calls, routes incoming requests to the account whose address they
 * name (account-matcher.ts), answers what needs no user (OPTIONS, MESSAGE,
 * 405/501/420/404), and streams a redacted SIP trace.
 *
 * The phone layer drives it: addAccount → register → call / incomingCall
 * events → IncomingCall.accept() ..., and renders the events.
 */
import { UnknownAccountError } from './ua-errors.ts';
import type { Clock } from '../../common/clock.ts';
import { systemClock } from '../../common/clock.ts';
import { IdleTimers } from '../../common/idle-timers.ts';
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { DialogEndReason } from '../dialog/dialog-context.ts';
import { DialogManager } from '../dialog/dialog-manager.ts';
import type { DialogManagerUser } from '../dialog/dialog-manager.ts';
import type { IncomingInvite } from '../dialog/incoming-invite.ts';
import type { DnsResolver } from '../dns/dns-records.ts';
import { SipServerLocator } from '../dns/sip-server-locator.ts';
import { formatUri, parseUri, toOf } from '../message/index.ts';
import type { NameAddr, SipRequest, SipUri } from '../message/index.ts';
import type { TimerConfig } from '../transaction/timers.ts';
import { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import { onLink } from '../transport/address.ts';
import { TransportLayer } from '../transport/transport-layer.ts';
import type { ListenOptions, TransportLayerOptions } from '../transport/transport-layer.ts';
import type { Endpoint, SipTransport, TransportProtocol } from '../transport/transport.ts';
import { UaAccount, parseAddress } from './account.ts';
import type { AccountConfig } from './account.ts';
import { defaultAccountMatcher } from './account-matcher.ts';
import type { AccountMatch, MatchAccount } from './account-matcher.ts';
import type { Call } from './call.ts';
import { unsupportedRequire } from './capabilities.ts';
import type { DialogOwner } from './dialog-owner.ts';
import { Emitter } from './emitter.ts';
import { IncomingCall } from './incoming-call.ts';
import { noMediaHook } from './media-hook.ts';
import type { MediaHookFactory } from './media-hook.ts';
import { OutgoingCall } from './outgoing-call.ts';
import type { OutgoingCallOptions } from './outgoing-call.ts';
import { answerOutOfDialog } from './out-of-dialog-requests.ts';
import { sendOutOfDialog } from './out-of-dialog-client.ts';
import type { RequestOptions, RequestResult } from './out-of-dialog-client.ts';
import type { ReceivedMessage } from './received-message.ts';
import type { RetryPolicy } from './refresh-policy.ts';
import { Registration } from './registration.ts';
import type { RegistrationChange } from './registration.ts';
import { judgeReplaces, replacesOf, type ReplacedDialog, type ReplacesTarget } from './replaces.ts';
import { outcome } from './sip-outcome.ts';
import type { SipOutcome } from './sip-outcome.ts';
import { toTraceEntry } from './sip-trace.ts';
import type { SipTraceEntry } from './sip-trace.ts';
import { TargetResolver, familyOf } from './target-resolver.ts';
import type { ServerLocator } from './target-resolver.ts';
import type { UaContext } from './ua-context.ts';
import { DEFAULT_UDP_KEEPALIVE_MS } from './flow-keepalive.ts';
import type { FlowKeepAlive } from './flow-keepalive.ts';
import type { PublicAddress } from './public-address.ts';
import { EVENT_METHODS } from './event-hook.ts';
import type { EventRequestHandler } from './event-hook.ts';

export interface UserAgentOptions {
  /** Listeners to bind in start() (port 0 = any free port). Default: UDP on 0.0.0.0:5060. */
  listen?: ListenOptions[];
  /** Use this transport instead of creating a TransportLayer (tests: an in-memory one). */
  transport?: SipTransport;
  /** For the TransportLayer the UA creates (TLS trust, keep-alives, MTU...). */
  transportOptions?: Omit<TransportLayerOptions, 'trace' | 'tracing' | 'clock' | 'logger'>;
  /** RFC 3263 server location; default a SipServerLocator over `dnsResolver` (or the system resolver). */
  locator?: ServerLocator;
  dnsResolver?: DnsResolver;
  /** Makes the media hook of each call; default: none (offers refused with 488). */
  media?: MediaHookFactory;
  /** Which account a request is for; default: account-matcher.ts. */
  matchAccount?: MatchAccount;
  /** Requests matching no account go to this one instead of 404 (a "direct IP" account that takes anything). */
  fallbackAccountId?: string;
  /**
   * Asked for every new INVITE that matched an account, before any media is
   * prepared (no port bound): undefined lets it in; a refusal is answered at
   * once (486 + Retry-After for "too many calls", 404, 403…). The phone's
   * policy: caps, per-source limits, callers it does not take.
   */
  admitCall?: (call: IncomingCallRequest) => CallRefusal | undefined;
  /** Asked for every MESSAGE outside a dialog before it is accepted: the phone's rate limits (486 + Retry-After). */
  admitMessage?: (message: ReceivedMessage) => CallRefusal | undefined;
  /** User-Agent header (RFC 3261 §20.41); default "Parley". Empty string: none. */
  userAgent?: string;
  /** Emit 'trace' events (default true). */
  trace?: boolean;
  /**
   * While this says false, no 'trace' events are made (the engine: while no
   * host listens to its SIP trace); a 'trace' listener alone is asked otherwise.
   */
  traceWanted?: () => boolean;
  registrationRetry?: Partial<RetryPolicy>;
  timers?: Partial<TimerConfig>;
  /** 100 Trying after this many ms of silence on an INVITE (§17.2.1); default 200. */
  autoTrying?: number | false;
  /**
   * RFC 5626 keep-alive interval of registered UDP flows when the registrar sends no Flow-Timer. Given, every
   * registered UDP flow is kept alive at it (0 = none); absent, a flow is kept alive every 25 s only where it
   * needs it (registration.ts: not to a registrar on one of our own links that saw us at our own address).
   */
  keepAliveMs?: number;
  /** Whether an address is on one of this host's links (transport/address.ts onLink; a test's own). */
  onLink?: (address: string) => boolean;
  clock?: Clock;
  /** Batched timers for idle periodic work, shared with the host's own (the engine's network check); default: the UA's own. */
  idleTimers?: IdleTimers;
  logger?: Logger;
  random?: () => number;
}

export interface IncomingCallRequest {
  accountId: string;
  /** The account matched only as the fallback (no account or alias has the Request-URI's user). */
  fallback: boolean;
  /** Where the INVITE came from (the packet's source). */
  source: Endpoint;
  requestUri: string;
  from: string;
  to: string;
}

export interface CallRefusal {
  status: number;
  reason: string;
  retryAfterS?: number;
}

export interface UserAgentEvents {
  /** A call for one of our accounts, ready to ring: ring(), accept(), decline(). Unheard: 480. */
  incomingCall: IncomingCall;
  /** An INVITE refused before being announced (no such account 404, 415, 420, 482, no common codec 488). */
  callRefused: { accountId?: string; from: string; to: string; outcome: SipOutcome };
  message: ReceivedMessage;
  /** Any account's registration changed state. */
  registration: RegistrationChange;
  trace: SipTraceEntry;
}

export class UserAgent extends Emitter<UserAgentEvents> {
  readonly transport: SipTransport;
  readonly layer: TransactionLayer;
  readonly dialogs: DialogManager;
  readonly #options: UserAgentOptions;
  readonly #ctx: UaContext;
  readonly #logger: Logger;
  readonly #accounts = new Map<string, UaAccount>();
  readonly #registrations = new Map<string, Registration>();
  readonly #calls = new Map<string, Call<string>>();
  readonly #owners = new Map<Dialog, DialogOwner>();
  readonly #match: MatchAccount;
  readonly #ownsTransport: boolean;
  #endpoints: Endpoint[] = [];
  #closed = false;
  /** Per account: our address as the registrar sees it over UDP, when it differs from ours (NAT). */
  readonly #public = new Map<string, PublicAddress>();
  readonly #keepAlives = new Set<FlowKeepAlive>();
  #events: EventRequestHandler | undefined;

  constructor(options: UserAgentOptions = {}) {
    super();
    this.#options = options;
    const clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? nullLogger).child('ua');
    this.setEmitLogger(this.#logger);
    this.#ownsTransport = options.transport === undefined;
    this.transport =
      options.transport ??
      new TransportLayer({
        ...options.transportOptions,
        clock,
        logger: options.logger,
        trace: options.trace === false ? undefined : (e) => this.emit('trace', toTraceEntry(e)),
        tracing: () => this.listenerCount('trace') > 0 && (options.traceWanted?.() ?? true),
      });
    this.layer = new TransactionLayer({ transport: this.transport, clock, logger: options.logger, timers: options.timers, autoTrying: options.autoTrying });
    const locator = options.locator ?? new SipServerLocator({ resolver: options.dnsResolver, clock, logger: options.logger });
    const resolver = new TargetResolver(locator, this.transport);
    const random = options.random ?? Math.random;
    this.dialogs = new DialogManager({
      layer: this.layer,
      user: this.#dialogUser(),
      resolve: (uri) => resolver.resolve(uri),
      contact: (request) => this.#contactForRequest(request),
      random,
      logger: options.logger,
    });
    this.#match = options.matchAccount ?? defaultAccountMatcher(() => this.#accounts.values());
    this.transport.onStun?.((data, source) => {
      for (const k of this.#keepAlives) if (k.receive(data, source)) return;
    });
    this.#ctx = {
      layer: this.layer,
      dialogs: this.dialogs,
      clock,
      logger: this.#logger,
      resolver,
      random,
      media: options.media ?? noMediaHook,
      userAgent: options.userAgent === '' ? undefined : (options.userAgent ?? 'Parley'),
      contact: (account, protocol, family, sips) => this.#accountContact(account, protocol, family, sips),
      publicAddress: (account) => this.#public.get(account.id),
      setPublicAddress: (account, address) => {
        if (address) this.#public.set(account.id, address);
        else this.#public.delete(account.id);
      },
      keepAliveMs: options.keepAliveMs ?? DEFAULT_UDP_KEEPALIVE_MS,
      keepAliveWhenNeeded: options.keepAliveMs === undefined,
      onLink: options.onLink ?? ((address) => onLink(address)),
      idleTimers: options.idleTimers ?? new IdleTimers(clock),
      watchKeepAlive: (keepAlive) => {
        this.#keepAlives.add(keepAlive);
        return () => this.#keepAlives.delete(keepAlive);
      },
      bindDialog: (dialog, owner) => {
        if (dialog.state !== 'Terminated') this.#owners.set(dialog, owner);
      },
      callEnded: (call) => this.#calls.delete(callKey(call.direction, call.id)),
    };
  }

  /** Binds the listeners (a no-op with an injected transport); resolves with the bound endpoints. */
  async start(): Promise<Endpoint[]> {
    if (!(this.transport instanceof TransportLayer) || !this.#ownsTransport) return [];
    const listen = this.#options.listen ?? [{ protocol: 'udp', address: '0.0.0.0', port: 5060 }];
    for (const l of listen) this.#endpoints.push(await this.transport.listen(l));
    return [...this.#endpoints];
  }

  get endpoints(): readonly Endpoint[] {
    return this.#endpoints;
  }
  get accounts(): UaAccount[] {
    return [...this.#accounts.values()];
  }
  get calls(): Call<string>[] {
    return [...this.#calls.values()];
  }

  account(id: string): UaAccount | undefined {
    return this.#accounts.get(id);
  }

  /**
   * The machine's addresses changed (network-change.ts): the transport guesses
   * its sent-by again and opens new flows; the public address each account
   * learned is kept as a hint until its next REGISTER answer says otherwise.
   * Returns whether our own (local) address changed.
   */
  networkChanged(): boolean {
    return this.transport instanceof TransportLayer ? this.transport.networkChanged() : false;
  }

  /** The account's public address (learned from its registrar over UDP), when it is behind a NAT. */
  publicAddress(accountId: string): PublicAddress | undefined {
    const a = this.#public.get(accountId);
    return a ? { ...a } : undefined;
  }

  /**
   * The TCP/TLS connection whose public end the account's Contact names is
   * gone: forget that end (it was the old connection's), so the next REGISTER
   * names our listener and learns the new connection's end from its answer.
   * A learnt UDP address stays (it belongs to the host, not to a connection).
   */
  forgetConnectionAddress(accountId: string): void {
    const learnt = this.#public.get(accountId);
    if (learnt && (learnt.protocol ?? 'udp') !== 'udp') this.#public.delete(accountId);
  }

  /** Keep-alive datagrams sent so far on every account's flow (for the traffic figure). */
  get keepAlivesSent(): number {
    let n = 0;
    for (const k of this.#keepAlives) n += k.sent;
    return n;
  }

  addAccount(config: AccountConfig): UaAccount {
    if (this.#accounts.has(config.id)) throw new Error(`account ${config.id} exists`);
    const account = new UaAccount(config, { clock: this.#ctx.clock, logger: this.#logger });
    this.#accounts.set(account.id, account);
    const registration = new Registration(this.#ctx, account, this.#options.registrationRetry);
    registration.on('state', (change) => this.emit('registration', change));
    this.#registrations.set(account.id, registration);
    return account;
  }

  /** Unregisters (best effort) and forgets the account. Its calls go on until they end. */
  async removeAccount(id: string): Promise<void> {
    const registration = this.#registrations.get(id);
    this.#accounts.delete(id);
    this.#registrations.delete(id);
    if (registration) {
      await registration.unregister().catch(() => undefined);
      registration.dispose();
    }
  }

  registration(accountId: string): Registration {
    const r = this.#registrations.get(accountId);
    if (!r) throw new UnknownAccountError(`no account ${accountId}`);
    return r;
  }

  register(accountId: string): Registration {
    const r = this.registration(accountId);
    r.register();
    return r;
  }

  unregister(accountId: string, opts: { all?: boolean } = {}): Promise<SipOutcome | undefined> {
    return this.registration(accountId).unregister(opts);
  }

  /** Places a call from `accountId` to `target` ("sip:bob@example.com", "bob@example.com", "bob", "tel:+1…"). */
  call(target: string, options: OutgoingCallOptions & { accountId: string }): OutgoingCall {
    const account = this.#account(options.accountId);
    const { uri, headers } = inviteHeadersOf(this.#targetUri(target, account));
    const call = new OutgoingCall(this.#ctx, account, uri, headers.length > 0 ? { ...options, headers: [...(options.headers ?? []), ...headers] } : options);
    this.#calls.set(callKey('outgoing', call.id), call);
    call.start();
    return call;
  }

  /** RFC 3428 instant message; resolves with the final answer. */
  sendMessage(accountId: string, target: string, text: string, options: RequestOptions = {}): Promise<RequestResult> {
    return this.#request('MESSAGE', accountId, target, { ...options, body: text, contentType: options.contentType ?? 'text/plain' });
  }

  /** OPTIONS (§11): is the peer there, and what does it support? */
  sendOptions(accountId: string, target: string, options: RequestOptions = {}): Promise<RequestResult> {
    return this.#request('OPTIONS', accountId, target, { ...options, headers: [['Accept', 'application/sdp'], ...(options.headers ?? [])] });
  }

  /**
   * Plugs in the SIP event framework (sip/event): from now on it answers
   * SUBSCRIBE, PUBLISH and NOTIFY that no dialog takes; it gets the context
   * it sends and makes dialogs with. One handler per UA.
   */
  attachEvents(handler: EventRequestHandler): UaContext {
    if (this.#events) throw new Error('an event handler is attached already');
    this.#events = handler;
    return this.#ctx;
  }

  /** Unregisters every account (best effort, in parallel). */
  async unregisterAll(): Promise<void> {
    await Promise.all([...this.#registrations.values()].map((r) => r.unregister().catch(() => undefined)));
  }

  /** Stops everything without sending anything: timers, dialogs, transactions, sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.#registrations.values()) r.dispose();
    this.dialogs.close();
    this.layer.close();
    if (this.#ownsTransport) await this.transport.close();
  }

  // --- internals ---

  #account(id: string): UaAccount {
    const a = this.#accounts.get(id);
    if (!a) throw new UnknownAccountError(`no account ${id}`);
    return a;
  }

  #targetUri(target: string, account: UaAccount): SipUri {
    const uri = parseAddress(target, account.aor.host);
    if (uri.scheme !== 'tel') return uri;
    // RFC 3261 §19.1.6: a telephone number as a SIP URI at our own domain (the proxy routes it).
    return parseUri(`sip:${uri.user}@${account.aor.host.includes(':') ? `[${account.aor.host}]` : account.aor.host};user=phone`);
  }

  /** sip:user@listener;transport=…, or over TLS for a sips: request sips:user@listener (RFC 5630 §3.3: no transport=tls). */
  #contact(user: string, protocol: TransportProtocol, family: 4 | 6, sips = false): NameAddr {
    const local = this.transport.localAddress(protocol, family) ?? this.transport.localAddress(protocol) ?? { host: '127.0.0.1', port: 5060 };
    const secure = sips && protocol === 'tls';
    const params = new Map<string, string | null>();
    if (protocol !== 'udp' && !secure) params.set('transport', protocol);
    return { uri: { scheme: secure ? 'sips' : 'sip', user: user || undefined, host: local.host, port: local.port, params, headers: new Map() }, params: new Map() };
  }

  /** Over UDP, behind a NAT: the address the registrar saw (so requests come back through the router's mapping). */
  #accountContact(account: UaAccount, protocol: TransportProtocol, family: 4 | 6, sips = false): NameAddr {
    const plain = this.#contact(account.contactUser, protocol, family, sips);
    // RFC 5626 §4.3: over an outbound flow, dialog-forming requests and their answers carry ;ob in the Contact URI.
    const base = this.#registrations.get(account.id)?.outbound
      ? { ...plain, uri: { ...plain.uri, params: new Map([...plain.uri.params, ['ob', null]]) } }
      : plain;
    const learnt = this.#public.get(account.id);
    const pub = learnt && (learnt.protocol ?? 'udp') === protocol ? learnt : undefined;
    if (!pub || family !== (pub.host.includes(':') ? 6 : 4)) return base;
    return { ...base, uri: { ...base.uri, host: pub.host, port: pub.port } };
  }

  #contactForRequest(request: SipRequest): NameAddr | undefined {
    const match = this.#matchRequest(request);
    const account = match ? this.#accounts.get(match.accountId) : undefined;
    return account ? this.#accountContact(account, 'udp', 4) : this.#contact('', 'udp', 4);
  }

  #matchRequest(request: SipRequest): AccountMatch | undefined {
    let requestUri: SipUri;
    let to: SipUri;
    try {
      requestUri = parseUri(request.uri);
      to = toOf(request).uri;
    } catch {
      return undefined;
    }
    const found = this.#match(requestUri, to);
    if (found && this.#accounts.has(found.accountId)) return found;
    const fallback = this.#options.fallbackAccountId !== undefined ? this.#accounts.get(this.#options.fallbackAccountId) : undefined;
    return fallback ? { accountId: fallback.id, alias: formatUri(fallback.aor), fallback: true } : undefined;
  }

  /**
   * RFC 3325 §5: the account's own server is the only one we trust to assert
   * identities — the address and port its registration reached, or its
   * outbound proxy when written as an IP address (port 5060 by default).
   * A proxy sends its requests from the socket it listens on.
   */
  #fromAccountServer(account: UaAccount, source: Endpoint): boolean {
    const server = this.#registrations.get(account.id)?.server;
    if (server && server.address === source.address && server.port === source.port) return true;
    const proxy = account.outboundProxy;
    if (!proxy) return false;
    return proxy.host.replace(/^\[|\]$/g, '') === source.address && (proxy.port ?? 5060) === source.port;
  }

  #request(method: string, accountId: string, target: string, o: RequestOptions & { body?: string }): Promise<RequestResult> {
    const account = this.#account(accountId);
    return sendOutOfDialog(this.#ctx, account, method, this.#targetUri(target, account), o);
  }

  #dialogUser(): DialogManagerUser {
    return {
      onInvite: (invite) => void this.#incomingInvite(invite),
      onRequest: (request, tx) => {
        if (EVENT_METHODS.has(request.method) && this.#eventRequest(request, tx)) return;
        answerOutOfDialog(request, tx, {
          match: (r) => this.#matchRequest(r),
          onMessage: (m) => this.emit('message', m),
          ...(this.#options.admitMessage ? { admitMessage: this.#options.admitMessage } : {}),
        });
      },
      onOrphanRequest: (request, tx) => EVENT_METHODS.has(request.method) && this.#eventRequest(request, tx),
      onReinvite: (dialog, invite) => {
        const owner = this.#owners.get(dialog);
        if (owner) owner.onReinvite(dialog, invite);
        else invite.reject(481, 'Call/Transaction Does Not Exist');
      },
      onDialogRequest: (dialog, request, tx) => this.#dialogRequest(dialog, request, tx),
      onDialogTerminated: (dialog, reason) => this.#dialogEnded(dialog, reason),
      onOutOfOrderRequest: (dialog, request) => this.#owners.get(dialog)?.onOutOfOrder?.(dialog, request),
    };
  }

  #eventRequest(request: SipRequest, tx: ServerTransaction): boolean {
    if (!this.#events) return false;
    if (request.method === 'SUBSCRIBE' || request.method === 'NOTIFY') {
      const bad = unsupportedRequire(request);
      if (bad) {
        tx.respond(bad);
        return true;
      }
    }
    return this.#events.onEventRequest(request, tx, this.#matchRequest(request));
  }

  #dialogRequest(dialog: Dialog, request: SipRequest, tx: ServerTransaction): void {
    const owner = this.#owners.get(dialog);
    if (owner) owner.onDialogRequest(dialog, request, tx);
    else answerOutOfDialog(request, tx, { match: () => undefined, onMessage: () => {} });
  }

  #dialogEnded(dialog: Dialog, reason: DialogEndReason): void {
    const owner = this.#owners.get(dialog);
    this.#owners.delete(dialog);
    owner?.onDialogEnded(dialog, reason);
  }

  /** The call whose dialog a Replaces header names (RFC 3891 §3), and how that dialog stands. */
  #replaceable(t: ReplacesTarget): { call?: Call<string>; dialog: ReplacedDialog } {
    for (const call of this.#calls.values()) {
      if (call.id !== t.callId) continue;
      const dialog = call.replaceable(t.toTag, t.fromTag);
      if (dialog.kind !== 'none') return { call, dialog };
    }
    return { dialog: { kind: 'none' } };
  }

  async #incomingInvite(invite: IncomingInvite): Promise<void> {
    const request = invite.request;
    const refuse = (status: number, reason: string, headers: [string, string][] = [], accountId?: string) => {
      invite.reject(status, reason, { headers });
      const to = request.headers.get('To') ?? '';
      const from = request.headers.get('From') ?? '';
      this.emit('callRefused', { accountId, from, to, outcome: outcome(status, reason) });
    };
    const bad = unsupportedRequire(request);
    if (bad) {
      refuse(420, 'Bad Extension', [['Unsupported', bad.headers.getAll('Unsupported').join(', ')]]);
      return;
    }
    const match = this.#matchRequest(request);
    const account = match && this.#accounts.get(match.accountId);
    if (!match || !account) {
      refuse(404, 'Not Found');
      return;
    }
    const replacing = replacesOf(request);
    let replaces: Call<string> | undefined;
    if (replacing && 'status' in replacing) {
      refuse(replacing.status, replacing.reason, [], account.id);
      return;
    }
    if (replacing) {
      const found = this.#replaceable(replacing);
      const verdict = judgeReplaces(replacing, found.dialog);
      if (!verdict.accept) {
        refuse(verdict.status, verdict.reason, [], account.id);
        return;
      }
      replaces = found.call;
    }
    const id = request.headers.get('Call-ID') ?? '';
    if (this.#calls.has(callKey('incoming', id))) {
      // §8.2.2.2: the same request reached us twice by different paths (a merged request).
      refuse(482, 'Loop Detected', [], account.id);
      return;
    }
    const refusal = this.#options.admitCall?.({
      accountId: account.id,
      fallback: match.fallback === true,
      source: invite.tx.incoming.source,
      requestUri: request.uri,
      from: request.headers.get('From') ?? '',
      to: request.headers.get('To') ?? '',
    });
    if (refusal) {
      refuse(refusal.status, refusal.reason, refusal.retryAfterS !== undefined ? [['Retry-After', String(refusal.retryAfterS)]] : [], account.id);
      return;
    }
    const media = this.#ctx.media({ callId: id, accountId: account.id, direction: 'incoming' });
    const call = new IncomingCall(this.#ctx, account, invite, match.alias, media, this.#fromAccountServer(account, invite.tx.incoming.source));
    call.replaces = replaces;
    this.#calls.set(callKey('incoming', id), call);
    if (!(await call.prepare())) {
      this.#calls.delete(callKey('incoming', id));
      if (call.end?.outcome) this.emit('callRefused', { accountId: account.id, from: call.remote.uri, to: call.dialled, outcome: call.end.outcome });
      return;
    }
    if (this.listenerCount('incomingCall') === 0) {
      call.decline(480, 'Temporarily Unavailable');
      return;
    }
    this.emit('incomingCall', call);
  }
}

/**
 * RFC 3261 §19.1.5: header fields in a target URI (a REFER's Refer-To with
 * Replaces, RFC 5589 §7) go into the INVITE, never into its Request-URI.
 * Only Replaces is taken: a URI must not be able to set Route, From, Via…
 */
function inviteHeadersOf(uri: SipUri): { uri: SipUri; headers: [string, string][] } {
  if (uri.headers.size === 0) return { uri, headers: [] };
  const headers: [string, string][] = [];
  for (const [name, value] of uri.headers) {
    if (name.toLowerCase() === 'replaces') headers.push(['Replaces', value]);
  }
  return { uri: { ...uri, headers: new Map() }, headers };
}

/** Calls are kept by direction and Call-ID: a UA calling one of its own accounts holds both ends of one Call-ID. */
function callKey(direction: 'outgoing' | 'incoming', id: string): string {
  return `${direction} ${id}`;
}
