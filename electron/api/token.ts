/**
 * The API token: 32 random bytes per run, hex. Compared in constant time by
 * hashing both sides first, so neither the content nor the length of the
 * right token leaks through timing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const MIN_TOKEN_LENGTH = 32;
export const MAX_TOKEN_LENGTH = 256;

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** A token chosen by the host (e.g. fixed for a test) must be long and plain. */
export function checkToken(token: string): string | undefined {
  if (token.length < MIN_TOKEN_LENGTH) return `the API token must have at least ${MIN_TOKEN_LENGTH} characters`;
  if (token.length > MAX_TOKEN_LENGTH) return `the API token must have at most ${MAX_TOKEN_LENGTH} characters`;
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) return 'the API token may hold only letters, digits and . _ ~ - (it travels in a URL)';
  return undefined;
}

export function tokensEqual(given: string | null | undefined, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  // Hash even a missing token, so a missing and a wrong one take the same time.
  const same = timingSafeEqual(digest(given ?? ''), digest(expected));
  return same && typeof given === 'string';
}
