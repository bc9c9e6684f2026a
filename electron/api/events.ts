/**
 * The events the phone pushes to every connected host (docs/api.md). Each
 * carries a whole snapshot, never a diff, so a host that missed one is right
 * again after the next; `app.snapshot` gives the starting point at connect.
 *
 * Imports only types: the renderer compiles this file with DOM types and no Node.
 */
import type {
  AccountSnapshot,
  DtmfReceived,
  LinkOpen,
  CallSnapshot,
  ComposingSnapshot,
  ConversationSnapshot,
  HistoryEntry,
  IncomingCallSnapshot,
  MediaStats,
  MessageSnapshot,
  RegistrationSnapshot,
  Settings,
  TraceEntry,
} from './snapshots.ts';
import type { GlobalShortcutsStatus } from './global-shortcuts.ts';
import type { PhoneSystemEvents } from './phone-system-api.ts';
import type { ForwardingEvents } from './forwarding-contract.ts';
import type { PresenceEvents } from './presence-contract.ts';
import { PRESENCE_EVENT_NAMES } from './presence-contract.ts';

/** event name → data (presence, watched lines and voicemail: presence-contract.ts; the phone system: phone-system-api.ts). */
export interface Events extends PresenceEvents, PhoneSystemEvents, ForwardingEvents {
  /** A registration changed state (with the server's answer). */
  registration: RegistrationSnapshot;
  /** A call changed state; sent on every change, including the final 'ended'. */
  call: CallSnapshot;
  /** A call arrived: who calls, resolved to a contact, and which of our aliases was called. */
  'call.incoming': IncomingCallSnapshot;
  /** A DTMF digit received on a call (RFC 4733 or SIP INFO). */
  'call.dtmf': DtmfReceived;
  /** A sip:/sips:/tel:/callto: link opened from outside (desktop): fill the dialer or dial it. */
  'link.open': LinkOpen;
  /** RTCP figures for a call, every few seconds while media runs. */
  'media.stats': MediaStats;
  /** A message arrived, or an outgoing one changed status. */
  message: MessageSnapshot;
  /** A conversation changed: a message in or out, read, allowed, blocked, removed (`removed: true`). */
  conversation: ConversationSnapshot;
  /** The other side of a conversation started or stopped typing (RFC 3994). */
  'message.composing': ComposingSnapshot;
  /** One SIP message sent or received (already redacted). */
  trace: TraceEntry;
  /** A call was added to the history (it ended). */
  history: HistoryEntry;
  /** Settings changed (the whole new set). */
  settings: Settings;
  /** The account list changed (the whole new list). */
  accounts: AccountSnapshot[];
  /** The desktop app (re)registered the global shortcuts: which it holds and which it could not take (desktop only). */
  'shortcuts.status': GlobalShortcutsStatus;
}

export type EventName = keyof Events;

export const EVENT_NAMES = [
  'registration',
  'call',
  'call.incoming',
  'call.dtmf',
  'link.open',
  'media.stats',
  'message',
  'conversation',
  'message.composing',
  'trace',
  'history',
  'settings',
  'accounts',
  ...PRESENCE_EVENT_NAMES,
  'phoneSystem',
  'forwarding',
  'shortcuts.status',
] as const satisfies readonly EventName[];

const allListed: Exclude<EventName, (typeof EVENT_NAMES)[number]> extends never ? true : false = true;
void allListed;

/** One event as it travels: `{ event: 'call', data: CallSnapshot }`. */
export type ApiEvent = { [E in EventName]: { event: E; data: Events[E] } }[EventName];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}
