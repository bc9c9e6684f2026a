/**
 * The phone's implementation of the API contract's `PhoneApi` (issue "The
 * phone" §1): one method per command, each a thin step from validated params
 * to a service and back to a snapshot. The store-backed commands are here;
 * registrations, calls and messages are delegated to their services, which
 * own the SIP and media state.
 *
 * Every method either resolves with plain data or throws an ApiError (a
 * condition the user can act on) or a StoreError (mapped by map-phone-error.ts).
 */
import type { HistoryListParams } from '../api/commands.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { ForwardingApi, PhoneApi, PresenceApi } from '../api/phone-api.ts';
import type { AudioDevice, CallSnapshot, HistoryEntry as ApiHistoryEntry, ListenerTlsSnapshot, RegistrationSnapshot } from '../api/snapshots.ts';
import type { AccountService } from './account-service.ts';
import type { ContactDirectory } from './contact-directory.ts';
import type { HistoryEntry } from './history-entry.ts';
import { fromSettingsPatch, toApiSettings, toHistorySnapshot } from './snapshot-mappers.ts';
import { prepareRecordingsFolder, recordingLinks, type Recordings } from './recordings.ts';
import type { LogRing } from './log-ring.ts';
import type { TraceRing } from './trace-ring.ts';
import type { PhoneSystemService } from './phone-system.ts';
import type { PhoneStore } from './store/phone-store.ts';

type MessageCommand = 'messages.send' | 'messages.list' | 'messages.conversations' | 'messages.read' | 'messages.remove' | 'messages.allow' | 'messages.block' | 'messages.composing';

/** What the SIP side offers the API (call-service.ts, registration-service.ts, message-service.ts). */
export interface Telephony {
  register(accountId: string): Promise<RegistrationSnapshot>;
  unregister(accountId: string): Promise<RegistrationSnapshot>;
  registrations(): RegistrationSnapshot[];
  calls: Pick<PhoneApi, 'call.dial' | 'call.answer' | 'call.decline' | 'call.hangup' | 'call.hold' | 'call.resume' | 'call.mute' | 'call.dtmf' | 'call.transfer' | 'call.record' | 'call.pickup' | 'call.merge' | 'call.split' | 'call.earlyMedia'> & {
    list(): CallSnapshot[];
  };
  /** message-service.ts: instant messages and their conversations. */
  messages: Pick<PhoneApi, MessageCommand>;
  diagnostics: PhoneApi['diagnostics.counts'];
  /** network-change.ts: what a changed network asks of the SIP side. */
  networkChanged: PhoneApi['network.changed'];
}

export interface PhoneEngineParts {
  store: PhoneStore;
  events: EventBus;
  accounts: AccountService;
  contacts: ContactDirectory;
  telephony: Telephony;
  audioDevices: () => AudioDevice[];
  /** The SIP TLS listener's certificate, once it listens. */
  tls?: () => ListenerTlsSnapshot | undefined;
  /** Presence, watched lines and voicemail (presence-contract.ts). */
  presence: PresenceApi;
  /** Call forwarding (forwarding-contract.ts); absent offline (the commands then say so). */
  forwarding?: ForwardingApi;
  phoneSystem: PhoneSystemService;
  /** The engine's recent log records (diagnostics.logs); absent offline. */
  logs?: LogRing;
  /** The SIP messages of the last half hour (diagnostics.trace); absent offline. */
  traces?: TraceRing;
  /** Recordings linked from the history (open, show, delete). */
  recordings: Recordings;
}

const DEFAULT_PAGE = 100;
/** Rows read per step when a time cursor has to be found by scanning (ids grow with time, almost always). */
const SCAN_STEP = 500;

/**
 * Newest first, `limit` rows that started (or were sent) before `before`.
 * The repositories page by row id; the API pages by time, so rows are read in
 * id order and filtered until the page is full.
 */
function pageByTime<T extends { id: number }>(read: (beforeId: number | undefined, limit: number) => T[], time: (row: T) => number, limit: number, before: number | undefined): T[] {
  if (before === undefined) return read(undefined, limit);
  const out: T[] = [];
  let cursor: number | undefined;
  for (;;) {
    const rows = read(cursor, SCAN_STEP);
    for (const row of rows) {
      if (time(row) < before) out.push(row);
      if (out.length === limit) return out;
    }
    if (rows.length < SCAN_STEP) return out;
    cursor = rows[rows.length - 1]!.id;
  }
}

