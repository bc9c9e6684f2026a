/**
 * `parley forward`: the call forwarding rules stored in the data dir
 * (forwarding-contract.ts), through the same API commands the UI uses. A
 * running phone (listen, web, the app) applies them to its incoming calls.
 *
 *   parley forward                                   show the rules
 *   parley forward always|busy|no-answer TARGET      forward on that condition
 *        [--after S] [--by redirect|bridge] [--account ID|AOR]
 *   parley forward off [always|busy|no-answer] [--account ID|AOR]
 *
 * Without --account the global rule changes; with it, that account's own
 * rule (starting from the global one). `off` with --account and no
 * condition lets the account follow the global rule again.
 */
import type { ForwardingRule, ForwardingSnapshot } from '../api/forwarding-contract.ts';
import { UsageError, type CliOptions } from './args.ts';
import { ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';
import { DIRECT_ACCOUNT_ID, PhoneSession } from './phone-session.ts';

const CONDITIONS = { always: 'always', busy: 'busy', 'no-answer': 'noAnswer' } as const;
type Condition = keyof typeof CONDITIONS;

function isCondition(s: string | undefined): s is Condition {
  return s !== undefined && Object.hasOwn(CONDITIONS, s);
}

function describeRule(rule: ForwardingRule): string {
  const parts = [
    rule.always !== null ? `always → ${rule.always}` : '',
    rule.busy !== null ? `busy → ${rule.busy}` : '',
    rule.noAnswer !== null ? `no answer after ${rule.noAnswerAfterS} s → ${rule.noAnswer}` : '',
  ].filter(Boolean);
  return parts.length === 0 ? 'off' : `${parts.join('; ')} (by ${rule.method === 'bridge' ? 'a new call' : '302 redirect'})`;
}

export function describeForwarding(s: ForwardingSnapshot, names: ReadonlyMap<string, string>): string {
  const lines = [`all accounts: ${describeRule(s.global)}`];
  for (const a of s.accounts) lines.push(`${names.get(a.accountId) ?? a.accountId}: ${describeRule(a.rule)}`);
  return lines.join('\n');
}

export async function run(opts: CliOptions, output: Output): Promise<ExitCode> {
  const [sub, ...rest] = opts.positionals;
  const setting = isCondition(sub);
  if (sub !== undefined && sub !== 'off' && !setting) throw new UsageError(`parley forward wants always, busy, no-answer or off${sub ? `, not "${sub}"` : ''}`);
  if (setting && rest.length !== 1) throw new UsageError(`parley forward ${sub} wants one target: a number or an address, e.g. parley forward ${sub} 200`);
  if (sub === 'off' && (rest.length > 1 || (rest.length === 1 && !isCondition(rest[0])))) throw new UsageError('parley forward off takes nothing, or one of always, busy, no-answer');
  if (sub === undefined && rest.length > 0) throw new UsageError(`unexpected "${rest[0]}"`);
  if (opts.forwardAfter !== undefined && sub !== 'no-answer') throw new UsageError('--after goes with parley forward no-answer');

  const session = await PhoneSession.open(opts, output, { manageAccounts: true, quiet: true });
  try {
    const accounts = (await session.call('accounts.list', {})).filter((a) => a.id !== DIRECT_ACCOUNT_ID);
    const names = new Map(accounts.map((a) => [a.id, a.aor]));
    let accountId: string | undefined;
    if (opts.account !== undefined) {
      const k = opts.account.toLowerCase();
      const found = accounts.find((a) => a.id === opts.account || a.aor.toLowerCase() === k || a.aor.toLowerCase() === `sip:${k}`);
      if (!found) throw new UsageError(`no account "${opts.account}" in ${session.location.dataDir}${accounts.length ? `; there are: ${accounts.map((a) => `${a.id} (${a.aor})`).join(', ')}` : ''}`);
      accountId = found.id;
    }
    let snap = await session.call('forwarding.get', {});
    if (sub !== undefined) {
      const current = (accountId !== undefined ? snap.accounts.find((a) => a.accountId === accountId)?.rule : undefined) ?? snap.global;
      let rule: ForwardingRule | null;
      if (setting) {
        rule = { ...current, [CONDITIONS[sub]]: rest[0]! };
        if (opts.forwardAfter !== undefined) rule.noAnswerAfterS = opts.forwardAfter;
        if (opts.forwardBy !== undefined) rule.method = opts.forwardBy;
      } else if (isCondition(rest[0])) {
        rule = { ...current, [CONDITIONS[rest[0]]]: null };
      } else {
        rule = null;
      }
      snap = await session.call('forwarding.set', { ...(accountId !== undefined ? { accountId } : {}), rule });
    }
    if (output.json) output.event({ event: 'forwarding', data: snap });
    else output.note(describeForwarding(snap, names));
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}
