/**
 * A SIP account as the phone model keeps it: plain data, addresses as strings.
 *
 * One subscriber may own several addresses (docs/architecture.md §1, "Aliases"): the
 * primary address of record `aor` (what we REGISTER, RFC 3261 §10) and
 * `aliases` in the user's order. Requests to any of them reach this account
 * (alias-match.ts); an outgoing call presents one of them as From / P-Preferred-
 * Identity (RFC 3325), chosen per call, by `identityRules` (identity.ts), or
 * the primary by default.
 *
 * The password is not here: `secretRef` names it in a SecretStore
 * (store/secret-store.ts), so the database never holds a credential.
 */
import { z } from '../api/zod.ts';
import { stunServerSchema, turnServerSchema } from '../api/schemas.ts';
export { parseServerAddress, parseTurnServer } from '../api/server-address-syntax.ts';
import { hostPortOf, parseSipAddress, sameAddress, sipAddressProblem, type SipAddress } from './sip-address.ts';

export const TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type Transport = (typeof TRANSPORTS)[number];
export const SRTP_POLICIES = ['off', 'optional', 'mandatory'] as const;
export type SrtpPolicy = (typeof SRTP_POLICIES)[number];
export const DTMF_METHODS = ['rfc4733', 'info'] as const;
export type DtmfMethod = (typeof DTMF_METHODS)[number];

/** All present conditions must hold; at least one is required. Tested against the dialled user part. */
export interface IdentityRuleMatch {
  /** The dialled user starts with this ('+', '00', '0800'). */
  prefix?: string | undefined;
  /** A JavaScript regular expression tested against the dialled user. */
  regex?: string | undefined;
  /** The dialled user is a number with at least / at most this many digits. */
  minDigits?: number | undefined;
  maxDigits?: number | undefined;
}

export interface IdentityRule {
  match: IdentityRuleMatch;
  /** One of the account's addresses (aor or an alias). */
  identity: string;
}

export interface AccountSettings {
  displayName: string;
  aor: string;
  aliases: string[];
  /** Digest user name (RFC 3261 §22); null = the user part of the AOR. */
  authUser: string | null;
  secretRef: string | null;
  /** Registrar URI; null = the AOR's domain (RFC 3261 §10.2.6). */
  registrar: string | null;
  outboundProxy: string | null;
  transport: Transport;
  /** Codec names in preference order ('opus', 'G722', 'PCMU', 'PCMA'). */
  codecs: string[];
  srtp: SrtpPolicy;
  dtmf: DtmfMethod;
  autoAnswer: boolean;
  enabled: boolean;
  identityRules: IdentityRule[];
  /** Requested registration lifetime in seconds (RFC 3261 §10.2.1.1). */
  registerExpires: number;
  /** Send P-Preferred-Identity (RFC 3325 §9.2) with the chosen identity. */
  pPreferredIdentity: boolean;
  /**
   * The digest realms the password answers (RFC 3261 §22.1); [] = the realm the
   * registrar used at the first successful registration (`learnedRealms`), else the
   * AOR's domain. A challenge from any other realm is refused (sip/auth/realm-binding.ts).
   */
  authRealms: string[];
  /** Realms learned at the first successful registration; written by the phone, not by the user. */
  learnedRealms: string[];
  /** TLS: a PEM file of CAs trusted for this account's servers, beside the system's. */
  tlsCaFile: string | null;
  /** TLS: the server certificate's SHA-256 fingerprint (hex, colons optional); when set, only that certificate is accepted. */
  tlsPin: string | null;
  /** Offer and accept SDES keys (a=crypto) when the signalling is not TLS on every hop: the keys then travel in clear text. */
  sdesInClear: boolean;
  /** The voicemail number or address `mwi.dial` calls (null: the server's Message-Account, RFC 3842). */
  voicemail: string | null;
  /** Directed-pickup prefix dialled before a watched line's number ("*8"); null: INVITE with Replaces (RFC 3891). */
  pickupCode: string | null;
  /** Caller-ID privacy of our calls (RFC 3323/3325): 'none', 'id' or 'header' (outgoing-call.ts). */
  privacy: 'none' | 'id' | 'header';
  /** STUN server (RFC 8489) for this account's calls, "host:port" (port 3478 if left out); null: the phone's, if any. */
  stunServer: string | null;
  /** TURN server (RFC 8656) for this account's calls, "user@host:port"; its password is in the SecretStore (`turnSecretRef`). */
  turnServer: string | null;
  turnSecretRef: string | null;
}

export interface Account extends AccountSettings {
  readonly id: string;
}

/** What `accounts.add` takes: the AOR and any fields that differ from ACCOUNT_DEFAULTS. */
export type AccountInput = Partial<AccountSettings> & { aor: string };
export type AccountPatch = Partial<AccountSettings>;

export const ACCOUNT_DEFAULTS: Readonly<Omit<AccountSettings, 'aor'>> = Object.freeze({
  displayName: '',
  aliases: [],
  authUser: null,
  secretRef: null,
  registrar: null,
  outboundProxy: null,
  transport: 'udp',
  codecs: ['opus', 'G722', 'PCMU', 'PCMA'],
  srtp: 'off',
  dtmf: 'rfc4733',
  autoAnswer: false,
  enabled: true,
  identityRules: [],
  registerExpires: 3600,
  pPreferredIdentity: false,
  authRealms: [],
  learnedRealms: [],
  tlsCaFile: null,
  tlsPin: null,
  sdesInClear: false,
  voicemail: null,
  pickupCode: null,
  privacy: 'none',
  stunServer: null,
  turnServer: null,
  turnSecretRef: null,
});


