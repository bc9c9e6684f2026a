/**
 * `parley watch <target>…`: subscribes to the presence and the line (dialog
 * state, the busy lamp) of each target and prints every change — a line per
 * change, or with --json one `watch` event per line (the API's
 * WatchSnapshot) — until Ctrl-C or --duration. The watches this run added
 * are removed (unsubscribed) when it ends; ones stored before stay.
 *
 *   exit 0   watched until the end
 *   exit 2   a target that is not an address or number
 *   exit 3   the account's registration was refused
 */
import { UsageError, type CliOptions } from './args.ts';
import { ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';
import { DIRECT_ACCOUNT_ID, PhoneSession } from './phone-session.ts';
import { sleep } from './sleep.ts';
import type { StopSignal } from './stop-signal.ts';

export async function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  if (opts.positionals.length === 0) throw new UsageError('parley watch wants at least one target');
  const session = await PhoneSession.open(opts, output);
  const added: string[] = [];
  try {
    const registered = await Promise.race([session.registerAll(), stop.requested.then(() => undefined)]);
    if (registered === undefined) return ExitCode.interrupted;
    const account = session.registrable[0] ?? session.accounts.find((a) => a.id === DIRECT_ACCOUNT_ID) ?? session.accounts[0];
    if (!account) throw new UsageError('no account to watch from');
    const before = new Set((await session.call('watch.list', {})).map((w) => w.id));
    for (const target of opts.positionals) {
      const w = await session.call('watch.add', { target, accountId: account.id });
      if (!before.has(w.id)) added.push(w.id);
      output.event({ event: 'watch', data: w });
    }
    output.note(opts.duration !== undefined ? `watching for ${opts.duration} s` : 'watching; Ctrl-C to stop');
    await Promise.race([opts.duration !== undefined ? sleep(opts.duration * 1000) : new Promise<void>(() => {}), stop.requested]);
    return ExitCode.ok;
  } finally {
    await Promise.race([Promise.allSettled(added.map((id) => session.call('watch.remove', { id }))), sleep(3000)]);
    await session.close();
  }
}
