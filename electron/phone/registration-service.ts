/**
 * Keeps the user agent's accounts in step with the stored ones and turns its
 * registrations into API snapshots (RFC 3261 §10):
 *
 *  - every enabled stored account and the direct account are accounts of the
 *    UA (so they can call and be called); an account registers when it has a
 *    registrar to register with: an explicit one, or an AOR domain that is
 *    not this machine (`sip:bob@127.0.0.1` is reachable directly, and
 *    REGISTERing with ourselves would make no sense);
 *  - an account changed in any way is taken out of the UA (unregistering,
 *    bounded in time) and put back with its new settings, then registers
 *    again — one queue per account, so a quick second edit waits its turn;
 *  - on close every registration is removed, bounded in time.
 *
 * UA states → API states: refreshing counts as registered (the binding is
 * still there), retrying as failed (with the server's answer; a new attempt
 * follows on its own).
 */
import { wallTime } from './wall-time.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { RegistrationSnapshot, RegistrationState as ApiRegistrationState } from '../api/snapshots.ts';
import type { TlsCertificateError } from '../sip/transport/tls-verify.ts';
import type { TlsTrust } from '../sip/transport/tls-trust.ts';
import type { ConnectionClosedEvent } from '../sip/transport/transport.ts';
import { accountTlsFailure, AccountTrustError, applyAccountTrust, certificateSnapshot } from './account-tls.ts';
import type { AccountConfig } from '../sip/ua/account.ts';
import type { RegistrationChange, RegistrationState } from '../sip/ua/registration.ts';
import type { UserAgent } from '../sip/ua/user-agent.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { Account } from './account.ts';
import type { AccountChange, AccountService } from './account-service.ts';
import { DIRECT_ACCOUNT_ID, localAddresses } from './direct-account.ts';
import { parseSipAddress } from './sip-address.ts';

const STATE_MAP: Record<RegistrationState, ApiRegistrationState> = {
  unregistered: 'unregistered',
  registering: 'registering',
  registered: 'registered',
  refreshing: 'registered',
  retrying: 'failed',
  unregistering: 'unregistering',
  failed: 'failed',
};

/** How long an un-REGISTER may hold up an account change or the engine's close. */
export const UNREGISTER_WAIT_MS = 3000;

