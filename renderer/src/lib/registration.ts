/** How an account's registration is shown: a colour, a short label and, on failure, the server's reason in words. */
import type { AccountSnapshot, RegistrationSnapshot } from '../api/types.ts';
import { displayAddress } from './party.ts';
import { describeOutcome } from './sip-words.ts';

export type Tone = 'ok' | 'warn' | 'danger' | 'muted';

export interface RegistrationView {
  tone: Tone;
  label: string;
  /** "Wrong user name or password (403)": why it failed, with the code for the expert. */
  detail?: string;
  /** A retry (or first try) makes sense. */
  canRetry: boolean;
}

/**
 * The engine's built-in "direct" account (electron/phone/direct-account.ts):
 * listed while no account is stored, so that calls to and from sip:user@host
 * work out of the box. It has no server: it never registers, and the engine
 * refuses to change or remove it (accounts.update/remove answer not-allowed).
 */
export const DIRECT_ACCOUNT_ID = 'direct';

export function isBuiltInAccount(account: Pick<AccountSnapshot, 'id'>): boolean {
  return account.id === DIRECT_ACCOUNT_ID;
}

/** What people call the built-in account: no OS user name, no host and port (those are in its details). */
export const BUILT_IN_NAME = 'This computer (no account)';
export const BUILT_IN_SENTENCE = 'Calls SIP addresses directly, without a server, and others on your network can call this computer.';

/** The name an account goes by in lists, pickers and chips. */
export function accountLabel(account: Pick<AccountSnapshot, 'id' | 'displayName' | 'aor'>): string {
  return isBuiltInAccount(account) ? BUILT_IN_NAME : account.displayName || displayAddress(account.aor);
}

/** Authentication refused: said once and short, so that it fits the header chip. */
const AUTH_FAILED = new Set([401, 403, 407]);

export function registrationView(account: AccountSnapshot, reg: RegistrationSnapshot | undefined): RegistrationView {
  // Not "Offline" with a Register button: there is nothing to register with, and the engine says so if asked.
  if (isBuiltInAccount(account)) return { tone: 'muted', label: 'Ready', canRetry: false };
  if (!account.enabled) return { tone: 'muted', label: 'Disabled', canRetry: false };
  switch (reg?.state ?? 'unregistered') {
    case 'registered':
      return { tone: 'ok', label: 'Registered', canRetry: false };
    case 'registering':
      return { tone: 'warn', label: 'Registering…', canRetry: false };
    case 'unregistering':
      return { tone: 'muted', label: 'Signing out…', canRetry: false };
    case 'failed':
      // It was registered and is trying again by itself: not a stale "Registered", not yet a failure.
      if (reg?.reconnecting) return { tone: 'warn', label: 'Reconnecting…', detail: describeOutcome(reg.code, reg.words, reg.reason) ?? 'The server did not answer', canRetry: true };
      if (reg?.code !== undefined && AUTH_FAILED.has(reg.code)) return { tone: 'danger', label: `Wrong password (${reg.code})`, canRetry: true };
      return { tone: 'danger', label: 'Not registered', detail: describeOutcome(reg?.code, reg?.words, reg?.reason) ?? 'The server did not answer', canRetry: true };
    case 'unregistered':
      return { tone: 'muted', label: 'Offline', canRetry: true };
  }
}
