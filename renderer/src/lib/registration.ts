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

export function registrationView(account: AccountSnapshot, reg: RegistrationSnapshot | undefined): RegistrationView {
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
