/**
 * A failure the CLI explains and turns into an exit code: thrown by a command
 * when the outcome is known ("authentication failed (401 …): check --user and
 * --password", exit 3), caught once in run-cli.ts. A UsageError (args.ts) is the
 * same for bad command lines (exit 2); anything else is a bug (exit 1).
 */
import type { ExitCode } from './exit-codes.ts';

export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}
