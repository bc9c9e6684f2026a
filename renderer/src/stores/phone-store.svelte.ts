/**
 * The renderer's copy of the phone's state, fed by `app.snapshot` at connect
 * and by events afterwards (reducers.ts does the folding). Snapshots are
 * replaced whole, never mutated, so the fields use $state.raw: no deep
 * proxies, and a view re-renders exactly when a snapshot is replaced.
 */
import type { ConnectionStatus } from '../api/transport.ts';
import type {
  AccountSnapshot,
  ApiEvent,
  AppSnapshot,
  CallSnapshot,
  ContactSnapshot,
  HistoryEntry,
  IncomingCallSnapshot,
  MediaStats,
  RegistrationSnapshot,
  Settings,
} from '../api/types.ts';
import {
  addHistory,
  applyCall,
  applyRegistration,
  isLive,
  keepRegistrationsOf,
  pruneEndedCalls,
  registrationsById,
  removeById,
  sortContacts,
  upsertById,
} from './reducers.ts';

export interface PhoneStoreOptions {
  /** How long an ended call stays on screen with its outcome. */
  endedCallKeepMs?: number;
  now?: () => number;
  schedule?: (fn: () => void, ms: number) => void;
}

export class PhoneStore {
  connection = $state.raw<ConnectionStatus>({ state: 'connecting', attempt: 0 });
  /** The first app.snapshot has arrived. */
  ready = $state(false);
  accounts = $state.raw<AccountSnapshot[]>([]);
  registrations = $state.raw<Record<string, RegistrationSnapshot>>({});
  calls = $state.raw<CallSnapshot[]>([]);
  /** Extra facts of incoming calls: which alias was called, the contact. */
  incoming = $state.raw<Record<string, IncomingCallSnapshot>>({});
  stats = $state.raw<Record<string, MediaStats>>({});
  /** DTMF digits the other side sent, per call (the last 24). */
  receivedDtmf = $state.raw<Record<string, string>>({});
  contacts = $state.raw<ContactSnapshot[]>([]);
  history = $state.raw<HistoryEntry[]>([]);
  settings = $state.raw<Settings | undefined>(undefined);

  liveCalls = $derived(this.calls.filter(isLive));
  ringingCalls = $derived(this.calls.filter((c) => c.state === 'incoming'));

  #keepMs: number;
  #now: () => number;
  #schedule: (fn: () => void, ms: number) => void;

  constructor(options: PhoneStoreOptions = {}) {
    this.#keepMs = options.endedCallKeepMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#schedule = options.schedule ?? ((fn, ms) => void setTimeout(fn, ms));
  }

  loadSnapshot(snapshot: AppSnapshot): void {
    this.accounts = snapshot.accounts;
    this.registrations = registrationsById(snapshot.registrations);
    this.calls = snapshot.calls;
    this.settings = snapshot.settings;
    const ids = new Set(snapshot.calls.map((c) => c.id));
    this.incoming = Object.fromEntries(Object.entries(this.incoming).filter(([id]) => ids.has(id)));
    this.ready = true;
  }

  apply(event: ApiEvent): void {
    switch (event.event) {
      case 'registration':
        this.registrations = applyRegistration(this.registrations, event.data);
        break;
      case 'call.incoming':
        this.incoming = { ...this.incoming, [event.data.id]: event.data };
        this.#applyCall(event.data);
        break;
      case 'call':
        this.#applyCall(event.data);
        break;
      case 'call.dtmf':
        this.receivedDtmf = { ...this.receivedDtmf, [event.data.callId]: ((this.receivedDtmf[event.data.callId] ?? '') + event.data.digit).slice(-24) };
        break;
      case 'link.open':
        // The app shell acts on links (App.svelte); they are not phone state.
        break;
      case 'media.stats':
        this.stats = { ...this.stats, [event.data.callId]: event.data };
        break;
      case 'history':
        this.history = addHistory(this.history, event.data);
        break;
      case 'settings':
        this.settings = event.data;
        break;
      case 'accounts':
        this.accounts = event.data;
        this.registrations = keepRegistrationsOf(this.registrations, event.data);
        break;
      case 'message':
      case 'trace':
        // Messaging and the SIP trace have no view yet (not yet in the renderer).
        break;
    }
  }

  #applyCall(call: CallSnapshot): void {
    this.calls = applyCall(this.calls, call);
    if (call.state === 'ended') this.#schedule(() => this.pruneEnded(), this.#keepMs + 50);
  }

  /** Drops calls that ended more than endedCallKeepMs ago, with their stats. */
  pruneEnded(): void {
    const calls = pruneEndedCalls(this.calls, this.#now(), this.#keepMs);
    if (calls === this.calls) return;
    this.calls = calls;
    const ids = new Set(calls.map((c) => c.id));
    this.stats = Object.fromEntries(Object.entries(this.stats).filter(([id]) => ids.has(id)));
    this.incoming = Object.fromEntries(Object.entries(this.incoming).filter(([id]) => ids.has(id)));
    this.receivedDtmf = Object.fromEntries(Object.entries(this.receivedDtmf).filter(([id]) => ids.has(id)));
  }

  setContacts(contacts: ContactSnapshot[]): void {
    this.contacts = sortContacts(contacts);
  }

  putContact(contact: ContactSnapshot): void {
    this.contacts = sortContacts(upsertById(this.contacts, contact));
  }

  dropContact(id: string): void {
    this.contacts = removeById(this.contacts, id);
  }

  setHistory(entries: HistoryEntry[]): void {
    this.history = entries.slice().sort((a, b) => b.startedAt - a.startedAt);
  }

  putAccount(account: AccountSnapshot): void {
    this.accounts = upsertById(this.accounts, account);
  }

  dropAccount(id: string): void {
    this.accounts = removeById(this.accounts, id);
    this.registrations = keepRegistrationsOf(this.registrations, this.accounts);
  }

  accountById(id: string | undefined): AccountSnapshot | undefined {
    return id === undefined ? undefined : this.accounts.find((a) => a.id === id);
  }
}
