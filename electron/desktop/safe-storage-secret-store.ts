/**
 * Account passwords for the desktop app (docs/architecture.md §6): each value is
 * encrypted with Electron's safeStorage (macOS Keychain, Windows DPAPI,
 * libsecret/KWallet on Linux) and the ciphertexts are kept in one file in
 * the user data folder (`secrets.enc.json`, mode 0600, written atomically).
 *
 * Never plain text: when safeStorage has no real key store (isEncryption-
 * Available() false, or Linux's 'basic_text' backend, which encrypts with a
 * fixed key compiled into Chromium) `set` refuses with an ApiError the UI
 * shows, and `status` says so at start so the app can tell the user.
 *
 * Migration: the CLI keeps passwords in `secrets.json` (FileSecretStore,
 * 0600 plain text). When that file is in the same folder and encryption
 * works, its values are encrypted into our file (they win over ours: the
 * plain file reappearing means the CLI wrote it since), checked by
 * decrypting them back, and then the plain file is overwritten and deleted.
 * Without encryption it is left alone (and unused).
 *
 * Electron 45 deprecates the synchronous encryptString/decryptString for
 * encryptStringAsync/decryptStringAsync; both are accepted, async first.
 * isAsyncEncryptionAvailable() is true after 'ready' whatever the keyring,
 * so the check that counts is the backend read after it (see #init). A
 * locked keyring holds the first async operation until the user unlocks it:
 * `open` waits for that, so the desktop shell opens the store behind its
 * engine gate (engine-gate.ts), never in front of the window and the tray.
 * Pure apart from node:fs: `safeStorage` is injected, so tests use a fake.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../api/errors.ts';
import { DEFAULT_SECRETS_FILE } from '../phone/store/file-secret-store.ts';
import { checkSecretArgs, type SecretStore } from '../phone/store/secret-store.ts';
import { readSecretsFile, writeSecretsFile, type SecretsFile } from '../phone/store/secrets-file.ts';
import { StoreError } from '../phone/store/store-error.ts';
import { nullLogger, type Logger } from '../common/logger.ts';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  isAsyncEncryptionAvailable?(): Promise<boolean>;
  encryptStringAsync?(plainText: string): Promise<Buffer>;
  decryptStringAsync?(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

export const ENCRYPTED_SECRETS_FILE = 'secrets.enc.json';

export const NO_ENCRYPTION_MESSAGE =
  'Parley cannot save passwords on this computer: the system offers no encrypted password storage ' +
  '(no keychain, or no Secret Service such as GNOME Keyring or KWallet on Linux). ' +
  'Parley does not store passwords in plain text; set up a keyring and restart Parley.';

export interface SecretStoreStatus {
  encryption: 'available' | 'unavailable';
  /** Linux's backend name, when known. */
  backend?: string;
  /** Passwords moved from the CLI's plain-text file in this run. */
  migrated: number;
  /** A plain-text secrets.json is still there (encryption unavailable, or it could not be read). */
  plainTextFileLeft: boolean;
}

/** The secrets file's values are safeStorage ciphertexts, base64. */
type EncryptedFile = SecretsFile;

export interface SafeStorageSecretStoreOptions {
  logger?: Logger;
  fileName?: string;
  legacyFileName?: string;
}

