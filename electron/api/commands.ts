/**
 * The commands of the control API: name → params → result. This table is the
 * contract; `schemas.ts` validates params against it at the boundary and the
 * compiler checks that every schema yields exactly these types.
 *
 * Conventions:
 *  - Every params value is a plain object (no-parameter commands take `{}`,
 *    or nothing at all); unknown keys are refused.
 *  - A command that has nothing to return answers `null`; the state change it
 *    causes arrives as events.
 *  - In patches an absent key means "leave as is" and `null` means "clear"
 *    (for fields that may be absent in the snapshot).
 *
 * Imports only types: the renderer compiles this file with DOM types and no Node.
 */
import type {
  AccountSnapshot,
  AppSnapshot,
  AudioDevice,
  CallSnapshot,
  ComposingSnapshot,
  ContactAddress,
  ConversationSnapshot,
  DiagnosticsCounts,
  ContactNumber,
  ContactSnapshot,
  Direction,
  DtmfMode,
  HistoryEntry,
  IdentityRule,
  MessageSnapshot,
  CallerIdPrivacy,
  RecordingFormat,
  RegistrationSnapshot,
  Settings,
  SrtpMode,
  TransportName,
} from './snapshots.ts';
import type { PresenceCommands } from './presence-contract.ts';
import { PRESENCE_COMMAND_NAMES } from './presence-contract.ts';
import type { DiagnosticsCommands } from './diagnostics-api.ts';
import { DIAGNOSTICS_COMMAND_NAMES } from './diagnostics-api.ts';
import type { PhoneSystemCommands } from './phone-system-api.ts';
import type { ForwardingCommands } from './forwarding-contract.ts';
import { FORWARDING_COMMAND_NAMES } from './forwarding-contract.ts';
import { PHONE_SYSTEM_COMMAND_NAMES } from './phone-system-api.ts';
import type { RecordingCommands } from './recording-api.ts';
import { RECORDING_COMMAND_NAMES } from './recording-api.ts';
import type { ConnectionCommands } from './connection-api.ts';
import { CONNECTION_COMMAND_NAMES } from './connection-api.ts';

export type NoParams = Record<string, never>;

/** The editable fields of an account. */
export interface AccountFields {
  displayName: string;
  aor: string;
  aliases: string[];
  /** Digest user name; null = the AOR's user part. */
  authUser: string | null;
  registrar: string | null;
  outboundProxy: string | null;
  transport: TransportName;
  codecs: string[];
  srtp: SrtpMode;
  dtmf: DtmfMode;
  autoAnswer: boolean;
  enabled: boolean;
  identityRules: IdentityRule[];
  registerExpires: number;
  usePreferredIdentity: boolean;
  /** Digest realms the password answers; [] = the registrar's realm learned at the first registration, else the domain. */
  authRealms: string[];
  /** TLS: a PEM file of extra CAs trusted for this account's servers. */
  tlsCaFile: string | null;
  /** TLS: only the server certificate with this SHA-256 fingerprint is accepted. */
  tlsPin: string | null;
  /** Send SDES keys (a=crypto) even when the signalling is not TLS on every hop (the keys travel in clear text). */
  sdesInClear: boolean;
  /** The voicemail number or address `mwi.dial` calls; null = the server's Message-Account. */
  voicemail: string | null;
  /** Directed call pickup: this prefix and the watched line's number are dialled ("*8" → "*8201"); null = INVITE with Replaces. */
  pickupCode: string | null;
  /** Caller-ID privacy of our calls: 'none', 'id' or 'header' (RFC 3323/3325; snapshots.ts). */
  privacy: CallerIdPrivacy;
  /** STUN server for this account's calls (our public media address), "host[:port]"; null = the phone's, if any. */
  stunServer: string | null;
  /** TURN server relaying this account's calls when nothing else gets through, "user@host[:port]"; its password is `turnPassword`. */
  turnServer: string | null;
}

