/**
 * What the API layer needs from the phone model (docs/conventions.md item 2: the layer
 * that calls declares the interface; the layer below implements it). The
 * phone wiring implements `PhoneApi`; every host reaches it only through the
 * dispatcher, which has validated the params against `schemas.ts` first, so
 * a method may rely on the params' shape, lengths and formats (not on their
 * meaning: whether the account exists, the AOR parses, the identity is ours).
 *
 * A method either resolves with its result or throws:
 *  - `ApiError(code, message)` for a condition the user can act on (unknown
 *    call → 'not-found', answering an answered call → 'conflict', …);
 *  - anything else is taken for a bug and answered as 'internal'.
 * Methods whose result is `null` may resolve with nothing.
 *
 * The method names are the command names, so the dispatcher needs no table.
 */
import type {
  AccountIdParams,
  AccountInput,
  AccountPatch,
  CallIdParams,
  CommandName,
  CommandParams,
  CommandResult,
  ContactInput,
  ContactPatch,
  ContactsListParams,
  DeclineParams,
  DiagnosticsParams,
  DialParams,
  DtmfParams,
  HistoryListParams,
  IdParams,
  MessageSendParams,
  MessagesListParams,
  ComposingParams,
  ConversationsListParams,
  PeerParams,
  MuteParams,
  NetworkChangedParams,
  NoParams,
  SettingsPatch,
  RecordParams,
  PickupParams,
  MergeParams,
  TransferParams,
  UpdateParams,
} from './commands.ts';
import type { PresenceCommands } from './presence-contract.ts';
import type { ForwardingCommands } from './forwarding-contract.ts';
import type {
  AccountSnapshot,
  AppSnapshot,
  AudioDevice,
  CallSnapshot,
  ContactSnapshot,
  DiagnosticsCounts,
  HistoryEntry,
  MessageSnapshot,
  ConversationSnapshot,
  RegistrationSnapshot,
  Settings,
  TraceEntry,
} from './snapshots.ts';
import type { DiagnosticsLogsParams, DiagnosticsTraceParams, EngineLogEntry } from './diagnostics-api.ts';
import type { PhoneSystemPatch, PhoneSystemSnapshot, PhoneSystemUserInput, PhoneSystemUserPatch, PhoneSystemUsernameParams } from './phone-system-api.ts';
import type { RecordingCommands } from './recording-api.ts';
import type { ConnectionCommandName, ConnectionControl } from './connection-api.ts';

/** Who sent a command: lets the phone tie a call's audio to the client that answered it. */
export interface CommandContext {
  host: 'ws' | 'ipc' | 'cli' | 'test';
  /** Stable for one connection ('ws-3'); the same across the commands of one client. */
  client: string;
  /**
   * The host's side of this client's connection: the dispatcher hands it the
   * connection commands (connection-api.ts); absent, they answer `unavailable`.
   */
  connection?: ConnectionControl;
}

/** The commands the phone answers: all but the connection's own (connection-api.ts). */
export type PhoneCommandName = Exclude<CommandName, ConnectionCommandName>;

/** The forwarding commands (forwarding-contract.ts), one method each. */
export type ForwardingApi = { [N in keyof ForwardingCommands]: PhoneApiMethod<N> };

/** The presence, watched-line and voicemail commands (presence-contract.ts), one method each. */
export type PresenceApi = { [N in keyof PresenceCommands]: PhoneApiMethod<N> };

/** Recordings linked from the history (recording-api.ts). */
export type RecordingApi = { [N in keyof RecordingCommands]: PhoneApiMethod<N> };

export interface PhoneApi extends PresenceApi, PhoneSystemApi, ForwardingApi, RecordingApi {
  'accounts.list'(params: NoParams, context: CommandContext): Promise<AccountSnapshot[]>;
  'accounts.add'(params: AccountInput, context: CommandContext): Promise<AccountSnapshot>;
  'accounts.update'(params: UpdateParams<AccountPatch>, context: CommandContext): Promise<AccountSnapshot>;
  'accounts.remove'(params: IdParams, context: CommandContext): Promise<null | void>;
  'account.register'(params: AccountIdParams, context: CommandContext): Promise<RegistrationSnapshot>;
  'account.unregister'(params: AccountIdParams, context: CommandContext): Promise<RegistrationSnapshot>;

