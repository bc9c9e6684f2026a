/**
 * `parley register`: register, show the server's answer, stay registered for
 * --duration seconds (default: until Ctrl-C), unregister before exiting.
 *
 *   exit 0   registered (and unregistered again at the end)
 *   exit 3   the server refused the credentials (401/407 twice, 403)
 *   exit 6   the server could not be reached (no answer: 408; 503, 504)
 *   exit 7   other refusals (404 unknown user, 423…), see exit-codes.ts
 *
 * A binding that the server drops later (a refresh refused) ends the run
 * with that failure's code: a script watching the exit code learns of it.
 */
import { UsageError, type CliOptions } from './args.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';
import { registrationAdvice } from './failure-advice.ts';
import type { Output } from './output.ts';
import { PhoneSession } from './phone-session.ts';
import { sleep } from './sleep.ts';
import type { StopSignal } from './stop-signal.ts';

export const NO_ACCOUNT_HINT = 'give one with --aor sip:USER@DOMAIN --password … --proxy HOST:PORT, or store one with: parley accounts add';

export async function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  if (opts.positionals.length > 0) throw new UsageError(`parley register takes no arguments ("${opts.positionals[0]}"); the account comes from flags or --account`);
  const session = await PhoneSession.open(opts, output);
  try {
    const accounts = session.registrable;
    if (accounts.length === 0) throw new UsageError(`no account to register: ${NO_ACCOUNT_HINT}`);
    const registered = await Promise.race([session.registerAll(), stop.requested.then(() => undefined)]);
    if (registered === undefined) return ExitCode.interrupted;

    // Stay registered; a binding the server later refuses ends the run with its code.
    const lost = new Promise<CliError>((resolve) => {
      session.events.on('registration', (r) => {
        const account = accounts.find((a) => a.id === r.accountId);
        if (account && r.state === 'failed') {
          const advice = registrationAdvice(account.aor, r);
          resolve(new CliError(advice.message, advice.exitCode));
        }
      });
    });
    output.note(opts.duration !== undefined ? `staying registered for ${opts.duration} s` : 'staying registered; Ctrl-C to unregister and quit');
    const outcome = await Promise.race([
      opts.duration !== undefined ? sleep(opts.duration * 1000).then(() => 'done' as const) : new Promise<never>(() => {}),
      stop.requested.then(() => 'stopped' as const),
      lost,
    ]);
    if (outcome instanceof CliError) throw outcome;
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}
