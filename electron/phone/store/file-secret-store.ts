/**
 * Passwords in a JSON file readable only by the user (mode 0600), for the CLI
 * and for hosts without an OS keychain. This is not encryption: it is the
 * same protection ssh gives ~/.ssh/id_*. The desktop app uses safeStorage.
 *
 * Writes are atomic (a 0600 temporary file, fsync, rename), so a crash leaves
 * either the old or the new file; operations run one at a time so concurrent
 * set() calls cannot lose each other's update. A file that does not parse is
 * an error ('corrupt'), never replaced by an empty one. A file that others may
 * read is tightened to 0600 and a warning logged.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.ts';
import { nullLogger } from '../../shared/logger.ts';
import { checkSecretArgs, type SecretStore } from './secret-store.ts';
import { StoreError } from './store-error.ts';

export const DEFAULT_SECRETS_FILE = 'secrets.json';

interface SecretsFile {
  version: 1;
  secrets: Record<string, string>;
}

export interface FileSecretStoreOptions {
  fileName?: string;
  logger?: Logger;
}

export class FileSecretStore implements SecretStore {
  readonly path: string;
  readonly #dir: string;
  readonly #log: Logger;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, options: FileSecretStoreOptions = {}) {
    this.#dir = dataDir;
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
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, secrets: Object.create(null) as Record<string, string> };
      throw new StoreError('io', `cannot read ${this.path}: ${(e as Error).message}`, { cause: e });
    }
    await this.#tighten();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not the parser's message: it may quote the file's content.
      throw new StoreError('corrupt', `${this.path} is not valid JSON; the file has not been changed`);
    }
    const secrets = (parsed as Partial<SecretsFile> | null)?.secrets;
    if ((parsed as Partial<SecretsFile> | null)?.version !== 1 || typeof secrets !== 'object' || secrets === null || Array.isArray(secrets) || Object.values(secrets).some((v) => typeof v !== 'string')) {
      throw new StoreError('corrupt', `${this.path} is not a Parley secrets file; the file has not been changed`);
    }
    return { version: 1, secrets: Object.assign(Object.create(null) as Record<string, string>, secrets) };
  }

  async #tighten(): Promise<void> {
    if (process.platform === 'win32') return; // POSIX modes do not apply; the profile folder's ACL does.
    const st = await stat(this.path);
    if ((st.mode & 0o077) !== 0) {
      await chmod(this.path, 0o600);
      this.#log.warn('secrets file was readable by others; permissions set to 0600', { path: this.path, mode: (st.mode & 0o777).toString(8) });
    }
  }

  async #write(file: SecretsFile): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const tmp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw new StoreError('io', `cannot write ${this.path}: ${(e as Error).message}`, { cause: e });
    }
  }
}
