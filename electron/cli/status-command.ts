/**
 * `parley status available|away|busy|dnd|offline [--note TEXT]`: publishes
 * our presence (PIDF over PUBLISH, RFC 3903) on the account's server, prints
 * where it was published, keeps it fresh for --duration seconds (default:
 * until Ctrl-C) and removes it when it ends (PUBLISH Expires: 0).
 *
 *   exit 0   published on at least one account
 *   exit 2   usage (no account with a server)
 *   exit 3   the server refused our credentials
 *   exit 6   the server could not be reached
 *   exit 7   the server refused the publication (e.g. it takes no PUBLISH)
 */
import type { OwnPresenceSnapshot, PresenceStatus } from '../api/presence-contract.ts';
import { UsageError, type CliOptions } from './args.ts';
import { CliError } from './cli-error.ts';
import { ExitCode, exitCodeForStatus } from './exit-codes.ts';
import type { Output } from './output.ts';
import { PhoneSession } from './phone-session.ts';
import { NO_ACCOUNT_HINT } from './register-command.ts';
import { sleep } from './sleep.ts';
import type { StopSignal } from './stop-signal.ts';

/** How long we wait for the servers' answers to the first PUBLISH. */
const PUBLISH_WAIT_MS = 40_000;

export async function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  const status = opts.positionals[0]?.toLowerCase() as PresenceStatus;
  const session = await PhoneSession.open(opts, output);
  try {
    if (session.registrable.length === 0) throw new UsageError(`no account with a presence server to publish on: ${NO_ACCOUNT_HINT}`);
    const registered = await Promise.race([session.registerAll(), stop.requested.then(() => undefined)]);
    if (registered === undefined) return ExitCode.interrupted;
    const settled = (p: OwnPresenceSnapshot) => p.publications.length > 0 && p.publications.every((x) => x.state === 'published' || x.state === 'failed');
    // The wait is given up once the outcome is known: `status` then stays up, idle, for as long as asked.
    const done = new AbortController();
    const answered = session.waitFor('presence.own', settled, PUBLISH_WAIT_MS, done.signal);
    let result: OwnPresenceSnapshot;
    try {
      const set = await session.call('presence.set', { status, ...(opts.note !== undefined ? { note: opts.note } : {}) });
      result = settled(set) ? set : ((await Promise.race([answered, stop.requested.then(() => undefined)])) ?? (await session.call('presence.get', {})));
    } finally {
      done.abort();
    }
    const published = result.publications.filter((x) => x.state === 'published');
    if (published.length === 0) {
      const failed = result.publications.find((x) => x.state === 'failed');
      const code = failed?.code;
      throw new CliError(`status not published: ${failed?.reason ?? 'no answer from the server'}${code !== undefined ? ` (${code})` : ''}`, code !== undefined ? exitCodeForStatus(code) : ExitCode.network);
    }
    output.note(opts.duration !== undefined ? `keeping the status for ${opts.duration} s` : 'keeping the status; Ctrl-C to remove it and quit');
    await Promise.race([opts.duration !== undefined ? sleep(opts.duration * 1000) : new Promise<void>(() => {}), stop.requested]);
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}
