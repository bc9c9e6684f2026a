/**
 * `SipServer`: registrar, proxy and redirect server of one SIP domain on
 * Parley's own stack (sip/transport → sip/transaction), the other half of the
 * classic SIP architecture. It owns the sockets, the transaction layer, the
 * location table and the subscriber directory, and dispatches each request:
 *
 *   REGISTER ─▶ Registrar (§10.3, no       CANCEL ─▶ Proxy.handleCancel (§16.10)
 *               transaction, §8.2.7)
 *   ACK (2xx) ─▶ Proxy.handleAck (§16.11)  others ─▶ Proxy.handleRequest (§16)
 *
 * Requests the parser rejects are answered 400 by the transport and counted
 * here; floods and password guessing are held off per source before a
 * transaction exists (GuardedTransport, SourceGuard).
 */
import { systemClock, type Clock } from '../common/clock.ts';
import { nullLogger, type Logger, type LogRecord } from '../common/logger.ts';
import { DigestNonces } from '../sip/auth/index.ts';
import { SipServerLocator, type DnsResolver } from '../sip/dns/index.ts';
import { SipParseError, type SipRequest, type SipResponse } from '../sip/message/index.ts';
import { TransactionLayer, type ServerTransaction, type NonInviteServerTransaction, type StatelessAnswer } from '../sip/transaction/index.ts';
import { TransportLayer, type Endpoint, type IncomingMessage, type TlsServerOptions, type TransportProtocol } from '../sip/transport/index.ts';
import { CallWatch } from './call-watch.ts';
import { DigestGate, type ServerDigestAlgorithm } from './digest-gate.ts';
import { GuardedTransport } from './guarded-transport.ts';
import { localResponse } from './local-response.ts';
import { LocationTable, type Binding, type BindingChange } from './location-table.ts';
import { Proxy } from './proxy.ts';
import { Registrar, type RegistrarPolicy } from './registrar.ts';
import { ServerIdentity } from './server-identity.ts';
import { emptyStats, type ServerStats } from './server-stats.ts';
import type { ServerStore, SubscriberRecord } from './server-store.ts';
import { SourceGuard, type SourceGuardOptions } from './source-guard.ts';
import { SubscriberDirectory } from './subscriber-directory.ts';

export interface ServerListen {
  protocol: TransportProtocol;
  address: string;
  port: number;
  tls?: TlsServerOptions;
  advertise?: { host: string; port?: number };
}

export interface SipServerOptions {
  domain: string;
  listen: readonly ServerListen[];
  /** Subscribers and the persisted location table. Without it: users from `users`, bindings in memory only. */
  store?: ServerStore;
  /** Subscribers given directly (e.g. from --users FILE.json); they win over the store's. */
  users?: readonly SubscriberRecord[];
  redirect?: boolean;
  clock?: Clock;
  wallTime?: () => number;
  logger?: Logger;
  /** DNS for RFC 3263 (tests pass a resolver on their own loopback DNS server). */
  resolver?: DnsResolver;
  registrar?: Partial<RegistrarPolicy>;
  guard?: Omit<SourceGuardOptions, 'clock'>;
  nonceLifetimeMs?: number;
  /** Timer C of RFC 3261 §16.8 for forwarded INVITEs (default 181 s; it must exceed 3 minutes). */
  timerCMs?: number;
  /** Challenge algorithms, preferred first; default SHA-256 then MD5 (RFC 8760). */
  digestAlgorithms?: readonly ServerDigestAlgorithm[];
}

export interface ServerBindingEvent extends BindingChange {}

export class SipServer {
  readonly stats: ServerStats = emptyStats();
  readonly directory: SubscriberDirectory;
  readonly location: LocationTable;
  readonly identity: ServerIdentity;
  /** The calls going through the proxy now. */
  readonly calls: CallWatch;
  readonly #o: SipServerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #transport: TransportLayer;
  readonly #guard: SourceGuard;
  #layer: TransactionLayer | undefined;
  #registrar: Registrar | undefined;
  #proxy: Proxy | undefined;
  readonly #endpoints: Endpoint[] = [];

