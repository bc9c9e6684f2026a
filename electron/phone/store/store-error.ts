/**
 * The catchable conditions of the store (docs/conventions.md: typed exceptions for what a
 * caller may handle, plain errors for bugs). The API layer turns these into
 * `{ ok: false, code, reason }` answers; the app shows 'corrupt' and 'too-new'
 * as a blocking dialog rather than starting with an empty phone book.
 *
 *  - corrupt:   parley.db is not a SQLite file, fails `PRAGMA quick_check`, or
 *               is some other program's database. The file is left untouched.
 *  - too-new:   written by a newer Parley (schema version above ours). We never
 *               downgrade or "migrate away" data we do not understand.
 *  - locked:    another process holds the database past the busy timeout.
 *  - invalid:   input failed validation; `issues` says which field and why.
 *  - not-found: the id does not exist.
 *  - conflict:  a constraint (unique, foreign key) refused the write.
 *  - migration: a schema step failed; it was rolled back, the version kept.
 *  - io:        any other SQLite or file-system failure (disk full, read-only).
 */
export type StoreErrorCode = 'corrupt' | 'too-new' | 'locked' | 'invalid' | 'not-found' | 'conflict' | 'migration' | 'io';

export interface StoreIssue {
  /** Dotted path of the offending field ('aliases.1'), '' for the whole input. */
  path: string;
  message: string;
}

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly issues: readonly StoreIssue[];

  constructor(code: StoreErrorCode, message: string, options: { issues?: readonly StoreIssue[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.issues = options.issues ?? [];
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

/** SQLite primary result codes we tell apart (https://sqlite.org/rescode.html). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_CONSTRAINT = 19;
const SQLITE_NOTADB = 26;

/** Maps an error thrown by node:sqlite to a StoreError; other errors pass through. */
export function fromSqliteError(e: unknown, what: string): unknown {
  if (e instanceof StoreError) return e;
  const errcode = (e as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode !== 'number') return e;
  const detail = (e as Error).message;
  // Extended result codes carry the primary code in the low byte.
  switch (errcode & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new StoreError('locked', `${what}: the database is in use by another process (${detail})`, { cause: e });
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return new StoreError('corrupt', `${what}: the database file is damaged (${detail})`, { cause: e });
    case SQLITE_CONSTRAINT:
      return new StoreError('conflict', `${what}: ${detail}`, { cause: e });
    default:
      return new StoreError('io', `${what}: ${detail}`, { cause: e });
  }
}
