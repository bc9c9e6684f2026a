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
  ForwardingSnapshot,
  GlobalShortcutsStatus,
  HistoryEntry,
  IncomingCallSnapshot,
  MediaStats,
  RegistrationSnapshot,
  ListenerTlsSnapshot,
  PhoneSystemSnapshot,
  Settings,
  TraceEntry,
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
import { MessagesState } from './messages-state.svelte.ts';
import { PresenceState } from './presence-state.svelte.ts';

/**
 * Our transfer of a call (RFC 3515 blind, RFC 5589 attended) as the
 * transferor sees it: asked from here, then what the engine reports in the
 * call's `transfer` — the REFER's answer and each NOTIFY's sipfrag status
 * (RFC 3515 §2.4.5): 'progress' while the transferee tries, 'succeeded' when
 * it reached the target (RFC 5589 §6.1), 'failed' with the status in words.
 * The call's own code is not the transfer's: after a transfer the call ends
 * with whatever its BYE got (a 481 when the peer's BYE crossed ours).
 */
export interface TransferStatus {
  target: string;
  phase: 'asked' | 'progress' | 'succeeded' | 'failed';
  code?: number;
  words?: string;
}

export function followTransfer(t: TransferStatus, call: CallSnapshot): TransferStatus {
  const reported = call.transfer;
  if (t.phase === 'succeeded' || t.phase === 'failed' || !reported) return t;
  const code = reported.code !== undefined ? { code: reported.code } : {};
  const words = reported.words ?? reported.reason;
  if (reported.state === 'succeeded') return { ...t, phase: 'succeeded', ...code };
  if (reported.state === 'failed') return { ...t, phase: 'failed', ...code, ...(words ? { words } : {}) };
  return reported.code !== undefined && reported.code !== t.code ? { ...t, phase: 'progress', ...code } : t;
}

const STATS_KEEP = 90;
/** The trace kept for the ladders and the diagnostics bundle: 30 minutes, at most 5000 messages. */
export const TRACE_KEEP_MS = 30 * 60_000;
const TRACE_MAX = 5000;

/** `trace` (oldest first) within the kept bounds: the last TRACE_KEEP_MS before its newest entry, at most TRACE_MAX. */
function withinTraceBounds(trace: TraceEntry[]): TraceEntry[] {
  const cutoff = (trace.at(-1)?.time ?? 0) - TRACE_KEEP_MS;
  if (trace.length <= TRACE_MAX && (trace[0]?.time ?? cutoff) >= cutoff) return trace;
  return trace.filter((t, i) => t.time >= cutoff && i >= trace.length - TRACE_MAX);
}

export interface PhoneStateOptions {
  /** How long an ended call stays on screen with its outcome. */
  endedCallKeepMs?: number;
  now?: () => number;
  schedule?: (fn: () => void, ms: number) => void;
}

export class PhoneState {
  connection = $state.raw<ConnectionStatus>({ state: 'connecting', attempt: 0 });
  /** The first app.snapshot has arrived. */
  ready = $state(false);
  accounts = $state.raw<AccountSnapshot[]>([]);
  registrations = $state.raw<Record<string, RegistrationSnapshot>>({});
  calls = $state.raw<CallSnapshot[]>([]);
  /** Extra facts of incoming calls: which alias was called, the contact. */
  incoming = $state.raw<Record<string, IncomingCallSnapshot>>({});
  stats = $state.raw<Record<string, MediaStats>>({});
  /** The last few minutes of stats per call, oldest first, for the call-details graphs. */
  statsHistory = $state.raw<Record<string, Array<MediaStats & { at: number }>>>({});
  /** Blind transfers asked for from here, and how they go (from the NOTIFY sipfrag the engine reports). */
  transfers = $state.raw<Record<string, TransferStatus>>({});
  /** DTMF digits the other side sent, per call (the last 24). */
  receivedDtmf = $state.raw<Record<string, string>>({});
  contacts = $state.raw<ContactSnapshot[]>([]);
  history = $state.raw<HistoryEntry[]>([]);
  settings = $state.raw<Settings | undefined>(undefined);
  /** This phone's TLS listener certificate (its fingerprint is what a peer pins). */
  tls = $state.raw<ListenerTlsSnapshot | undefined>(undefined);
  /** The desktop app's global shortcuts as registered (its `shortcuts.status` event); undefined in the web host. */
  shortcutsStatus = $state.raw<GlobalShortcutsStatus | undefined>(undefined);
  /** "Host a phone system on this computer": loaded when Settings shows it, then kept by its events. */
  phoneSystem = $state.raw<PhoneSystemSnapshot | undefined>(undefined);
  /** Call forwarding's rules and whether any is on (the header shows it). */
  forwarding = $state.raw<ForwardingSnapshot | undefined>(undefined);
  /** The SIP messages of the last TRACE_KEEP_MS (the engine's `trace` events, already redacted), oldest first. */
  trace = $state.raw<TraceEntry[]>([]);
  /** Instant messages: conversations, open threads, who is typing (messages-state.svelte.ts). */
  readonly messages: MessagesState;
  /** Presence, watched lines and voicemail (presence-state.svelte.ts). */
  readonly presence = new PresenceState();

