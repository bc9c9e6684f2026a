/**
 * What a failed registration or call means for the person at the terminal:
 * one line that says what went wrong (in words, with the server's code and
 * phrase for the expert) and what to try, plus the exit code a script acts
 * on (exit-codes.ts). Flag names in the hints are the CLI's own, so the
 * advice can be followed as written.
 */
import type { CallSnapshot, MessageSnapshot, RegistrationSnapshot } from '../api/snapshots.ts';
import { statusInWords } from '../sip/ua/status-reason.ts';
import { ExitCode, exitCodeForStatus } from './exit-codes.ts';

export interface Advice {
  message: string;
  exitCode: ExitCode;
}

function answer(code: number | undefined, reason: string | undefined): string {
  if (code === undefined) return '';
  const phrase = reason && reason.trim() ? ` "${reason.trim()}"` : '';
  return ` (${code}${phrase})`;
}

function hintFor(code: number | undefined, what: 'register' | 'call'): string {
  switch (code) {
    case 401:
    case 407:
    case 403:
      return 'check --user and --password (or PARLEY_PASSWORD)';
    case 404:
    case 604:
      return what === 'register' ? 'check --aor: the server does not know this user' : 'check the address you called';
    case 408:
    case 504:
      return what === 'register' ? 'check --proxy and that the server is running and reachable' : 'nobody answered in time; check the address, or try later';
    case 503:
    case undefined:
      return 'check --proxy, --transport and the network (is the server running?)';
    case 423:
      return 'the server wants a longer registration interval';
    case 480:
      return 'the callee is not registered right now; try later';
    case 486:
    case 600:
      return 'the line is busy; try later';
    case 488:
      return 'try other --codecs (e.g. PCMU,PCMA) or --srtp off';
    default:
      return '';
  }
}

/**
 * A challenge from a realm the account does not answer (sip/auth/realm-binding.ts):
 * the password was not sent, so "check the password" would be the wrong advice.
 */
function foreignRealm(words: string | undefined): string | undefined {
  return words ? /asked for the password of another realm \((?:[^()]|\([^()]*\))*\)/.exec(words)?.[0] : undefined;
}
const FOREIGN_HINT = 'the password was not sent; if that server is really your provider\'s, add its realm to the account (authRealms)';

function withHint(text: string, hint: string): string {
  return hint ? `${text}: ${hint}` : text;
}

/** A registration that ended in 'failed'. */
/**
 * A registration that ended in 'failed'. A registrar that does not answer
 * (408, 504, or a transport failure reported as 503) is a network problem
 * for `register` (exit 6), where for a call 408 means nobody answered (4).
 */
export function registrationAdvice(aor: string, reg: Pick<RegistrationSnapshot, 'code' | 'reason' | 'words' | 'certificate'>): Advice {
  const code = reg.code;
  if (reg.certificate) {
    // A refused TLS certificate: the words say which check failed; the way out is to trust it explicitly.
    const c = reg.certificate;
    const words = reg.words?.replace(/;\s*trying again in \d+ s/, '') ?? 'the server certificate was refused';
    const hint = c.problem === 'pin-mismatch'
      ? `the server now presents ${c.fingerprint256}; if that change is expected, pass it as --tls-pin`
      : `if you trust this certificate (${c.subject}, issued by ${c.issuer}), pass --tls-pin ${c.fingerprint256}, or its CA with --tls-ca FILE`;
    return { message: `registration of ${aor} failed: ${words}: ${hint}`, exitCode: ExitCode.network };
  }
  // The engine keeps retrying a failed registration and says when; this run stops here, so that part is dropped.
  const engineWords = reg.words?.replace(/;\s*trying again in \d+ s/, '');
  const foreign = foreignRealm(engineWords);
  if (foreign) return { message: `registration of ${aor} failed: the server ${foreign}${answer(code, reg.reason)}: ${FOREIGN_HINT}`, exitCode: ExitCode.authFailed };
  const words = code === 401 || code === 407 ? 'authentication failed' : code === 403 ? 'the server refused the credentials' : (engineWords ?? (code !== undefined ? statusInWords(code) : 'no answer from the server'));
  const unreachable = code === undefined || code === 408 || code === 503 || code === 504;
  return {
    message: withHint(`registration of ${aor} failed: ${words}${answer(code, reg.reason)}`, hintFor(code, 'register')),
    exitCode: unreachable ? ExitCode.network : exitCodeForStatus(code),
  };
}

/** A call that ended without being answered. */
export function callAdvice(call: Pick<CallSnapshot, 'remote' | 'code' | 'reason' | 'words'>): Advice {
  const code = call.code;
  const foreign = foreignRealm(call.words);
  if (foreign) return { message: `call to ${call.remote.uri} failed: the other side ${foreign}${answer(code, call.reason)}: ${FOREIGN_HINT}`, exitCode: ExitCode.authFailed };
  const words = code === 401 || code === 407 ? 'authentication failed' : (call.words ?? (code !== undefined ? statusInWords(code) : 'the call could not be set up'));
  return {
    message: withHint(`call to ${call.remote.uri} failed: ${words}${answer(code, call.reason)}`, hintFor(code, 'call')),
    exitCode: code === undefined ? ExitCode.network : exitCodeForStatus(code),
  };
}

/** A MESSAGE that was not delivered (a final answer outside 2xx, or none). */
export function messageAdvice(target: string, m: Pick<MessageSnapshot, 'code' | 'reason' | 'words'>): Advice {
  const code = m.code;
  const words = code === 401 || code === 407 ? 'authentication failed' : (m.words ?? (code !== undefined ? statusInWords(code) : 'the message could not be sent'));
  const hint = code === 480 || code === 404 ? 'the other side is not registered now, and the server does not store messages for later' : hintFor(code, 'call');
  return {
    message: withHint(`message to ${target} failed: ${words}${answer(code, m.reason)}`, hint),
    exitCode: code === undefined ? ExitCode.network : exitCodeForStatus(code),
  };
}
