/**
 * Where passwords live, by reference: an account row holds `secretRef`, the
 * SecretStore holds the value (docs/architecture.md §6). Implementations: in memory
 * (tests, the CLI with a password from the environment), a 0600 JSON file
 * (file-secret-store.ts, the CLI), and later Electron's safeStorage in
 * electron/desktop. Asynchronous because OS keychains are.
 * Values never appear in logs or error messages.
 */
export interface SecretStore {
  get(ref: string): Promise<string | undefined>;
  set(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<void>;
}

export const MAX_SECRET_REF = 200;
export const MAX_SECRET_VALUE = 4096;

/** Throws TypeError for a reference or value no implementation should accept (a bug in the caller). */
export function checkSecretArgs(ref: unknown, value?: unknown): void {
  if (typeof ref !== 'string' || ref === '' || ref.length > MAX_SECRET_REF) throw new TypeError('secret reference must be a non-empty string of at most 200 characters');
  if (arguments.length > 1 && (typeof value !== 'string' || value.length > MAX_SECRET_VALUE)) throw new TypeError('secret value must be a string of at most 4096 characters');
}

export class MemorySecretStore implements SecretStore {
  readonly #values = new Map<string, string>();

  async get(ref: string): Promise<string | undefined> {
    checkSecretArgs(ref);
    return this.#values.get(ref);
  }

  async set(ref: string, value: string): Promise<void> {
    checkSecretArgs(ref, value);
    this.#values.set(ref, value);
  }

  async delete(ref: string): Promise<void> {
    checkSecretArgs(ref);
    this.#values.delete(ref);
  }

  /** How many secrets are held (for tests). */
  get size(): number {
    return this.#values.size;
  }
}

/** The reference an account's password is stored under. */
export function accountSecretRef(accountId: string): string {
  return `parley/account/${accountId}`;
}
