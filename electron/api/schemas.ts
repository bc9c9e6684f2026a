/**
 * Boundary validation for every command's params (docs/api.md: the renderer
 * is never trusted). The checks here are the API's own: shape (strict objects,
 * unknown keys refused), types, bounded lengths, no control characters, and a
 * sanity check of SIP-ish addresses. The phone model validates meaning on top
 * (a parseable AOR, an identity that is one of the account's addresses, no
 * address claimed twice) and reports it as `bad-request` / `conflict`.
 *
 * `COMMAND_SCHEMAS` is checked by the compiler against `Commands`: each schema
 * must produce exactly that command's params type.
 *
 * Built on first use: each entry of the table is a function that builds its
 * command's schema, and `COMMAND_SCHEMAS[name]` calls it the first time it is
 * read and keeps the result. A zod schema is a few kB (every object carries
 * its methods bound to itself) and the table is several hundred of them; an
 * idle phone, which validates a handful of commands, no longer holds them
 * all (tests/bench/cli-launch.bench.ts). The small field schemas below
 * (`idSchema`, `sipUriSchema`…) are shared and built at load.
 */
import { stunServerProblem, turnServerProblem } from './server-address-syntax.ts';
import { z } from './zod.ts';
import type { AccountInput, AccountPatch, CommandName, CommandParams, ContactInput, ContactPatch } from './commands.ts';
import { NETWORK_CHANGE_REASONS } from './commands.ts';
import { PHONE_SYSTEM_EXPOSURES, type PhoneSystemCommands } from './phone-system-api.ts';
import type { Settings } from './snapshots.ts';
import { CALLER_ID_PRIVACY, RECORDING_FORMATS } from './snapshots.ts';
import { DIRECTIONS, DTMF_MODES, LINK_ACTIONS, SRTP_MODES, THEMES, TRANSPORTS } from './snapshots.ts';
import { presenceSchemas } from './presence-schemas.ts';
import { forwardingSchemas } from './forwarding-schemas.ts';
import { globalShortcutsSchema } from './global-shortcuts-schema.ts';

export const LIMITS = {
  id: 128,
  uri: 512,
  dialTarget: 512,
  displayName: 128,
  contactName: 200,
  label: 40,
  phoneNumber: 40,
  password: 256,
  aliases: 32,
  identityRules: 32,
  codecs: 16,
  contactEntries: 50,
  query: 200,
  /** RFC 3428 §8: a MESSAGE over UDP should stay under 1300 bytes. */
  messageBodyBytes: 1300,
  historyPage: 1000,
  deviceId: 512,
  ringtone: 1024,
  /** A recordings folder or file: an absolute path. */
  path: 4096,
} as const;