  constructor(options: SipServerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    const base = options.logger ?? nullLogger;
    this.#log = base.child('server');
    this.directory = new SubscriberDirectory(options.domain, mergeUsers(options.store?.subscribers() ?? [], options.users ?? []));
    this.identity = new ServerIdentity(options.domain);
    this.location = new LocationTable({ clock: this.#clock, wallTime: options.wallTime, store: options.store });
    this.calls = new CallWatch({ wallTime: options.wallTime ?? (() => Date.now()) });
    this.#guard = new SourceGuard({ clock: this.#clock, ...options.guard });
    this.#transport = new TransportLayer({
      clock: this.#clock,
      logger: countingLogger(base.child('transport'), (r) => {
        if (/^malformed (request|datagram|message)/.test(r.message)) this.stats.malformed++;
      }),
      udpReceiveBufferBytes: 4 * 1024 * 1024,
    });
  }

  /** Binds every listener; resolves with the bound endpoints (port 0 → the real port). */
  async start(): Promise<Endpoint[]> {
    for (const l of this.#o.listen) {
      const local = await this.#transport.listen({ protocol: l.protocol, address: l.address, port: l.port, tls: l.tls, advertise: l.advertise });
      this.#endpoints.push(local);
      const advertised = this.#transport.localAddress(l.protocol, local.address.includes(':') ? 6 : 4) ?? { host: local.address, port: local.port };
      this.identity.addListener({ protocol: l.protocol, local, advertised });
    }
    this.#transport.onConnectionClosed((e) => this.location.forgetConnection(e.connectionId));
    const guarded = new GuardedTransport(this.#transport, this.#guard, this.stats, { clock: this.#clock });
    const layer = new TransactionLayer({
      transport: guarded,
      clock: this.#clock,
      logger: countingLogger(this.#log, (r) => {
        if (r.message === 'malformed request dropped') this.stats.malformed++;
      }),
      autoTrying: false,
      // Finished transactions leave compact records for their 32 s of retransmissions (linger-records.ts).
      lingerRecords: true,
    });
    this.#layer = layer;
    const gate = new DigestGate(this.directory, new DigestNonces({ clock: this.#clock, lifetimeMs: this.#o.nonceLifetimeMs, maxTracked: 100_000 }), this.#o.digestAlgorithms);
    this.#registrar = new Registrar({ directory: this.directory, gate, location: this.location, policy: this.#o.registrar });
    this.#proxy = new Proxy({
      layer, identity: this.identity, directory: this.directory, location: this.location, gate,
      locator: new SipServerLocator({ resolver: this.#o.resolver, clock: this.#clock, logger: this.#log.child('dns') }),
      guard: this.#guard, stats: this.stats, logger: this.#log.child('proxy'), redirect: this.#o.redirect,
      clock: this.#clock, timerCMs: this.#o.timerCMs, calls: this.calls,
    });
    const restored = this.location.start();
    if (restored > 0) this.#log.info('location table restored', { bindings: restored });
    layer.setUser({
      onRequest: (request, tx, incoming) => this.#onRequest(request, tx, incoming),
      onAck: (ack, incoming) => this.#proxy?.handleAck(ack, incoming),
      onStrayResponse: (response) => this.#log.debug('stray response dropped', { status: response.status }),
      // REGISTERs are answered without a transaction (the registrar remembers its last answers for retransmissions).
      answerStatelessly: (request, incoming) => this.#answerStatelessly(request, incoming),
    });
    return this.#endpoints.map((e) => ({ ...e }));
  }

  get endpoints(): Endpoint[] {
    return this.#endpoints.map((e) => ({ ...e }));
  }

  get activeTransactions(): number {
    return this.#proxy?.activeTransactions ?? 0;
  }

  /** Server transactions alive (once answered, a compact record stands for each: see `transactionRecords`). */
  get serverTransactions(): number {
    return this.#layer?.serverCount ?? 0;
  }

  /** Records of finished transactions absorbing retransmissions (RFC 3261 Timers J, K, L, M). */
  get transactionRecords(): number {
    return this.#layer?.recordCount ?? 0;
  }

  get trackedSources(): number {
    return this.#guard.trackedSources;
  }

  onBindings(listener: (e: ServerBindingEvent) => void): void {
    this.location.onChange(listener);
  }

  bindings(): Binding[] {
    return this.location.aors().flatMap((aor) => this.location.lookup(aor));
  }

  /** Reloads the subscribers (after `parley users add` while serving, or the UI's edits). */
  reloadUsers(records: readonly SubscriberRecord[]): void {
    this.directory.replace(mergeUsers(this.#o.store?.subscribers() ?? [], records));
  }

  async close(): Promise<void> {
    this.location.stop();
    this.#layer?.close();
    await this.#transport.close();
  }

  /** Every REGISTER, answered without a transaction (Registrar.answer says why); other requests go on to #onRequest. */
  #answerStatelessly(request: SipRequest, incoming: IncomingMessage): StatelessAnswer | undefined {
    if (request.method !== 'REGISTER') return undefined;
    try {
      const outcome = (this.#registrar as Registrar).answer(request, incoming);
      if (outcome.kind === 'auth-failed') {
        this.stats.authFailures++;
        if (this.#guard.authFailed(incoming.source.address)) this.#log.warn('source blocked after failed passwords', { source: incoming.source.address });
      } else if (outcome.kind === 'answered' && outcome.aor !== undefined) {
        this.stats.registrations++;
        this.#guard.authSucceeded(incoming.source.address);
      }
      return { response: outcome.response, bytes: outcome.bytes };
    } catch (err) {
      return { response: this.#failed(request, err) };
    }
  }

  #onRequest(request: SipRequest, tx: ServerTransaction, incoming: IncomingMessage): void {
    try {
      if (request.method === 'CANCEL') {
        (this.#proxy as Proxy).handleCancel(request, tx as NonInviteServerTransaction);
        return;
      }
      (this.#proxy as Proxy).handleRequest(request, tx, incoming);
    } catch (err) {
      try {
        tx.respond(this.#failed(request, err));
      } catch {
        this.#log.debug('no answer possible', { method: request.method });
      }
    }
  }

  /** A header the parser left for later (Contact, Route...) may still be malformed: 400, counted; anything else is our bug: 500, logged. */
  #failed(request: SipRequest, err: unknown): SipResponse {
    if (err instanceof SipParseError) {
      this.stats.malformed++;
      return localResponse(request, 400, `Bad Request (${err.reason})`);
    }
    this.#log.error('request handling failed', { method: request.method, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return localResponse(request, 500, 'Server Internal Error');
  }
}

/** The store's subscribers, with the given ones replacing any of the same name. */
function mergeUsers(stored: readonly SubscriberRecord[], given: readonly SubscriberRecord[]): SubscriberRecord[] {
  const byName = new Map(stored.map((s) => [s.username, s]));
  for (const g of given) byName.set(g.username, g);
  return [...byName.values()];
}

/** A logger that also shows each record to `seen` (the transport reports malformed input only in its log). */
function countingLogger(base: Logger, seen: (r: LogRecord) => void): Logger {
  const wrap = (l: Logger): Logger => ({
    category: l.category,
    debug: (m, d) => l.debug(m, d),
    info: (m, d) => {
      seen({ level: 'info', category: l.category, message: m, data: d });
      l.info(m, d);
    },
    warn: (m, d) => {
      seen({ level: 'warn', category: l.category, message: m, data: d });
      l.warn(m, d);
    },
    error: (m, d) => l.error(m, d),
    child: (c) => wrap(l.child(c)),
  });
  return wrap(base);
}