/** Does this account REGISTER? (See the file comment.) */
export function registers(account: Account, local: ReadonlySet<string> = localAddresses()): boolean {
  if (account.id === DIRECT_ACCOUNT_ID || !account.enabled) return false;
  if (account.registrar !== null) return true;
  const aor = parseSipAddress(account.aor);
  if (!aor.ok) return false;
  const host = aor.value.host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return !local.has(host);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uaAccountConfig(account: Account, password: string | undefined, register: boolean): AccountConfig {
  const config: AccountConfig = {
    id: account.id,
    aor: account.aor,
    aliases: [...account.aliases],
    transport: account.transport,
    registerExpires: register ? account.registerExpires : 0,
    usePreferredIdentity: account.pPreferredIdentity,
    privacy: account.privacy,
    // RFC 5626 §4.1: the account's id is a UUID made once per installation and account.
    ...(UUID.test(account.id) ? { instanceId: `urn:uuid:${account.id.toLowerCase()}` } : {}),
  };
  if (account.authUser !== null) config.authUser = account.authUser;
  if (password !== undefined) config.password = password;
  if (account.displayName !== '') config.displayName = account.displayName;
  if (account.registrar !== null) config.registrar = account.registrar;
  if (account.outboundProxy !== null) config.outboundProxy = account.outboundProxy;
  if (account.authRealms.length > 0) config.authRealms = [...account.authRealms];
  if (account.learnedRealms.length > 0) config.learnedRealms = [...account.learnedRealms];
  return config;
}

/** Learned realms are written back by the phone itself (rememberRealms): not a change that needs a new registration. */
function sameSipSettings(a: Account, b: Account): boolean {
  const sip = (x: Account) => JSON.stringify({ ...uaAccountConfig(x, undefined, registers(x)), learnedRealms: undefined, tls: [x.tlsCaFile, x.tlsPin] });
  return sip(a) === sip(b);
}

function bounded<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    timer.unref?.();
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

/** What the registration service needs of the transport's TLS side (engine.ts wires the TransportLayer). */
export interface RegistrationTls {
  trust: TlsTrust;
  failure: (serverName: string) => TlsCertificateError | undefined;
  onConnectionClosed: (handler: (e: ConnectionClosedEvent) => void) => void;
}

export class RegistrationService {
  readonly #ua: UserAgent;
  readonly #accounts: AccountService;
  readonly #events: EventBus;
  readonly #clock: Clock;
  /** Wall-clock ms from the same clock (wall-time.ts). */
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #snapshots = new Map<string, RegistrationSnapshot>();
  readonly #queues = new Map<string, Promise<void>>();
  #closed = false;

  readonly #tls: RegistrationTls | undefined;

  constructor(deps: { ua: UserAgent; accounts: AccountService; events: EventBus; clock: Clock; logger: Logger; tls?: RegistrationTls; now?: () => number }) {
    this.#tls = deps.tls;
    deps.tls?.onConnectionClosed((e) => this.#connectionLost(e));
    this.#ua = deps.ua;
    this.#accounts = deps.accounts;
    this.#events = deps.events;
    this.#clock = deps.clock;
    this.#now = deps.now ?? wallTime(deps.clock);
    this.#log = deps.logger.child('registration');
    this.#ua.on('registration', (change) => this.#onChange(change));
    this.#accounts.onChange((change) => this.#onAccountChange(change));
  }

  /** Adds the direct account and every enabled stored account; registers those that register. */
  async start(): Promise<void> {
    const direct = this.#accounts.direct;
    if (direct) await this.#install(direct);
    for (const account of this.#accounts.stored()) if (account.enabled) await this.#install(account);
  }

  snapshots(): RegistrationSnapshot[] {
    const ids = new Set([...this.#accounts.listed(), ...this.#accounts.stored()].map((a) => a.id));
    return [...ids].map((id) => this.snapshot(id)).filter((s): s is RegistrationSnapshot => s !== undefined);
  }

  snapshot(accountId: string): RegistrationSnapshot | undefined {
    const known = this.#snapshots.get(accountId);
    if (known) return known;
    const account = this.#accounts.get(accountId);
    if (!account) return undefined;
    return this.#idle(account);
  }

  /** account.register: (re)register now. */
  async register(accountId: string): Promise<RegistrationSnapshot> {
    const account = this.#accounts.require(accountId);
    if (!account.enabled) throw new ApiError('unavailable', `the account ${account.displayName || account.aor} is disabled; enable it first`);
    if (!registers(account)) throw new ApiError('unavailable', `the account ${account.aor} has no registrar to register with (it is reachable directly)`);
    await this.#queues.get(accountId);
    if (!this.#ua.account(accountId)) await this.#install(account);
    this.#ua.register(accountId);
    return this.snapshot(accountId)!;
  }

  /** account.unregister: remove our binding and stay unregistered until asked again. */
  async unregister(accountId: string): Promise<RegistrationSnapshot> {
    const account = this.#accounts.require(accountId);
    await this.#queues.get(accountId);
    if (this.#ua.account(accountId)) await bounded(this.#ua.unregister(accountId), UNREGISTER_WAIT_MS);
    return this.snapshot(accountId) ?? this.#idle(account);
  }

  /**
   * Re-registers every account that registers and is in the user agent, now
   * and all at once (network-change.ts). Accounts whose change is still being
   * applied are left to that change, which registers them anyway.
   */
  refreshAll(): string[] {
    if (this.#closed) return [];
    const refreshed: string[] = [];
    for (const account of this.#accounts.stored()) {
      if (!account.enabled || !registers(account) || this.#queues.has(account.id) || !this.#ua.account(account.id)) continue;
      this.#ua.register(account.id);
      refreshed.push(account.id);
    }
    return refreshed;
  }

  /** Unregisters everything (bounded); the UA itself is closed by the engine. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#queues.values()].map((q) => bounded(q, UNREGISTER_WAIT_MS)));
    await bounded(this.#ua.unregisterAll(), UNREGISTER_WAIT_MS);
  }

  #idle(account: Account): RegistrationSnapshot {
    const s: RegistrationSnapshot = { accountId: account.id, state: 'unregistered', otherBindings: [] };
    if (!account.enabled) s.words = 'the account is disabled';
    else if (!registers(account)) s.words = 'no registration needed: the account is reachable directly';
    return s;
  }

  async #install(account: Account): Promise<void> {
    const register = registers(account);
    if (this.#tls && account.id !== DIRECT_ACCOUNT_ID) {
      try {
        applyAccountTrust(this.#tls.trust, account);
      } catch (e) {
        if (!(e instanceof AccountTrustError)) throw e;
        this.#log.warn('account TLS trust not applied', { accountId: account.id, error: e.message });
        this.#snapshots.set(account.id, { accountId: account.id, state: 'failed', words: e.message, otherBindings: [] });
        this.#events.emit('registration', this.#snapshots.get(account.id)!);
        return;
      }
    }
    const password = await this.#accounts.password(account);
    this.#ua.addAccount(uaAccountConfig(account, password, register));
    this.#snapshots.delete(account.id);
    if (register) this.#ua.register(account.id);
    else this.#events.emit('registration', this.#idle(account));
  }

  async #uninstall(accountId: string): Promise<void> {
    if (!this.#ua.account(accountId)) return;
    await bounded(this.#ua.removeAccount(accountId), UNREGISTER_WAIT_MS);
  }

  #onAccountChange(change: AccountChange): void {
    const id = change.account.id;
    // Codecs, SRTP, DTMF, auto-answer, identity rules: read per call; the SIP account and its binding stay.
    if (change.kind === 'updated' && !change.passwordChanged && change.before.enabled === change.account.enabled && sameSipSettings(change.before, change.account)) return;
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        if (this.#closed) return;
        await this.#uninstall(id);
        this.#snapshots.delete(id);
        if (change.kind !== 'removed' && change.account.enabled) await this.#install(change.account);
        else if (change.kind !== 'removed') this.#events.emit('registration', this.#idle(change.account));
      })
      .catch((e: unknown) => this.#log.error('account change not applied to the user agent', { accountId: id, error: String(e) }));
    this.#queues.set(id, next);
    void next.then(() => {
      if (this.#queues.get(id) === next) this.#queues.delete(id);
    });
  }

  #onChange(change: RegistrationChange): void {
    const s: RegistrationSnapshot = { accountId: change.accountId, state: STATE_MAP[change.state], otherBindings: change.otherBindings.map((b) => b.uri) };
    if (change.outcome) {
      s.code = change.outcome.status;
      s.reason = change.outcome.reason;
      s.words = change.outcome.words;
    }
    if (change.state === 'retrying' && change.retryInMs !== undefined) {
      s.words = `${s.words ?? 'failed'}; trying again in ${Math.round(change.retryInMs / 1000)} s`;
    }
    const before = this.#snapshots.get(change.accountId);
    if (change.state === 'retrying' && (before?.state === 'registered' || before?.reconnecting)) s.reconnecting = true;
    if (change.detail && change.state === 'failed') s.words = `${s.words ?? 'failed'} (${change.detail})`;
    if ((change.state === 'failed' || change.state === 'retrying') && change.outcome?.status === 503) this.#explainTls(change.accountId, s);
    if (change.expiresAt !== undefined && (s.state === 'registered')) s.expiresAt = Math.round(this.#now() + (change.expiresAt - this.#clock.now()));
    const seen = this.#ua.publicAddress(change.accountId);
    if (seen) s.publicAddress = seen.host.includes(':') ? `[${seen.host}]:${seen.port}` : `${seen.host}:${seen.port}`;
    this.#snapshots.set(change.accountId, s);
    this.#events.emit('registration', s);
    // After this turn, as the account's presence and subscriptions (event-services.ts): a dial waiting for the
    // registration goes before the store's write.
    if (change.state === 'registered') setImmediate(() => this.#keepRealms(change.accountId));
  }

  /**
   * A 503 made up by our own stack may be a refused certificate: the words say
   * which check failed and the snapshot carries the certificate for the UI.
   */
  #explainTls(accountId: string, s: RegistrationSnapshot): void {
    const account = this.#tls && this.#accounts.get(accountId);
    if (!account || !this.#tls) return;
    const failure = accountTlsFailure(account, this.#tls.failure);
    if (!failure) return;
    const retry = s.state === 'failed' && s.words?.match(/; trying again in \d+ s$/)?.[0];
    s.words = `${failure.message}${retry ?? ''}`;
    const certificate = certificateSnapshot(failure);
    if (certificate) s.certificate = certificate;
  }

  /**
   * A TCP/TLS connection closed by the server or by an error: every account
   * registered over that transport refreshes at once (issue "Secure calls" §1),
   * which opens a new connection, instead of staying unreachable until its
   * next refresh.
   */
  #connectionLost(e: ConnectionClosedEvent): void {
    if (this.#closed || e.reason === 'local' || e.reason === 'idle' || e.protocol === 'udp') return;
    for (const account of this.#accounts.stored()) {
      if (account.transport !== e.protocol || !this.#ua.account(account.id)) continue;
      const state = this.#ua.registration(account.id).state;
      if (state !== 'registered' && state !== 'refreshing') continue;
      this.#log.info('connection lost: registering again now', { accountId: account.id, protocol: e.protocol, reason: e.reason });
      // A Contact naming the lost connection's public end would send the registrar's requests to a dead port.
      this.#ua.forgetConnectionAddress(account.id);
      this.#ua.register(account.id);
    }
  }

  /** After a first successful registration the UA account knows its registrar's realm: keep it. */
  #keepRealms(accountId: string): void {
    if (this.#closed) return;
    const binding = this.#ua.account(accountId)?.realmBinding;
    if (!binding || binding.source !== 'registrar' || accountId === DIRECT_ACCOUNT_ID) return;
    void this.#accounts.rememberRealms(accountId, binding.realms).catch((e: unknown) => this.#log.warn('learned realm not stored', { accountId, error: String(e) }));
  }
}
