/**
 * `parley message <target> <text>`: send one instant message (SIP MESSAGE,
 * RFC 3428) and exit with what the server answered.
 *
 *   register (when the account has a registrar) ─▶ messages.send ─▶ 'sending'
 *        ─▶ 200..299 ─▶ exit 0 ('delivered', or 'stored' on a 202 from a store-and-forward server)
 *        ─▶ 3xx–6xx / timeout ─▶ advice ─▶ exit 3/4/5/6/7, as for calls
 *
 * A MESSAGE over UDP may take Timer F (32 s) to time out; we wait a little longer.
 */
import { UsageError, type CliOptions } from './args.ts';
import { CliError } from './cli-error.ts';
import { ExitCode } from './exit-codes.ts';
import { messageAdvice } from './failure-advice.ts';
import type { Output } from './output.ts';
import { DIRECT_ACCOUNT_ID, PhoneSession, registersByItself } from './phone-session.ts';
import type { StopSignal } from './stop-signal.ts';

const OUTCOME_WAIT_MS = 40_000;

export async function run(opts: CliOptions, output: Output, stop: StopSignal): Promise<ExitCode> {
  const [target, text] = opts.positionals;
  if (target === undefined || text === undefined) throw new UsageError('parley message wants a target and the text, e.g. parley message sip:alice@example.com "on my way"');
  if (opts.autoAnswer) throw new UsageError('--auto-answer is for parley listen');
  const session = await PhoneSession.open(opts, output);
  try {
    const chosen = opts.aor !== undefined || opts.account !== undefined ? session.accounts[0] : undefined;
    if (chosen && registersByItself(chosen)) {
      const registered = await Promise.race([session.register(chosen), stop.requested.then(() => undefined)]);
      if (registered === undefined) return ExitCode.interrupted;
    }
    const sent = await Promise.race([
      session.call(
        'messages.send',
        {
          target,
          body: text,
          ...(chosen && chosen.id !== DIRECT_ACCOUNT_ID ? { accountId: chosen.id } : {}),
          ...(opts.identity !== undefined ? { identity: opts.identity } : {}),
        },
        ExitCode.network,
      ),
      stop.requested.then(() => undefined),
    ]);
    if (sent === undefined) return ExitCode.interrupted;
    const outcome = await Promise.race([
      session.waitFor('message', (m) => m.id === sent.id && m.status !== 'sending', OUTCOME_WAIT_MS),
      stop.requested.then(() => 'stopped' as const),
    ]);
    if (outcome === 'stopped') return ExitCode.interrupted;
    if (outcome === undefined) throw new CliError(`message to ${target}: no final answer within ${OUTCOME_WAIT_MS / 1000} s`, ExitCode.network);
    if (outcome.status === 'failed') {
      const advice = messageAdvice(target, outcome);
      throw new CliError(advice.message, advice.exitCode);
    }
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}
