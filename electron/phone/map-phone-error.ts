/**
 * The dispatcher's `mapError`: the typed exceptions of the layers below
 * become API failures, by class (`instanceof`), never by message text. The
 * API answers results, not throws (docs/api.md, "Errors"). Anything not
 * recognised here is a bug and stays 'internal'.
 *
 *   StoreError invalid              → bad-request, with the store's field issues
 *   StoreError not-found            → not-found
 *   StoreError conflict             → conflict
 *   StoreError locked               → unavailable (another Parley holds the database)
 *   StoreError corrupt, too-new, migration, io → unavailable, in words
 *   CallStateError                  → conflict (the call is not in a state for this)
 *   RequestPendingError             → conflict (a re-INVITE is in progress, §14.1: try again)
 *   DialogTerminatedError, InviteNotPendingError → not-found (the call ended meanwhile)
 *   InvalidDtmfError, SipParseError → bad-request
 *   UnknownAccountError             → not-found
 *   IdentityNotAllowedError         → not-allowed (RFC 3325: only our own addresses)
 *   UnreachableTargetError          → unavailable
 *   TransactionLayerClosedError     → unavailable (the phone is shutting down)
 */
import { ApiError } from '../api/errors.ts';
import { DialogTerminatedError, InviteNotPendingError, RequestPendingError } from '../sip/dialog/dialog-errors.ts';
import { SipParseError } from '../sip/message/sip-parse-error.ts';
import { TransactionLayerClosedError } from '../sip/transaction/transaction-errors.ts';
import { CallStateError, IdentityNotAllowedError, InvalidDtmfError, UnknownAccountError, UnreachableTargetError } from '../sip/ua/ua-errors.ts';
import { StoreError } from './store/store-error.ts';

export function mapPhoneError(error: unknown): ApiError | undefined {
  if (error instanceof StoreError) return mapStoreError(error);
  const cause = { cause: error };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof CallStateError) return new ApiError('conflict', message, cause);
  if (error instanceof RequestPendingError) return new ApiError('conflict', `${message}; try again in a moment`, cause);
  if (error instanceof DialogTerminatedError || error instanceof InviteNotPendingError) return new ApiError('not-found', `the call has ended (${message})`, cause);
  if (error instanceof InvalidDtmfError || error instanceof SipParseError) return new ApiError('bad-request', message, cause);
  if (error instanceof UnknownAccountError) return new ApiError('not-found', message, cause);
  if (error instanceof IdentityNotAllowedError) return new ApiError('not-allowed', message, cause);
  if (error instanceof UnreachableTargetError) return new ApiError('unavailable', message, cause);
  if (error instanceof TransactionLayerClosedError) return new ApiError('unavailable', message, cause);
  return undefined;
}

function mapStoreError(error: StoreError): ApiError {
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
