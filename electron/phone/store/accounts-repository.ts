/**
 * Accounts in the store: the `accounts` row plus the ordered `account_aliases`
 * rows, always written together in one transaction. Input is validated with
 * account.ts's schema (StoreError 'invalid' names the field). Passwords go to
 * the SecretStore; the row keeps only `secretRef`. What is read is kept
 * (read-cache.ts) until this process writes or another one commits: the
 * phone reads an account several times per call. The accounts handed out
 * are frozen.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_DEFAULTS, accountSettingsSchema, type Account, type AccountInput, type AccountPatch, type AccountSettings } from '../account.ts';
import { accountSecretRef, MAX_SECRET_VALUE, type SecretStore } from './secret-store.ts';
import { ReadCache } from './read-cache.ts';
import type { Row, Store } from './store.ts';
import { StoreError } from './store-error.ts';
import { nullableString, plainInput, readJson, requireId, validate } from './validate.ts';

const COLUMNS = `id, display_name, aor, auth_user, secret_ref, registrar, outbound_proxy, transport, codecs, srtp, dtmf,
  auto_answer, enabled, identity_rules, register_expires, p_preferred_identity, auth_realms, learned_realms, tls_ca_file, tls_pin, sdes_in_clear, voicemail, pickup_code, privacy,
  stun_server, turn_server, turn_secret_ref`;

export class AccountsRepository {
  readonly #store: Store;
  readonly #secrets: SecretStore | undefined;
  readonly #cache: ReadCache<{ list: Account[]; byId: Map<string, Account> }>;

  constructor(store: Store, secrets?: SecretStore) {
    this.#store = store;
    this.#secrets = secrets;
    this.#cache = new ReadCache(store, () => {
      const list = this.#read();
      return { list, byId: new Map(list.map((a) => [a.id, a])) };
    });
  }

  /** All accounts in display order. */
  list(): Account[] {
    return [...this.#cache.get().list];
  }

  get(id: string): Account | undefined {
    requireId(id, 'account');
    return this.#cache.get().byId.get(id);
  }

  #read(): Account[] {
    const aliases = new Map<string, string[]>();
    for (const r of this.#store.all('SELECT account_id, uri FROM account_aliases ORDER BY account_id, position')) {
      const id = String(r.account_id);
      aliases.set(id, [...(aliases.get(id) ?? []), String(r.uri)]);
    }
    return this.#store.all(`SELECT ${COLUMNS} FROM accounts ORDER BY position, id`).map((r) => this.#fromRow(r, aliases.get(String(r.id)) ?? []));
  }

  /** Like get, but a missing account is StoreError 'not-found'. */
  require(id: string): Account {
    const account = this.get(id);
    if (!account) throw new StoreError('not-found', `no account with id ${id}`);
    return account;
  }

  add(input: AccountInput): Account {
    const settings = validate(accountSettingsSchema, { ...ACCOUNT_DEFAULTS, ...plainInput(input, 'account') }, 'account');
    const id = randomUUID();
    this.#cache.write(() => this.#store.transaction(() => {
      const position = Number(this.#store.get('SELECT coalesce(max(position), -1) + 1 AS p FROM accounts')?.p ?? 0);
      this.#store.run(
        `INSERT INTO accounts (${COLUMNS}, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        ...this.#values(settings),
        position,
      );
      this.#writeAliases(id, settings.aliases);
    }));
    return { id, ...settings };
  }

  /** Applies `patch` over the stored account; the result must be a valid account as a whole. */
  update(id: string, patch: AccountPatch): Account {
    return this.#cache.write(() => this.#store.transaction(() => {
      const { id: _, ...current } = this.require(id);
      const settings = validate(accountSettingsSchema, { ...current, ...plainInput(patch, 'account') }, 'account');
      this.#store.run(
        `UPDATE accounts SET display_name = ?, aor = ?, auth_user = ?, secret_ref = ?, registrar = ?, outbound_proxy = ?, transport = ?,
           codecs = ?, srtp = ?, dtmf = ?, auto_answer = ?, enabled = ?, identity_rules = ?, register_expires = ?, p_preferred_identity = ?,
           auth_realms = ?, learned_realms = ?, tls_ca_file = ?, tls_pin = ?, sdes_in_clear = ?, voicemail = ?, pickup_code = ?, privacy = ?,
           stun_server = ?, turn_server = ?, turn_secret_ref = ?
         WHERE id = ?`,
        ...this.#values(settings),
        id,
      );
      this.#store.run('DELETE FROM account_aliases WHERE account_id = ?', id);
      this.#writeAliases(id, settings.aliases);
      return { id, ...settings };
    }));
  }

  /**
   * Deletes the account (its aliases go with it; history and messages keep
   * their rows with the account cleared). Returns what was removed, so the
   * caller can delete the secret; `removeWithSecret` does both.
   */
  remove(id: string): Account {
    return this.#cache.write(() => this.#store.transaction(() => {
      const account = this.require(id);
      this.#store.run('DELETE FROM accounts WHERE id = ?', id);
      return account;
    }));
  }

  async removeWithSecret(id: string): Promise<Account> {
    const account = this.remove(id);
    if (account.secretRef && this.#secrets) await this.#secrets.delete(account.secretRef);
    if (account.turnSecretRef && this.#secrets) await this.#secrets.delete(account.turnSecretRef);
    return account;
  }

  /** Sets the display order; `ids` must be exactly the stored accounts' ids. */
  reorder(ids: readonly string[]): void {
    this.#cache.write(() => this.#store.transaction(() => {
      const stored = new Set(this.#store.all('SELECT id FROM accounts').map((r) => String(r.id)));
      if (!Array.isArray(ids) || ids.length !== stored.size || new Set(ids).size !== ids.length || !ids.every((id) => stored.has(id))) {
        throw new StoreError('invalid', 'account order: must list every account exactly once', { issues: [{ path: '', message: 'must list every account exactly once' }] });
      }
      ids.forEach((id, position) => this.#store.run('UPDATE accounts SET position = ? WHERE id = ?', position, id));
    }));
  }

  /**
   * Stores the password in the SecretStore and points the account at it;
   * null forgets it. The password itself never reaches the database.
   */
  async setPassword(id: string, password: string | null): Promise<Account> {
    const secrets = this.#requireSecrets();
    const account = this.require(id);
    if (password === null) {
      if (account.secretRef) await secrets.delete(account.secretRef);
      return account.secretRef ? this.update(id, { secretRef: null }) : account;
    }
    if (typeof password !== 'string' || password.length > MAX_SECRET_VALUE) {
      throw new StoreError('invalid', 'password: must be a string of at most 4096 characters', { issues: [{ path: 'password', message: 'must be a string of at most 4096 characters' }] });
    }
    const ref = account.secretRef ?? accountSecretRef(id);
    await secrets.set(ref, password);
    if (account.secretRef === ref) return account;
    try {
      return this.update(id, { secretRef: ref });
    } catch (e) {
      await secrets.delete(ref); // the account went away meanwhile: leave no orphan secret
      throw e;
    }
  }

  /** The TURN server's password (RFC 8656 long-term credential) in the SecretStore; null removes it. */
  async setTurnPassword(id: string, password: string | null): Promise<Account> {
    const secrets = this.#requireSecrets();
    const account = this.require(id);
    if (password === null) {
      if (account.turnSecretRef) await secrets.delete(account.turnSecretRef);
      return account.turnSecretRef ? this.update(id, { turnSecretRef: null }) : account;
    }
    if (typeof password !== 'string' || password.length > MAX_SECRET_VALUE) {
      throw new StoreError('invalid', 'turnPassword: must be a string of at most 4096 characters', { issues: [{ path: 'turnPassword', message: 'must be a string of at most 4096 characters' }] });
    }
    const ref = account.turnSecretRef ?? `${accountSecretRef(id)}/turn`;
    await secrets.set(ref, password);
    if (account.turnSecretRef === ref) return account;
    try {
      return this.update(id, { turnSecretRef: ref });
    } catch (e) {
      await secrets.delete(ref);
      throw e;
    }
  }

  async getTurnPassword(id: string): Promise<string | undefined> {
    const secrets = this.#requireSecrets();
    const account = this.require(id);
    return account.turnSecretRef ? secrets.get(account.turnSecretRef) : undefined;
  }

  async getPassword(id: string): Promise<string | undefined> {
    const secrets = this.#requireSecrets();
    const account = this.require(id);
    return account.secretRef ? secrets.get(account.secretRef) : undefined;
  }

  #requireSecrets(): SecretStore {
    if (!this.#secrets) throw new Error('AccountsRepository was built without a SecretStore');
    return this.#secrets;
  }

  #writeAliases(id: string, aliases: readonly string[]): void {
    aliases.forEach((uri, position) => this.#store.run('INSERT INTO account_aliases (account_id, position, uri) VALUES (?, ?, ?)', id, position, uri));
  }

  #values(s: AccountSettings): (string | number | null)[] {
    return [
      s.displayName,
      s.aor,
      s.authUser,
      s.secretRef,
      s.registrar,
      s.outboundProxy,
      s.transport,
      JSON.stringify(s.codecs),
      s.srtp,
      s.dtmf,
      s.autoAnswer ? 1 : 0,
      s.enabled ? 1 : 0,
      JSON.stringify(s.identityRules),
      s.registerExpires,
      s.pPreferredIdentity ? 1 : 0,
      JSON.stringify(s.authRealms),
      JSON.stringify(s.learnedRealms),
      s.tlsCaFile,
      s.tlsPin,
      s.sdesInClear ? 1 : 0,
      s.voicemail,
      s.pickupCode,
      s.privacy,
      s.stunServer,
      s.turnServer,
      s.turnSecretRef,
    ];
  }

  #fromRow(r: Row, aliases: string[]): Account {
    const what = `account ${String(r.id)}`;
    return {
      id: String(r.id),
      displayName: String(r.display_name),
      aor: String(r.aor),
      aliases,
      authUser: nullableString(r.auth_user),
      secretRef: nullableString(r.secret_ref),
      registrar: nullableString(r.registrar),
      outboundProxy: nullableString(r.outbound_proxy),
      transport: String(r.transport) as Account['transport'],
      codecs: readJson(r.codecs, what) as string[],
      srtp: String(r.srtp) as Account['srtp'],
      dtmf: String(r.dtmf) as Account['dtmf'],
      autoAnswer: r.auto_answer === 1,
      enabled: r.enabled === 1,
      identityRules: readJson(r.identity_rules, what) as Account['identityRules'],
      registerExpires: Number(r.register_expires),
      pPreferredIdentity: r.p_preferred_identity === 1,
      authRealms: readJson(r.auth_realms, what) as string[],
      learnedRealms: readJson(r.learned_realms, what) as string[],
      tlsCaFile: nullableString(r.tls_ca_file),
      tlsPin: nullableString(r.tls_pin),
      sdesInClear: r.sdes_in_clear === 1,
      voicemail: nullableString(r.voicemail),
      pickupCode: nullableString(r.pickup_code),
      privacy: String(r.privacy) as Account['privacy'],
      stunServer: nullableString(r.stun_server),
      turnServer: nullableString(r.turn_server),
      turnSecretRef: nullableString(r.turn_secret_ref),
    };
  }
}
