/**
 * An in-memory PhoneApi for the API tests: enough state to answer every
 * command plausibly (accounts, calls, contacts, settings), typed errors where
 * the real phone would raise them, and a log of what it was called with.
 */
import { DEFAULT_GLOBAL_SHORTCUTS } from '../../../electron/api/global-shortcuts.ts';
import { emptyForwardingRule, forwardsAnything } from '../../../electron/api/forwarding-contract.ts';
import { ApiError } from '../../../electron/api/errors.ts';
import type { EventBus } from '../../../electron/api/event-bus.ts';
import type { CommandContext, PhoneApi, PhoneSystemApi } from '../../../electron/api/phone-api.ts';
import { presencePlaceholder } from '../../../electron/phone/presence-placeholder.ts';
import type { AccountSnapshot, CallSnapshot, ContactSnapshot, Settings } from '../../../electron/api/snapshots.ts';

export const DEFAULT_SETTINGS: Settings = {
  audioInput: 'default',
  audioOutput: 'default',
  ringDevice: 'default',
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
  numberingPlan: { countryCode: '55', trunkPrefix: '0', internationalPrefix: '00', minMatchDigits: 8 },
  callsFromStrangers: false,
  rtpPorts: { min: 16384, max: 32767 },
  missedSeenAt: 0,
  recordingsFolder: '',
  recordingFormat: 'wav',
  awayAfterIdleMinutes: 10,
  globalShortcuts: { ...DEFAULT_GLOBAL_SHORTCUTS },
};

export interface FakePhone extends PhoneApi {
  readonly received: { cmd: string; params: unknown; context: CommandContext }[];
  readonly calls: Map<string, CallSnapshot>;
  readonly accounts: Map<string, AccountSnapshot>;
}

