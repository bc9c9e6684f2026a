/**
 * Passwords in a JSON file readable only by the user (mode 0600), for the CLI
 * and for hosts without an OS keychain. This is not encryption: it is the
 * same protection ssh gives ~/.ssh/id_*. The desktop app uses safeStorage.
 *
 * The file format, its checks and its atomic 0600 write are in
 * secrets-file.ts. Operations run one at a time so concurrent set() calls
 * cannot lose each other's update. A file that others may read is tightened
 * to 0600 and a warning logged.
 */
import { chmod, stat, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { checkSecretArgs, type SecretStore } from './secret-store.ts';
import { emptySecretsFile, parseSecretsFile, readSecretsText, writeSecretsFile, type SecretsFile } from './secrets-file.ts';

export const DEFAULT_SECRETS_FILE = 'secrets.json';

export interface FileSecretStoreOptions {
  fileName?: string;
  logger?: Logger;
}

export class FileSecretStore implements SecretStore {
  readonly path: string;
  readonly #log: Logger;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, options: FileSecretStoreOptions = {}) {
    this.path = join(dataDir, options.fileName ?? DEFAULT_SECRETS_FILE);
    this.#log = (options.logger ?? nullLogger).child('secrets');
  }

  get(ref: string): Promise<string | undefined> {
    checkSecretArgs(ref);
    return this.#serial(async () => {
      const secrets = (await this.#read()).secrets;
      return Object.hasOwn(secrets, ref) ? secrets[ref] : undefined;
    });
  }

  set(ref: string, value: string): Promise<void> {
    checkSecretArgs(ref, value);
    return this.#serial(async () => {
      const file = await this.#read();
      file.secrets[ref] = value;
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

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op, op);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #read(): Promise<SecretsFile> {
    const text = await readSecretsText(this.path);
    if (text === undefined) return emptySecretsFile();
    await this.#tighten();
    return parseSecretsFile(this.path, text);
  }

  async #tighten(): Promise<void> {
    if (process.platform === 'win32') return; // POSIX modes do not apply; the profile folder's ACL does.
    // node:fs's callbacks, not fs/promises: see secrets-file.ts.
    const st = await new Promise<Stats>((resolve, reject) => stat(this.path, (e, s) => (e ? reject(e) : resolve(s))));
    if ((st.mode & 0o077) !== 0) {
      await new Promise<void>((resolve, reject) => chmod(this.path, 0o600, (e) => (e ? reject(e) : resolve())));
      this.#log.warn('secrets file was readable by others; permissions set to 0600', { path: this.path, mode: (st.mode & 0o777).toString(8) });
    }
  }

  #write(file: SecretsFile): Promise<void> {
    return writeSecretsFile(this.path, file);
  }
}