/** `accounts.add`: the AOR and whatever differs from the defaults. The passwords go in, never out. */
export type AccountInput = Partial<AccountFields> & { aor: string; password?: string; turnPassword?: string };

/** `accounts.update`: `password: null` removes the stored password, `turnPassword: null` the TURN one. */
export type AccountPatch = Partial<AccountFields> & { password?: string | null; turnPassword?: string | null };

export interface ContactFields {
  name: string;
  addresses: ContactAddress[];
  numbers: ContactNumber[];
  favorite: boolean;
}

export type ContactInput = Partial<ContactFields> & { name: string };
export type ContactPatch = Partial<ContactFields>;

export type SettingsPatch = Partial<Settings>;

export interface IdParams {
  id: string;
}

export interface AccountIdParams {
  accountId: string;
}

export interface CallIdParams {
  callId: string;
}

export interface DialParams {
  /** What the user typed or clicked: a number, a name, user@host, a sip:/tel: URI. */
  target: string;
  /** Which account places the call; absent = the phone's default choice. */
  accountId?: string;
  /** Which of the account's addresses to present; absent = identity rules, then the AOR. */
  identity?: string;
  /**
   * Withhold our identity (RFC 3323 / 3325): From is anonymous, `Privacy: id`
   * asks the server not to pass our asserted identity on, and
   * P-Preferred-Identity still tells our own server who we are.
   */
  privacy?: boolean;
}

export interface DeclineParams {
  callId: string;
  /** 486 Busy Here (default) or 603 Decline (RFC 3261 §21.4.7, §21.6.2). */
  code?: 486 | 603;
}

export interface MuteParams {
  callId: string;
  muted: boolean;
}

export interface DtmfParams {
  callId: string;
  /** 1–32 of 0-9 * # A-D (RFC 4733 §3.2 events 0–15). */
  digits: string;
}

/** One of `target` (blind) or `toCallId` (attended). */
export interface TransferParams {
  callId: string;
  /** Blind transfer target (REFER, RFC 3515). */
  target?: string;
  /**
   * Attended transfer (RFC 5589 §7), also "transfer to an existing call":
   * the peer of `callId` is REFERred, with Replaces (RFC 3891), to the peer
   * of this connected call and takes its place; both our calls then end.
   */
  toCallId?: string;
}

/** Merges two connected calls into a conference with us (or adds one to the other's conference). */
export interface MergeParams {
  callId: string;
  withCallId: string;
}

/**
 * Call pickup (RFC 3891): an INVITE to `target` — the caller of a call
 * ringing elsewhere — with Replaces naming that call's dialog as the caller
 * has it (a BLF dialog-info's call-id, remote tag as toTag, local tag as
 * fromTag). The caller's phone answers us and cancels the ringing call.
 */
export interface PickupParams {
  target: string;
  sipCallId: string;
  toTag: string;
  fromTag: string;
  /** Replace only a call still ringing (default true; a connected call answers 486). */
  earlyOnly?: boolean;
  accountId?: string;
}

export interface RecordParams {
  callId: string;
  /** Start (true) or stop (false) recording the call, both ways, into a new file in the recordings folder (setting `recordingsFolder`). */
  record: boolean;
  /** 'mixed' (default): one channel, both sides at their own levels; 'stereo': left us, right the other side. */
  layout?: 'mixed' | 'stereo';
  /** The file's format; default: the setting `recordingFormat`. */
  format?: RecordingFormat;
}

export interface ContactsListParams {
  /** Matches names, addresses and numbers; absent = all contacts. */
  query?: string;
}

export interface HistoryListParams {
  /** At most this many entries, newest first (default chosen by the phone). */
  limit?: number;
  /** Only entries that started before this time (ms since epoch): the page cursor. */
  before?: number;
  direction?: Direction;
  /** Only incoming calls that were never answered. */
  missedOnly?: boolean;
}

