/**
 * One `parley` run's phone: the engine opened where ephemeral-account.ts
 * says, reached only through the API dispatcher (the same contract as the
 * desktop and web hosts), its events printed by Output, and a bounded
 * shutdown: hang up every call, unregister every account we registered,
 * close the engine, remove a temporary data dir.
 *
 *   open ─▶ accounts chosen ─▶ (register) ─▶ command runs ─▶ close()
 *                                                             │ hang up   ≤ 2 s
 *                                                             │ unregister ≤ 3 s
 *                                                             │ engine.close ≤ 3 s
 */
import type { IceSettings } from '../media/ice/ice-transport.ts';
import type { CommandName, CommandParams, CommandResult } from '../api/commands.ts';
import { createDispatcher, type Dispatcher } from '../api/dispatcher.ts';
import type { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { Events } from '../api/events.ts';
import type { CommandContext, PhoneApi } from '../api/phone-api.ts';
import type { AccountSnapshot, RegistrationSnapshot } from '../api/snapshots.ts';
import type { AudioDeviceFactory, EngineAudio } from '../phone/engine.ts';
import { DIRECT_ACCOUNT_ID, localAddresses } from '../phone/direct-account.ts';
import { createLogger, type Logger, type LogRecord } from '../common/logger.ts';
import { UsageError, type CliOptions } from './args.ts';
import { CliError } from './cli-error.ts';
import { accountDescribingFlags, accountFromFlags, accountSettingsFromFlags, choosePhoneLocation, type PhoneLocation } from './ephemeral-account.ts';
import { ExitCode } from './exit-codes.ts';
import { registrationAdvice } from './failure-advice.ts';
import type { Output } from './output.ts';
import { terminalSafe } from './terminal-text.ts';

/** The engine's built-in account for server-less calls; it never registers. */
export { DIRECT_ACCOUNT_ID };

/**
 * Whether the engine registers this account (phone/registration-service.ts
 * `registers`): enabled, not the direct account, and with a registrar, given
 * or the AOR's domain when that is not this machine.
 */
export function registersByItself(account: AccountSnapshot, local: ReadonlySet<string> = localAddresses()): boolean {
  if (account.id === DIRECT_ACCOUNT_ID || !account.enabled) return false;
  if (account.registrar !== undefined) return true;
  const host = /^sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>?]+)/i.exec(account.aor)?.[1];
  if (host === undefined) return false;
  return !local.has(host.replace(/^\[(.*)\]$/, '$1').toLowerCase());
}

const CONTEXT: CommandContext = Object.freeze({ host: 'cli', client: 'cli' }) as CommandContext;
/** REGISTER may take a whole Timer F (64·T1 = 32 s, RFC 3261 §17.1.2.2) before it fails; allow a little more. */
const REGISTER_TIMEOUT_MS = 40_000;

export interface SessionOptions {
  /** Per-call audio for headless commands; absent = the engine's client audio (web host). */
  audio?: AudioDeviceFactory;
  /** The phone answers every incoming call itself (its call policy: no call is held for it). */
  autoAnswer?: boolean;
  /**
   * `parley accounts`: the stored data only (offline-phone.ts), no SIP, and no
   * account chosen from the flags (they describe the account to add).
   */
  manageAccounts?: boolean;
  /** Do not print the engine's events (the command prints its own results). */
  quiet?: boolean;
  /** Answer direct calls for any user, from anyone (`parley listen`/`echo`). */
  answerAnyUser?: boolean;
  /** Host the phone system of Settings when the user turned it on (`parley web`: the app's own phone). */
  phoneSystem?: boolean;
  /** Keep the last half hour of SIP messages for the UI's ladders (`parley web`); headless commands do not. */
  keepTrace?: boolean;
}

function stderrLogger(verbose: boolean): Logger {
  const sink = (r: LogRecord) => {
    const data = r.data && Object.keys(r.data).length > 0 ? ` ${JSON.stringify(r.data)}` : '';
    process.stderr.write(terminalSafe(`parley [${r.category}] ${r.level}: ${r.message}${data}`) + '\n');
  };
  return createLogger(sink, 'parley', verbose ? 'debug' : 'error');
}

