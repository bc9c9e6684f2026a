/**
 * Accounts as the phone uses them: the stored ones (store/accounts-repository)
 * plus the built-in direct account (direct-account.ts), which is listed while
 * no account is stored and can always be dialled from and called on.
 *
 * The rules the store cannot check on one row live here: no address may
 * belong to two accounts (an incoming call must have one owner, docs/architecture.md §1
 * "Aliases"), and the direct account is neither edited nor removed. Every
 * change is announced as the whole list ('accounts' event) and to the
 * registration and call services through `onChange`.
 */
import type { AccountInput as ApiAccountInput, AccountPatch as ApiAccountPatch } from '../api/commands.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { AccountSnapshot } from '../api/snapshots.ts';
import { accountAddresses, type Account } from './account.ts';
import { DIRECT_ACCOUNT_ID } from './direct-account.ts';
import { parseSipAddress, sameAddress } from './sip-address.ts';
import { fromAccountInput, fromAccountPatch, toAccountSnapshot } from './snapshot-mappers.ts';
import type { PhoneStore } from './store/phone-store.ts';

export type AccountChange =
  | { kind: 'added'; account: Account }
  | { kind: 'updated'; account: Account; before: Account; passwordChanged: boolean }
  | { kind: 'removed'; account: Account };

export class AccountService {
  readonly #store: PhoneStore;
  readonly #events: EventBus;
  #direct: Account | undefined;
  readonly #listeners: ((change: AccountChange) => void | Promise<void>)[] = [];
  /** TURN passwords by account id, read from the secret store: never logged, never in a snapshot. */
  readonly #turnPasswords = new Map<string, string>();

  constructor(store: PhoneStore, events: EventBus) {
    this.#store = store;
    this.#events = events;
  }

  /** Set once the SIP listener is up (its AOR carries our address and port). */
  setDirect(account: Account): void {
    this.#direct = account;
  }

  get direct(): Account | undefined {
    return this.#direct;
  }

  onChange(listener: (change: AccountChange) => void | Promise<void>): void {
    this.#listeners.push(listener);
  }

  stored(): Account[] {
    return this.#store.accounts.list();
  }

  /** What accounts.list shows: the stored accounts, or the direct account while there are none. */
  listed(): Account[] {
    const stored = this.stored();
    return stored.length === 0 && this.#direct ? [this.#direct] : stored;
  }

  snapshots(): AccountSnapshot[] {
    return this.listed().map(toAccountSnapshot);
  }

  get(id: string): Account | undefined {
    if (id === DIRECT_ACCOUNT_ID) return this.#direct;
    return this.#store.accounts.get(id);
  }

  require(id: string): Account {
    const account = this.get(id);
    if (!account) throw new ApiError('not-found', `no account with id ${id}`);
    return account;
  }

  /** The account a call or message uses when none is named: the first enabled stored one, else direct. */
  defaultAccount(): Account | undefined {
    return this.stored().find((a) => a.enabled) ?? this.#direct;
  }

  async password(account: Account): Promise<string | undefined> {
    if (account.id === DIRECT_ACCOUNT_ID || !account.secretRef) return undefined;
    return this.#store.secrets.get(account.secretRef);
  }

  /** The account's TURN password (kept in memory once read: a call's media is set up synchronously). */
  turnPassword(accountId: string): string | undefined {
    return this.#turnPasswords.get(accountId);
  }

  /** Reads every stored account's TURN password from the secret store (at start). */
  async loadTurnPasswords(): Promise<void> {
    for (const a of this.stored()) {
      if (!a.turnSecretRef) continue;
      const pw = await this.#store.secrets.get(a.turnSecretRef).catch(() => undefined);
      if (pw !== undefined) this.#turnPasswords.set(a.id, pw);
    }
  }

  async #setTurnPassword(id: string, password: string | null): Promise<Account> {
    const account = await this.#store.accounts.setTurnPassword(id, password);
    if (password === null) this.#turnPasswords.delete(id);
    else this.#turnPasswords.set(id, password);
    return account;
  }

  async add(input: ApiAccountInput): Promise<AccountSnapshot> {
    // A TLS account protects its media too unless told otherwise (issue "Secure calls" §3).
    const model = fromAccountInput(input.transport === 'tls' && input.srtp === undefined ? { ...input, srtp: 'mandatory' } : input);
    this.#checkUnique(model.aor, model.aliases ?? [], undefined);
    let account = this.#store.accounts.add(model);
    if (input.password !== undefined || input.turnPassword !== undefined) {
      try {
        if (input.password !== undefined) account = await this.#store.accounts.setPassword(account.id, input.password);
        if (input.turnPassword !== undefined) account = await this.#setTurnPassword(account.id, input.turnPassword);
      } catch (e) {
        await this.#store.accounts.removeWithSecret(account.id).catch(() => undefined);
        throw e;
      }
    }
    await this.#changed({ kind: 'added', account });
    return toAccountSnapshot(account);
  }

  async update(id: string, patch: ApiAccountPatch): Promise<AccountSnapshot> {
    this.#refuseDirect(id, 'changed');
    const before = this.#store.accounts.require(id);
    const model = fromAccountPatch(patch);
    this.#checkUnique(model.aor ?? before.aor, model.aliases ?? before.aliases, id);
    let account = Object.keys(model).length > 0 ? this.#store.accounts.update(id, model) : before;
    if (patch.password !== undefined) account = await this.#store.accounts.setPassword(id, patch.password);
    if (patch.turnPassword !== undefined) account = await this.#setTurnPassword(id, patch.turnPassword);
    await this.#changed({ kind: 'updated', account, before, passwordChanged: patch.password !== undefined });
    return toAccountSnapshot(account);
  }

  /**
   * Keeps the realm(s) the registrar used at the first successful registration
   * (sip/auth/realm-binding.ts), so the binding outlives a restart. Announced
   * like an edit; the registration service sees no SIP setting change in it.
   */
  async rememberRealms(id: string, realms: readonly string[]): Promise<void> {
    const before = this.#store.accounts.get(id);
    if (!before || JSON.stringify(before.learnedRealms) === JSON.stringify(realms)) return;
    const account = this.#store.accounts.update(id, { learnedRealms: [...realms] });
    await this.#changed({ kind: 'updated', account, before, passwordChanged: false });
  }

  async remove(id: string): Promise<void> {
    this.#refuseDirect(id, 'removed');
    const account = await this.#store.accounts.removeWithSecret(id);
    this.#turnPasswords.delete(id);
    await this.#changed({ kind: 'removed', account });
  }

  #refuseDirect(id: string, what: string): void {
    if (id === DIRECT_ACCOUNT_ID) throw new ApiError('not-allowed', `the built-in direct account cannot be ${what}; add an account instead`);
  }

  /** An address another account already has is a conflict (one owner per incoming call). */
  #checkUnique(aor: string, aliases: readonly string[], selfId: string | undefined): void {
    const others = this.stored().filter((a) => a.id !== selfId);
    for (const text of [aor, ...aliases]) {
      const mine = parseSipAddress(text.trim());
      if (!mine.ok) continue; // the store's validation names the field
      for (const other of others) {
        const clash = accountAddresses(other).find((o) => {
          const p = parseSipAddress(o);
          return p.ok && sameAddress(p.value, mine.value);
        });
        if (clash) {
          const name = other.displayName || other.aor;
          throw new ApiError('conflict', `${text} is already an address of the account ${name}`);
        }
      }
    }
  }

  async #changed(change: AccountChange): Promise<void> {
    this.#events.emit('accounts', this.snapshots());
    for (const listener of this.#listeners) await listener(change);
  }
}
