/**
 * The presence, watched-line and voicemail commands of the mock phone
 * (mock-phone.ts): an in-memory own status, watches and message summaries
 * that emit the same events as the phone, and scenario hooks a UI test uses
 * to make a watched peer change (`presence`, `line`) or a voicemail arrive
 * (`mwi`).
 */
import { ApiError } from '../../electron/api/errors.ts';
import type { EventBus } from '../../electron/api/event-bus.ts';
import type { PresenceApi } from '../../electron/api/phone-api.ts';
import type {
  CallSnapshot,
  LineDialog,
  MwiSnapshot,
  OwnPresenceSnapshot,
  PresenceStatus,
  WatchSnapshot,
  WatchedStatus,
  WatcherSnapshot,
} from '../../electron/api/contract.ts';

export interface MockPresenceState {
  own: OwnPresenceSnapshot;
  watches: WatchSnapshot[];
  watchers: WatcherSnapshot[];
  mwi: MwiSnapshot[];
  /** presence.activity reports received (the page reports use of it). */
  activity: number;
}

export interface MockPresence {
  api: PresenceApi;
  state: MockPresenceState;
  scenario: {
    /** A watched peer's presence changes. */
    presence(watchId: string, status: WatchedStatus, note?: string): WatchSnapshot;
    /** A watched line's dialogs change ([] = idle). */
    line(watchId: string, dialogs: LineDialog[]): WatchSnapshot;
    /** The account's message summary changes. */
    mwi(accountId: string, newMessages: number, oldMessages?: number): MwiSnapshot;
    /** Someone asks to watch us. */
    watcher(accountId: string, watcher: string, displayName?: string): WatcherSnapshot;
  };
}

const active = (): WatchSnapshot['presence'] & object => ({ subscription: { state: 'active' }, status: 'unknown', activities: [] });

export function createMockPresence(events: EventBus, opts: { accountId: () => string; dial: (target: string, accountId: string) => Promise<CallSnapshot> }): MockPresence {
  const state: MockPresenceState = {
    own: { status: 'available', effective: 'available', publications: [] },
    watches: [],
    watchers: [],
    mwi: [],
    activity: 0,
  };
  let next = 1;
  const watch = (id: string) => {
    const w = state.watches.find((x) => x.id === id);
    if (!w) throw new ApiError('not-found', `no watch ${id}`);
    return w;
  };
  const put = (w: WatchSnapshot) => {
    state.watches = state.watches.map((x) => (x.id === w.id ? w : x));
    events.emit('watch', w);
    return w;
  };
  const setOwn = (status: PresenceStatus, note: string | null | undefined) => {
    const own: OwnPresenceSnapshot = { ...state.own, status, effective: status };
    if (note === null) delete own.note;
    else if (note !== undefined) own.note = note;
    state.own = own;
    events.emit('presence.own', own);
    return own;
  };

  const api: PresenceApi = {
    async 'presence.set'(p) {
      return setOwn(p.status, p.note);
    },
    async 'presence.get'() {
      return state.own;
    },
    async 'presence.activity'() {
      state.activity += 1;
      return state.own;
    },
    async 'watch.add'(p) {
      const accountId = p.accountId ?? opts.accountId();
      const existing = state.watches.find((w) => w.target === p.target && w.accountId === accountId);
      if (existing) return existing;
      const w: WatchSnapshot = { id: `w${next++}`, accountId, target: p.target, actions: ['call'] };
      if (p.presence !== false) w.presence = active();
      if (p.line !== false) w.line = { subscription: { state: 'active' }, state: 'idle', dialogs: [] };
      state.watches = [...state.watches, w];
      events.emit('watch', w);
      return w;
    },
    async 'watch.remove'(p) {
      watch(p.id);
      state.watches = state.watches.filter((w) => w.id !== p.id);
      events.emit('watch.removed', { id: p.id });
      return null;
    },
    async 'watch.list'() {
      return state.watches;
    },
    async 'watch.pickup'(p) {
      const w = watch(p.id);
      if (!w.actions.includes('pickup')) throw new ApiError('conflict', 'nothing rings on that line');
      return opts.dial(`*8${w.target}`, w.accountId);
    },
    async 'watchers.list'() {
      return state.watchers;
    },
    async 'watchers.decide'(p) {
      const w = state.watchers.find((x) => x.accountId === p.accountId && x.watcher === p.watcher);
      if (!w) throw new ApiError('not-found', `no watcher ${p.watcher}`);
      const decided: WatcherSnapshot = { ...w, state: p.decision === 'allow' ? 'allowed' : 'blocked' };
      state.watchers = state.watchers.map((x) => (x === w ? decided : x));
      events.emit('watcher', decided);
      return decided;
    },
    async 'mwi.list'() {
      return state.mwi;
    },
    async 'mwi.dial'(p) {
      const m = state.mwi.find((x) => x.accountId === p.accountId);
      if (!m?.voicemail) throw new ApiError('unavailable', 'no voicemail number for this account');
      return opts.dial(m.voicemail, p.accountId);
    },
  };

  return {
    api,
    state,
    scenario: {
      presence(id, status, note) {
        const w = watch(id);
        const presence = { ...(w.presence ?? active()), status, changedAt: Date.now() };
        if (note !== undefined) presence.note = note;
        return put({ ...w, presence });
      },
      line(id, dialogs) {
        const w = watch(id);
        const ringing = dialogs.some((d) => d.state !== 'confirmed' && d.state !== 'terminated');
        const busy = dialogs.some((d) => d.state === 'confirmed');
        const lineState = busy ? 'busy' : ringing ? 'ringing' : 'idle';
        const pickup = dialogs.some((d) => d.direction === 'recipient' && d.state === 'early');
        return put({
          ...w,
          line: { subscription: { state: 'active' }, state: lineState, dialogs, changedAt: Date.now() },
          actions: pickup ? ['call', 'pickup'] : ['call'],
        });
      },
      mwi(accountId, newMessages, oldMessages = 0) {
        const m: MwiSnapshot = {
          accountId, waiting: newMessages > 0, newMessages, oldMessages, urgentNew: 0, urgentOld: 0, voicemail: '*97', updatedAt: Date.now(),
        };
        state.mwi = [...state.mwi.filter((x) => x.accountId !== accountId), m];
        events.emit('mwi', m);
        return m;
      },
      watcher(accountId, watcher, displayName) {
        const w: WatcherSnapshot = { accountId, watcher, state: 'pending', via: 'server', since: Date.now() };
        if (displayName !== undefined) w.displayName = displayName;
        state.watchers = [...state.watchers.filter((x) => !(x.accountId === accountId && x.watcher === watcher)), w];
        events.emit('watcher', w);
        return w;
      },
    },
  };
}