export function withTimeout<T>(work: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

/** What the session needs of a phone: the engine, or the offline one for `parley accounts`. */
export interface SessionPhone {
  api: PhoneApi;
  events: EventBus;
  audio?: EngineAudio;
  close(): Promise<void>;
}

export class PhoneSession {
  readonly engine: SessionPhone;
  readonly dispatcher: Dispatcher;
  readonly events: EventBus;
  readonly location: PhoneLocation;
  readonly output: Output;
  /** The accounts this run works with (the flags account, --account, or every enabled stored one). */
  accounts: AccountSnapshot[] = [];
  readonly #registered = new Set<string>();
  /** Accounts this run added (the flags account): every registration event of theirs came after our subscription. */
  readonly #added = new Set<string>();
  /** The last registration event of each account since the session opened. */
  readonly #latest = new Map<string, RegistrationSnapshot>();
  readonly #unsubscribe: () => void;
  #closed: Promise<void> | undefined;

  private constructor(engine: SessionPhone, location: PhoneLocation, output: Output, quiet: boolean) {
    this.engine = engine;
    this.location = location;
    this.output = output;
    this.events = engine.events;
    this.dispatcher = createDispatcher(engine.api, { mapError: (e) => mapPhoneErrorLazy(e), timeoutMs: REGISTER_TIMEOUT_MS + 5_000 });
    // Without --verbose the SIP trace is not printed: not asked for, so the engine does not make it.
    const printing = quiet ? () => {} : engine.events.subscribe((e) => output.event(e), output.verbose ? {} : { except: ['trace'] });
    const following = engine.events.on('registration', (r) => this.#latest.set(r.accountId, r));
    this.#unsubscribe = () => {
      printing();
      following();
    };
  }

  static async open(opts: CliOptions, output: Output, options: SessionOptions = {}): Promise<PhoneSession> {
    const flagsAccount = options.manageAccounts ? undefined : accountFromFlags(opts);
    const location = choosePhoneLocation(opts);
    output.debug(`data dir ${location.dataDir}${location.ephemeral ? ' (temporary)' : ''}`);
    let engine: SessionPhone;
    try {
      // Loaded here, not at the top: `parley help` and usage errors never pay for the engine.
      const { mapPhoneError } = await import('../phone/map-phone-error.ts');
      mapPhoneErrorLazy = mapPhoneError;
      if (options.manageAccounts) {
        const { openOfflinePhone } = await import('./offline-phone.ts');
        engine = openOfflinePhone({ dataDir: location.dataDir, secrets: location.secrets, logger: stderrLogger(opts.verbose) });
      } else {
        const { createPhoneEngine } = await import('../phone/engine.ts');
        engine = await createPhoneEngine({
          dataDir: location.dataDir,
          secrets: location.secrets,
          throwawayData: location.ephemeral,
          logger: stderrLogger(opts.verbose),
          ...(opts.bind || opts.keepAlive !== undefined
            ? { sip: { ...(opts.bind ? { bind: [opts.bind] } : {}), ...(opts.keepAlive !== undefined ? { keepAliveMs: opts.keepAlive * 1000 } : {}) } }
            : {}),
          ...(options.audio ? { audio: options.audio } : {}),
          ...(opts.rtpTimeout !== undefined ? { peerTimeoutMs: opts.rtpTimeout * 1000 } : {}),
          ...(options.autoAnswer ? { autoAnswer: true } : {}),
          ...(opts.rtpPorts ? { rtpPorts: opts.rtpPorts } : {}),
          // Without --aor the account flags are the built-in direct account's (#chooseAccounts refuses them for a stored one).
          ...(flagsAccount === undefined ? { direct: accountSettingsFromFlags(opts).settings } : {}),
          ...(opts.recordingsDir !== undefined ? { recordingsDir: opts.recordingsDir } : {}),
          ...(options.answerAnyUser ? { answerAnyUser: true } : {}),
          keepTrace: options.keepTrace === true,
          ...(opts.ringTimeout !== undefined ? { ringTimeoutMs: opts.ringTimeout * 1000 } : {}),
          ...iceOption(opts),
          ...(options.phoneSystem ? { phoneSystem: (await import('../server-host/local-phone-system.ts')).localPhoneSystem } : {}),
        });
      }
    } catch (e) {
      location.cleanup();
      const mapped = mapPhoneErrorLazy(e);
      throw new CliError(`cannot start the phone in ${location.dataDir}: ${mapped?.message ?? (e as Error).message}`, ExitCode.failure);
    }
    const session = new PhoneSession(engine, location, output, options.quiet ?? false);
    try {
      if (!options.manageAccounts) await session.#chooseAccounts(opts, flagsAccount);
    } catch (e) {
      await session.close();
      throw e;
    }
    return session;
  }

  /** A command through the dispatcher; a failure becomes a CliError in words. */
  async call<N extends CommandName>(name: N, params: CommandParams<N>, exitCode: ExitCode = ExitCode.failure): Promise<CommandResult<N>> {
    const r = await this.dispatcher.call(name, params, CONTEXT);
    if (r.ok) return r.result;
    const issues = r.issues?.length ? ` (${r.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')})` : '';
    throw new CliError(`${name}: ${r.message}${issues}`, r.code === 'bad-request' ? ExitCode.usage : exitCode);
  }

  async #chooseAccounts(opts: CliOptions, flagsAccount: ReturnType<typeof accountFromFlags>): Promise<void> {
    const all = await this.call('accounts.list', {});
    for (const a of all) this.output.nameAccount(a.id, a.aor);
    if (flagsAccount && this.location.ephemeral) {
      const added = await this.call('accounts.add', flagsAccount);
      this.#added.add(added.id);
      this.output.nameAccount(added.id, added.aor);
      this.accounts = [added];
      return;
    }
    this.accounts = this.#storedAccounts(opts, flagsAccount, all);
    // --codecs and the like apply to a flags account or the direct one; a stored account keeps its own: say so, never drop them.
    const stored = this.accounts.filter((a) => a.id !== DIRECT_ACCOUNT_ID);
    const flags = accountDescribingFlags(opts);
    if (flags.length > 0 && stored.length > 0) {
      throw new UsageError(
        `${flags.join(', ')} ${flags.length === 1 ? 'describes' : 'describe'} an account from flags (with --aor, no --data-dir) or the built-in direct one; ` +
          `this run uses the stored ${stored.map((a) => a.aor).join(', ')} (in ${this.location.dataDir}), which keeps its own settings: ` +
          'change it in the app, or run with --aor and no --data-dir',
      );
    }
  }

  #storedAccounts(opts: CliOptions, flagsAccount: ReturnType<typeof accountFromFlags>, all: AccountSnapshot[]): AccountSnapshot[] {
    const wanted = opts.account ?? (flagsAccount ? flagsAccount.aor : undefined);
    if (wanted !== undefined) {
      const w = wanted.toLowerCase();
      const found = all.find((a) => a.id === wanted || a.aor.toLowerCase() === w || a.aor.toLowerCase() === `sip:${w}` || (a.displayName !== '' && a.displayName.toLowerCase() === w));
      if (!found) {
        const known = all.filter((a) => a.id !== DIRECT_ACCOUNT_ID).map((a) => a.aor);
        throw new UsageError(`no account "${wanted}" in ${this.location.dataDir}${known.length ? `; there are: ${known.join(', ')}` : '; add one with: parley accounts add --aor …'}`);
      }
      return [found];
    }
    return all.filter((a) => a.enabled);
  }

  /** The chosen accounts that register with a server (not the built-in direct one, nor one whose domain is us). */
  get registrable(): AccountSnapshot[] {
    return this.accounts.filter((a) => registersByItself(a));
  }

  /**
   * The first event of `name` matching `match` within `timeoutMs`, else undefined; also undefined at once when
   * `signal` aborts — a wait nobody needs any more must not leave its timer behind (a `listen` that registered
   * would otherwise wake once more, tens of seconds later, for nothing).
   */
  waitFor<E extends keyof Events>(name: E, match: (data: Events[E]) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<Events[E] | undefined> {
    return new Promise((resolve) => {
      const settle = (data: Events[E] | undefined) => {
        clearTimeout(timer);
        off();
        signal?.removeEventListener('abort', abandon);
        resolve(data);
      };
      const abandon = () => settle(undefined);
      const timer = setTimeout(abandon, timeoutMs);
      const off = this.events.on(name, (data) => {
        if (match(data)) settle(data);
      });
      if (signal?.aborted) abandon();
      else signal?.addEventListener('abort', abandon, { once: true });
    });
  }

  /**
   * The account's registration as the phone reports it now. For an account this run added, its last event says
   * it (all of them came after we subscribed); a stored one may have started registering while the engine opened,
   * so the phone's snapshot is asked, which also makes (or reads) the TLS listener's certificate: ≈ 10 ms a
   * throwaway `parley register --aor …` run has no use for.
   */
  async registration(accountId: string): Promise<RegistrationSnapshot | undefined> {
    if (this.#added.has(accountId)) return this.#latest.get(accountId);
    const snap = await this.call('app.snapshot', {});
    return snap.registrations.find((r) => r.accountId === accountId);
  }

  /**
   * Waits for the account's registration to settle and returns it; a failure
   * throws a CliError that says what to try (auth → 3, network → 6, …).
   *
   * The engine registers every enabled account with a registrar by itself
   * (at start, and when one is added): we only wait for that outcome, so no
   * second REGISTER races the first. account.register is sent only when
   * nothing is under way (e.g. an account the engine left unregistered).
   */
  async register(account: AccountSnapshot): Promise<RegistrationSnapshot> {
    if (!registersByItself(account)) {
      throw new UsageError(`${account.aor} has no registrar to register with (its domain is this machine); give --proxy or a registrar, or call it directly`);
    }
    const final = (r: RegistrationSnapshot) => r.accountId === account.id && (r.state === 'registered' || r.state === 'failed');
    // Both waits start before the snapshot is read (an event between the two is not missed); whichever is not
    // needed is given up when this returns.
    const done = new AbortController();
    const event = this.waitFor('registration', final, REGISTER_TIMEOUT_MS, done.signal);
    const started = this.waitFor('registration', (r) => r.accountId === account.id && r.state !== 'unregistered', 200, done.signal);
    this.#registered.add(account.id);
    let result: RegistrationSnapshot | undefined;
    try {
      result = await this.registration(account.id);
      // The engine starts registering a stored account while it opens, before our events are printed: show a settled
      // outcome we missed (an account we added had all its events printed).
      if (result !== undefined && final(result) && !this.#added.has(account.id)) this.output.event({ event: 'registration', data: result });
      if (result === undefined || result.state === 'unregistered') {
        // Give the engine's own registration a moment to start before asking for one.
        result = (await started) ?? (await this.call('account.register', { accountId: account.id }, ExitCode.network));
      }
      if (!final(result)) result = (await event) ?? result;
    } finally {
      done.abort();
    }
    if (result.state === 'registered') return result;
    if (result.state !== 'failed') throw new CliError(`registration of ${account.aor} got no final answer within ${REGISTER_TIMEOUT_MS / 1000} s: check --proxy and the network`, ExitCode.network);
    const advice = registrationAdvice(account.aor, result);
    throw new CliError(advice.message, advice.exitCode);
  }

  /** Registers every registrable account, one after another (the first failure stops the rest). */
  async registerAll(): Promise<RegistrationSnapshot[]> {
    const out: RegistrationSnapshot[] = [];
    for (const a of this.registrable) out.push(await this.register(a));
    return out;
  }

  /** Hangs up every call, unregisters what we registered, closes the engine; bounded, idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const calls = await withTimeout(this.call('calls.list', {}), 1000, []);
    const live = calls.filter((c) => c.state !== 'ended');
    if (live.length > 0) {
      const ended = Promise.all(live.map((c) => this.waitFor('call', (s) => s.id === c.id && s.state === 'ended', 2000)));
      await withTimeout(Promise.all(live.map((c) => this.call('call.hangup', { callId: c.id }).catch(() => null))), 2000, []);
      await withTimeout(ended, 2000, []);
    }
    const regs = [...this.#registered];
    if (regs.length > 0) {
      await withTimeout(Promise.all(regs.map((id) => this.call('account.unregister', { accountId: id }).catch(() => null))), 3000, []);
    }
    await withTimeout(this.engine.close(), 3000, undefined);
    this.#unsubscribe();
    this.location.cleanup();
  }
}

// The engine module is loaded lazily; until then no phone error can occur.
let mapPhoneErrorLazy: (e: unknown) => ApiError | undefined = () => undefined;

/**
 * --no-ice, and --stun and --turn as the phone's ICE servers when no account
 * is named by flags; with --aor they are that account's own (accountFromFlags).
 */
function iceOption(opts: CliOptions): { ice?: IceSettings | false } {
  if (opts.noIce) return { ice: false };
  const ice: IceSettings = {};
  if (opts.aor !== undefined) return { ice };
  if (opts.stun) ice.stun = { address: opts.stun.host, port: opts.stun.port };
  if (opts.turn) ice.turn = opts.turn;
  return { ice };
}
