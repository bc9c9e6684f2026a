/**
 * The one entry point every host calls with untrusted input: a command name
 * and params from a renderer, a WebSocket or the command line.
 *
 *   dispatch(name, params)
 *     → name known?            else bad-request ("unknown command")
 *     → params valid?          else bad-request with the issues (schemas.ts)
 *     → a connection command?  context.connection[name](params) (connection-api.ts),
 *                              unavailable when the host gave no connection
 *     → handler[name](params)  resolves → { ok: true, result }
 *                              throws ApiError → { ok: false, code, message }
 *                              throws anything else → internal (detail logged)
 *                              takes longer than timeoutMs → timeout
 *
 * It never rejects (docs/conventions.md item 6): a host can await it without try/catch.
 * Params are never logged, since they may hold a password.
 */
import type { Clock } from '../common/clock.ts';
import { systemClock } from '../common/clock.ts';
import { nullLogger, type Logger } from '../common/logger.ts';
import { isCommandName, type CommandName, type CommandParams, type CommandResult } from './commands.ts';
import { ApiError, failure, success, type ApiFailure, type ApiIssue, type ApiResult } from './errors.ts';
import type { CommandContext, PhoneApi } from './phone-api.ts';
import { COMMAND_SCHEMAS } from './schemas.ts';
import { isConnectionCommand } from './connection-api.ts';

export interface DispatcherOptions {
  logger?: Logger;
  /** Turns a phone-layer exception (e.g. a StoreError) into an ApiError; undefined = not a known condition. */
  mapError?: (error: unknown) => ApiError | undefined;
  /** A handler that has not settled by then is answered 'timeout' (default 30 s; 0 = never). */
  timeoutMs?: number;
  clock?: Clock;
}

export interface Dispatcher {
  /** For untrusted input: any name, any params. */
  dispatch(name: unknown, params: unknown, context?: CommandContext): Promise<ApiResult<unknown>>;
  /** For in-process hosts that have types at hand; validates exactly the same way. */
  call<N extends CommandName>(name: N, params: CommandParams<N>, context?: CommandContext): Promise<ApiResult<CommandResult<N>>>;
}

const MAX_ISSUES = 10;
const MAX_ISSUE_TEXT = 200;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONTEXT: CommandContext = Object.freeze({ host: 'test', client: 'local' }) as CommandContext;

function clip(text: string, max = MAX_ISSUE_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Zod issues → ApiIssues, bounded: an attacker's 60 kB key name must not come back 60 kB long. */
export function toIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): ApiIssue[] {
  return issues.slice(0, MAX_ISSUES).map((i) => ({ path: clip(i.path.map(String).join('.'), 100), message: clip(i.message) }));
}

function badParams(name: string, issues: ApiIssue[]): ApiFailure {
  const first = issues[0];
  const where = first && first.path !== '' ? `${first.path}: ` : '';
  return failure('bad-request', `invalid params for ${name}: ${where}${first?.message ?? 'invalid'}`, issues);
}

export function createDispatcher(handler: PhoneApi, options: DispatcherOptions = {}): Dispatcher {
  const logger = options.logger ?? nullLogger;
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  function fromThrown(name: string, e: unknown): ApiFailure {
    if (e instanceof ApiError) return e.toFailure();
    let mapped: ApiError | undefined;
    try {
      mapped = options.mapError?.(e);
    } catch (mapFailure) {
      logger.error('mapError threw', { cmd: name, error: String(mapFailure) });
    }
    if (mapped instanceof ApiError) return mapped.toFailure();
    logger.error('command failed', { cmd: name, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    return failure('internal', `${name} failed because of an internal error`);
  }

  function withTimeout(name: string, work: Promise<unknown>): Promise<unknown> {
    if (timeoutMs <= 0) return work;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = clock.setTimeout(() => {
        if (settled) return;
        settled = true;
        logger.warn('command timed out', { cmd: name, timeoutMs });
        reject(new ApiError('timeout', `${name} did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      work.then(
        (value) => {
          if (settled) return logger.debug('late result dropped', { cmd: name });
          settled = true;
          clock.clearTimeout(timer);
          resolve(value);
        },
        (e: unknown) => {
          if (settled) return logger.debug('late failure dropped', { cmd: name, error: String(e) });
          settled = true;
          clock.clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  async function dispatch(name: unknown, params: unknown, context: CommandContext = DEFAULT_CONTEXT): Promise<ApiResult<unknown>> {
    try {
      if (!isCommandName(name)) {
        const shown = typeof name === 'string' ? `"${clip(name, 64)}"` : typeof name;
        return failure('bad-request', `unknown command ${shown}`);
      }
      // A command without parameters may be sent with none at all.
      const parsed = COMMAND_SCHEMAS[name].safeParse(params === undefined ? {} : params);
      if (!parsed.success) return badParams(name, toIssues(parsed.error.issues));
      if (isConnectionCommand(name)) {
        if (!context.connection) return failure('unavailable', `${name} is not available in this host: it has no connection of its own`);
        context.connection[name](parsed.data as CommandParams<typeof name>);
        return success(null);
      }
      const method = (handler as unknown as Record<string, unknown>)[name];
      if (typeof method !== 'function') return failure('unavailable', `${name} is not available in this host`);
      let work: Promise<unknown>;
      try {
        // The call itself may throw synchronously (a non-async method); treat it like a rejection.
        work = Promise.resolve((method as (p: unknown, c: CommandContext) => unknown).call(handler, parsed.data, context));
      } catch (e) {
        return fromThrown(name, e);
      }
      const result = await withTimeout(name, work);
      return success(result === undefined ? null : result);
    } catch (e) {
      return fromThrown(typeof name === 'string' ? clip(name, 64) : '?', e);
    }
  }

  return {
    dispatch,
    call: (name, params, context) => dispatch(name, params, context) as Promise<ApiResult<CommandResult<typeof name>>>,
  };
}
