/** Small canned snapshots for the renderer's unit and component tests. */
import type { AccountSnapshot, AppSnapshot, CallSnapshot, ContactSnapshot, HistoryEntry, RegistrationSnapshot, Settings } from '../api/types.ts';
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../../electron/api/global-shortcuts.ts';

export const NOW = Date.UTC(2026, 10, 24, 15, 0, 0);

export function account(over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    id: 'acc-1',
    displayName: 'John Doe',
    aor: 'sip:johndoe@sipa.example.com',
    aliases: ['sip:+554845678901@sipa.example.com', 'sip:45678901@sipa.example.com'],
    authUser: 'johndoe',
    hasPassword: true,
    transport: 'udp',
    codecs: ['opus', 'PCMU'],
    srtp: 'optional',
    dtmf: 'rfc4733',
    autoAnswer: false,
    enabled: true,
    identityRules: [],
    registerExpires: 3600,
    usePreferredIdentity: true,
    privacy: 'none',
    ...over,
  };
}

export function registration(over: Partial<RegistrationSnapshot> = {}): RegistrationSnapshot {
  return { accountId: 'acc-1', state: 'registered', code: 200, reason: 'OK', otherBindings: [], ...over };
}

export function call(over: Partial<CallSnapshot> = {}): CallSnapshot {
  return {
    id: 'call-1',
    accountId: 'acc-1',
    direction: 'out',
    state: 'active',
    remote: { uri: 'sip:alice@example.com', displayName: 'Alice' },
    localIdentity: 'sip:johndoe@sipa.example.com',
    startedAt: NOW - 65_000,
    answeredAt: NOW - 60_000,
    muted: false,
    held: false,
    earlyMedia: false,
    srtp: false,
    ...over,
  };
}

export function contact(over: Partial<ContactSnapshot> = {}): ContactSnapshot {
  return {
    id: 'c-1',
    name: 'Alice Martin',
    addresses: [{ label: 'work', uri: 'sip:alice@example.com' }],
    numbers: [{ label: 'mobile', number: '+55 48 4567-8901' }],
    favorite: true,
    ...over,
  };
}

export function historyEntry(over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    id: 'h-1',
    direction: 'in',
    peer: 'sip:alice@example.com',
    localAlias: 'sip:johndoe@sipa.example.com',
    accountId: 'acc-1',
    startedAt: NOW - 3_600_000,
    answeredAt: NOW - 3_590_000,
    endedAt: NOW - 3_500_000,
    code: 200,
    ...over,
  };
}

export const SETTINGS: Settings = {
  audioInput: 'default',
  audioOutput: 'default',
  ringDevice: 'default',
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
  ringtone: 'default',
  theme: 'light',
  linkAction: 'fill',
  startMinimized: false,
  startAtLogin: false,
  dnd: false,
  focusOnIncomingCall: true,
  numberingPlan: { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 },
  callsFromStrangers: false,
  awayAfterIdleMinutes: 10,
  globalShortcuts: { ...DEFAULT_GLOBAL_SHORTCUTS },
  rtpPorts: { min: 16384, max: 32767 },
  missedSeenAt: 0,
  recordingsFolder: '',
  recordingFormat: 'wav',
};

export function snapshot(over: Partial<AppSnapshot> = {}): AppSnapshot {
  return { accounts: [account()], registrations: [registration()], calls: [], settings: SETTINGS, ...over };
}