// ── Instant messages (RFC 3428 MESSAGE, RFC 3994 isComposing) ──────────────

export interface MessageSendParams {
  accountId?: string;
  /** Which of the account's addresses sends it (From); absent = identity rules, then the AOR. */
  identity?: string;
  target: string;
  /** text/plain; at most 1300 bytes of UTF-8 (RFC 3428 §8: fits in one UDP datagram). */
  body: string;
}

export interface MessagesListParams {
  /** Only the conversation with this address. */
  peer?: string;
  /** Only messages whose text contains this. */
  query?: string;
  limit?: number;
  before?: number;
}

export interface ConversationsListParams {
  /** Only conversations whose address or some message contains this. */
  query?: string;
  limit?: number;
}

export interface PeerParams {
  /** The conversation's address (ConversationSnapshot.peer). */
  peer: string;
}

export interface ComposingParams {
  target: string;
  accountId?: string;
  identity?: string;
  /** true: we are typing (sent again every 90 s while it lasts); false: we stopped (RFC 3994 §4). */
  active: boolean;
}

export interface DiagnosticsParams {
  /** Run a full garbage collection first (only when the process was started with --expose-gc). */
  gc?: boolean;
}

/**
 * Why the host thinks the network may have changed under the phone:
 *  - 'resume': the machine woke from sleep (NAT bindings and the registrar's
 *    view of our Contact may have expired meanwhile);
 *  - 'unlock-screen': the session was unlocked (some systems sleep the
 *    network while locked without a suspend);
 *  - 'interfaces': an address appeared or went away;
 *  - 'manual': the user asked to reconnect.
 */
export const NETWORK_CHANGE_REASONS = ['resume', 'unlock-screen', 'interfaces', 'manual'] as const;
export type NetworkChangeReason = (typeof NETWORK_CHANGE_REASONS)[number];

export interface NetworkChangedParams {
  reason: NetworkChangeReason;
}

export interface UpdateParams<P> {
  id: string;
  changes: P;
}

/** name → { params, result }. One entry per command; keep them grouped as the UI groups them (presence, lines and voicemail: presence-contract.ts). */
export interface Commands extends PresenceCommands, PhoneSystemCommands, DiagnosticsCommands, ForwardingCommands, RecordingCommands, ConnectionCommands {
  'accounts.list': { params: NoParams; result: AccountSnapshot[] };
  'accounts.add': { params: AccountInput; result: AccountSnapshot };
  'accounts.update': { params: UpdateParams<AccountPatch>; result: AccountSnapshot };
  'accounts.remove': { params: IdParams; result: null };
  'account.register': { params: AccountIdParams; result: RegistrationSnapshot };
  'account.unregister': { params: AccountIdParams; result: RegistrationSnapshot };

  'call.dial': { params: DialParams; result: CallSnapshot };
  'call.answer': { params: CallIdParams; result: CallSnapshot };
  'call.decline': { params: DeclineParams; result: null };
  'call.hangup': { params: CallIdParams; result: null };
  'call.hold': { params: CallIdParams; result: CallSnapshot };
  'call.resume': { params: CallIdParams; result: CallSnapshot };
  'call.mute': { params: MuteParams; result: CallSnapshot };
  'call.dtmf': { params: DtmfParams; result: null };
  'call.transfer': { params: TransferParams; result: null };
  'call.record': { params: RecordParams; result: CallSnapshot };
  'call.pickup': { params: PickupParams; result: CallSnapshot };
  'call.merge': { params: MergeParams; result: CallSnapshot };
  /** Takes the call out of its conference and holds it. */
  'call.split': { params: CallIdParams; result: CallSnapshot };
  /** Session extensions (RFC 3262 / 3960): a ringing incoming call sends early media (183 with our answer; our audio flows before the answer). */
  'call.earlyMedia': { params: CallIdParams; result: CallSnapshot };
  'calls.list': { params: NoParams; result: CallSnapshot[] };

