/**
 * The diagnostics bundle: one text file a user can attach to a bug report —
 * the app's version and the browser/OS, the settings (they hold no secrets),
 * the accounts without passwords (the API never carries one: `hasPassword`),
 * the registrations, live calls, the last N minutes of history and of the SIP
 * trace (redacted again by redactTrace), and the last events of the page.
 */
import type { EngineLogEntry } from '../api/types.ts';
import type { PhoneState } from '../stores/phone-state.svelte.ts';
import { ladderText, buildLadders, redactTrace } from './sip-ladder.ts';

export interface BundleInput {
  store: Pick<PhoneState, 'settings' | 'accounts' | 'registrations' | 'calls' | 'history' | 'trace' | 'connection'>;
  minutes: number;
  now: number;
  userAgent: string;
  version?: string;
  /** The engine's own log (diagnostics.logs, redacted by the engine); absent when it could not be read. */
  engineLog?: readonly EngineLogEntry[];
}

export function diagnosticsBundle(input: BundleInput): string {
  const since = input.now - input.minutes * 60_000;
  const { store } = input;
  const trace = store.trace.filter((t) => t.time >= since).map((t) => ({ ...t, text: redactTrace(t.text) }));
  const section = (title: string, body: string) => `===== ${title} =====\n${body.trimEnd()}\n`;
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    section('Parley diagnostics', [`created ${new Date(input.now).toISOString()}`, `version ${input.version ?? __PARLEY_VERSION__}`, `browser/OS ${input.userAgent}`, `connection ${store.connection.state}`, `trace window ${input.minutes} min, ${trace.length} SIP messages`].join('\n')),
    section('settings', json(store.settings ?? null)),
    section('accounts (no passwords: the API never carries them)', json(store.accounts)),
    section('registrations', json(store.registrations)),
    section('calls', json(store.calls)),
    section(`history (last ${input.minutes} min)`, json(store.history.filter((h) => h.endedAt >= since))),
    section('SIP trace', buildLadders(trace).map(ladderText).join('\n')),
    section(
      `engine log (last ${input.minutes} min, info and above, redacted)`,
      input.engineLog === undefined
        ? '(the phone did not give its log)'
        : input.engineLog.map((e) => `${new Date(e.time).toISOString()} ${e.level.toUpperCase().padEnd(5)} [${e.category}] ${redactTrace(e.message)}${e.data ? ` ${redactTrace(e.data)}` : ''}`).join('\n'),
    ),
  ].join('\n');
}

/** Hands `text` to the browser as a file download. */
export function downloadText(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
