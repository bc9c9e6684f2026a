/**
 * How a call ended, in one line for its card and the live region. Two cases
 * need more than the status code's words:
 *  - an outgoing call presenting an alias, refused with 401/403/407 after the
 *    challenge was answered: the password was right (the same account
 *    registers), the server just does not let this account present that
 *    address (RFC 3325 §6: the proxy decides which identities it asserts);
 *  - a call we transferred: the NOTIFY's sipfrag says whether the transferee
 *    reached the target (RFC 3515 §2.4.5, RFC 5589 §6.1).
 */
import type { AccountSnapshot, CallSnapshot } from '../api/types.ts';
import type { TransferStatus } from '../stores/phone-state.svelte.ts';
import { displayAddress } from './party.ts';
import { describeOutcome } from './sip-words.ts';

const AUTH_REFUSED = new Set([401, 403, 407]);

function sameAddress(a: string, b: string): boolean {
  return displayAddress(a).replace(/^sips:/i, '').toLowerCase() === displayAddress(b).replace(/^sips:/i, '').toLowerCase();
}

/** The failure line of an ended call, or undefined when it ended normally. */
export function callOutcome(call: CallSnapshot, account: Pick<AccountSnapshot, 'aor'> | undefined): string | undefined {
  if (call.state !== 'ended' || call.code === undefined || call.code < 300) return undefined;
  if (call.direction === 'out' && AUTH_REFUSED.has(call.code) && account && !sameAddress(call.localIdentity, account.aor)) {
    return `The server does not let this account present ${displayAddress(call.localIdentity)} (${call.code})`;
  }
  return describeOutcome(call.code, call.words, call.reason);
}

/** "Transferring to Bob…", "Transferred to Bob", "Transfer to Bob failed: busy (486)". */
export function transferLine(t: TransferStatus | undefined): { text: string; tone: 'info' | 'ok' | 'danger' } | undefined {
  if (!t) return undefined;
  const to = displayAddress(t.target);
  switch (t.phase) {
    case 'asked':
    case 'progress':
      return { text: `Transferring to ${to}…`, tone: 'info' };
    case 'succeeded':
      return { text: `Transferred to ${to}`, tone: 'ok' };
    case 'failed':
      return { text: `Transfer to ${to} failed: ${describeOutcome(t.code, t.words) ?? 'no answer'}`, tone: 'danger' };
  }
}