export function createFakePhone(bus?: EventBus, overrides: Partial<PhoneApi> = {}): FakePhone {
  const received: FakePhone['received'] = [];
  const accounts = new Map<string, AccountSnapshot>();
  const calls = new Map<string, CallSnapshot>();
  const contacts = new Map<string, ContactSnapshot>();
  let settings: Settings = structuredClone(DEFAULT_SETTINGS);
  let next = 1;

  const log = (cmd: string, params: unknown, context: CommandContext) => received.push({ cmd, params, context });
  const callOf = (callId: string): CallSnapshot => {
    const call = calls.get(callId);
    if (!call) throw new ApiError('not-found', `no call ${callId}`);
    return call;
  };
  const update = (call: CallSnapshot, changes: Partial<CallSnapshot>): CallSnapshot => {
    const updated = { ...call, ...changes };
    calls.set(call.id, updated);
    bus?.emit('call', updated);
    return updated;
  };

  const phone: PhoneApi = {
    async 'accounts.list'(p, c) {
      log('accounts.list', p, c);
      return [...accounts.values()];
    },
    async 'accounts.add'(p, c) {
      log('accounts.add', p, c);
      if ([...accounts.values()].some((a) => a.aor === p.aor)) throw new ApiError('conflict', `${p.aor} is already an account`);
      const account: AccountSnapshot = {
        id: `a${next++}`,
        displayName: p.displayName ?? '',
        aor: p.aor,
        aliases: p.aliases ?? [],
        authUser: p.authUser ?? p.aor.replace(/^sips?:/, '').split('@')[0]!,
        hasPassword: p.password !== undefined,
        transport: p.transport ?? 'udp',
        codecs: p.codecs ?? ['opus', 'PCMU'],
        srtp: p.srtp ?? 'off',
        dtmf: p.dtmf ?? 'rfc4733',
        autoAnswer: p.autoAnswer ?? false,
        enabled: p.enabled ?? true,
        identityRules: p.identityRules ?? [],
        registerExpires: p.registerExpires ?? 3600,
        usePreferredIdentity: p.usePreferredIdentity ?? false,
        privacy: p.privacy ?? 'none',
      };
      accounts.set(account.id, account);
      bus?.emit('accounts', [...accounts.values()]);
      return account;
    },
    async 'accounts.update'(p, c) {
      log('accounts.update', p, c);
      const account = accounts.get(p.id);
      if (!account) throw new ApiError('not-found', `no account ${p.id}`);
      const { password, registrar, outboundProxy, authUser, tlsCaFile: _ca, tlsPin: _pin, voicemail: _vm, pickupCode: _pc, stunServer: _stun, turnServer: _turn, turnPassword: _tp, ...rest } = p.changes;
      const updated: AccountSnapshot = { ...account, ...rest };
      if (password !== undefined) updated.hasPassword = password !== null;
      if (authUser !== undefined) updated.authUser = authUser ?? account.aor;
      if (registrar === null) delete updated.registrar;
      else if (registrar !== undefined) updated.registrar = registrar;
      if (outboundProxy === null) delete updated.outboundProxy;
      else if (outboundProxy !== undefined) updated.outboundProxy = outboundProxy;
      accounts.set(p.id, updated);
      return updated;
    },
    async 'accounts.remove'(p, c) {
      log('accounts.remove', p, c);
      if (!accounts.delete(p.id)) throw new ApiError('not-found', `no account ${p.id}`);
    },
    async 'account.register'(p, c) {
      log('account.register', p, c);
      if (!accounts.has(p.accountId)) throw new ApiError('not-found', `no account ${p.accountId}`);
      const reg = { accountId: p.accountId, state: 'registering' as const, otherBindings: [] };
      bus?.emit('registration', reg);
      return reg;
    },
    async 'account.unregister'(p, c) {
      log('account.unregister', p, c);
      if (!accounts.has(p.accountId)) throw new ApiError('not-found', `no account ${p.accountId}`);
      return { accountId: p.accountId, state: 'unregistering', otherBindings: [] };
    },
    async 'call.dial'(p, c) {
      log('call.dial', p, c);
      const accountId = p.accountId ?? [...accounts.keys()][0];
      if (accountId === undefined) throw new ApiError('unavailable', 'no account to call from');
      const call: CallSnapshot = {
        id: `c${next++}`,
        accountId,
        direction: 'out',
        state: 'dialing',
        remote: { uri: p.target },
        localIdentity: p.identity ?? accounts.get(accountId)?.aor ?? '',
        startedAt: Date.now(),
        muted: false,
        held: false,
        earlyMedia: false,
        srtp: false,
      };
      calls.set(call.id, call);
      bus?.emit('call', call);
      return call;
    },
    async 'call.answer'(p, c) {
      log('call.answer', p, c);
      const call = callOf(p.callId);
      if (call.state !== 'incoming') throw new ApiError('conflict', `call ${p.callId} is ${call.state}, not ringing here`);
      return update(call, { state: 'active', answeredAt: Date.now() });
    },
    async 'call.decline'(p, c) {
      log('call.decline', p, c);
      update(callOf(p.callId), { state: 'ended', code: p.code ?? 486 });
    },
    async 'call.hangup'(p, c) {
      log('call.hangup', p, c);
      update(callOf(p.callId), { state: 'ended', endedAt: Date.now() });
    },
    async 'call.hold'(p, c) {
      log('call.hold', p, c);
      return update(callOf(p.callId), { state: 'held', held: true });
    },
    async 'call.resume'(p, c) {
      log('call.resume', p, c);
      return update(callOf(p.callId), { state: 'active', held: false });
    },
    async 'call.mute'(p, c) {
      log('call.mute', p, c);
      return update(callOf(p.callId), { muted: p.muted });
    },
    async 'call.dtmf'(p, c) {
      log('call.dtmf', p, c);
      callOf(p.callId);
    },
    async 'call.transfer'(p, c) {
      log('call.transfer', p, c);
      callOf(p.callId);
    },
    async 'call.record'(p, c) {
      log('call.record', p, c);
      return callOf(p.callId);
    },
    async 'call.earlyMedia'(p, c) {
      log('call.earlyMedia', p, c);
      return callOf(p.callId);
    },
    async 'call.pickup'(p, c) {
      log('call.pickup', p, c);
      throw new ApiError('unavailable', 'call pickup is not part of the fake');
    },
    async 'call.merge'(p, c) {
      log('call.merge', p, c);
      return callOf(p.callId);
    },
    async 'call.split'(p, c) {
      log('call.split', p, c);
      return callOf(p.callId);
    },
    async 'calls.list'(p, c) {
      log('calls.list', p, c);
      return [...calls.values()];
    },
    async 'contacts.list'(p, c) {
      log('contacts.list', p, c);
      const q = p.query?.toLowerCase();
      return [...contacts.values()].filter((x) => q === undefined || x.name.toLowerCase().includes(q));
    },
    async 'contacts.add'(p, c) {
      log('contacts.add', p, c);
      const contact: ContactSnapshot = { id: `k${next++}`, name: p.name, addresses: p.addresses ?? [], numbers: p.numbers ?? [], favorite: p.favorite ?? false };
      contacts.set(contact.id, contact);
      return contact;
    },
    async 'contacts.update'(p, c) {
      log('contacts.update', p, c);
      const contact = contacts.get(p.id);
      if (!contact) throw new ApiError('not-found', `no contact ${p.id}`);
      const updated = { ...contact, ...p.changes };
      contacts.set(p.id, updated);
      return updated;
    },
    async 'contacts.remove'(p, c) {
      log('contacts.remove', p, c);
      if (!contacts.delete(p.id)) throw new ApiError('not-found', `no contact ${p.id}`);
    },
    async 'history.list'(p, c) {
      log('history.list', p, c);
      return [];
    },
    async 'history.clear'(p, c) {
      log('history.clear', p, c);
    },
    async 'history.remove'(p, c) {
      log('history.remove', p, c);
    },
    async 'settings.get'(p, c) {
      log('settings.get', p, c);
      return settings;
    },
    async 'settings.update'(p, c) {
      log('settings.update', p, c);
      settings = { ...settings, ...p };
      bus?.emit('settings', settings);
      return settings;
    },
    async 'messages.send'(p, c) {
      log('messages.send', p, c);
      return {
        id: `m${next++}`,
        accountId: p.accountId ?? 'a1',
        direction: 'out',
        peer: p.target,
        localAlias: 'sip:me@example.test',
        body: p.body,
        contentType: 'text/plain',
        timestamp: Date.now(),
        status: 'sending',
      };
    },
    async 'messages.list'(p, c) {
      log('messages.list', p, c);
      return [];
    },
    async 'messages.conversations'(p, c) {
      log('messages.conversations', p, c);
      return [];
    },
    async 'messages.read'(p, c) {
      log('messages.read', p, c);
      return null;
    },
    async 'messages.remove'(p, c) {
      log('messages.remove', p, c);
    },
    async 'messages.allow'(p, c) {
      log('messages.allow', p, c);
    },
    async 'messages.block'(p, c) {
      log('messages.block', p, c);
    },
    async 'messages.composing'(p, c) {
      log('messages.composing', p, c);
    },
    async 'audio.devices'(p, c) {
      log('audio.devices', p, c);
      return [{ id: 'tone', label: 'Tone 440 Hz', kind: 'input', isDefault: true }];
    },
    async 'app.snapshot'(p, c) {
      log('app.snapshot', p, c);
      return { accounts: [...accounts.values()], registrations: [], calls: [...calls.values()], settings };
    },
    async 'diagnostics.logs'(p, c) {
      log('diagnostics.logs', p, c);
      return [];
    },
    async 'diagnostics.trace'(p, c) {
      log('diagnostics.trace', p, c);
      return [];
    },
    async 'diagnostics.counts'(p, c) {
      log('diagnostics.counts', p, c);
      const m = process.memoryUsage();
      return { calls: calls.size, pendingIncoming: 0, callObjectsAlive: 0, mediaSessions: 0, sipCalls: 0, dialogs: 0, transactions: 0, heapUsedBytes: m.heapUsed, rssBytes: m.rss, gcForced: false };
    },
    async 'network.changed'(p, c) {
      log('network.changed', p, c);
      return null;
    },
    async 'recording.open'(p, c) {
      log('recording.open', p, c);
      return null;
    },
    async 'recording.reveal'(p, c) {
      log('recording.reveal', p, c);
      return null;
    },
    async 'recording.delete'(p, c) {
      log('recording.delete', p, c);
      return null;
    },
    ...presencePlaceholder(),
    ...Object.fromEntries(
      (['phoneSystem.get', 'phoneSystem.update', 'phoneSystem.users.add', 'phoneSystem.users.update', 'phoneSystem.users.remove'] as const).map((name) => [
        name,
        async (p: unknown, c: CommandContext) => {
          log(name, p, c);
          throw new ApiError('unavailable', 'no phone system in the fake phone');
        },
      ]),
    ) as unknown as PhoneSystemApi,
    async 'forwarding.get'(p, c) {
      log('forwarding.get', p, c);
      return { global: emptyForwardingRule(), accounts: [], active: false };
    },
    async 'forwarding.set'(p, c) {
      log('forwarding.set', p, c);
      const global = p.accountId === undefined && p.rule ? p.rule : emptyForwardingRule();
      return { global, accounts: [], active: forwardsAnything(global) };
    },
    ...overrides,
  };

  return Object.assign(phone, { received, calls, accounts });
}

/** Puts a ringing incoming call into the fake phone, as the SIP side would. */
export function ringIn(phone: FakePhone, bus: EventBus | undefined, id: string, from = 'sip:bob@example.test'): CallSnapshot {
  const call: CallSnapshot = {
    id,
    accountId: 'a1',
    direction: 'in',
    state: 'incoming',
    remote: { uri: from, displayName: 'Bob' },
    localIdentity: 'sip:alice@example.test',
    startedAt: Date.now(),
    muted: false,
    held: false,
    earlyMedia: false,
    srtp: false,
  };
  phone.calls.set(id, call);
  bus?.emit('call.incoming', { ...call, calledAlias: 'sip:alice@example.test' });
  return call;
}
