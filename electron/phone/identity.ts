/**
 * Which of the account's addresses an outgoing call presents as From (and as
 * P-Preferred-Identity, RFC 3325 §9.2, when the account asks for it):
 *
 *   1. the identity chosen for this call, if any: it must be one of the
 *      account's addresses (compared as in sip-address.ts `sameAddress`);
 *      anything else is refused, never sent;
 *   2. else the first identity rule whose conditions all hold for the dialled
 *      user part (e.g. `{ match: { prefix: '+' }, identity: <E.164 alias> }`);
 *      a rule naming an address the account no longer has is skipped;
 *   3. else the primary address (aor).
 *
 * "The dialled user" is the user part of the target (before any ';' tel
 * parameters, %-decoded), or the number of a tel: target, or the text as
 * given if it is not a URI. Digit conditions hold only for number-like users.
 */
import type { AccountSettings, IdentityRuleMatch } from './account.ts';
import { isPhoneNumberLike } from './phone-number.ts';
import { parseSipAddress, sameAddress, userBase } from './sip-address.ts';

export type IdentitySource = 'explicit' | 'rule' | 'primary';

export type IdentityChoice =
  | { ok: true; identity: string; source: IdentitySource; ruleIndex?: number }
  | { ok: false; reason: string };

export type IdentityAccount = Pick<AccountSettings, 'aor' | 'aliases' | 'identityRules'>;

/** The user part a rule is tested against (see the file comment). */
export function dialledUser(target: string): string {
  const sip = parseSipAddress(target);
  if (sip.ok) return sip.value.user === null ? '' : userBase(sip.value.user);
  const tel = /^tel:([^;]*)/i.exec(target);
  if (tel) return tel[1]!;
  return target.trim();
}

export function ruleMatches(match: IdentityRuleMatch, user: string): boolean {
  if (match.prefix !== undefined && !user.startsWith(match.prefix)) return false;
  if (match.regex !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(match.regex);
    } catch {
      return false;
    }
    if (!re.test(user)) return false;
  }
  if (match.minDigits !== undefined || match.maxDigits !== undefined) {
    if (!isPhoneNumberLike(user)) return false;
    const n = user.replace(/\D/g, '').length;
    if (match.minDigits !== undefined && n < match.minDigits) return false;
    if (match.maxDigits !== undefined && n > match.maxDigits) return false;
  }
  return true;
}

/** Returns the account's own spelling of `text` if it is one of its addresses. */
function ownAddress(account: IdentityAccount, text: string): string | undefined {
  const wanted = parseSipAddress(text.trim());
  if (!wanted.ok) return undefined;
  return [account.aor, ...account.aliases].find((own) => {
    const p = parseSipAddress(own);
    return p.ok && sameAddress(p.value, wanted.value);
  });
}

export function chooseIdentity(account: IdentityAccount, target: string, explicit?: string | null): IdentityChoice {
  if (explicit !== undefined && explicit !== null && explicit.trim() !== '') {
    const own = ownAddress(account, explicit);
    if (!own) return { ok: false, reason: `${explicit} is not one of this account's addresses (${[account.aor, ...account.aliases].join(', ')})` };
    return { ok: true, identity: own, source: 'explicit' };
  }
  const user = dialledUser(target);
  for (let i = 0; i < account.identityRules.length; i++) {
    const rule = account.identityRules[i]!;
    if (!ruleMatches(rule.match, user)) continue;
    const own = ownAddress(account, rule.identity);
    if (own) return { ok: true, identity: own, source: 'rule', ruleIndex: i };
  }
  return { ok: true, identity: account.aor, source: 'primary' };
}
