/**
 * The API of the SIP event packages (docs/api.md, "Presence, lines and
 * voicemail"): our own presence status (RFC 3856/3863 PUBLISH), watched
 * addresses (presence and dialog state, the busy-lamp field, RFC 4235), the
 * people who watch us (presence.winfo, RFC 3857) and message waiting
 * (RFC 3842). Commands, events and snapshots of this group live here, in
 * their own table; commands.ts, events.ts and schemas.ts merge them in.
 *
 * Same rules as snapshots.ts: JSON-safe data, times in ms since the epoch,
 * optional fields absent when unknown. Imports only types.
 */
import type { CallSnapshot } from './snapshots.ts';

type NoParams = Record<string, never>;

/** Our own status as the user picks it (and as a watched peer's status reads). */
export const PRESENCE_STATUSES = ['available', 'away', 'busy', 'dnd', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE_STATUSES)[number];

/** A watched peer's status: one of ours, or 'unknown' (no NOTIFY yet, not allowed, or the subscription failed). */
export const WATCHED_STATUSES = [...PRESENCE_STATUSES, 'unknown'] as const;
export type WatchedStatus = (typeof WATCHED_STATUSES)[number];

/**
 * One subscription of ours (RFC 6665 §4.1):
 *  - `subscribing`: the SUBSCRIBE is out, no NOTIFY yet;
 *  - `pending`: the notifier has not decided whether we may watch (§4.1.3);
 *  - `active`: NOTIFYs flow; refreshed before `expiresAt`;
 *  - `retrying`: it ended or failed and is tried again at `retryAt` (back-off);
 *  - `terminated`: it ended for good (`reason`: rejected, noresource, …, in words).
 */
export const SUBSCRIPTION_STATES = ['subscribing', 'pending', 'active', 'retrying', 'terminated'] as const;
export type SubscriptionState = (typeof SUBSCRIPTION_STATES)[number];

export interface SubscriptionSnapshot {
  state: SubscriptionState;
  /** Why it is pending/retrying/terminated, in words ("not allowed to watch", "the server does not know this event package"). */
  reason?: string;
  /** SIP code of a refused SUBSCRIBE (489, 403, 404…). */
  code?: number;
  /** `retrying`: when the next SUBSCRIBE goes out. */
  retryAt?: number;
  /** `active`/`pending`: when the subscription lapses unless refreshed (it is refreshed before). */
  expiresAt?: number;
}

/** RFC 4235 dialog states of a watched line's dialogs. */
export const LINE_DIALOG_STATES = ['trying', 'proceeding', 'early', 'confirmed', 'terminated'] as const;
export type LineDialogState = (typeof LINE_DIALOG_STATES)[number];

/**
 * A watched line at a glance (the lamp): `idle` no call, `ringing` a call
 * rings there (or it is calling out: trying/proceeding/early), `busy` in a
 * call (confirmed), `unknown` no dialog-info yet.
 */
export const LINE_STATES = ['unknown', 'idle', 'ringing', 'busy'] as const;
export type LineState = (typeof LINE_STATES)[number];

export interface LineDialog {
  /** The notifier's dialog id attribute (stable across NOTIFYs). */
  id: string;
  state: LineDialogState;
  /** 'recipient': the watched line is called; 'initiator': it calls out. */
  direction?: 'initiator' | 'recipient';
  /** The other party: who calls the line, or whom it calls. */
  remote?: { uri: string; displayName?: string };
  /** The dialog's SIP identifiers when the notifier tells them (pickup with Replaces, RFC 3891). */
  callId?: string;
  localTag?: string;
  remoteTag?: string;
}

export interface WatchedPresence {
  subscription: SubscriptionSnapshot;
  status: WatchedStatus;
  /** The peer's own words (PIDF <note>), shown as text, never as markup. */
  note?: string;
  /** RFC 4480 activities as sent ('on-the-phone', 'meeting', 'away', …). */
  activities: string[];
  /** When the status last changed (our clock). */
  changedAt?: number;
}

export interface WatchedLine {
  subscription: SubscriptionSnapshot;
  state: LineState;
  /** The line's current dialogs (terminated ones dropped). */
  dialogs: LineDialog[];
  changedAt?: number;
}

/** One watched address: its presence and/or its line. */
export interface WatchSnapshot {
  id: string;
  accountId: string;
  /** The watched address (a SIP URI). */
  target: string;
  /** The contact it belongs to, when it is one of theirs. */
  contactId?: string;
  name?: string;
  /** Present when the watch includes presence. */
  presence?: WatchedPresence;
  /** Present when the watch includes the line (BLF). */
  line?: WatchedLine;
  /** What the watch offers now: 'call' always, 'pickup' while the line rings (dialog-info with a recipient in early state). */
  actions: ('call' | 'pickup')[];
}

/** How our own status reached one account's presence server (RFC 3903). */
export const PUBLICATION_STATES = ['off', 'publishing', 'published', 'failed'] as const;
export type PublicationState = (typeof PUBLICATION_STATES)[number];

export interface PublicationSnapshot {
  accountId: string;
  state: PublicationState;
  /** `failed`: why, in words; `code` the SIP answer. */
  reason?: string;
  code?: number;
  /** `published`: when the server's copy lapses unless refreshed (it is refreshed before). */
  expiresAt?: number;
}

