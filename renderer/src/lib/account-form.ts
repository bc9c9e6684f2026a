/**
 * The account editor's working copy, and the conversions between it and the
 * API's AccountSnapshot / AccountInput / AccountPatch. Pure, for testing.
 */
import type { AccountInput, AccountPatch, AccountSnapshot, CallerIdPrivacy, DtmfMode, IdentityRule, SrtpMode, TransportName } from '../api/types.ts';
import { sipAddressProblem } from '../../../electron/api/sip-address-syntax.ts';
import { stunServerProblem, turnServerProblem } from '../../../electron/api/server-address-syntax.ts';
import { userPart } from './party.ts';

/** The codecs the engine offers (electron/media/codecs), best first as the default order. */
export const KNOWN_CODECS = ['opus', 'G722', 'PCMU', 'PCMA'] as const;

export const CODEC_LABELS: Record<string, string> = {
  opus: 'Opus · wideband, adapts to the network',
  G722: 'G.722 · wideband (HD voice)',
  PCMU: 'G.711 µ-law · narrowband, everywhere',
  PCMA: 'G.711 A-law · narrowband, everywhere',
};

export interface RuleForm {
  prefix: string;
  regex: string;
  minDigits: string;
  maxDigits: string;
  identity: string;
}

export interface AccountForm {
  displayName: string;
  aor: string;
  /** '' = keep the stored one. */
  password: string;
  /** '' = the AOR's user part. */
  authUser: string;
  registrar: string;
  outboundProxy: string;
  transport: TransportName;
  codecs: Array<{ name: string; enabled: boolean }>;
  srtp: SrtpMode;
  dtmf: DtmfMode;
  autoAnswer: boolean;
  enabled: boolean;
  aliases: string[];
  identityRules: RuleForm[];
  registerExpires: string;
  usePreferredIdentity: boolean;
  /** TLS: a PEM file of CAs to trust for this account's servers ('' = the system's only). */
  tlsCaFile: string;
  /** TLS: the only server certificate accepted, by SHA-256 fingerprint ('' = none pinned). */
  tlsPin: string;
  /** Send SRTP keys over signalling that is not TLS (they travel in clear text). */
  sdesInClear: boolean;
  /** Caller-ID privacy of our calls (RFC 3323): 'none', 'id' or 'header'. */
  privacy: CallerIdPrivacy;
  /** STUN server "host:port" for this account's calls ('' = none of its own). */
  stunServer: string;
  /** TURN server "user@host:port" ('' = none). */
  turnServer: string;
  /** '' = keep the stored TURN password. */
  turnPassword: string;
}

export function codecList(enabled: readonly string[]): Array<{ name: string; enabled: boolean }> {
  const rest = KNOWN_CODECS.filter((c) => !enabled.includes(c));
  return [...enabled.map((name) => ({ name, enabled: true })), ...rest.map((name) => ({ name, enabled: false }))];
}

function ruleToForm(rule: IdentityRule): RuleForm {
  return {
    prefix: rule.match.prefix ?? '',
    regex: rule.match.regex ?? '',
    minDigits: rule.match.minDigits?.toString() ?? '',
    maxDigits: rule.match.maxDigits?.toString() ?? '',
    identity: rule.identity,
  };
}

/**
 * "alice@example.com" → "sip:alice@example.com"; a sip:/sips: URI stays as it
 * is. The form lets people leave the scheme out (as the CLI does); the
 * engine's account store takes only URIs with one.
 */
export function withSipScheme(text: string): string {
  const t = text.trim();
  return t === '' || /^sips?:/i.test(t) ? t : `sip:${t}`;
}

export function formToRule(rule: RuleForm): IdentityRule {
  const match: IdentityRule['match'] = {};
  if (rule.prefix.trim()) match.prefix = rule.prefix.trim();
  if (rule.regex.trim()) match.regex = rule.regex.trim();
  if (rule.minDigits.trim()) match.minDigits = Number(rule.minDigits);
  if (rule.maxDigits.trim()) match.maxDigits = Number(rule.maxDigits);
  return { match, identity: withSipScheme(rule.identity) };
}

export function accountToForm(account: AccountSnapshot | undefined): AccountForm {
  if (!account) {
    return {
      displayName: '',
      aor: '',
      password: '',
      authUser: '',
      registrar: '',
      outboundProxy: '',
      transport: 'udp',
      codecs: codecList(KNOWN_CODECS),
      srtp: 'optional',
      dtmf: 'rfc4733',
      autoAnswer: false,
      enabled: true,
      aliases: [],
      identityRules: [],
      registerExpires: '3600',
      usePreferredIdentity: true,
      tlsCaFile: '',
      tlsPin: '',
      sdesInClear: false,
      privacy: 'none',
      stunServer: '',
      turnServer: '',
      turnPassword: '',
    };
  }
  return {
    displayName: account.displayName,
    aor: account.aor,
    password: '',
    authUser: account.authUser === userPart(account.aor) ? '' : account.authUser,
    registrar: account.registrar ?? '',
    outboundProxy: account.outboundProxy ?? '',
    transport: account.transport,
    codecs: codecList(account.codecs),
    srtp: account.srtp,
    dtmf: account.dtmf,
    autoAnswer: account.autoAnswer,
    enabled: account.enabled,
    aliases: account.aliases.slice(),
    identityRules: account.identityRules.map(ruleToForm),
    registerExpires: String(account.registerExpires),
    usePreferredIdentity: account.usePreferredIdentity,
    tlsCaFile: account.tlsCaFile ?? '',
    tlsPin: account.tlsPin ?? '',
    sdesInClear: account.sdesInClear ?? false,
    privacy: account.privacy,
    stunServer: account.stunServer ?? '',
    turnServer: account.turnServer ?? '',
    turnPassword: '',
  };
}