/** A SHA-256 certificate fingerprint as people copy it: 64 hex digits, optionally in colon-separated pairs. */
export const SHA256_FINGERPRINT = /^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/;

/** The canonical form of a fingerprint: upper-case pairs joined by colons (what `openssl x509 -fingerprint -sha256` prints). */
export function canonicalFingerprint(text: string): string {
  return text.replace(/:/g, '').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

/** A sip:/sips: URI string; `needUser` for addresses of record. No ?headers. */
export function sipAddressSchema(needUser: boolean) {
  return z
    .string()
    .trim()
    .min(1, 'is empty')
    .superRefine((text, ctx) => {
      // The same check the renderer's forms run on each field (sip-address-syntax.ts).
      const problem = sipAddressProblem(text, needUser);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

const identityRuleMatchSchema = z
  .strictObject({
    prefix: z.string().min(1).max(32).regex(NO_CONTROL, 'contains a control character').optional(),
    regex: z
      .string()
      .min(1)
      .max(200)
      .refine((r) => {
        try {
          new RegExp(r);
          return true;
        } catch {
          return false;
        }
      }, 'is not a valid regular expression')
      .optional(),
    minDigits: z.int().min(1).max(32).optional(),
    maxDigits: z.int().min(1).max(32).optional(),
  })
  .refine((m) => m.prefix !== undefined || m.regex !== undefined || m.minDigits !== undefined || m.maxDigits !== undefined, 'needs prefix, regex, minDigits or maxDigits')
  .refine((m) => m.minDigits === undefined || m.maxDigits === undefined || m.minDigits <= m.maxDigits, 'minDigits is above maxDigits');

const identityRuleSchema = z.strictObject({ match: identityRuleMatchSchema, identity: sipAddressSchema(true) });

const CODEC_NAME = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,31}$/;

export const accountSettingsFields = z.strictObject({
  displayName: z.string().trim().max(128).regex(NO_CONTROL, 'contains a control character'),
  aor: sipAddressSchema(true),
  aliases: z.array(sipAddressSchema(true)).max(32),
  authUser: z.string().min(1).max(128).regex(NO_CONTROL, 'contains a control character').nullable(),
  secretRef: z.string().min(1).max(200).nullable(),
  registrar: sipAddressSchema(false).nullable(),
  outboundProxy: sipAddressSchema(false).nullable(),
  transport: z.enum(TRANSPORTS),
  codecs: z
    .array(z.string().regex(CODEC_NAME, 'is not a codec name'))
    .min(1, 'needs at least one codec')
    .max(16)
    .refine((c) => new Set(c.map((x) => x.toLowerCase())).size === c.length, 'lists a codec twice'),
  srtp: z.enum(SRTP_POLICIES),
  dtmf: z.enum(DTMF_METHODS),
  autoAnswer: z.boolean(),
  enabled: z.boolean(),
  identityRules: z.array(identityRuleSchema).max(32),
  registerExpires: z.int().min(30).max(86400),
  pPreferredIdentity: z.boolean(),
  authRealms: z.array(z.string().min(1).max(128).regex(NO_CONTROL, 'contains a control character')).max(8),
  learnedRealms: z.array(z.string().min(1).max(128).regex(NO_CONTROL, 'contains a control character')).max(8),
  tlsCaFile: z.string().trim().min(1).max(4096).regex(NO_CONTROL, 'contains a control character').nullable(),
  tlsPin: z.string().trim().regex(SHA256_FINGERPRINT, 'is not a SHA-256 fingerprint (64 hex digits)').transform(canonicalFingerprint).nullable(),
  sdesInClear: z.boolean(),
  voicemail: z.string().trim().min(1).max(512).regex(NO_CONTROL, 'contains a control character').nullable(),
  pickupCode: z.string().trim().regex(/^[0-9*#]{1,8}$/, 'is not a pickup code (1 to 8 of 0-9 * #)').nullable(),
  privacy: z.enum(['none', 'id', 'header']),
  stunServer: stunServerSchema.nullable(),
  turnServer: turnServerSchema.nullable(),
  turnSecretRef: z.string().min(1).max(200).nullable(),
});

/** The whole account, with the cross-field rules: distinct addresses; rule identities are ours. */
export const accountSettingsSchema: z.ZodType<AccountSettings> = accountSettingsFields.superRefine((a, ctx) => {
  const parsed = (text: string): SipAddress | undefined => {
    const p = parseSipAddress(text);
    return p.ok ? p.value : undefined;
  };
  const seen: SipAddress[] = [];
  [a.aor, ...a.aliases].forEach((text, i) => {
    const addr = parsed(text);
    if (!addr) return;
    if (seen.some((s) => sameAddress(s, addr))) {
      ctx.addIssue({ code: 'custom', path: ['aliases', i - 1], message: `${text} is already one of this account's addresses` });
    }
    seen.push(addr);
  });
  a.identityRules.forEach((rule, i) => {
    const addr = parsed(rule.identity);
    if (addr && !seen.some((s) => sameAddress(s, addr))) {
      ctx.addIssue({ code: 'custom', path: ['identityRules', i, 'identity'], message: `${rule.identity} is not one of this account's addresses` });
    }
  });
});

/** The account's addresses: the primary first, then the aliases in order. */
export function accountAddresses(account: Pick<AccountSettings, 'aor' | 'aliases'>): string[] {
  return [account.aor, ...account.aliases];
}

/** `host[:port]` of the AOR: the domain that completes bare numbers and names. */
export function accountDomain(account: Pick<AccountSettings, 'aor'>): string | undefined {
  const p = parseSipAddress(account.aor);
  return p.ok ? hostPortOf(p.value) : undefined;
}
