/** How an account's registration is shown: a colour, a short label and, on failure, the server's reason in words. */
import type { AccountSnapshot, RegistrationSnapshot } from '../api/types.ts';
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

export function registrationView(account: AccountSnapshot, reg: RegistrationSnapshot | undefined): RegistrationView {
  // Not "Offline" with a Register button: there is nothing to register with, and the engine says so if asked.
  if (isBuiltInAccount(account)) return { tone: 'muted', label: 'Direct calls only', canRetry: false };
  if (!account.enabled) return { tone: 'muted', label: 'Disabled', canRetry: false };
  switch (reg?.state ?? 'unregistered') {
    case 'registered':
      return { tone: 'ok', label: 'Registered', canRetry: false };
    case 'registering':
      return { tone: 'warn', label: 'Registering…', canRetry: false };
    case 'unregistering':
      return { tone: 'muted', label: 'Signing out…', canRetry: false };
    case 'failed':
      return { tone: 'danger', label: 'Not registered', detail: describeOutcome(reg?.code, reg?.words, reg?.reason) ?? 'The server did not answer', canRetry: true };
    case 'unregistered':
      return { tone: 'muted', label: 'Offline', canRetry: true };
  }
}
