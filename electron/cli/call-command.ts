/**
 * `parley call <target>`: dial, wait for the answer, talk for --duration
 * seconds (or until the other side hangs up, the --play file has played, or
 * Ctrl-C), hang up, print the call's quality.
 *
 *   dial ─▶ ringing/early ─▶ answered ─▶ talk ─▶ hang up ─▶ quality ─▶ exit 0
 *      │                         └─ we hung up: its SDP answer was unusable ─▶ exit 7
 *      └──────────▶ ended with a final status ─▶ advice ─▶ exit 3/4/5/6/7
 *
 * The engine registers every account that has a registrar (the one from
 * the flags included); for an account chosen by flags or --account we wait
 * for that answer before dialling, so wrong credentials or an unreachable
 * server end the run with their own exit code (3, 6) and words instead of a
 * call that half works (placed, but nobody can call back). A proxy that
 * wants credentials for the INVITE itself challenges it (407); the engine
 * answers with the account's password.
 */
import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { initMedia } from '../media/audio/init-media.ts';
import { UsageError, type CliOptions } from './args.ts';
import { CallAudio } from './call-audio.ts';
import { CallTracker, isAnswered } from './call-tracker.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';
import { callAdvice } from './failure-advice.ts';
import type { Output } from './output.ts';
import { DIRECT_ACCOUNT_ID, PhoneSession, registersByItself } from './phone-session.ts';
import { sleep } from './sleep.ts';
import type { StopSignal } from './stop-signal.ts';

/** Give up on a call nobody answers, as baresip's call_local_timeout does (the proxy's Timer C is 3 min). */
export const RING_TIMEOUT_MS = 120_000;
/** Most time allowed for BYE/CANCEL to be answered before we stop waiting. */
const HANGUP_WAIT_MS = 5_000;

export async function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  const target = opts.positionals[0];
  if (target === undefined) throw new UsageError('parley call wants exactly one target, e.g. parley call sip:alice@example.com');
  if (opts.autoAnswer) throw new UsageError('--auto-answer is for parley listen');
  // This command is going to call: the resampler's WASM and the G.711 tables load while the
  // audio files are read and the engine opens and registers, instead of between the dial and
  // the INVITE or the 200 and the first RTP packet (measured in tests/bench/setup-time.bench.ts
  // --stages; libopus only if the call negotiates Opus, init-media.ts). A failure to load is
  // the dial's to report.
  initMedia().catch(() => undefined);
  const audio = await loadAudio(opts);
  const session = await PhoneSession.open(opts, output, { audio: audio.devicesFor });
  const tracker = new CallTracker(session.events);
  try {
    const chosen = opts.aor !== undefined || opts.account !== undefined ? session.accounts[0] : undefined;
    if (chosen && registersByItself(chosen)) {
      const registered = await Promise.race([session.register(chosen), stop.requested.then(() => undefined)]);
      if (registered === undefined) return ExitCode.interrupted;
    }
    const dialled = await Promise.race([
      session.call(
        'call.dial',
        {
          target,
          ...(chosen && chosen.id !== DIRECT_ACCOUNT_ID ? { accountId: chosen.id } : {}),
          ...(opts.identity !== undefined ? { identity: opts.identity } : {}),
        },
        ExitCode.network,
      ),
      stop.requested.then(() => undefined),
    ]);
    if (dialled === undefined) return ExitCode.interrupted;
    const id = tracker.note(dialled).id;

    const settled = await Promise.race([
      tracker.waitFor(id, (c) => isAnswered(c) || c.state === 'ended', RING_TIMEOUT_MS),
      stop.requested.then(() => 'stopped' as const),
    ]);
    if (settled === 'stopped') return ExitCode.interrupted;
    if (settled === undefined) {
      await session.call('call.hangup', { callId: id }).catch(() => null);
      await tracker.ended(id, HANGUP_WAIT_MS);
      throw new CliError(`nobody answered ${target} within ${RING_TIMEOUT_MS / 1000} s; gave up`, ExitCode.noAnswer);
    }
    if (!isAnswered(settled)) {
      const advice = callAdvice(settled);
      throw new CliError(advice.message, advice.exitCode);
    }

    // Answered: talk, then hang up unless the other side already did.
    const talkS = opts.duration ?? (audio.playSeconds !== undefined ? audio.playSeconds + 0.5 : undefined);
    await Promise.race([
      talkS !== undefined ? sleep(talkS * 1000) : new Promise<void>(() => {}),
      tracker.ended(id),
      stop.requested,
    ]);
    let last = tracker.latest(id) ?? settled;
    if (last.state !== 'ended') {
      await session.call('call.hangup', { callId: id }).catch((e: unknown) => output.debug(`hangup: ${(e as Error).message}`));
      last = (await tracker.ended(id, HANGUP_WAIT_MS)) ?? last;
    }
    audio.release(id);
    output.event({ event: 'quality', data: await tracker.finalQuality(last) });
    const recording = audio.recordingOf(id);
    if (recording) output.note(`recorded what we heard to ${recording}`);
    const both = audio.bothRecordingOf(id);
    if (both) output.note(`recorded both ways to ${both}`);
    if (last.failure !== undefined) {
      // Answered, then hung up by the engine because the media could not be set up (no or an unusable SDP answer): a failure.
      throw new CliError(`call to ${target} failed: ${last.failure}${last.code !== undefined ? ` (${last.code})` : ''}`, ExitCode.rejected);
    }
    return ExitCode.ok;
  } finally {
    tracker.dispose();
    await session.close();
    audio.releaseAll();
  }
}

export async function loadAudio(opts: CliOptions, echo = false): Promise<CallAudio> {
  for (const file of [opts.record, opts.recordBoth]) {
    if (file === undefined) continue;
    const dir = dirname(resolve(file));
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new UsageError(`cannot record to ${file}: the folder ${dir} does not exist or is not writable`);
    }
  }
  try {
    return await CallAudio.create({
      ...(opts.tone !== undefined ? { tone: opts.tone } : {}),
      ...(opts.play !== undefined ? { play: opts.play } : {}),
      ...(opts.record !== undefined ? { record: opts.record } : {}),
      ...(opts.recordBoth !== undefined ? { recordBoth: opts.recordBoth } : {}),
      echo,
    });
  } catch (e) {
    throw new UsageError(`cannot play ${opts.play}: ${(e as Error).message} (--play wants a 16-bit PCM WAV file)`);
  }
}
