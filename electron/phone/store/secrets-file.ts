/**
 * The on-disk form both secret stores share: `{"version":1,"secrets":{ref:
 * string}}` in a file only the user may read. FileSecretStore keeps the
 * passwords in it as they are (the CLI); the desktop's SafeStorageSecretStore
 * keeps safeStorage ciphertexts (base64) in it.
 *
 * Writes are atomic (a 0600 temporary file beside it, fsync, rename), so a
 * crash leaves either the old or the new file. A file that does not parse is
 * an error ('corrupt'), never replaced by an empty one; the errors never
 * quote the file's content, which may be a password.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './store-error.ts';

export interface SecretsFile {
  version: 1;
  secrets: Record<string, string>;
}

/** An empty file's content; a prototype-less record so a ref like `__proto__` is just a key. */
export function emptySecretsFile(): SecretsFile {
  return { version: 1, secrets: Object.create(null) as Record<string, string> };
}

/**
 * node:fs/promises only for a write (an account added or changed): the
 * reads every start makes use node:fs's callbacks, since loading
 * fs/promises (its FileHandle, streams and readline) costs an idle phone
 * ≈ 1 MB for the life of the process.
 */
const fsPromises = () => process.getBuiltinModule('node:fs/promises');

const readText = (path: string) => new Promise<string>((resolve, reject) => readFile(path, 'utf8', (e, text) => (e ? reject(e) : resolve(text))));

/** The file's text, or undefined when there is no file yet. */
export async function readSecretsText(path: string): Promise<string | undefined> {
  try {
    return await readText(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreError('io', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** Checks the text read from `path` and returns its content; throws StoreError 'corrupt' otherwise. */
export function parseSecretsFile(path: string, text: string): SecretsFile {
  let parsed: Partial<SecretsFile> | null;
  try {
    parsed = JSON.parse(text) as Partial<SecretsFile> | null;
  } catch {
    // Not the parser's message: it may quote the file's content.
    throw new StoreError('corrupt', `${path} is not valid JSON; the file has not been changed`);
  }
  const secrets = parsed?.secrets;
  if (parsed?.version !== 1 || typeof secrets !== 'object' || secrets === null || Array.isArray(secrets) || Object.values(secrets).some((v) => typeof v !== 'string')) {
    throw new StoreError('corrupt', `${path} is not a Parley secrets file; the file has not been changed`);
  }
  return { version: 1, secrets: Object.assign(Object.create(null) as Record<string, string>, secrets) };
}

/** Reads and checks the file at `path`; a missing file reads as an empty one. */
export async function readSecretsFile(path: string): Promise<SecretsFile> {
  const text = await readSecretsText(path);
  return text === undefined ? emptySecretsFile() : parseSecretsFile(path, text);
}

/** Replaces the file at `path` atomically with a 0600 one holding `file`; creates its folder. */
export async function writeSecretsFile(path: string, file: SecretsFile): Promise<void> {
  const { mkdir, open, rename, unlink } = fsPromises();
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new StoreError('io', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}
