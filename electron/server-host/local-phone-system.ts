/**
 * The phone's "Host a phone system on this computer": electron/server's
 * SipServer (registrar + proxy, or redirect server) run inside the phone
 * process, implementing the phone's `PhoneSystemHost` (phone/phone-system.ts).
 * It lives here, between the two, because neither may import the other.
 *
 * The users, the domain, the location table and the pane's choices are in
 * the server's own database (server.db in the data folder), the one
 * `parley users` and `parley serve` use: a user added on the command line
 * shows in Settings and the reverse.
 *
 *   off ──enable──▶ starting ──listening──▶ running ──disable──▶ off
 *                      │  port taken            │ port/exposure/domain/mode changed:
 *                      ▼                        ▼ stop, then starting again
 *                    failed ──enable/change──▶ starting
 *
 * Off by default; it binds 127.0.0.1 only, unless the user chose
 * exposure 'network' (then 0.0.0.0: the office's phones can reach it).
 */
import { join } from 'node:path';
import { ApiError } from '../api/errors.ts';
import type { PhoneSystemBinding, PhoneSystemExposure, PhoneSystemPatch, PhoneSystemSettings, PhoneSystemState, PhoneSystemUserPatch } from '../api/phone-system-api.ts';
import type { PhoneSystemHost, PhoneSystemHostSnapshot } from '../phone/phone-system.ts';
import { ServerStore, ServerStoreError, SipServer, hashSecrets, type Binding } from '../server/index.ts';
import { assertTransition } from '../sip/transaction/index.ts';
import { TransportError } from '../sip/transport/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';

export const PHONE_SYSTEM_DEFAULTS: Readonly<PhoneSystemSettings> = Object.freeze({
  enabled: false,
  // RFC 8375: the special-use domain for home networks; it never leaks into the public DNS.
  domain: 'home.arpa',
  exposure: 'loopback',
  port: 5070,
  redirect: false,
});

const moves: Record<PhoneSystemState, readonly PhoneSystemState[]> = {
  off: ['starting'],
  starting: ['running', 'failed'],
  running: ['off', 'starting'],
  failed: ['starting', 'off'],
};

const KEY = { enabled: 'pane.enabled', exposure: 'pane.exposure', port: 'pane.port', redirect: 'pane.redirect' } as const;

export interface LocalPhoneSystemOptions {
  dataDir: string;
  logger: Logger;
  clock: Clock;
  /** Tests: the address "network" binds (default 0.0.0.0). */
  networkAddress?: string;
}

export class LocalPhoneSystem implements PhoneSystemHost {
  readonly #o: LocalPhoneSystemOptions;
  readonly #store: ServerStore;
  readonly #listeners = new Set<() => void>();
  #server: SipServer | undefined;
  #state: PhoneSystemState = 'off';
  #error: string | undefined;
  #closed = false;
  /** Configure calls run one after another (a restart must finish before the next). */
  #queue: Promise<void> = Promise.resolve();

  constructor(options: LocalPhoneSystemOptions) {
    this.#o = options;
    this.#store = new ServerStore(join(options.dataDir, 'server.db'));
  }

  settings(): PhoneSystemSettings {
    const s = this.#store;
    const exposure = s.setting(KEY.exposure);
    const port = Number(s.setting(KEY.port));
    return {
      enabled: s.setting(KEY.enabled) === 'true',
      domain: s.domain ?? PHONE_SYSTEM_DEFAULTS.domain,
      exposure: exposure === 'network' ? 'network' : 'loopback',
      port: Number.isInteger(port) && port >= 1024 && port <= 65535 ? port : PHONE_SYSTEM_DEFAULTS.port,
      redirect: s.setting(KEY.redirect) === 'true',
    };
  }

