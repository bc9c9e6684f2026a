/**
 * `parley accounts add|list|remove`: the accounts stored in the data dir
 * (--data-dir, default ~/.config/parley), through the same API commands the
 * UI uses. A password goes to the data dir's 0600 secrets file and is never
 * printed: listings show only whether one is stored.
 */
import type { AccountSnapshot } from '../api/snapshots.ts';
import { UsageError, type CliOptions } from './args.ts';
import { accountFromFlags } from './ephemeral-account.ts';
import { ExitCode } from './exit-codes.ts';
import type { Output } from './output.ts';
import { DIRECT_ACCOUNT_ID, PhoneSession } from './phone-session.ts';

function describe(a: AccountSnapshot): string {
  const lines = [`${a.id}  ${a.displayName ? `"${a.displayName}" ` : ''}${a.aor}${a.enabled ? '' : '  (disabled)'}`];
  if (a.aliases.length > 0) lines.push(`    aliases:   ${a.aliases.join(', ')}`);
  lines.push(`    user:      ${a.authUser}  password: ${a.hasPassword ? 'stored' : 'none'}`);
  const route = [a.outboundProxy && `proxy ${a.outboundProxy}`, a.registrar && `registrar ${a.registrar}`].filter(Boolean).join(', ');
  lines.push(`    transport: ${a.transport}${route ? `, ${route}` : ''}; codecs ${a.codecs.join(',')}; SRTP ${a.srtp}`);
  if (a.stunServer || a.turnServer) {
    const turn = a.turnServer ? `TURN ${a.turnServer} (password ${a.hasTurnPassword === true ? 'stored' : 'none'})` : '';
    lines.push(`    NAT:       ${[a.stunServer && `STUN ${a.stunServer}`, turn].filter(Boolean).join(', ')}`);
  }
  return lines.join('\n');
}

export async function run(opts: CliOptions, output: Output): Promise<ExitCode> {
  const [sub, ...rest] = opts.positionals;
  if (sub !== 'add' && sub !== 'list' && sub !== 'remove') {
    throw new UsageError(`parley accounts wants add, list or remove${sub ? `, not "${sub}"` : ''}`);
  }
  if (sub === 'add') {
    if (opts.aor === undefined) throw new UsageError('parley accounts add needs --aor sip:USER@DOMAIN');
    if (rest.length > 0) throw new UsageError(`unexpected "${rest[0]}"; account details are flags (--aor, --alias, --user, --proxy…)`);
  }
  if (sub === 'remove' && rest.length !== 1) throw new UsageError('parley accounts remove wants one account: its id or AOR (see parley accounts list)');
  if (sub === 'list' && rest.length > 0) throw new UsageError(`unexpected "${rest[0]}" after parley accounts list`);

  const session = await PhoneSession.open(opts, output, { manageAccounts: true, quiet: true });
  try {
    const stored = (await session.call('accounts.list', {})).filter((a) => a.id !== DIRECT_ACCOUNT_ID);
    if (sub === 'list') {
      if (output.json) output.event({ event: 'accounts', data: stored });
      else output.note(stored.length === 0 ? `no accounts in ${session.location.dataDir}; add one with: parley accounts add --aor sip:USER@DOMAIN --password …` : stored.map(describe).join('\n'));
      return ExitCode.ok;
    }
    if (sub === 'add') {
      const input = accountFromFlags(opts)!;
      const added = await session.call('accounts.add', input);
      if (output.json) output.event({ event: 'accounts', data: [added] });
      else output.note(`added ${added.aor} as account ${added.id} in ${session.location.dataDir}${added.hasPassword ? ' (password stored in secrets.json, mode 0600)' : ''}\n${describe(added)}`);
      return ExitCode.ok;
    }
    const key = rest[0]!;
    const k = key.toLowerCase();
    const found = stored.find((a) => a.id === key || a.aor.toLowerCase() === k || a.aor.toLowerCase() === `sip:${k}`);
    if (!found) throw new UsageError(`no account "${key}" in ${session.location.dataDir}${stored.length ? `; there are: ${stored.map((a) => `${a.id} (${a.aor})`).join(', ')}` : ''}`);
    await session.call('accounts.remove', { id: found.id });
    if (output.json) output.event({ event: 'accounts', data: stored.filter((a) => a.id !== found.id) });
    else output.note(`removed ${found.aor} (account ${found.id}) and its stored password`);
    return ExitCode.ok;
  } finally {
    await session.close();
  }
}