export interface OwnPresenceSnapshot {
  /** What the user picked. */
  status: PresenceStatus;
  /** What is published: 'busy' while in a call, 'dnd' while do-not-disturb is on, 'away' while idle (below), else `status`. */
  effective: PresenceStatus;
  /** Nobody has used the computer for the awayAfterIdleMinutes setting: an `available` status is published as `away`. */
  idle?: boolean;
  note?: string;
  /** One per registered account with a server. */
  publications: PublicationSnapshot[];
}

/** Someone who asked to watch our presence (RFC 3857 watcher info, or a direct SUBSCRIBE to us). */
export const WATCHER_STATES = ['pending', 'allowed', 'blocked'] as const;
export type WatcherState = (typeof WATCHER_STATES)[number];

export const WATCHER_DECISIONS = ['allow', 'block'] as const;
export type WatcherDecision = (typeof WATCHER_DECISIONS)[number];

export interface WatcherSnapshot {
  accountId: string;
  /** The watcher's address. */
  watcher: string;
  displayName?: string;
  contactId?: string;
  state: WatcherState;
  /** 'direct': the watcher subscribed to this phone; 'server': the presence server told us (presence.winfo). */
  via: 'direct' | 'server';
  since: number;
}

/** RFC 3842 message summary of one account. */
export interface MwiSnapshot {
  accountId: string;
  waiting: boolean;
  newMessages: number;
  oldMessages: number;
  urgentNew: number;
  urgentOld: number;
  /** The mailbox the server named (Message-Account). */
  messageAccount?: string;
  /** The number or address `mwi.dial` calls: the account's voicemail setting, else Message-Account. */
  voicemail?: string;
  /** The subscription to the account's own message-summary; absent while the account only gets unsolicited NOTIFYs. */
  subscription?: SubscriptionSnapshot;
  updatedAt?: number;
}

export interface PresenceSetParams {
  status: PresenceStatus;
  /** Free text shown to watchers; null clears it, absent keeps it. */
  note?: string | null;
}

export interface PresenceActivityParams {
  /** How long ago a client last saw the user (keyboard, mouse): 0 = just now. */
  idleSeconds: number;
}

export interface WatchAddParams {
  /** A number, user@host or SIP URI, as for call.dial. */
  target: string;
  accountId?: string;
  /** Watch presence (default true). */
  presence?: boolean;
  /** Watch the line's dialog state, the busy lamp (default true). */
  line?: boolean;
}

export interface WatchIdParams {
  id: string;
}

export interface WatchPickupParams {
  id: string;
  /** Which ringing dialog (a LineDialog id); absent = the one ringing longest. */
  dialogId?: string;
}

export interface WatcherDecideParams {
  accountId: string;
  watcher: string;
  decision: WatcherDecision;
}

export interface MwiDialParams {
  accountId: string;
}

/** name → { params, result } for this group (merged into commands.ts's `Commands`). */
export interface PresenceCommands {
  /** Publishes our status (and note) on every account; answers what was published where. */
  'presence.set': { params: PresenceSetParams; result: OwnPresenceSnapshot };
  'presence.get': { params: NoParams; result: OwnPresenceSnapshot };
  /** A client saw the user (away after idle, phone/idle-away.ts): the desktop reports the system's idle time, a window its own input. */
  'presence.activity': { params: PresenceActivityParams; result: OwnPresenceSnapshot };
  /** Starts watching an address (kept across restarts); an address already watched answers its watch. */
  'watch.add': { params: WatchAddParams; result: WatchSnapshot };
  'watch.remove': { params: WatchIdParams; result: null };
  'watch.list': { params: NoParams; result: WatchSnapshot[] };
  /** Picks up the call ringing on a watched line (the server's pickup code, or INVITE with Replaces). */
  'watch.pickup': { params: WatchPickupParams; result: CallSnapshot };
  'watchers.list': { params: NoParams; result: WatcherSnapshot[] };
  /** Allows or blocks a watcher (remembered). */
  'watchers.decide': { params: WatcherDecideParams; result: WatcherSnapshot };
  'mwi.list': { params: NoParams; result: MwiSnapshot[] };
  /** Calls the account's voicemail. */
  'mwi.dial': { params: MwiDialParams; result: CallSnapshot };
}

export const PRESENCE_COMMAND_NAMES = [
  'presence.set',
  'presence.get',
  'presence.activity',
  'watch.add',
  'watch.remove',
  'watch.list',
  'watch.pickup',
  'watchers.list',
  'watchers.decide',
  'mwi.list',
  'mwi.dial',
] as const satisfies readonly (keyof PresenceCommands)[];

const allCommandsListed: Exclude<keyof PresenceCommands, (typeof PRESENCE_COMMAND_NAMES)[number]> extends never ? true : false = true;
void allCommandsListed;

/** event name → data for this group (merged into events.ts's `Events`). */
export interface PresenceEvents {
  /** Our own status or a publication changed. */
  'presence.own': OwnPresenceSnapshot;
  /** A watched address changed (presence, line or a subscription's state). */
  watch: WatchSnapshot;
  /** A watch was removed. */
  'watch.removed': WatchIdParams;
  /** Someone asks to watch us, or a watcher's state changed. */
  watcher: WatcherSnapshot;
  /** An account's message-waiting summary changed. */
  mwi: MwiSnapshot;
}

export const PRESENCE_EVENT_NAMES = ['presence.own', 'watch', 'watch.removed', 'watcher', 'mwi'] as const satisfies readonly (keyof PresenceEvents)[];

const allEventsListed: Exclude<keyof PresenceEvents, (typeof PRESENCE_EVENT_NAMES)[number]> extends never ? true : false = true;
void allEventsListed;
