/**
 * A stand-in for the phone model behind the real API server (dispatcher,
 * schemas, WebSocket binding and static file server from electron/api), so
 * the renderer can be driven end to end without SIP. Commands change an
 * in-memory state and emit the same events the phone would; `scenario`
 * methods let a test make the "network" do things (a call comes in, the far
 * end answers, RTCP figures arrive).
 */
import { emptyForwardingRule, forwardsAnything, type ForwardingSnapshot } from '../../electron/api/forwarding-contract.ts';
import { createDispatcher } from '../../electron/api/dispatcher.ts';
import { ApiError } from '../../electron/api/errors.ts';
import { createEventBus, type EventBus } from '../../electron/api/event-bus.ts';
import type { PhoneApi } from '../../electron/api/phone-api.ts';
import type { AccountSnapshot, CallSnapshot, ContactSnapshot, HistoryEntry, IncomingCallSnapshot, RegistrationSnapshot, Settings } from '../../electron/api/contract.ts';
import { startApiServer, type ApiServer } from '../../electron/api/ws-server.ts';
import type { AudioFrame } from '../../electron/api/audio-frames.ts';
import { createMockMessages, type MockMessages } from './mock-messages.ts';
import { createMockPresence, type MockPresence } from './mock-presence.ts';
import { mockPhoneSystem } from './mock-phone-system.ts';
import { mockAccounts, mockContacts, mockHistory, mockRegistrations, mockSettings } from './mock-data.ts';

export interface MockPhoneState {
  accounts: AccountSnapshot[];
  registrations: RegistrationSnapshot[];
  calls: CallSnapshot[];
  contacts: ContactSnapshot[];
  history: HistoryEntry[];
  settings: Settings;
}

export interface MockPhone {
  server: ApiServer;
  events: EventBus;
  state: MockPhoneState;
  /** The page URL with the token in the fragment, as the web host hands it out. */
  pageUrl: string;
  /** Every command that reached the phone (after the dispatcher validated it). */
  log: Array<{ cmd: string; params: unknown }>;
  captureFrames: AudioFrame[];
  /** Presence, watched lines, watchers and voicemail (mock-presence.ts): state and scenario hooks. */
  presence: MockPresence;
  /** Instant messages (mock-messages.ts): seeded conversations and scenario hooks. */
  messages: MockMessages;
  scenario: {
    incoming(call: Partial<IncomingCallSnapshot> & { id: string }): IncomingCallSnapshot;
    update(id: string, changes: Partial<CallSnapshot>): CallSnapshot;
    stats(callId: string, mos: number, lossPercent: number, jitterMs: number): void;
    setSettings(changes: Partial<Settings>): void;
    reset(): void;
  };
  close(): Promise<void>;
}

let nextId = 1;

