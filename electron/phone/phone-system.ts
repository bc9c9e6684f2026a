/**
 * "Host a phone system on this computer" as the phone sees it: the API's
 * phoneSystem.* commands, the `phoneSystem` event, and this Parley's own
 * account for one of the users (the local Parley registers to the phone
 * system like any other phone: an ordinary account whose registrar is
 * sip:127.0.0.1:PORT).
 *
 * The registrar and proxy themselves are electron/server, which the phone
 * never imports (the lint enforces it): the phone declares what it needs
 * (`PhoneSystemHost`) and the host wiring (electron/server-host) implements
 * it. A host without one (the one-shot CLI commands) answers 'unavailable'.
 */
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { PhoneSystemPatch, PhoneSystemSnapshot, PhoneSystemUserInput, PhoneSystemUserPatch } from '../api/phone-system-api.ts';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { AccountService } from './account-service.ts';

/** The snapshot as the host knows it: `thisComputer` is the phone's to fill in. */
export type PhoneSystemHostSnapshot = PhoneSystemSnapshot;

/** What the phone needs from the registrar/proxy host. Conditions the user can act on are thrown as ApiError. */
export interface PhoneSystemHost {
  snapshot(): PhoneSystemHostSnapshot;
  /** Stores the settings; starts, stops or restarts the server to match. Resolves when it runs (or failed). */
  configure(patch: PhoneSystemPatch): Promise<void>;
  addUser(user: { username: string; password: string; displayName?: string; aliases: readonly string[] }): void;
  updateUser(patch: PhoneSystemUserPatch): void;
  removeUser(username: string): void;
  /** Something in the snapshot changed (a registration, a call, a user, the state). */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

export type PhoneSystemFactory = (options: { dataDir: string; logger: Logger; clock: Clock }) => PhoneSystemHost;

/** Events are coalesced: a burst of registrations is one snapshot. */
const EVENT_COALESCE_MS = 200;

export class PhoneSystemService {
  readonly #host: PhoneSystemHost | undefined;
  readonly #accounts: AccountService;
  readonly #events: EventBus;
  readonly #clock: Clock;
  #pending: TimerHandle | undefined;
  readonly #off: () => void;

  constructor(options: { host: PhoneSystemHost | undefined; accounts: AccountService; events: EventBus; clock: Clock }) {
    this.#host = options.host;
    this.#accounts = options.accounts;
    this.#events = options.events;
    this.#clock = options.clock;
    this.#off = this.#host?.onChange(() => this.#schedule()) ?? (() => {});
  }

  /** Starts the phone system when the user left it on. */
  async start(): Promise<void> {
    if (this.#host?.snapshot().settings.enabled) await this.#host.configure({});
  }

  get(): PhoneSystemSnapshot {
    const snap = this.#need().snapshot();
    return { ...snap, users: snap.users.map((u) => ({ ...u, thisComputer: this.#localAccount(snap, u.username) !== undefined })) };
  }

  async update(patch: PhoneSystemPatch): Promise<PhoneSystemSnapshot> {
    const host = this.#need();
    const before = host.snapshot();
    await host.configure(patch);
    const after = host.snapshot();
    if (after.settings.port !== before.settings.port) {
      // This Parley's accounts for the users follow the port.
      for (const u of before.users) {
        const account = this.#localAccount(before, u.username);
        if (account) await this.#accounts.update(account, { registrar: registrarOf(after), outboundProxy: registrarOf(after) });
      }
    }
    return this.#emitNow();
  }

  async addUser(input: PhoneSystemUserInput): Promise<PhoneSystemSnapshot> {
    const host = this.#need();
    host.addUser({ username: input.username, password: input.password, aliases: input.aliases ?? [], ...(input.displayName ? { displayName: input.displayName } : {}) });
    if (input.thisComputer) {
      const snap = host.snapshot();
      const aor = addressOf(snap, input.username);
      const existing = this.#accounts.stored().find((a) => a.aor.toLowerCase() === aor.toLowerCase());
      const fields = { password: input.password, registrar: registrarOf(snap), outboundProxy: registrarOf(snap), transport: 'udp' as const, enabled: true };
      if (existing) await this.#accounts.update(existing.id, fields);
      else await this.#accounts.add({ aor, ...fields, ...(input.displayName ? { displayName: input.displayName } : {}), aliases: (input.aliases ?? []).map((a) => addressOf(snap, a)) });
    }
    return this.#emitNow();
  }

  async updateUser(patch: PhoneSystemUserPatch): Promise<PhoneSystemSnapshot> {
    const host = this.#need();
    host.updateUser(patch);
    const snap = host.snapshot();
    const account = this.#localAccount(snap, patch.username);
    if (account && (patch.password !== undefined || patch.aliases !== undefined)) {
      await this.#accounts.update(account, {
        ...(patch.password !== undefined ? { password: patch.password } : {}),
        ...(patch.aliases !== undefined ? { aliases: patch.aliases.map((a) => addressOf(snap, a)) } : {}),
      });
    }
    return this.#emitNow();
  }

  async removeUser(username: string): Promise<PhoneSystemSnapshot> {
    const host = this.#need();
    const account = this.#localAccount(host.snapshot(), username);
    host.removeUser(username);
    if (account) await this.#accounts.remove(account);
    return this.#emitNow();
  }

  async close(): Promise<void> {
    this.#off();
    this.#clock.clearTimeout(this.#pending);
    await this.#host?.close();
  }

  #need(): PhoneSystemHost {
    if (!this.#host) throw new ApiError('unavailable', 'this Parley cannot host a phone system (the desktop app and `parley web` can; or run `parley serve`)');
    return this.#host;
  }

  /** The id of this Parley's account registering as `username` to this phone system. */
  #localAccount(snap: PhoneSystemHostSnapshot, username: string): string | undefined {
    const aor = addressOf(snap, username).toLowerCase();
    const registrar = registrarOf(snap);
    return this.#accounts.stored().find((a) => a.aor.toLowerCase() === aor && a.registrar === registrar)?.id;
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = this.#clock.setTimeout(() => {
      this.#pending = undefined;
      this.#emitNow();
    }, EVENT_COALESCE_MS);
  }

  #emitNow(): PhoneSystemSnapshot {
    this.#clock.clearTimeout(this.#pending);
    this.#pending = undefined;
    const snap = this.get();
    this.#events.emit('phoneSystem', snap);
    return snap;
  }
}

function addressOf(snap: PhoneSystemHostSnapshot, user: string): string {
  return `sip:${user}@${snap.settings.domain}`;
}

/** Where this Parley registers: the phone system's loopback listener, whatever the exposure. */
function registrarOf(snap: PhoneSystemHostSnapshot): string {
  return `sip:127.0.0.1:${snap.settings.port}`;
}