/** C0, DEL and C1 controls: never part of anything a person types into these fields. */
const CONTROL = /\p{Cc}/u;
/** Controls, invisible format characters (zero-width, bidi overrides) and whitespace: never in an address. */
const NOT_IN_URI = /[\p{Cc}\p{Cf}\s<>"]/u;
/** A dial string may have spaces ("+55 48 4567-8901") but nothing invisible that could hide another number. */
const NOT_IN_TARGET = /[\p{Cc}\p{Cf}]/u;

/** Free text such as a display name: trimmed, bounded, no control characters. */
export function text(max: number, min = 0) {
  return z
    .string()
    .trim()
    .min(min, min === 1 ? 'is empty' : `needs at least ${min} characters`)
    .max(max, `is longer than ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'contains a control character');
}

/** An opaque id as the phone hands them out. */
export const idSchema = z
  .string()
  .min(1, 'is empty')
  .max(LIMITS.id, `is longer than ${LIMITS.id} characters`)
  .regex(/^[\x21-\x7e]+$/, 'is not an id (printable ASCII without spaces)');

/**
 * A SIP address as text: `sip:alice@example.com`, `alice@example.com`,
 * `registrar.example.com:5061`. Only a sanity check (bounded, no control or
 * invisible characters, no spaces or <>"); the phone parses it properly.
 */
export const sipUriSchema = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(LIMITS.uri, `is longer than ${LIMITS.uri} characters`)
  .refine((s) => !NOT_IN_URI.test(s), 'is not a SIP address (it contains a space, a control or invisible character, or one of < > ")');

/** What the user typed or clicked to call or message: a number, a name, an address, a name-addr. */
export const dialTargetSchema = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(LIMITS.dialTarget, `is longer than ${LIMITS.dialTarget} characters`)
  .refine((s) => !NOT_IN_TARGET.test(s), 'contains a control or invisible character');

/** A SIP token (RFC 3261 §25.1), e.g. a dialog tag. */
const sipTokenSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9\-.!%*_+`'~]+$/, 'is not a SIP token');

export const dtmfDigitsSchema = z.string().regex(/^[0-9*#A-D]{1,32}$/, 'is not 1 to 32 DTMF digits (0-9 * # A-D)');

const timeSchema = z.int().min(0).max(8.64e15);

function validRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const identityRuleSchema = () =>
  z.strictObject({
    match: z
      .strictObject({
        prefix: text(32, 1).optional(),
        regex: z.string().min(1).max(200).refine(validRegex, 'is not a valid regular expression').optional(),
        minDigits: z.int().min(1).max(32).optional(),
        maxDigits: z.int().min(1).max(32).optional(),
      })
      .refine((m) => m.prefix !== undefined || m.regex !== undefined || m.minDigits !== undefined || m.maxDigits !== undefined, 'needs prefix, regex, minDigits or maxDigits')
      .refine((m) => m.minDigits === undefined || m.maxDigits === undefined || m.minDigits <= m.maxDigits, 'minDigits is above maxDigits'),
    identity: sipUriSchema,
  });

const codecsSchema = () =>
  z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,31}$/, 'is not a codec name'))
    .min(1, 'needs at least one codec')
    .max(LIMITS.codecs)
    .refine((c) => new Set(c.map((x) => x.toLowerCase())).size === c.length, 'lists a codec twice');

export const stunServerSchema = z.string().trim().refine((t) => stunServerProblem(t) === undefined, 'is not host:port (e.g. stun.example.org:3478)');
export const turnServerSchema = z.string().trim().refine((t) => turnServerProblem(t) === undefined, 'is not user@host:port (e.g. alice@turn.example.org:3478)');

const accountFieldShape = () => ({
  displayName: text(LIMITS.displayName),
  aor: sipUriSchema,
  aliases: z.array(sipUriSchema).max(LIMITS.aliases),
  authUser: text(128, 1).nullable(),
  registrar: sipUriSchema.nullable(),
  outboundProxy: sipUriSchema.nullable(),
  transport: z.enum(TRANSPORTS),
  codecs: codecsSchema(),
  srtp: z.enum(SRTP_MODES),
  dtmf: z.enum(DTMF_MODES),
  autoAnswer: z.boolean(),
  enabled: z.boolean(),
  identityRules: z.array(identityRuleSchema()).max(LIMITS.identityRules),
  registerExpires: z.int().min(30).max(86400),
  usePreferredIdentity: z.boolean(),
  authRealms: z.array(text(128, 1)).max(8),
  tlsCaFile: text(4096, 1).nullable(),
  tlsPin: z.string().trim().regex(/^(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/, 'is not a SHA-256 fingerprint (64 hex digits)').nullable(),
  sdesInClear: z.boolean(),
  voicemail: dialTargetSchema.nullable(),
  pickupCode: z.string().trim().regex(/^[0-9*#]{1,8}$/, 'is not a pickup code (1 to 8 of 0-9 * #)').nullable(),
  privacy: z.enum(CALLER_ID_PRIVACY),
  stunServer: stunServerSchema.nullable(),
  turnServer: turnServerSchema.nullable(),
});

// Not trimmed: leading or trailing spaces may be part of a password.
const passwordSchema = z
  .string()
  .max(LIMITS.password, `is longer than ${LIMITS.password} characters`)
  .refine((s) => !CONTROL.test(s), 'contains a control character');

const optionalFields = <T extends Record<string, z.ZodType>>(shape: T) =>
  Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, s.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };

const accountInputSchema = () =>
  z.strictObject({
    ...optionalFields(accountFieldShape()),
    aor: sipUriSchema,
    password: passwordSchema.optional(),
    turnPassword: passwordSchema.optional(),
  });

const accountPatchSchema = () =>
  z.strictObject({
    ...optionalFields(accountFieldShape()),
    password: passwordSchema.nullable().optional(),
    turnPassword: passwordSchema.nullable().optional(),
  });

const contactFieldShape = () => ({
  name: text(LIMITS.contactName, 1),
  addresses: z.array(z.strictObject({ label: text(LIMITS.label).optional(), uri: sipUriSchema })).max(LIMITS.contactEntries),
  numbers: z
    .array(
      z.strictObject({
        label: text(LIMITS.label).optional(),
        number: z
          .string()
          .trim()
          .min(1, 'is empty')
          .max(LIMITS.phoneNumber)
          .regex(/^\+?[0-9\s\-.()*#]*[0-9][0-9\s\-.()*#]*$/, 'is not a telephone number (digits, an optional leading +, spaces - . ( ) * #)'),
      }),
    )
    .max(LIMITS.contactEntries),
  favorite: z.boolean(),
});

const contactInputSchema = () => {
  const shape = contactFieldShape();
  return z.strictObject({ ...optionalFields(shape), name: shape.name });
};
const contactPatchSchema = () => z.strictObject(optionalFields(contactFieldShape()));

const deviceIdSchema = () => text(LIMITS.deviceId, 1);

const numberingPlanSchema = () =>
  z.strictObject({
    countryCode: z.string().regex(/^(|[1-9][0-9]{0,2})$/, 'is not a country calling code (1 to 3 digits, or empty)'),
    trunkPrefix: z.string().regex(/^[0-9]{0,2}$/, 'is not a trunk prefix (up to 2 digits)'),
    internationalPrefix: z.string().regex(/^[0-9]{0,4}$/, 'is not an international prefix (up to 4 digits)'),
    minMatchDigits: z.int().min(6).max(15),
  });

/** An RTP port range: even start, room for at least one RTP/RTCP pair, outside the privileged ports. */
const rtpPortsSchema = () =>
  z
    .strictObject({ min: z.int().min(1024).max(65534), max: z.int().min(1025).max(65535) })
    .refine((r) => r.max - r.min >= 1, 'needs room for at least one RTP/RTCP port pair (max > min)');

/** An absolute path on this computer (POSIX "/…", Windows "C:\…" or a UNC "\\server\share…"), no control characters. */
const absolutePathSchema = () =>
  z
    .string()
    .max(LIMITS.path)
    .refine((p) => !CONTROL.test(p), 'contains a control character')
    .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'is not an absolute path');

const settingsSchema = () =>
  z.strictObject({
    audioInput: deviceIdSchema(),
    audioOutput: deviceIdSchema(),
    ringDevice: deviceIdSchema(),
    echoCancellation: z.boolean(),
    noiseSuppression: z.boolean(),
    autoGainControl: z.boolean(),
    ringtone: text(LIMITS.ringtone, 1),
    theme: z.enum(THEMES),
    linkAction: z.enum(LINK_ACTIONS),
    startMinimized: z.boolean(),
    startAtLogin: z.boolean(),
    dnd: z.boolean(),
    focusOnIncomingCall: z.boolean(),
    numberingPlan: numberingPlanSchema(),
    callsFromStrangers: z.boolean(),
    rtpPorts: rtpPortsSchema(),
    missedSeenAt: timeSchema,
    recordingsFolder: z.union([z.literal(''), absolutePathSchema()]),
    recordingFormat: z.enum(RECORDING_FORMATS),
    awayAfterIdleMinutes: z.int().min(0, 'is negative').max(480, 'is more than 8 hours (480 minutes)'),
    globalShortcuts: globalShortcutsSchema,
  });

const settingsPatchSchema = () => settingsSchema().partial();

const utf8 = new TextEncoder();

/** Allows line breaks and tabs in a message, not other controls. */
export const messageBodySchema = z
  .string()
  .min(1, 'is empty')
  .max(LIMITS.messageBodyBytes, `is longer than ${LIMITS.messageBodyBytes} bytes`)
  .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'contains a control character')
  .refine((s) => utf8.encode(s).length <= LIMITS.messageBodyBytes, `is longer than ${LIMITS.messageBodyBytes} bytes of UTF-8`);

// ── "Host a phone system on this computer" (phone-system-api.ts) ──────────────

/** A user part as people type it for a phone system's users and aliases: no escapes, nothing a URI must quote. */
export const phoneSystemUserSchema = z
  .string()
  .trim()
  .min(1, 'is empty')
  .max(64, 'is longer than 64 characters')
  .regex(/^[A-Za-z0-9+][A-Za-z0-9._~+-]*$/, 'is not a user name (letters, digits and . _ ~ + -, starting with a letter, a digit or +)');

/** A DNS name (RFC 1123) or an IPv4 address: the SIP domain of the phone system. */
export const phoneSystemDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'is empty')
  .max(253, 'is longer than 253 characters')
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'is not a domain name (like office.example or home.arpa)');

const phoneSystemAliasesSchema = () =>
  z
    .array(phoneSystemUserSchema)
    .max(LIMITS.aliases)
    .refine((a) => new Set(a.map((x) => x.toLowerCase())).size === a.length, 'lists an alias twice');

const PHONE_SYSTEM_SCHEMAS = {
  'phoneSystem.get': () => z.strictObject({}),
  'phoneSystem.update': () => z.strictObject({
    enabled: z.boolean().optional(),
    domain: phoneSystemDomainSchema.optional(),
    exposure: z.enum(PHONE_SYSTEM_EXPOSURES).optional(),
    port: z.int().min(1024, 'is below 1024 (ports under 1024 need administrator rights)').max(65535).optional(),
    redirect: z.boolean().optional(),
  }),
  'phoneSystem.users.add': () => z.strictObject({
    username: phoneSystemUserSchema,
    password: passwordSchema.min(1, 'is empty'),
    displayName: text(LIMITS.displayName).optional(),
    aliases: phoneSystemAliasesSchema().optional(),
    thisComputer: z.boolean().optional(),
  }),
  'phoneSystem.users.update': () => z.strictObject({
    username: phoneSystemUserSchema,
    password: passwordSchema.min(1, 'is empty').optional(),
    displayName: text(LIMITS.displayName).nullable().optional(),
    aliases: phoneSystemAliasesSchema().optional(),
  }),
  'phoneSystem.users.remove': () => z.strictObject({ username: phoneSystemUserSchema }),
} satisfies { [N in keyof PhoneSystemCommands]: () => z.ZodType<CommandParams<N>> };

const noParams = () => z.strictObject({});
const callId = () => z.strictObject({ callId: idSchema });
const accountId = () => z.strictObject({ accountId: idSchema });
const byId = () => z.strictObject({ id: idSchema });
const byPeer = () => z.strictObject({ peer: sipUriSchema });
const recordingFile = () => z.strictObject({ historyId: idSchema, path: absolutePathSchema() });

/** What builds each command's schema; the compiler checks each against `Commands`. Read them through COMMAND_SCHEMAS. */
const COMMAND_SCHEMA_BUILDERS = {
  'accounts.list': noParams,
  'accounts.add': accountInputSchema,
  'accounts.update': () => z.strictObject({ id: idSchema, changes: accountPatchSchema() }),
  'accounts.remove': byId,
  'account.register': accountId,
  'account.unregister': accountId,

  'call.dial': () => z.strictObject({ target: dialTargetSchema, accountId: idSchema.optional(), identity: sipUriSchema.optional(), privacy: z.boolean().optional() }),
  'call.answer': callId,
  'call.decline': () => z.strictObject({ callId: idSchema, code: z.literal([486, 603]).optional() }),
  'call.hangup': callId,
  'call.hold': callId,
  'call.resume': callId,
  'call.mute': () => z.strictObject({ callId: idSchema, muted: z.boolean() }),
  'call.record': () => z.strictObject({ callId: idSchema, record: z.boolean(), layout: z.enum(['mixed', 'stereo']).optional(), format: z.enum(RECORDING_FORMATS).optional() }),
  'call.dtmf': () => z.strictObject({ callId: idSchema, digits: dtmfDigitsSchema }),
  'call.transfer': () => z
    .strictObject({ callId: idSchema, target: dialTargetSchema.optional(), toCallId: idSchema.optional() })
    .refine((p) => (p.target === undefined) !== (p.toCallId === undefined), { message: 'give either target (blind transfer) or toCallId (attended transfer)', path: ['target'] }),
  'call.pickup': () => z.strictObject({
    target: dialTargetSchema,
    sipCallId: z.string().min(1).max(256).regex(/^[\x21-\x7e]+$/, 'a Call-ID is printable without spaces'),
    toTag: sipTokenSchema,
    fromTag: sipTokenSchema,
    earlyOnly: z.boolean().optional(),
    accountId: idSchema.optional(),
  }),
  'call.merge': () => z.strictObject({ callId: idSchema, withCallId: idSchema }),
  'call.split': callId,
  'call.earlyMedia': () => z.strictObject({ callId: idSchema }),
  'calls.list': noParams,

  'contacts.list': () => z.strictObject({ query: text(LIMITS.query).optional() }),
  'contacts.add': contactInputSchema,
  'contacts.update': () => z.strictObject({ id: idSchema, changes: contactPatchSchema() }),
  'contacts.remove': byId,

  'history.list': () => z.strictObject({
    limit: z.int().min(1).max(LIMITS.historyPage).optional(),
    before: timeSchema.optional(),
    direction: z.enum(DIRECTIONS).optional(),
    missedOnly: z.boolean().optional(),
  }),
  'history.clear': noParams,
  'history.remove': byId,

  'settings.get': noParams,
  'settings.update': settingsPatchSchema,

  'messages.send': () => z.strictObject({ accountId: idSchema.optional(), identity: sipUriSchema.optional(), target: dialTargetSchema, body: messageBodySchema }),
  'messages.list': () => z.strictObject({
    peer: sipUriSchema.optional(),
    query: text(LIMITS.query).optional(),
    limit: z.int().min(1).max(LIMITS.historyPage).optional(),
    before: timeSchema.optional(),
  }),
  'messages.conversations': () => z.strictObject({ query: text(LIMITS.query).optional(), limit: z.int().min(1).max(LIMITS.historyPage).optional() }),
  'messages.read': byPeer,
  'messages.remove': byPeer,
  'messages.allow': byPeer,
  'messages.block': byPeer,
  'messages.composing': () => z.strictObject({ target: dialTargetSchema, accountId: idSchema.optional(), identity: sipUriSchema.optional(), active: z.boolean() }),

  'audio.devices': noParams,
  'app.snapshot': noParams,
  'diagnostics.counts': () => z.strictObject({ gc: z.boolean().optional() }),
  'diagnostics.logs': () => z.strictObject({ minutes: z.int().min(1).max(1440).optional() }),
  'diagnostics.trace': () => z.strictObject({ minutes: z.int().min(1).max(1440).optional(), callId: z.string().min(1).max(256).optional() }),

  'network.changed': () => z.strictObject({ reason: z.enum(NETWORK_CHANGE_REASONS) }),

  ...presenceSchemas({ idSchema, sipUriSchema, dialTargetSchema }),
  ...PHONE_SYSTEM_SCHEMAS,
  ...forwardingSchemas({ idSchema, dialTargetSchema }),
  'recording.open': recordingFile,
  'recording.reveal': recordingFile,
  'recording.delete': recordingFile,
  'trace.follow': () => z.strictObject({ on: z.boolean() }),
} satisfies { [N in CommandName]: () => z.ZodType<CommandParams<N>> };

/** A table whose entries are built the first time they are read, then kept. */
function builtOnFirstUse<T extends Record<string, () => z.ZodType>>(builders: T): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const table = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const key of Object.keys(builders) as (keyof T & string)[]) {
    Object.defineProperty(table, key, {
      enumerable: true,
      configurable: true,
      get() {
        const schema = builders[key]!();
        Object.defineProperty(table, key, { value: schema, enumerable: true, writable: false, configurable: false });
        return schema;
      },
    });
  }
  return table;
}