  'call.dial'(params: DialParams, context: CommandContext): Promise<CallSnapshot>;
  'call.answer'(params: CallIdParams, context: CommandContext): Promise<CallSnapshot>;
  'call.decline'(params: DeclineParams, context: CommandContext): Promise<null | void>;
  'call.hangup'(params: CallIdParams, context: CommandContext): Promise<null | void>;
  'call.hold'(params: CallIdParams, context: CommandContext): Promise<CallSnapshot>;
  'call.resume'(params: CallIdParams, context: CommandContext): Promise<CallSnapshot>;
  'call.mute'(params: MuteParams, context: CommandContext): Promise<CallSnapshot>;
  'call.dtmf'(params: DtmfParams, context: CommandContext): Promise<null | void>;
  'call.transfer'(params: TransferParams, context: CommandContext): Promise<null | void>;
  'call.record'(params: RecordParams, context: CommandContext): Promise<CallSnapshot>;
  'call.pickup'(params: PickupParams, context: CommandContext): Promise<CallSnapshot>;
  'call.merge'(params: MergeParams, context: CommandContext): Promise<CallSnapshot>;
  'call.split'(params: CallIdParams, context: CommandContext): Promise<CallSnapshot>;
  'call.earlyMedia'(params: CallIdParams, context: CommandContext): Promise<CallSnapshot>;
  'calls.list'(params: NoParams, context: CommandContext): Promise<CallSnapshot[]>;

  'contacts.list'(params: ContactsListParams, context: CommandContext): Promise<ContactSnapshot[]>;
  'contacts.add'(params: ContactInput, context: CommandContext): Promise<ContactSnapshot>;
  'contacts.update'(params: UpdateParams<ContactPatch>, context: CommandContext): Promise<ContactSnapshot>;
  'contacts.remove'(params: IdParams, context: CommandContext): Promise<null | void>;

  'history.list'(params: HistoryListParams, context: CommandContext): Promise<HistoryEntry[]>;
  'history.clear'(params: NoParams, context: CommandContext): Promise<null | void>;
  'history.remove'(params: IdParams, context: CommandContext): Promise<null | void>;

  'settings.get'(params: NoParams, context: CommandContext): Promise<Settings>;
  'settings.update'(params: SettingsPatch, context: CommandContext): Promise<Settings>;

  'messages.send'(params: MessageSendParams, context: CommandContext): Promise<MessageSnapshot>;
  'messages.list'(params: MessagesListParams, context: CommandContext): Promise<MessageSnapshot[]>;
  'messages.conversations'(params: ConversationsListParams, context: CommandContext): Promise<ConversationSnapshot[]>;
  'messages.read'(params: PeerParams, context: CommandContext): Promise<ConversationSnapshot | null>;
  'messages.remove'(params: PeerParams, context: CommandContext): Promise<null | void>;
  'messages.allow'(params: PeerParams, context: CommandContext): Promise<null | void>;
  'messages.block'(params: PeerParams, context: CommandContext): Promise<null | void>;
  'messages.composing'(params: ComposingParams, context: CommandContext): Promise<null | void>;

  'audio.devices'(params: NoParams, context: CommandContext): Promise<AudioDevice[]>;
  'app.snapshot'(params: NoParams, context: CommandContext): Promise<AppSnapshot>;
  'diagnostics.counts'(params: DiagnosticsParams, context: CommandContext): Promise<DiagnosticsCounts>;
  'diagnostics.logs'(params: DiagnosticsLogsParams, context: CommandContext): Promise<EngineLogEntry[]>;
  'diagnostics.trace'(params: DiagnosticsTraceParams, context: CommandContext): Promise<TraceEntry[]>;

  'network.changed'(params: NetworkChangedParams, context: CommandContext): Promise<null | void>;
}

/** "Host a phone system on this computer" (phone-system-api.ts). */
export interface PhoneSystemApi {
  'phoneSystem.get'(params: NoParams, context: CommandContext): Promise<PhoneSystemSnapshot>;
  'phoneSystem.update'(params: PhoneSystemPatch, context: CommandContext): Promise<PhoneSystemSnapshot>;
  'phoneSystem.users.add'(params: PhoneSystemUserInput, context: CommandContext): Promise<PhoneSystemSnapshot>;
  'phoneSystem.users.update'(params: PhoneSystemUserPatch, context: CommandContext): Promise<PhoneSystemSnapshot>;
  'phoneSystem.users.remove'(params: PhoneSystemUsernameParams, context: CommandContext): Promise<PhoneSystemSnapshot>;
}

/** One handler method, as the dispatcher calls it. */
export type PhoneApiMethod<N extends CommandName> = (
  params: CommandParams<N>,
  context: CommandContext,
) => Promise<CommandResult<N> extends null ? null | void : CommandResult<N>>;

// Compile-time check that PhoneApi has one method per phone command with the contract's types, and no others.
const methodsMatch: { [N in PhoneCommandName]: PhoneApiMethod<N> } = {} as PhoneApi;
const noExtraMethods: Exclude<keyof PhoneApi, PhoneCommandName> extends never ? true : false = true;
void methodsMatch;
void noExtraMethods;
