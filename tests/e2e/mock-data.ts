/**
 * Canned phone state for the UI screenshots and the smoke e2e: two accounts
 * (one with aliases and registered, one failing with 403), a handful of
 * contacts with several addresses and numbers, and a day of history.
 */
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../electron/api/global-shortcuts.ts';
import type { AccountSnapshot, ContactSnapshot, HistoryEntry, RegistrationSnapshot, Settings } from '../../electron/api/contract.ts';

export function mockAccounts(): AccountSnapshot[] {
  return [
    {
      id: 'acc-home',
      displayName: 'John Doe',
      aor: 'sip:johndoe@sipa.example.com',
      aliases: ['sip:+554845678901@sipa.example.com', 'sip:45678901@sipa.example.com'],
      authUser: 'johndoe',
      hasPassword: true,
      transport: 'tls',
      codecs: ['opus', 'G722', 'PCMU'],
      srtp: 'optional',
      dtmf: 'rfc4733',
      autoAnswer: false,
      enabled: true,
      identityRules: [
        { match: { prefix: '+55' }, identity: 'sip:+554845678901@sipa.example.com' },
        { match: { minDigits: 8, maxDigits: 8 }, identity: 'sip:45678901@sipa.example.com' },
      ],
      registerExpires: 3600,
      usePreferredIdentity: true,
      privacy: 'none',
      outboundProxy: 'sip:edge.sipa.example.com;lr',
    },
    {
      id: 'acc-office',
      displayName: 'Office PBX',
      aor: 'sip:2001@pbx.example.com',
      aliases: [],
      authUser: '2001',
      hasPassword: true,
      transport: 'udp',
      codecs: ['PCMA', 'PCMU'],
      srtp: 'off',
      dtmf: 'rfc4733',
      autoAnswer: false,
      enabled: true,
      identityRules: [],
      registerExpires: 600,
      usePreferredIdentity: false,
      privacy: 'none',
    },
  ];
}

export function mockRegistrations(now: number): RegistrationSnapshot[] {
  return [
    { accountId: 'acc-home', state: 'registered', code: 200, reason: 'OK', expiresAt: now + 3_540_000, otherBindings: [] },
    { accountId: 'acc-office', state: 'failed', code: 403, reason: 'Forbidden', words: 'wrong user name or password', otherBindings: [] },
  ];
}

export function mockContacts(): ContactSnapshot[] {
  return [
    {
      id: 'c-alice',
      name: 'Alice Martin',
      favorite: true,
      addresses: [
        { label: 'work', uri: 'sip:alice@example.com' },
        { label: 'home', uri: 'sips:alice.martin@home.example.net' },
      ],
      numbers: [
        { label: 'mobile', number: '+55 48 4567-8901' },
        { label: 'office', number: '+55 48 3333-1000' },
      ],
    },
    { id: 'c-bruno', name: 'Bruno Costa', favorite: true, addresses: [{ label: 'work', uri: 'sip:bruno@example.com' }], numbers: [{ label: 'mobile', number: '+55 11 98888-1234' }] },
    { id: 'c-chen', name: 'Chen Wei', favorite: false, addresses: [{ uri: 'sip:chen@partner.example.org' }], numbers: [] },
    { id: 'c-dana', name: 'Dana Okafor', favorite: true, addresses: [], numbers: [{ label: 'mobile', number: '+44 20 7946 0958' }] },
    { id: 'c-front', name: 'Front desk', favorite: false, addresses: [{ uri: 'sip:1000@pbx.example.com' }], numbers: [] },
    { id: 'c-lena', name: 'Lena Fischer', favorite: false, addresses: [{ label: 'work', uri: 'sip:lena@example.de' }], numbers: [{ label: 'mobile', number: '+49 30 901820' }] },
    { id: 'c-support', name: 'Support line', favorite: false, addresses: [], numbers: [{ number: '0800 555 1234' }] },
  ];
}

export function mockHistory(now: number): HistoryEntry[] {
  const min = 60_000;
  const entry = (e: Partial<HistoryEntry> & Pick<HistoryEntry, 'id' | 'peer' | 'direction' | 'startedAt'>): HistoryEntry => ({
    accountId: 'acc-home',
    localAlias: 'sip:johndoe@sipa.example.com',
    endedAt: e.startedAt + 30_000,
    ...e,
  });
  return [
    entry({ id: 'h1', direction: 'in', peer: 'sip:alice@example.com', peerName: 'Alice Martin', contactId: 'c-alice', startedAt: now - 35 * min, answeredAt: now - 35 * min + 4000, endedAt: now - 35 * min + 4000 + 312_000, code: 200, quality: { mos: 4.3, lossPercent: 0.2, jitterMs: 6, rttMs: 38 } }),
    entry({ id: 'h2', direction: 'in', peer: 'sip:+5511988881234@gw.example.com', peerName: 'Bruno Costa', contactId: 'c-bruno', localAlias: 'sip:+554845678901@sipa.example.com', startedAt: now - 80 * min, code: 487, reason: 'Request Terminated' }),
    entry({ id: 'h3', direction: 'out', peer: 'sip:chen@partner.example.org', startedAt: now - 140 * min, code: 486, reason: 'Busy Here' }),
    entry({ id: 'h4', direction: 'out', peer: 'sip:+442079460958@sipa.example.com', peerName: 'Dana Okafor', contactId: 'c-dana', startedAt: now - 200 * min, answeredAt: now - 200 * min + 9000, endedAt: now - 200 * min + 9000 + 1_265_000, code: 200 }),
    entry({ id: 'h5', direction: 'in', peer: 'sip:unknown@203.0.113.7', startedAt: now - 26 * 60 * min, code: 603, reason: 'Decline' }),
    entry({ id: 'h6', direction: 'out', peer: 'sip:lena@example.de', peerName: 'Lena Fischer', accountId: 'acc-office', localAlias: 'sip:2001@pbx.example.com', startedAt: now - 30 * 60 * min, code: 404, reason: 'Not Found' }),
    entry({ id: 'h7', direction: 'in', peer: 'sip:1000@pbx.example.com', peerName: 'Front desk', accountId: 'acc-office', localAlias: 'sip:2001@pbx.example.com', startedAt: now - 3 * 24 * 60 * min, answeredAt: now - 3 * 24 * 60 * min + 3000, endedAt: now - 3 * 24 * 60 * min + 48_000, code: 200 }),
  ];
}

export function mockSettings(): Settings {
  return {
    audioInput: 'default',
    audioOutput: 'default',
    ringDevice: 'default',
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: false,
    ringtone: 'default',
    theme: 'light',
    linkAction: 'fill',
    startMinimized: false,
    startAtLogin: true,
    dnd: false,
    focusOnIncomingCall: false,
    numberingPlan: { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 },
    callsFromStrangers: false,
    rtpPorts: { min: 16384, max: 32767 },
    missedSeenAt: 0,
    recordingsFolder: '',
    recordingFormat: 'wav',
    awayAfterIdleMinutes: 10,
    globalShortcuts: { ...DEFAULT_GLOBAL_SHORTCUTS },
  };
}