export async function startMockPhone(options: { staticRoot: string; token?: string }): Promise<MockPhone> {
  const now = Date.now();
  const state: MockPhoneState = {
    accounts: mockAccounts(),
    registrations: mockRegistrations(now),
    calls: [],
    contacts: mockContacts(),
    history: mockHistory(now),
    settings: mockSettings(),
  };
  const events = createEventBus();
  const phoneSystem = mockPhoneSystem(events, now);
  const captureFrames: AudioFrame[] = [];

  const findCall = (id: string) => {
    const call = state.calls.find((c) => c.id === id);
    if (!call) throw new ApiError('not-found', `no call ${id}`);
    return call;
  };
  const putCall = (call: CallSnapshot) => {
    state.calls = [...state.calls.filter((c) => c.id !== call.id), call];
    if (call.state === 'ended') state.calls = state.calls.filter((c) => c.id !== call.id);
    events.emit('call', call);
    return call;
  };
  const update = (id: string, changes: Partial<CallSnapshot>) => putCall({ ...findCall(id), ...changes });
  /** The phone's rule (call-policy.ts), which the renderer no longer applies itself: dialling, answering or resuming holds the talking call. */
  const holdOthers = (keep: string | undefined) => {
    for (const c of state.calls) if (c.id !== keep && c.state === 'active') update(c.id, { state: 'held', held: true });
  };
  const account = (id: string | undefined) => state.accounts.find((a) => a.id === id) ?? state.accounts[0]!;
  const contactFor = (uri: string) => state.contacts.find((c) => c.addresses.some((a) => a.uri === uri));

  const messages = createMockMessages(events, { accountId: () => state.accounts[0]!.id, aor: () => state.accounts[0]!.aor });
  const presence = createMockPresence(events, {
    accountId: () => state.accounts[0]!.id,
    dial: (target, accountId) => phone['call.dial']({ target, accountId }, { host: 'test', client: 'mock' }),
  });
  const phone: PhoneApi = {
    async 'accounts.list'() {
      return state.accounts;
    },
    async 'accounts.add'(p) {
      const a: AccountSnapshot = { ...mockAccounts()[1]!, aliases: [], identityRules: [], ...p, id: `acc-${nextId++}`, authUser: p.authUser ?? 'user', hasPassword: p.password !== undefined, registrar: p.registrar ?? undefined, outboundProxy: p.outboundProxy ?? undefined, voicemail: p.voicemail ?? undefined, pickupCode: p.pickupCode ?? undefined } as AccountSnapshot;
      state.accounts = [...state.accounts, a];
      events.emit('accounts', state.accounts);
      return a;
    },
    async 'accounts.update'({ id, changes }) {
      const old = state.accounts.find((a) => a.id === id);
      if (!old) throw new ApiError('not-found', 'no such account');
      const { password, registrar, outboundProxy, authUser, tlsCaFile: _ca, tlsPin: _pin, voicemail: _vm, pickupCode: _pc, stunServer: _stun, turnServer: _turn, turnPassword: _tp, ...rest } = changes;
      const a: AccountSnapshot = { ...old, ...rest, hasPassword: password === null ? false : password !== undefined || old.hasPassword, authUser: authUser ?? old.authUser };
      if (registrar !== undefined) a.registrar = registrar ?? undefined;
      if (outboundProxy !== undefined) a.outboundProxy = outboundProxy ?? undefined;
      state.accounts = state.accounts.map((x) => (x.id === id ? a : x));
      events.emit('accounts', state.accounts);
      return a;
    },
    async 'accounts.remove'({ id }) {
      state.accounts = state.accounts.filter((a) => a.id !== id);
      events.emit('accounts', state.accounts);
    },
    async 'account.register'({ accountId }) {
      const r: RegistrationSnapshot = { accountId, state: 'registering', otherBindings: [] };
      state.registrations = [...state.registrations.filter((x) => x.accountId !== accountId), r];
      events.emit('registration', r);
      return r;
    },
    async 'account.unregister'({ accountId }) {
      const r: RegistrationSnapshot = { accountId, state: 'unregistered', otherBindings: [] };
      events.emit('registration', r);
      return r;
    },
    async 'call.dial'({ target, accountId, identity }) {
      if (target.startsWith('900')) throw new ApiError('not-allowed', 'premium-rate numbers are barred on this account');
      holdOthers(undefined);
      const a = account(accountId);
      const uri = target.includes('@') ? (target.startsWith('sip') ? target : `sip:${target}`) : `sip:${target.replace(/[^\d+*#]/g, '')}@${a.aor.split('@')[1]}`;
      const c = contactFor(uri);
      return putCall({
        id: `call-${nextId++}`,
        accountId: a.id,
        direction: 'out',
        state: 'dialing',
        remote: { uri, ...(c ? { contactId: c.id, contactName: c.name } : {}) },
        localIdentity: identity ?? a.aor,
        startedAt: Date.now(),
        muted: false,
        held: false,
        earlyMedia: false,
        srtp: false,
      });
    },
    async 'call.answer'({ callId }) {
      holdOthers(callId);
      return update(callId, { state: 'active', answeredAt: Date.now(), codec: 'opus/48000', srtp: true });
    },
    async 'call.decline'({ callId, code }) {
      update(callId, { state: 'ended', endedAt: Date.now(), code: code ?? 486 });
    },
    async 'call.hangup'({ callId }) {
      update(callId, { state: 'ended', endedAt: Date.now(), code: 200 });
    },
    async 'call.hold'({ callId }) {
      return update(callId, { state: 'held', held: true });
    },
    async 'call.resume'({ callId }) {
      holdOthers(callId);
      return update(callId, { state: 'active', held: false });
    },
    async 'call.mute'({ callId, muted }) {
      return update(callId, { muted });
    },
    async 'call.dtmf'() {},
    async 'call.transfer'() {},
    async 'call.record'(p) {
      const call = state.calls.find((c) => c.id === p.callId);
      if (!call) throw new ApiError('not-found', `no call ${p.callId}`);
      return call;
    },
    async 'call.earlyMedia'(p) {
      const call = state.calls.find((c) => c.id === p.callId);
      if (!call) throw new ApiError('not-found', `no call ${p.callId}`);
      return call;
    },
    async 'call.pickup'() {
      throw new ApiError('unavailable', 'call pickup is not part of the mock');
    },
    async 'call.merge'() {
      throw new ApiError('unavailable', 'conferences are not part of the mock');
    },
    async 'call.split'() {
      throw new ApiError('unavailable', 'conferences are not part of the mock');
    },
    async 'calls.list'() {
      return state.calls;
    },
    async 'contacts.list'() {
      return state.contacts;
    },
    async 'contacts.add'(p) {
      const c: ContactSnapshot = { addresses: [], numbers: [], favorite: false, ...p, id: `c-${nextId++}` };
      state.contacts = [...state.contacts, c];
      return c;
    },
    async 'contacts.update'({ id, changes }) {
      const old = state.contacts.find((c) => c.id === id);
      if (!old) throw new ApiError('not-found', 'no such contact');
      const c = { ...old, ...changes };
      state.contacts = state.contacts.map((x) => (x.id === id ? c : x));
      return c;
    },
    async 'contacts.remove'({ id }) {
      state.contacts = state.contacts.filter((c) => c.id !== id);
    },
    async 'history.list'() {
      return state.history;
    },
    async 'history.clear'() {
      state.history = [];
    },
    async 'history.remove'({ id }) {
      state.history = state.history.filter((h) => h.id !== id);
    },
    async 'settings.get'() {
      return state.settings;
    },
    async 'settings.update'(p) {
      state.settings = { ...state.settings, ...p };
      events.emit('settings', state.settings);
      return state.settings;
    },
    async 'audio.devices'() {
      return [];
    },
    async 'app.snapshot'() {
      return { accounts: state.accounts, registrations: state.registrations, calls: state.calls, settings: state.settings };
    },
    async 'diagnostics.trace'() {
      return [];
    },
    async 'diagnostics.logs'() {
      return [
        { time: now - 60_000, level: 'info' as const, category: 'phone.sip.ua', message: 'registration', data: '{"account":"acc-home","state":"registered"}' },
        { time: now - 30_000, level: 'warn' as const, category: 'phone.media', message: 'no RTP from the peer for 4 s' },
      ];
    },
    async 'diagnostics.counts'() {
      const m = process.memoryUsage();
      return { calls: state.calls.length, pendingIncoming: 0, callObjectsAlive: 0, mediaSessions: 0, sipCalls: 0, dialogs: 0, transactions: 0, heapUsedBytes: m.heapUsed, rssBytes: m.rss, gcForced: false };
    },
    async 'network.changed'() {
      return null;
    },
    async 'recording.open'() {
      return null;
    },
    async 'recording.reveal'() {
      return null;
    },
    async 'recording.delete'() {
      return null;
    },
    ...presence.api,
    ...messages.api,
    ...phoneSystem.api,
    async 'forwarding.get'() {
      return forwarding;
    },
    async 'forwarding.set'(p) {
      // The rules as the phone keeps them (no loop checks: the engine's are unit-tested).
      const accountsRules = forwarding.accounts.filter((a) => a.accountId !== p.accountId);
      if (p.accountId !== undefined && p.rule) accountsRules.push({ accountId: p.accountId, rule: p.rule });
      const global = p.accountId === undefined ? (p.rule ?? emptyForwardingRule()) : forwarding.global;
      const on = [global, ...accountsRules.map((a) => a.rule)].filter(forwardsAnything);
      forwarding = { global, accounts: accountsRules, active: on.length > 0, ...(on[0]?.always ? { summary: `All calls to ${on[0].always}` } : on.length > 0 ? { summary: 'When busy or not answered' } : {}) };
      events.emit('forwarding', forwarding);
      return forwarding;
    },
  };
  let forwarding: ForwardingSnapshot = { global: emptyForwardingRule(), accounts: [], active: false };

  const log: Array<{ cmd: string; params: unknown }> = [];
  const logged = new Proxy(phone, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      return (params: unknown, context: unknown) => {
        log.push({ cmd: key, params });
        return (value as (p: unknown, c: unknown) => unknown).call(target, params, context);
      };
    },
  });

  const server = await startApiServer({
    dispatcher: createDispatcher(logged),
    events,
    staticRoot: options.staticRoot,
    ...(options.token ? { token: options.token } : {}),
    audio: { onFrame: (frame) => void captureFrames.push(frame) },
  });

  return {
    server,
    events,
    state,
    pageUrl: `${server.origin}/#token=${server.token}`,
    log,
    captureFrames,
    presence,
    messages,
    scenario: {
      incoming(partial) {
        const a = account(partial.accountId);
        const call: IncomingCallSnapshot = {
          accountId: a.id,
          direction: 'in',
          state: 'incoming',
          remote: { uri: 'sip:unknown@example.com' },
          localIdentity: a.aor,
          calledAlias: a.aor,
          startedAt: Date.now(),
          muted: false,
          held: false,
          earlyMedia: false,
          srtp: false,
          ...partial,
        };
        state.calls = [...state.calls, call];
        events.emit('call.incoming', call);
        return call;
      },
      update,
      stats(callId, mos, lossPercent, jitterMs) {
        events.emit('media.stats', { callId, packetsSent: 1500, packetsReceived: 1490, lossPercent, jitterMs, rttMs: 42, mos });
      },
      setSettings(changes) {
        state.settings = { ...state.settings, ...changes };
        events.emit('settings', state.settings);
      },
      reset() {
        for (const c of state.calls) events.emit('call', { ...c, state: 'ended', endedAt: Date.now() - 60_000 });
        state.calls = [];
        messages.scenario.reset();
      },
    },
    close: () => server.close(),
  };
}
