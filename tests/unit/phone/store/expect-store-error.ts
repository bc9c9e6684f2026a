/** Asserts that `fn` throws a StoreError with `code` (and, if given, an issue at `path`). */
import assert from 'node:assert/strict';
import { StoreError, type StoreErrorCode } from '../../../../electron/phone/store/store-error.ts';

export function expectStoreError(fn: () => unknown, code: StoreErrorCode, path?: string, message?: RegExp): StoreError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof StoreError, `expected StoreError '${code}', got ${caught === undefined ? 'no error' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (path !== undefined) assert.ok(caught.issues.some((i) => i.path === path), `no issue at "${path}": ${JSON.stringify(caught.issues)}`);
  if (message) assert.match(caught.message, message);
  return caught;
}

export async function expectStoreErrorAsync(fn: () => Promise<unknown>, code: StoreErrorCode): Promise<StoreError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof StoreError, `expected StoreError '${code}', got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected StoreError '${code}', got no error`);
}
