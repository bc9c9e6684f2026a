/**
 * Boundary checks shared by the repositories: zod results become StoreError
 * 'invalid' with one issue per field, and JSON read back from a column that
 * no longer parses is reported as 'corrupt' (only a damaged file or another
 * writer could have put it there).
 */
import type { z } from 'zod';
import { StoreError, type StoreIssue } from './store-error.ts';

export function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: StoreIssue[] = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const summary = issues
    .slice(0, 3)
    .map((i) => (i.path ? `${i.path} ${i.message}` : i.message))
    .join('; ');
  throw new StoreError('invalid', `${what}: ${summary}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}`, { issues });
}

/** The input must be a plain object; returns a copy without undefined members (so defaults fill them). */
export function plainInput(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StoreError('invalid', `${what}: expected an object`, { issues: [{ path: '', message: 'expected an object' }] });
  }
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export function readJson(text: unknown, what: string): unknown {
  if (typeof text !== 'string') throw new StoreError('corrupt', `${what}: stored value is not text`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StoreError('corrupt', `${what}: stored JSON does not parse`, { cause: e });
  }
}

export function requireId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id === '' || id.length > 100) {
    throw new StoreError('invalid', `${what}: the id must be a non-empty string`, { issues: [{ path: 'id', message: 'must be a non-empty string' }] });
  }
  return id;
}

export function requireRowId(id: unknown, what: string): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new StoreError('invalid', `${what}: the id must be a positive integer`, { issues: [{ path: 'id', message: 'must be a positive integer' }] });
  }
  return id;
}

/** SQL LIKE pattern for "contains", with % _ and \ escaped (use ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function nullableString(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}