  'contacts.list': { params: ContactsListParams; result: ContactSnapshot[] };
  'contacts.add': { params: ContactInput; result: ContactSnapshot };
  'contacts.update': { params: UpdateParams<ContactPatch>; result: ContactSnapshot };
  'contacts.remove': { params: IdParams; result: null };

  'history.list': { params: HistoryListParams; result: HistoryEntry[] };
  'history.clear': { params: NoParams; result: null };
  /** Deletes one entry (the id from history.list). */
  'history.remove': { params: IdParams; result: null };

  'settings.get': { params: NoParams; result: Settings };
  'settings.update': { params: SettingsPatch; result: Settings };

  'messages.send': { params: MessageSendParams; result: MessageSnapshot };
  'messages.list': { params: MessagesListParams; result: MessageSnapshot[] };
  'messages.conversations': { params: ConversationsListParams; result: ConversationSnapshot[] };
  /** Marks the conversation read (its unread count drops to 0; a 'conversation' event follows). */
  'messages.read': { params: PeerParams; result: ConversationSnapshot | null };
  /** Deletes the conversation's messages. */
  'messages.remove': { params: PeerParams; result: null };
  /** Takes a request into the conversations (or unblocks). */
  'messages.allow': { params: PeerParams; result: null };
  /** Refuses the peer's messages from now on (603, not stored). */
  'messages.block': { params: PeerParams; result: null };
  /** Tells the peer we are typing or stopped (RFC 3994). */
  'messages.composing': { params: ComposingParams; result: null };

  'audio.devices': { params: NoParams; result: AudioDevice[] };
  'app.snapshot': { params: NoParams; result: AppSnapshot };
  'diagnostics.counts': { params: DiagnosticsParams; result: DiagnosticsCounts };

  /** The host saw a sign that the network changed (see NetworkChangeReason); the phone re-establishes what depends on it. */
  'network.changed': { params: NetworkChangedParams; result: null };
}

export type CommandName = keyof Commands;
export type CommandParams<N extends CommandName> = Commands[N]['params'];
export type CommandResult<N extends CommandName> = Commands[N]['result'];

/** Every command name, in the order of `Commands` (for hosts that list or check them). */
export const COMMAND_NAMES = [
  'accounts.list',
  'accounts.add',
  'accounts.update',
  'accounts.remove',
  'account.register',
  'account.unregister',
  'call.dial',
  'call.answer',
  'call.decline',
  'call.hangup',
  'call.hold',
  'call.resume',
  'call.mute',
  'call.dtmf',
  'call.transfer',
  'call.record',
  'call.pickup',
  'call.merge',
  'call.split',
  'call.earlyMedia',
  'calls.list',
  'contacts.list',
  'contacts.add',
  'contacts.update',
  'contacts.remove',
  'history.list',
  'history.clear',
  'history.remove',
  'settings.get',
  'settings.update',
  'messages.send',
  'messages.list',
  'messages.conversations',
  'messages.read',
  'messages.remove',
  'messages.allow',
  'messages.block',
  'messages.composing',
  'audio.devices',
  'app.snapshot',
  'diagnostics.counts',
  'network.changed',
  ...PRESENCE_COMMAND_NAMES,
  ...PHONE_SYSTEM_COMMAND_NAMES,
  ...DIAGNOSTICS_COMMAND_NAMES,
  ...FORWARDING_COMMAND_NAMES,
  ...RECORDING_COMMAND_NAMES,
  ...CONNECTION_COMMAND_NAMES,
] as const satisfies readonly CommandName[];

// Compile-time check that COMMAND_NAMES lists every command (a missing one makes this `never`-typed line fail).
const allListed: Exclude<CommandName, (typeof COMMAND_NAMES)[number]> extends never ? true : false = true;
void allListed;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && (COMMAND_NAMES as readonly string[]).includes(name);
}