export function createPhoneApi(parts: PhoneEngineParts): PhoneApi {
  const { store, events, accounts, contacts, telephony } = parts;

  const historyList = (p: HistoryListParams): ApiHistoryEntry[] => {
    const read = (beforeId: number | undefined, limit: number): HistoryEntry[] =>
      store.history.list({
        limit,
        ...(beforeId !== undefined ? { beforeId } : {}),
        ...(p.direction !== undefined ? { direction: p.direction } : {}),
        ...(p.missedOnly ? { missedOnly: true } : {}),
      });
    return pageByTime(read, (h) => h.startedAt, p.limit ?? DEFAULT_PAGE, p.before).map((h) => toHistorySnapshot(h, recordingLinks));
  };

  return {
    async 'accounts.list'() {
      return accounts.snapshots();
    },
    'accounts.add': (p) => accounts.add(p),
    'accounts.update': (p) => accounts.update(p.id, p.changes),
    async 'accounts.remove'(p) {
      await accounts.remove(p.id);
      return null;
    },
    'account.register': (p) => telephony.register(p.accountId),
    'account.unregister': (p) => telephony.unregister(p.accountId),

    'call.dial': (p, c) => telephony.calls['call.dial'](p, c),
    'call.answer': (p, c) => telephony.calls['call.answer'](p, c),
    'call.decline': (p, c) => telephony.calls['call.decline'](p, c),
    'call.hangup': (p, c) => telephony.calls['call.hangup'](p, c),
    'call.hold': (p, c) => telephony.calls['call.hold'](p, c),
    'call.resume': (p, c) => telephony.calls['call.resume'](p, c),
    'call.mute': (p, c) => telephony.calls['call.mute'](p, c),
    'call.dtmf': (p, c) => telephony.calls['call.dtmf'](p, c),
    'call.transfer': (p, c) => telephony.calls['call.transfer'](p, c),
    'call.record': (p, c) => telephony.calls['call.record'](p, c),
    'call.pickup': (p, c) => telephony.calls['call.pickup'](p, c),
    'call.merge': (p, c) => telephony.calls['call.merge'](p, c),
    'call.split': (p, c) => telephony.calls['call.split'](p, c),
    'call.earlyMedia': (p, c) => telephony.calls['call.earlyMedia'](p, c),
    async 'calls.list'() {
      return telephony.calls.list();
    },

    async 'contacts.list'(p) {
      return contacts.list(p.query);
    },
    async 'contacts.add'(p) {
      return contacts.add(p);
    },
    async 'contacts.update'(p) {
      return contacts.update(p.id, p.changes);
    },
    async 'contacts.remove'(p) {
      contacts.remove(p.id);
      return null;
    },

    async 'history.list'(p) {
      return historyList(p);
    },
    async 'history.clear'() {
      store.history.clear();
      return null;
    },
    async 'history.remove'(p) {
      const id = Number(p.id);
      if (!Number.isSafeInteger(id)) throw new ApiError('not-found', `no history entry with id ${p.id}`);
      store.history.remove(id);
      return null;
    },

    async 'settings.get'() {
      return toApiSettings(store.settings.getAll());
    },
    async 'settings.update'(p) {
      const patch = fromSettingsPatch(p);
      if (patch.recordingsFolder) prepareRecordingsFolder(patch.recordingsFolder);
      const settings = toApiSettings(store.settings.update(patch));
      if (patch.numberingPlan !== undefined) contacts.invalidate();
      events.emit('settings', settings);
      return settings;
    },

    'messages.send': (p, c) => telephony.messages['messages.send'](p, c),
    'messages.list': (p, c) => telephony.messages['messages.list'](p, c),
    'messages.conversations': (p, c) => telephony.messages['messages.conversations'](p, c),
    'messages.read': (p, c) => telephony.messages['messages.read'](p, c),
    'messages.remove': (p, c) => telephony.messages['messages.remove'](p, c),
    'messages.allow': (p, c) => telephony.messages['messages.allow'](p, c),
    'messages.block': (p, c) => telephony.messages['messages.block'](p, c),
    'messages.composing': (p, c) => telephony.messages['messages.composing'](p, c),

    async 'audio.devices'() {
      return parts.audioDevices();
    },
    'diagnostics.counts': (p, c) => telephony.diagnostics(p, c),
    async 'diagnostics.logs'(p) {
      return parts.logs?.list(p.minutes) ?? [];
    },
    async 'diagnostics.trace'(p) {
      return parts.traces?.list(p) ?? [];
    },
    async 'app.snapshot'() {
      const tls = parts.tls?.();
      return {
        accounts: accounts.snapshots(),
        registrations: telephony.registrations(),
        calls: telephony.calls.list(),
        settings: toApiSettings(store.settings.getAll()),
        ...(tls ? { tls } : {}),
      };
    },

    'network.changed': (p, c) => telephony.networkChanged(p, c),

    ...parts.presence,
    'forwarding.get': (p, c) => forwardingOf(parts)['forwarding.get'](p, c),
    'forwarding.set': (p, c) => forwardingOf(parts)['forwarding.set'](p, c),
    ...parts.recordings.api,
    async 'phoneSystem.get'() {
      return parts.phoneSystem.get();
    },
    'phoneSystem.update': (p) => parts.phoneSystem.update(p),
    'phoneSystem.users.add': (p) => parts.phoneSystem.addUser(p),
    'phoneSystem.users.update': (p) => parts.phoneSystem.updateUser(p),
    'phoneSystem.users.remove': (p) => parts.phoneSystem.removeUser(p.username),
  };
}

function forwardingOf(parts: PhoneEngineParts): ForwardingApi {
  if (!parts.forwarding) throw new ApiError('unavailable', 'call forwarding needs the running phone');
  return parts.forwarding;
}