/** Each command's params schema, built at its first use (see the top of this file). */
export const COMMAND_SCHEMAS = builtOnFirstUse(COMMAND_SCHEMA_BUILDERS);

// Compile-time check in the other direction: each schema has exactly the keys of its params type,
// so a field added to `Commands` and forgotten here (or the reverse) fails to type-check.
type Keys<T> = string extends keyof T ? never : keyof T;
type SameKeys<A, B> = [Keys<A>] extends [Keys<B>] ? ([Keys<B>] extends [Keys<A>] ? true : false) : false;
type SchemasMatch = { [N in CommandName]: SameKeys<z.output<(typeof COMMAND_SCHEMAS)[N]>, CommandParams<N>> } & {
  accountInput: SameKeys<z.output<ReturnType<typeof accountInputSchema>>, AccountInput>;
  accountPatch: SameKeys<z.output<ReturnType<typeof accountPatchSchema>>, AccountPatch>;
  contactInput: SameKeys<z.output<ReturnType<typeof contactInputSchema>>, ContactInput>;
  contactPatch: SameKeys<z.output<ReturnType<typeof contactPatchSchema>>, ContactPatch>;
  settings: SameKeys<z.output<ReturnType<typeof settingsSchema>>, Settings>;
};
const schemasMatch: { [K in keyof SchemasMatch]: true } = {} as SchemasMatch;
void schemasMatch;