  snapshot(): PhoneSystemHostSnapshot {
    const settings = this.settings();
    const server = this.#state === 'running' ? this.#server : undefined;
    const bindings = server?.bindings() ?? [];
    const count = new Map<string, number>();
    for (const b of bindings) count.set(b.aor, (count.get(b.aor) ?? 0) + 1);
    const stats = server?.stats;
    return {
      settings,
      state: this.#state,
      ...(this.#error !== undefined ? { error: this.#error } : {}),
      listening: server?.endpoints.map((e) => `${e.protocol} ${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port}`) ?? [],
      users: this.#store.subscribers().map((u) => {
        const address = `sip:${u.username}@${settings.domain}`;
        return {
          username: u.username,
          ...(u.displayName ? { displayName: u.displayName } : {}),
          aliases: u.aliases,
          address,
          registered: count.get(address) ?? 0,
          thisComputer: false,
        };
      }),
      bindings: bindings.map(toBinding),
      calls: server?.calls.list() ?? [],
      stats: {
        registrations: stats?.registrations ?? 0,
        forwarded: stats?.forwarded ?? 0,
        redirects: stats?.redirects ?? 0,
        authFailures: stats?.authFailures ?? 0,
        malformed: stats?.malformed ?? 0,
      },
    };
  }

  configure(patch: PhoneSystemPatch): Promise<void> {
    const run = this.#queue.then(() => this.#configure(patch));
    this.#queue = run.catch(() => {});
    return run;
  }

  addUser(user: { username: string; password: string; displayName?: string; aliases: readonly string[] }): void {
    if (this.#store.subscribers().some((s) => s.username.toLowerCase() === user.username.toLowerCase())) {
      throw new ApiError('conflict', `${user.username} is already a user`);
    }
    this.#putUser(() => this.#store.putSubscriber({ ...user, realm: this.settings().domain }));
  }

  updateUser(patch: PhoneSystemUserPatch): void {
    const current = this.#store.subscribers().find((s) => s.username === patch.username);
    if (!current) throw new ApiError('not-found', `no user ${patch.username}`);
    const realm = this.settings().domain;
    const secrets = patch.password !== undefined ? hashSecrets(current.username, realm, patch.password) : { ha1Md5: current.ha1Md5, ha1Sha256: current.ha1Sha256 };
    const displayName = patch.displayName === null ? undefined : (patch.displayName ?? current.displayName);
    this.#putUser(() =>
      this.#store.putSubscriberHashed({
        username: current.username, realm: patch.password !== undefined ? realm : current.realm, ...secrets,
        aliases: [...(patch.aliases ?? current.aliases)], ...(displayName ? { displayName } : {}),
      }),
    );
  }

  removeUser(username: string): void {
    if (!this.#store.removeSubscriber(username)) throw new ApiError('not-found', `no user ${username}`);
    const server = this.#server;
    if (server) {
      server.reloadUsers([]);
      // Their phones lose their registrations with the account.
      server.location.replace(`sip:${username}@${this.settings().domain}`, []);
    }
    this.#changed();
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#stop();
    this.#store.close();
  }

  #putUser(write: () => void): void {
    try {
      write();
    } catch (e) {
      if (e instanceof ServerStoreError) throw new ApiError('conflict', e.message);
      throw e;
    }
    this.#server?.reloadUsers([]);
    this.#changed();
  }

  async #configure(patch: PhoneSystemPatch): Promise<void> {
    if (this.#closed) throw new ApiError('unavailable', 'the phone is shutting down');
    const before = this.settings();
    if (patch.domain !== undefined && patch.domain !== before.domain && this.#store.subscribers().length > 0) {
      throw new ApiError('conflict', `the users' passwords belong to ${before.domain} (their digest realm): remove the users first to change the domain`);
    }
    this.#save(patch);
    const after = this.settings();
    const changed = (Object.keys(after) as (keyof PhoneSystemSettings)[]).some((k) => k !== 'enabled' && after[k] !== before[k]);
    if (!after.enabled) return this.#stop();
    if (this.#state === 'running' && !changed) return;
    await this.#stop();
    await this.#start(after);
  }

  #save(patch: PhoneSystemPatch): void {
    const s = this.#store;
    if (patch.domain !== undefined) s.domain = patch.domain;
    if (patch.enabled !== undefined) s.setSetting(KEY.enabled, String(patch.enabled));
    if (patch.exposure !== undefined) s.setSetting(KEY.exposure, patch.exposure);
    if (patch.port !== undefined) s.setSetting(KEY.port, String(patch.port));
    if (patch.redirect !== undefined) s.setSetting(KEY.redirect, String(patch.redirect));
  }

  async #start(settings: PhoneSystemSettings): Promise<void> {
    this.#transition('starting');
    this.#error = undefined;
    const address = bindAddress(settings.exposure, this.#o.networkAddress);
    const server = new SipServer({
      domain: settings.domain,
      listen: [
        { protocol: 'udp', address, port: settings.port },
        { protocol: 'tcp', address, port: settings.port },
      ],
      store: this.#store,
      redirect: settings.redirect,
      clock: this.#o.clock,
      logger: this.#o.logger,
    });
    try {
      await server.start();
    } catch (e) {
      await server.close().catch(() => {});
      const code = e instanceof TransportError ? e.systemCode : (e as NodeJS.ErrnoException).code;
      this.#error = code === 'EADDRINUSE'
        ? `port ${settings.port} is in use by another program: choose another port`
        : code === 'EACCES' ? `not allowed to listen on port ${settings.port}` : `cannot listen on ${address}:${settings.port} (${(e as Error).message})`;
      this.#o.logger.warn('phone system not started', { error: this.#error });
      this.#transition('failed');
      return;
    }
    this.#server = server;
    server.onBindings(() => this.#changed());
    server.calls.onChange(() => this.#changed());
    this.#o.logger.info('phone system running', { domain: settings.domain, exposure: settings.exposure, port: settings.port });
    this.#transition('running');
  }

  async #stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await server.close();
    if (this.#state === 'running' || this.#state === 'failed') this.#transition('off');
  }

  #transition(to: PhoneSystemState): void {
    assertTransition('LocalPhoneSystem', moves, this.#state, to);
    this.#state = to;
    this.#changed();
  }

  #changed(): void {
    for (const l of this.#listeners) l();
  }
}

function bindAddress(exposure: PhoneSystemExposure, network = '0.0.0.0'): string {
  return exposure === 'network' ? network : '127.0.0.1';
}

function toBinding(b: Binding): PhoneSystemBinding {
  return {
    username: /^sips?:([^@]+)@/.exec(b.aor)?.[1] ?? b.aor,
    contact: b.contact,
    source: `${b.source.protocol} ${b.source.address.includes(':') ? `[${b.source.address}]` : b.source.address}:${b.source.port}`,
    ...(b.userAgent ? { userAgent: b.userAgent } : {}),
    expiresAt: b.expiresAt,
  };
}

/** The factory the hosts (desktop app, `parley web`) hand to createPhoneEngine. */
export function localPhoneSystem(options: LocalPhoneSystemOptions): LocalPhoneSystem {
  return new LocalPhoneSystem(options);
}
