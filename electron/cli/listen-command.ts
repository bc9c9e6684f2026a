/**
 * `parley listen`: register, then wait for calls for --duration seconds
 * (default: until Ctrl-C). Each incoming call is printed with the address it
 * was sent to (`calledAlias`: which of the account's aliases the caller
 * dialled, as the engine matched it). With --auto-answer it is answered with
 * the chosen audio (--tone, --play or silence) and recorded (--record);
 * without, it rings until the caller gives up. When an answered call ends
 * its quality figures are printed.
 *
 * `parley echo` is this loop with the echo device and auto-answer on.
 *
 * SIGUSR2 prints a "diagnostics" event (the API's diagnostics.counts, with a
 * forced GC when node runs with --expose-gc): what a months-long listener
 * holds, read by the soak and flood tests (tests/robustness/).
 */
import type { CallSnapshot } from '../api/snapshots.ts';
import { UsageError, type CliOptions } from './args.ts';
import { loadAudio } from './call-command.ts';
import { CallTracker, isAnswered } from './call-tracker.ts';
import { ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';
import { DIRECT_ACCOUNT_ID, PhoneSession } from './phone-session.ts';
import { sleep } from './sleep.ts';
import type { StopSignal } from './stop-signal.ts';

export interface ListenMode {
  echo: boolean;
  autoAnswer: boolean;
}

export async function listen(opts: CliOptions, output: Output, stop: StopSignal, mode: ListenMode): Promise<ExitCode> {
  const name = mode.echo ? 'echo' : 'listen';
  if (opts.positionals.length > 0) throw new UsageError(`parley ${name} takes no arguments ("${opts.positionals[0]}")`);
  if (mode.echo && (opts.tone !== undefined || opts.play !== undefined)) throw new UsageError('parley echo sends back what it hears; --tone and --play do not apply');
  const audio = await loadAudio(opts, mode.echo);
  // A listener answers direct calls for any user from anyone: that is what it is for (a phone's UI would not).
  // Auto-answer is the phone's (call-policy.ts): it answers on arrival and never holds another call.
  const session = await PhoneSession.open(opts, output, { audio: audio.devicesFor, autoAnswer: mode.autoAnswer, answerAnyUser: true });
  const tracker = new CallTracker(session.events);
  const onDiagnostics = () => {
    session
      .call('diagnostics.counts', { gc: true })
      .then((data) => output.event({ event: 'diagnostics', data }))
      .catch((e: unknown) => output.debug(`diagnostics failed: ${(e as Error).message}`));
  };
  process.on('SIGUSR2', onDiagnostics);
  // Reports still being written; each leaves the set when done (a listener runs for months).
  const pending = new Set<Promise<unknown>>();
  try {
    const registered = await Promise.race([session.registerAll(), stop.requested.then(() => undefined)]);
    if (registered === undefined) return ExitCode.interrupted;

    const addresses = session.accounts.flatMap((a) => [a.aor, ...a.aliases]);
    const direct = session.accounts.find((a) => a.id === DIRECT_ACCOUNT_ID);
    output.event({ event: 'listening', data: { accounts: addresses, ...(direct ? { local: direct.aor } : {}) } });

    const finished = async (call: CallSnapshot) => {
      const ended = await tracker.ended(call.id);
      audio.release(call.id);
      if (ended && isAnswered(ended)) {
        output.event({ event: 'quality', data: await tracker.finalQuality(ended) });
        const recording = audio.recordingOf(call.id);
        if (recording) output.note(`recorded call ${call.id} to ${recording}`);
        const both = audio.bothRecordingOf(call.id);
        if (both) output.note(`recorded call ${call.id} both ways to ${both}`);
      }
    };
    session.events.on('call.incoming', (call) => {
      const report = finished(call)
        .catch((e: unknown) => output.debug(`no report for call ${call.id}: ${(e as Error).message}`))
        .finally(() => pending.delete(report));
      pending.add(report);
      if (!mode.autoAnswer) output.note('(not answering: run with --auto-answer to take calls)');
    });

    await Promise.race([opts.duration !== undefined ? sleep(opts.duration * 1000) : new Promise<void>(() => {}), stop.requested]);
    return ExitCode.ok;
  } finally {
    // Hang up first (session.close), then let the per-call reports finish, bounded.
    process.off('SIGUSR2', onDiagnostics);
    await session.close();
    await Promise.race([Promise.all([...pending]), sleep(1500)]);
    tracker.dispose();
    audio.releaseAll();
  }
}

export function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  return listen(opts, output, stop, { echo: false, autoAnswer: opts.autoAnswer });
}