  liveCalls = $derived(this.calls.filter(isLive));
  ringingCalls = $derived(this.calls.filter((c) => c.state === 'incoming'));

  #keepMs: number;
  #now: () => number;
  #schedule: (fn: () => void, ms: number) => void;

  constructor(options: PhoneStateOptions = {}) {
    this.#keepMs = options.endedCallKeepMs ?? 5000;
    this.#now = options.now ?? Date.now;
    this.#schedule = options.schedule ?? ((fn, ms) => void setTimeout(fn, ms));
    this.messages = new MessagesState(this.#now);
  }

  loadSnapshot(snapshot: AppSnapshot): void {
    this.accounts = snapshot.accounts;
    this.registrations = registrationsById(snapshot.registrations);
    this.calls = snapshot.calls;
    this.settings = snapshot.settings;
    this.tls = snapshot.tls;
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
      case 'media.stats': {
        const id = event.data.callId;
        this.stats = { ...this.stats, [id]: event.data };
        this.statsHistory = { ...this.statsHistory, [id]: [...(this.statsHistory[id] ?? []), { ...event.data, at: this.#now() }].slice(-STATS_KEEP) };
        break;
      }
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
      case 'trace':
        this.trace = withinTraceBounds([...this.trace, event.data]);
        break;
      case 'message':
      case 'conversation':
      case 'message.composing':
        this.messages.apply(event);
        break;
      case 'presence.own':
      case 'watch':
      case 'watch.removed':
      case 'watcher':
      case 'mwi':
        this.presence.apply(event);
        break;
      case 'phoneSystem':
        this.phoneSystem = event.data;
        break;
      case 'forwarding':
        this.forwarding = event.data;
        break;
      case 'shortcuts.status':
        this.shortcutsStatus = event.data;
        break;
    }
  }

  #applyCall(call: CallSnapshot): void {
    if (this.#endedHere.has(call.id) && call.state !== 'ended') return;
    this.calls = applyCall(this.calls, call);
    const t = this.transfers[call.id];
    if (t) {
      const next = followTransfer(t, call);
      if (next !== t) this.transfers = { ...this.transfers, [call.id]: next };
    }
    if (call.state === 'ended') this.#schedule(() => this.pruneEnded(), this.#keepMs + 50);
  }

  #endedHere = new Set<string>();

  /**
   * The user hung up a call the engine cannot end yet (answered, ACK not in:
   * RFC 3261 §15 forbids the BYE until it comes or times out): it ends on this
   * screen now, and later events of it are ignored.
   */
  endLocally(callId: string): void {
    const call = this.calls.find((c) => c.id === callId);
    if (!call || call.state === 'ended') return;
    this.#endedHere.add(callId);
    this.calls = applyCall(this.calls, { ...call, state: 'ended', endedAt: this.#now() });
    this.#schedule(() => this.pruneEnded(), this.#keepMs + 50);
  }

  startTransfer(callId: string, target: string): void {
    this.transfers = { ...this.transfers, [callId]: { target, phase: 'asked' } };
  }

  /** Drops calls that ended more than endedCallKeepMs ago (`keepMs`: other than that), with their stats. */
  pruneEnded(keepMs = this.#keepMs): void {
    const calls = pruneEndedCalls(this.calls, this.#now(), keepMs);
    if (calls === this.calls) return;
    this.calls = calls;
    const ids = new Set(calls.map((c) => c.id));
    this.stats = Object.fromEntries(Object.entries(this.stats).filter(([id]) => ids.has(id)));
    this.statsHistory = Object.fromEntries(Object.entries(this.statsHistory).filter(([id]) => ids.has(id)));
    this.transfers = Object.fromEntries(Object.entries(this.transfers).filter(([id]) => ids.has(id)));
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

  /**
   * Takes the engine's kept trace (diagnostics.trace) into `trace`: what the
   * page did not have is added, what it already had (it came as an event
   * while the request was out) is not doubled; oldest first, within the
   * same bounds as the events.
   */
  mergeTrace(entries: TraceEntry[]): void {
    const key = (t: TraceEntry) => `${t.time}\u0000${t.direction}\u0000${t.remote}\u0000${t.text}`;
    const have = new Set(this.trace.map(key));
    const added = entries.filter((t) => !have.has(key(t)));
    if (added.length === 0) return;
    this.trace = withinTraceBounds([...added, ...this.trace].sort((a, b) => a.time - b.time));
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