export class SafeStorageSecretStore implements SecretStore {
  readonly path: string;
  readonly legacyPath: string;
  readonly #safe: SafeStorageLike;
  readonly #log: Logger;
  #available = false;
  #backend: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, safe: SafeStorageLike, options: SafeStorageSecretStoreOptions) {
    this.#safe = safe;
    this.#log = (options.logger ?? nullLogger).child('secrets');
    this.path = join(dir, options.fileName ?? ENCRYPTED_SECRETS_FILE);
    this.legacyPath = join(dir, options.legacyFileName ?? DEFAULT_SECRETS_FILE);
  }

  /** Opens the store (after app 'ready': safeStorage needs it) and migrates the CLI's plain file. */
  static async open(dir: string, safe: SafeStorageLike, options: SafeStorageSecretStoreOptions = {}): Promise<{ store: SafeStorageSecretStore; status: SecretStoreStatus }> {
    const store = new SafeStorageSecretStore(dir, safe, options);
    const status = await store.#init();
    return { store, status };
  }

  get encryptionAvailable(): boolean {
    return this.#available;
  }

  get(ref: string): Promise<string | undefined> {
    checkSecretArgs(ref);
    return this.#serial(async () => {
      if (!this.#available) return undefined;
      const file = await this.#read();
      const sealed = Object.hasOwn(file.secrets, ref) ? file.secrets[ref] : undefined;
      if (sealed === undefined) return undefined;
      try {
        const { result, shouldReEncrypt } = await this.#decrypt(Buffer.from(sealed, 'base64'));
        if (shouldReEncrypt) {
          file.secrets[ref] = (await this.#encrypt(result)).toString('base64');
          await this.#write(file);
        }
        return result;
      } catch (e) {
        // The key store changed (another user, a reset keyring): the password must be entered again.
        this.#log.warn('a stored password cannot be decrypted; it must be entered again', { ref, error: (e as Error).message });
        return undefined;
      }
    });
  }

  set(ref: string, value: string): Promise<void> {
    checkSecretArgs(ref, value);
    return this.#serial(async () => {
      if (!this.#available) throw new ApiError('unavailable', NO_ENCRYPTION_MESSAGE);
      const file = await this.#read();
      file.secrets[ref] = (await this.#encrypt(value)).toString('base64');
      await this.#write(file);
    });
  }

  delete(ref: string): Promise<void> {
    checkSecretArgs(ref);
    return this.#serial(async () => {
      const file = await this.#read();
      if (!Object.hasOwn(file.secrets, ref)) return;
      delete file.secrets[ref];
      await this.#write(file);
    });
  }

  async #init(): Promise<SecretStoreStatus> {
    let available = this.#safe.isAsyncEncryptionAvailable ? await this.#safe.isAsyncEncryptionAvailable() : this.#safe.isEncryptionAvailable();
    // Read the backend only now: before the first async operation getSelectedStorageBackend() reports
    // the desktop's usual store, a guess; the async encryptor's start finds whether a keyring answers,
    // and without one falls back to 'basic_text' while isAsyncEncryptionAvailable() still says true.
    this.#backend = this.#safe.getSelectedStorageBackend?.();
    // 'basic_text' encrypts with a key every Chromium build shares: plain text in disguise.
    if (this.#backend === 'basic_text' || this.#backend === 'unknown') available = false;
    this.#available = available;
    const status: SecretStoreStatus = { encryption: available ? 'available' : 'unavailable', migrated: 0, plainTextFileLeft: false, ...(this.#backend ? { backend: this.#backend } : {}) };
    if (!available) this.#log.warn('no encrypted password storage: passwords will not be saved', { backend: this.#backend ?? 'n/a' });
    const legacy = await this.#readLegacy();
    if (legacy === undefined) return status;
    if (!available || legacy === 'unreadable') {
      status.plainTextFileLeft = true;
      return status;
    }
    status.migrated = await this.#serial(() => this.#migrate(legacy));
    return status;
  }

  async #migrate(legacy: Record<string, string>): Promise<number> {
    const file = await this.#read();
    const refs = Object.keys(legacy);
    for (const ref of refs) file.secrets[ref] = (await this.#encrypt(legacy[ref]!)).toString('base64');
    await this.#write(file);
    // Check what was written before destroying the only other copy.
    const back = await this.#read();
    for (const ref of refs) {
      const { result } = await this.#decrypt(Buffer.from(back.secrets[ref] ?? '', 'base64'));
      if (result !== legacy[ref]) throw new StoreError('io', 'migrating passwords failed: a value did not read back; the plain-text file was kept');
    }
    await this.#destroyLegacy();
    this.#log.info('passwords moved from the plain-text file into encrypted storage', { count: refs.length });
    return refs.length;
  }

  /** undefined = no legacy file; 'unreadable' = present but not a secrets file (left alone). */
  async #readLegacy(): Promise<Record<string, string> | 'unreadable' | undefined> {
    let text: string;
    try {
      text = await readFile(this.legacyPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.#log.warn('the plain-text secrets file cannot be read', { path: this.legacyPath, error: (e as Error).message });
      return 'unreadable';
    }
    try {
      const parsed = JSON.parse(text) as { version?: unknown; secrets?: unknown };
      const secrets = parsed?.secrets;
      if (parsed?.version !== 1 || typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) throw new Error('shape');
      const out: Record<string, string> = Object.create(null);
      for (const [ref, value] of Object.entries(secrets)) {
        checkSecretArgs(ref, value);
        out[ref] = value as string;
      }
      return out;
    } catch {
      this.#log.warn('the plain-text secrets file is not a Parley secrets file; left untouched', { path: this.legacyPath });
      return 'unreadable';
    }
  }

  async #destroyLegacy(): Promise<void> {
    // Overwrite before unlinking: on file systems that reuse blocks in place this keeps the old text off the disk.
    try {
      const size = (await stat(this.legacyPath)).size;
      const handle = await open(this.legacyPath, 'r+');
      try {
        await handle.write(Buffer.alloc(size), 0, size, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      this.#log.warn('could not overwrite the plain-text secrets file before deleting it', { error: (e as Error).message });
    }
    await unlink(this.legacyPath);
  }

  async #encrypt(value: string): Promise<Buffer> {
    return this.#safe.encryptStringAsync ? this.#safe.encryptStringAsync(value) : this.#safe.encryptString(value);
  }

  async #decrypt(sealed: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> {
    if (this.#safe.decryptStringAsync) return this.#safe.decryptStringAsync(sealed);
    return { result: this.#safe.decryptString(sealed), shouldReEncrypt: false };
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #read(): Promise<EncryptedFile> {
    return readSecretsFile(this.path);
  }

  #write(file: EncryptedFile): Promise<void> {
    return writeSecretsFile(this.path, file);
  }
}
