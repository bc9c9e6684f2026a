/**
 * The dispatcher's `mapError`: the phone model's typed exceptions become API
 * failures (STYLE.md item 6: results, not throws, across the API). Anything
 * not recognised here is a bug and stays 'internal'.
 *
 *   StoreError invalid        → bad-request, with the store's field issues
 *   StoreError not-found      → not-found
 *   StoreError conflict       → conflict
 *   StoreError locked         → unavailable (another Parley holds the database)
 *   StoreError corrupt, too-new, migration, io → unavailable, in words
 */
import { ApiError } from '../api/errors.ts';
import { StoreError } from './store/store-error.ts';

export function mapPhoneError(error: unknown): ApiError | undefined {
  if (!(error instanceof StoreError)) return undefined;
  switch (error.code) {
    case 'invalid':
      return new ApiError('bad-request', error.message, { issues: error.issues, cause: error });
    case 'not-found':
      return new ApiError('not-found', error.message, { cause: error });
    case 'conflict':
      return new ApiError('conflict', error.message, { cause: error });
    case 'locked':
      return new ApiError('unavailable', `the phone's database is in use by another program (is Parley already running?): ${error.message}`, { cause: error });
    case 'corrupt':
      return new ApiError('unavailable', `the phone's database is damaged and was left untouched: ${error.message}`, { cause: error });
    case 'too-new':
      return new ApiError('unavailable', `the phone's database was written by a newer Parley; update Parley to use it: ${error.message}`, { cause: error });
    case 'migration':
      return new ApiError('unavailable', `the phone's database could not be upgraded (nothing was changed): ${error.message}`, { cause: error });
    case 'io':
      return new ApiError('unavailable', `the phone's database could not be read or written (disk full or read-only?): ${error.message}`, { cause: error });
  }
}