/** The engine's own words ("the host contains \"_\"") made into a sentence for under the field. */
function sentence(problem: string): string {
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`;
}

/**
 * Why an address field would be refused, in the engine's rule
 * (sip-address-syntax.ts, shared with the API), or undefined. The form lets
 * people leave out the sip: scheme, as the engine's store does not.
 */
export function addressFieldProblem(text: string, needUser: boolean): string | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const problem = sipAddressProblem(withSipScheme(t), needUser);
  if (!problem) return undefined;
  if (needUser && problem === 'needs a user part (user@host)') return 'Write the address as user@domain, e.g. alice@sip.example.com.';
  return sentence(problem);
}

/** Field → problem, in words; empty when the form can be saved. Keys are the form's field names, in the form's order. */
export function validateAccountForm(form: AccountForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.aor.trim() === '' || !form.aor.includes('@')) errors.aor = 'Write the address as user@domain, e.g. alice@sip.example.com.';
  else {
    const aor = addressFieldProblem(form.aor, true);
    if (aor) errors.aor = aor;
  }
  form.aliases.forEach((a, i) => {
    const problem = addressFieldProblem(a, true);
    if (problem) errors[`aliases.${i}`] = `An alias is an address too: ${problem.charAt(0).toLowerCase()}${problem.slice(1)}`;
  });
  const registrar = addressFieldProblem(form.registrar, false);
  if (registrar) errors.registrar = registrar;
  const proxy = addressFieldProblem(form.outboundProxy, false);
  if (proxy) errors.outboundProxy = proxy;
  const expires = Number(form.registerExpires);
  if (!Number.isInteger(expires) || expires < 30 || expires > 86400) errors.registerExpires = 'Between 30 and 86400 seconds.';
  if (!form.codecs.some((c) => c.enabled)) errors.codecs = 'Enable at least one codec.';
  if (form.tlsPin.trim() !== '' && !/^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/.test(form.tlsPin.trim())) {
    errors.tlsPin = 'A SHA-256 fingerprint: 64 hexadecimal digits, in pairs separated by colons or not.';
  }
  if (form.stunServer.trim() !== '' && stunServerProblem(form.stunServer)) errors.stunServer = 'A STUN server is host:port, e.g. stun.example.org:3478 (port 3478 if left out).';
  if (form.turnServer.trim() !== '' && turnServerProblem(form.turnServer)) errors.turnServer = 'A TURN server is user@host:port, e.g. alice@turn.example.org:3478.';
  form.identityRules.forEach((r, i) => {
    if (r.regex.trim()) {
      try {
        new RegExp(r.regex);
      } catch {
        errors[`identityRules.${i}`] = 'This pattern is not a valid regular expression.';
      }
    }
    for (const n of [r.minDigits, r.maxDigits]) if (n.trim() && !/^\d{1,2}$/.test(n.trim())) errors[`identityRules.${i}`] = 'Digit counts are whole numbers.';
    if (r.minDigits.trim() && r.maxDigits.trim() && Number(r.minDigits) > Number(r.maxDigits)) errors[`identityRules.${i}`] = 'The fewest digits is above the most digits.';
    if (!r.prefix.trim() && !r.regex.trim() && !r.minDigits.trim() && !r.maxDigits.trim()) errors[`identityRules.${i}`] = 'Give a prefix, a digit count or a pattern to match.';
    if (!r.identity) errors[`identityRules.${i}`] = 'Choose the address this rule presents.';
  });
  return errors;
}

/** The fields to send: everything for a new account; for an update, the same minus an unchanged password. */
export function formToFields(form: AccountForm): AccountInput & AccountPatch {
  const fields: AccountInput & AccountPatch = {
    displayName: form.displayName.trim(),
    aor: withSipScheme(form.aor),
    authUser: form.authUser.trim() === '' ? null : form.authUser.trim(),
    registrar: form.registrar.trim() === '' ? null : withSipScheme(form.registrar),
    outboundProxy: form.outboundProxy.trim() === '' ? null : withSipScheme(form.outboundProxy),
    transport: form.transport,
    codecs: form.codecs.filter((c) => c.enabled).map((c) => c.name),
    srtp: form.srtp,
    dtmf: form.dtmf,
    autoAnswer: form.autoAnswer,
    enabled: form.enabled,
    aliases: form.aliases.map(withSipScheme).filter((a) => a !== ''),
    identityRules: form.identityRules.map(formToRule),
    registerExpires: Number(form.registerExpires),
    usePreferredIdentity: form.usePreferredIdentity,
    tlsCaFile: form.tlsCaFile.trim() === '' ? null : form.tlsCaFile.trim(),
    tlsPin: form.tlsPin.trim() === '' ? null : form.tlsPin.trim(),
    sdesInClear: form.sdesInClear,
    privacy: form.privacy,
    stunServer: form.stunServer.trim() === '' ? null : form.stunServer.trim(),
    turnServer: form.turnServer.trim() === '' ? null : form.turnServer.trim(),
  };
  if (form.password !== '') fields.password = form.password;
  if (form.turnPassword !== '') fields.turnPassword = form.turnPassword;
  return fields;
}

/** Moves item `i` of a list one place up (-1) or down (+1); returns a new list. */
export function move<T>(list: readonly T[], i: number, by: -1 | 1): T[] {
  const j = i + by;
  if (j < 0 || j >= list.length) return list.slice();
  const next = list.slice();
  [next[i], next[j]] = [next[j]!, next[i]!];
  return next;
}
