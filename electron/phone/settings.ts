/**
 * Application settings: one typed value per key, with defaults. The store
 * keeps only what the user changed; everything else reads as the default, so
 * adding a setting needs no migration.
 */
import { z } from '../api/zod.ts';
import { DEFAULT_NUMBERING_PLAN, type NumberingPlan } from './phone-number.ts';
import { emptyForwardingRule } from '../api/forwarding-contract.ts';
import { forwardingRuleSchema } from '../api/forwarding-schemas.ts';
import { dialTargetSchema } from '../api/schemas.ts';
import { DEFAULT_GLOBAL_SHORTCUTS } from '../api/global-shortcuts.ts';
import { globalShortcutsSchema } from '../api/global-shortcuts-schema.ts';

/** Accounts with a forwarding rule of their own, at most (a phone has a handful of accounts). */
export const MAX_FORWARDING_ACCOUNTS = 64;
const forwardingRule = forwardingRuleSchema(dialTargetSchema);

const deviceId = z.string().min(1).max(512).nullable();

export const numberingPlanSchema: z.ZodType<NumberingPlan> = z.strictObject({
  countryCode: z.string().regex(/^(|[1-9][0-9]{0,2})$/, 'is not a country calling code (1 to 3 digits, or empty)'),
  trunkPrefix: z.string().regex(/^[0-9]{0,2}$/, 'is not a trunk prefix (up to 2 digits)'),
  internationalPrefix: z.string().regex(/^[0-9]{0,4}$/, 'is not an international prefix (up to 4 digits)'),
  minMatchDigits: z.int().min(6).max(15),
});

export const SETTING_SCHEMAS = {
  /** Device ids as the renderer's enumerateDevices() gives them; null = the system default. */
  audioInputDeviceId: deviceId,
  audioOutputDeviceId: deviceId,
  ringDeviceId: deviceId,
  echoCancellation: z.boolean(),
  noiseSuppression: z.boolean(),
  autoGainControl: z.boolean(),
  /** A ringtone name from resources/ringtones or a file path. */
  ringtone: z.string().min(1).max(1024),
  theme: z.enum(['system', 'light', 'dark']),
  /** What a clicked sip:/tel: link does: fill the dial field, or dial at once. */
  linkAction: z.enum(['fill', 'dial']),
  startMinimized: z.boolean(),
  startAtLogin: z.boolean(),
  /** Do not disturb: incoming calls are declined (486) without ringing. */
  dnd: z.boolean(),
  /** Raise the window on an incoming call (off by default: no focus stealing). */
  focusOnIncomingCall: z.boolean(),
  /** How numbers are compared for caller ID and alias matching (phone-number.ts). */
  numberingPlan: numberingPlanSchema,
  /** Ring for direct calls (to this computer, not through a server) from callers not in the contacts. */
  callsFromStrangers: z.boolean(),
  /** Where RTP binds (port-allocator.ts): a range a firewall can open. */
  rtpPorts: z.strictObject({ min: z.int().min(1024).max(65534), max: z.int().min(1025).max(65535) }).refine((r) => r.max > r.min, 'needs max > min'),
  /** Missed calls up to this time (ms since epoch) have been seen in the history; 0 = none yet. */
  missedSeenAt: z.int().min(0).max(8.64e15),
  /** Call forwarding (call-forwarding.ts): the global rule and the accounts' own; read and written by the forwarding.* commands. */
  forwarding: z.strictObject({
    global: forwardingRule,
    accounts: z.array(z.strictObject({ accountId: z.string().min(1).max(128), rule: forwardingRule })).max(MAX_FORWARDING_ACCOUNTS),
  }),
  /** Where call.record writes (an absolute path); null = `recordings` in the data folder (recordings.ts). */
  recordingsFolder: z.string().min(1).max(4096).regex(/^[^\u0000-\u001f\u007f]*$/, 'contains a control character').nullable(),
  /** The format of new recordings: WAV or Ogg Opus. */
  recordingFormat: z.enum(['wav', 'opus']),
  /** Publish "away" after this many minutes without use of the computer (idle-away.ts); 0 = never. */
  awayAfterIdleMinutes: z.int().min(0).max(480),
  /** Keys that answer, hang up, mute… from any program (the desktop app registers them: electron/desktop/call-keys.ts). */
  globalShortcuts: globalShortcutsSchema,
} as const;

export type SettingKey = keyof typeof SETTING_SCHEMAS;
export type Settings = { [K in SettingKey]: z.output<(typeof SETTING_SCHEMAS)[K]> };

export const SETTINGS_DEFAULTS: Readonly<Settings> = Object.freeze({
  audioInputDeviceId: null,
  audioOutputDeviceId: null,
  ringDeviceId: null,
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
  ringtone: 'default',
  theme: 'system',
  linkAction: 'fill',
  startMinimized: false,
  startAtLogin: false,
  dnd: false,
  focusOnIncomingCall: false,
  numberingPlan: DEFAULT_NUMBERING_PLAN,
  callsFromStrangers: false,
  rtpPorts: Object.freeze({ min: 16384, max: 32767 }),
  missedSeenAt: 0,
  forwarding: Object.freeze({ global: emptyForwardingRule(), accounts: [] }),
  recordingsFolder: null,
  recordingFormat: 'wav',
  awayAfterIdleMinutes: 10,
  globalShortcuts: DEFAULT_GLOBAL_SHORTCUTS,
});

export const SETTING_KEYS = Object.keys(SETTING_SCHEMAS) as SettingKey[];

export function isSettingKey(key: unknown): key is SettingKey {
  return typeof key === 'string' && Object.hasOwn(SETTING_SCHEMAS, key);
}
