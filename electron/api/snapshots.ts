/**
 * The plain-data snapshots every host sees (docs/api.md, docs/conventions.md item 9).
 *
 * Rules for everything in this file:
 *  - JSON-safe data only: strings, numbers, booleans, arrays, plain objects.
 *    No classes, Dates, Maps or functions: a snapshot must survive
 *    JSON.stringify (WebSocket) and structured clone (Electron IPC) unchanged.
 *  - Times are wall-clock milliseconds since the Unix epoch (Date.now()).
 *  - Ids are opaque strings (≤ 128 chars); the phone model may use numbers
 *    inside, but they cross the API as strings.
 *  - An optional field (`x?`) is simply absent when unknown; it is never sent
 *    as `undefined` (JSON drops it anyway) nor as `null`.
 *  - Secrets never appear: an account says `hasPassword`, and trace text is
 *    redacted before it becomes a TraceEntry.
 *
 * Imports nothing: the renderer compiles this file with DOM types and no Node.
 */

import type { CallForwardSnapshot } from './forwarding-contract.ts';
import type { GlobalShortcuts } from './global-shortcuts.ts';

export const TRANSPORTS = ['udp', 'tcp', 'tls'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export const SRTP_MODES = ['off', 'optional', 'mandatory'] as const;
export type SrtpMode = (typeof SRTP_MODES)[number];

export const DTMF_MODES = ['rfc4733', 'info'] as const;
export type DtmfMode = (typeof DTMF_MODES)[number];
/**
 * Who sees our identity on calls (RFC 3323, 3325): 'none' — everyone; 'id' — From is anonymous and
 * `Privacy: id` asks our server to keep the identity it asserts away from the callee; 'header' —
 * also `Privacy: header` (the server hides Via, Contact…) and no User-Agent.
 */
export const CALLER_ID_PRIVACY = ['none', 'id', 'header'] as const;
export type CallerIdPrivacy = (typeof CALLER_ID_PRIVACY)[number];

export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** All present conditions must hold; tested against the dialled user part. */
export interface IdentityRuleMatch {
  prefix?: string;
  regex?: string;
  minDigits?: number;
  maxDigits?: number;
}

/** "Calls matching `match` present `identity`" (one of the account's addresses). */
export interface IdentityRule {
  match: IdentityRuleMatch;
  identity: string;
}

export interface AccountSnapshot {
  id: string;
  displayName: string;
  /** The primary address of record, what we REGISTER (RFC 3261 §10). */
  aor: string;
  /** Further addresses that reach this account, in the user's order. */
  aliases: string[];
  /** The digest user name in effect (RFC 3261 §22): the AOR's user part unless set. */
  authUser: string;
  /** Whether a password is stored. The password itself never crosses the API. */
  hasPassword: boolean;
  /** STUN server for the account's calls ("host[:port]"). */
  stunServer?: string;
  /** TURN server for the account's calls ("user@host[:port]"), and (true) that its password is stored. */
  turnServer?: string;
  hasTurnPassword?: boolean;
  /** Registrar URI; absent = the AOR's domain (RFC 3261 §10.2.6). */
  registrar?: string;
  outboundProxy?: string;
  transport: TransportName;
  /** Codec names in preference order ('opus', 'G722', 'PCMU', 'PCMA'). */
  codecs: string[];
  srtp: SrtpMode;
  dtmf: DtmfMode;
  autoAnswer: boolean;
  enabled: boolean;
  identityRules: IdentityRule[];
  /** Requested registration lifetime in seconds (RFC 3261 §10.2.1.1). */
  registerExpires: number;
  /** Send P-Preferred-Identity (RFC 3325 §9.2) with the chosen identity. */
  usePreferredIdentity: boolean;
  /** Digest realms set by the user (absent or [] = learned / the domain). */
  authRealms?: string[];
  /** The realms the password answers today: the configured ones, else those learned at the first registration, else the domain. */
  realmsInEffect?: string[];
  tlsCaFile?: string;
  /** SHA-256 fingerprint of the only server certificate accepted (upper-case hex pairs with colons). */
  tlsPin?: string;
  /** SDES keys are sent even without TLS on every hop (absent = false). */
  sdesInClear?: boolean;
  /** The voicemail number or address (absent = the server's Message-Account). */
  voicemail?: string;
  /** Directed-pickup prefix dialled before a watched line's number (absent = INVITE with Replaces). */
  pickupCode?: string;
  /** Caller-ID privacy of our calls (call.dial's `privacy` overrides it for one call). */
  privacy: CallerIdPrivacy;
}

export const REGISTRATION_STATES = ['unregistered', 'registering', 'registered', 'unregistering', 'failed'] as const;
export type RegistrationState = (typeof REGISTRATION_STATES)[number];

export interface RegistrationSnapshot {
  accountId: string;
  state: RegistrationState;
  /** The last final SIP status of REGISTER (200, 403, 408…). */
  code?: number;
  /** The server's reason phrase, verbatim. */
  reason?: string;
  /** The same in words a person understands ("wrong user name or password"). */
  words?: string;
  /** When the binding runs out unless refreshed. */
  expiresAt?: number;
  /** Contacts of other devices registered to the same AOR (from the 200's Contact list). */
  otherBindings: string[];
  /** The server certificate that was refused, when a TLS check is why it failed ("Trust this certificate" pins its fingerprint). */
  certificate?: CertificateSnapshot;
  /**
   * The account was registered and lost its registration (the server or the
   * network went away): the phone is trying again on its own — "Reconnecting…",
   * never a stale "Registered".
   */
  reconnecting?: boolean;
  /**
   * Our address as the registrar sees it ("host:port", from the Via of its
   * answers, RFC 3581, or the STUN keep-alive's mapped address) when a NAT
   * stands between us and it; absent when it sees our own address.
   */
  publicAddress?: string;
}

/** A TLS certificate as a person judges it. */
export interface CertificateSnapshot {
  /** Why it was refused: 'untrusted', 'expired', 'not-yet-valid', 'wrong-host', 'pin-mismatch', 'invalid'. */
  problem: string;
  subject: string;
  issuer: string;
  /** ISO 8601. */
  validFrom: string;
  validTo: string;
  /** SHA-256, upper-case hex pairs with colons: what `tlsPin` takes. */
  fingerprint256: string;
  /** subjectAltName ("DNS:sip.example.com, URI:sip:example.com"). */
  names: string;
  selfSigned: boolean;
  /** The name it was checked against. */
  serverName: string;
}

export const CALL_STATES = [
  'dialing', // INVITE sent, nothing back yet
  'ringing', // 180 without SDP
  'early', // 183 / 18x with SDP: early media flows
  'incoming', // INVITE received, we ring
  'connecting', // answered, waiting for ACK / 200
  'active',
  'held', // we put the call on hold
  'remote-held', // the peer put us on hold
  'ending', // BYE / CANCEL sent, waiting for the answer
  'ended',
] as const;
export type CallState = (typeof CALL_STATES)[number];

export interface CallParty {
  /** The peer's address (From of an incoming call, the target of an outgoing one). */
  uri: string;
  /** The display name the peer sent. */
  displayName?: string;
  /** The identity was asserted by the account's own server (P-Asserted-Identity / Remote-Party-ID, RFC 3325), not just claimed in From. */
  verified?: boolean;
  /** The caller asked not to be shown (Privacy, RFC 3323); `uri` is then what the server told us, or anonymous. */
  withheld?: boolean;
  /** The contact the address resolved to, if any. */
  contactId?: string;
  contactName?: string;
}

export interface CallSnapshot {
  id: string;
  accountId: string;
  direction: Direction;
  state: CallState;
  remote: CallParty;
  /** Our address in this call: the alias that was called (in) or presented (out). */
  localIdentity: string;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  muted: boolean;
  /** We hold the call (a=sendonly / inactive, RFC 3264 §8.4). */
  held: boolean;
  /** The SIP status that explains the state (486 on a busy end, 183 on early media…). */
  code?: number;
  reason?: string;
  words?: string;
  earlyMedia: boolean;
  /** The negotiated codec once media runs ('opus/48000'). */
  codec?: string;
  /** Media is protected with SRTP. */
  srtp: boolean;
  /**
   * The call commands the phone accepts for this call now; a command not in
   * the list is refused with 'conflict'. A UI enables exactly these buttons
   * (the keypad with 'dtmf', …). The phone always sends it; it is optional
   * only so that test doubles and older engines need not.
   */
  actions?: CallAction[];
  /** Our transfer of this call (RFC 3515, blind or attended) and its result from the NOTIFY sipfrag. */
  transfer?: TransferSnapshot;
  /** This call took the place of that call (RFC 3891 Replaces: a transfer completed here, a pickup). */
  replacedCall?: string;
  /** The conference (call.merge) the call is a leg of: the legs share this id. */
  conference?: string;
  /** The call is being recorded (call.record): into this file (WAV or Ogg Opus), since then. */
  recording?: { path: string; since: number; layout: 'mixed' | 'stereo'; format: RecordingFormat };
  /** The SIP Call-ID of the call's dialog: its messages in the `trace` events carry it. */
  sipCallId?: string;
  /** Set when the call was answered but could not go on and we ended it (e.g. the peer's SDP answer was unusable): why. */
  failure?: string;
  /** What protects the call, in words (signalling and media), once media is negotiated. */
  security?: CallSecurity;
  /** The server certificate that was refused, when a TLS check is why the call could not be placed (`words` say why). */
  certificate?: CertificateSnapshot;
  /**
   * The way the audio travels once known (ICE, RFC 8445): 'direct' (host
   * addresses), 'stun' (through a NAT, via the public address STUN or the
   * peer found), 'relay' (through the TURN server).
   */
  mediaPath?: 'direct' | 'stun' | 'relay';
  /** The ICE candidate pair the audio uses (RFC 8445 §8.1), when ICE is used and a pair works. */
  icePair?: { local: IceCandidateEnd; remote: IceCandidateEnd };
  /** An incoming call forwarded to us (Diversion / History-Info): by whom, why, and the line to show ("forwarded by 100@sip.test, busy"). */
  forwardedBy?: { uri: string; reason?: string; text: string };
  /** We forwarded the call (call forwarding on the phone, forwarding-contract.ts). */
  forwardedTo?: CallForwardSnapshot;
}

/** One end of an ICE candidate pair: host (an interface address), srflx/prflx (the NAT's public address), relay (TURN). */
export interface IceCandidateEnd {
  type: 'host' | 'srflx' | 'prflx' | 'relay';
  address: string;
  port: number;
}

export interface CallSecurity {
  /** "TLS to sip.example.com", "UDP (not encrypted)". */
  signalling: string;
  /** "SRTP AES-256-GCM (SDES)", "not encrypted". */
  media: string;
  /** One line for the call screen: "Signalling: TLS to sip.example.com · Media: SRTP AES-256-GCM (SDES)" or "Not encrypted". */
  summary: string;
  signallingEncrypted: boolean;
  mediaEncrypted: boolean;
  /** The TLS connection of the signalling: 'TLSv1.3' and its cipher suite ('TLS_AES_256_GCM_SHA384'), when known. */
  tlsVersion?: string;
  tlsCipher?: string;
}

export const CALL_ACTIONS = ['answer', 'decline', 'hangup', 'hold', 'resume', 'mute', 'dtmf', 'transfer', 'record', 'merge', 'split', 'earlyMedia'] as const;
export type CallAction = (typeof CALL_ACTIONS)[number];

export interface TransferSnapshot {
  /** Where the peer was asked to go. */
  target: string;
  /** Attended transfer: the call whose peer it replaces. */
  toCallId?: string;
  /** 'trying' until the transferee reports a final answer (succeeded 2xx, failed otherwise or REFER refused). */
  state: 'trying' | 'succeeded' | 'failed';
  /** The status the transferee reported (sipfrag), or the REFER's own answer. */
  code?: number;
  reason?: string;
  words?: string;
}

/** The `call.incoming` event: the call, which of our addresses was called, and who calls. */
export interface IncomingCallSnapshot extends CallSnapshot {
  calledAlias: string;
  contact?: ContactSnapshot;
}

/** RTCP-derived figures for one call (RFC 3550 §6.4), sent every few seconds. */
export interface MediaStats {
  callId: string;
  packetsSent: number;
  packetsReceived: number;
  /** 0–100. */
  lossPercent: number;
  jitterMs: number;
  rttMs?: number;
  /** Estimated mean opinion score, 1–5. */
  mos?: number;
  /** RTP payload and header bytes so far, each way (a bitrate is their change over time). */
  bytesSent?: number;
  bytesReceived?: number;
  /** Loss and jitter the peer reports for what we send (its RTCP receiver report). */
  remoteLossPercent?: number;
  remoteJitterMs?: number;
  /** Audio held in our jitter buffer ahead of playout, ms. */
  jitterBufferMs?: number;
  /** Frames filled in by concealment (lost packets and underruns) so far. */
  concealedFrames?: number;
}

export interface ContactAddress {
  label?: string;
  uri: string;
}

export interface ContactNumber {
  label?: string;
  /** As the user wrote it ("+55 48 4567-8901"). */
  number: string;
}

export interface ContactSnapshot {
  id: string;
  name: string;
  addresses: ContactAddress[];
  numbers: ContactNumber[];
  favorite: boolean;
}

export interface CallQuality {
  mos: number;
  lossPercent: number;
  jitterMs: number;
  rttMs: number;
  /** What protected the call (CallSecurity.summary), kept with the history. */
  security?: string;
}

export interface HistoryEntry {
  id: string;
  direction: Direction;
  /** The peer's address. */
  peer: string;
  peerName?: string;
  contactId?: string;
  /** Our address that was called (in) or presented (out); absent if the call failed before one was chosen. */
  localAlias?: string;
  /** Absent once the account has been removed (the history keeps the call). */
  accountId?: string;
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  /** Final SIP status (200, 486, 487…). */
  code?: number;
  reason?: string;
  /** The code in words ("busy", "declined"). */
  words?: string;
  quality?: CallQuality;
  /** "forwarded by 100@sip.test, busy": the call reached us forwarded (Diversion / History-Info). */
  forwardedBy?: string;
  /** "forwarded to 200@sip.test, busy": we forwarded the call (redirected, or joined to a new call). */
  forwardedTo?: string;
  /** The files the call was recorded into (recording-api.ts opens, shows and deletes them). */
  recordings?: RecordingLink[];
}

export const RECORDING_FORMATS = ['wav', 'opus'] as const;
/** 'wav': 16-bit PCM; 'opus': Ogg Opus (RFC 7845), about a tenth of the size. */
export type RecordingFormat = (typeof RECORDING_FORMATS)[number];

/** One recording of a call, as its History entry lists it. */
export interface RecordingLink {
  /** Absolute path of the file. */
  path: string;
  format: RecordingFormat;
  /** Its size; absent when the file is no longer there (moved or deleted outside Parley). */
  bytes?: number;
}

/**
 * An instant message's state. Incoming: 'received'. Outgoing: 'sending' until
 * the MESSAGE's final answer: 'delivered' (2xx), 'stored' (202 Accepted: a
 * store-and-forward server keeps it until the peer is online, RFC 3428 §7),
 * 'failed' (with `code`, `reason` and `words`).
 */
export const MESSAGE_STATUSES = ['received', 'sending', 'delivered', 'stored', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** An instant message (SIP MESSAGE, RFC 3428). */
export interface MessageSnapshot {
  id: string;
  /** Absent once the account has been removed. */
  accountId?: string;
  direction: Direction;
  /** The other side's address (sip:user@host): the conversation's key. */
  peer: string;
  peerName?: string;
  contactId?: string;
  /** Our address it was sent from (out) or to (in), when known. */
  localAlias?: string;
  /** The text. Received text has control characters replaced (U+FFFD); show it as text, isolated (dir=auto). */
  body: string;
  /** How it came: text/plain, message/cpim (its text/plain part is the body), text/html (shown as its text). */
  contentType: string;
  timestamp: number;
  status: MessageStatus;
  /** Final SIP status of an outgoing MESSAGE. */
  code?: number;
  reason?: string;
  words?: string;
}

/**
 * 'request': a stranger (not a contact) wrote first and we have not answered:
 * shown apart, with allow/block; 'open'; 'blocked': their MESSAGEs are refused
 * (603) and not stored.
 */
export const CONVERSATION_STATES = ['request', 'open', 'blocked'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/** The messages with one peer address. */
export interface ConversationSnapshot {
  peer: string;
  peerName?: string;
  contactId?: string;
  last: MessageSnapshot;
  count: number;
  /** Received messages the user has not read (messages.read). */
  unread: number;
  state: ConversationState;
  /** True in the event sent when the conversation was deleted. */
  removed?: boolean;
}

/** The other side is typing (RFC 3994 isComposing), or stopped. */
export interface ComposingSnapshot {
  peer: string;
  peerName?: string;
  accountId?: string;
  active: boolean;
  /** When 'active' lapses unless refreshed (the indication's refresh, default 120 s; ms since epoch). */
  expiresAt?: number;
}

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const LINK_ACTIONS = ['fill', 'dial'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** How numbers are compared for caller ID and alias matching. */
export interface NumberingPlan {
  /** Country calling code without '+', or '' (e.g. '55'). */
  countryCode: string;
  /** National trunk prefix (e.g. '0'). */
  trunkPrefix: string;
  /** International call prefix (e.g. '00'). */
  internationalPrefix: string;
  /** Numbers agree when at least this many trailing digits match. */
  minMatchDigits: number;
}

export interface Settings {
  /** Device ids as the renderer's enumerateDevices() gives them, or 'default'. */
  audioInput: string;
  audioOutput: string;
  ringDevice: string;
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
  /** A ringtone name from resources/ringtones, or 'default'. */
  ringtone: string;
  theme: Theme;
  /** What a clicked sip:/tel: link does: fill the dial field, or dial at once. */
  linkAction: LinkAction;
  startMinimized: boolean;
  startAtLogin: boolean;
  /** Do not disturb: incoming calls are declined without ringing. */
  dnd: boolean;
  /** Raise the window on an incoming call (off: no focus stealing). */
  focusOnIncomingCall: boolean;
  numberingPlan: NumberingPlan;
  /**
   * Missed calls that started at or before this time (ms since epoch; 0 = never) have been
   * seen in the History view: the missed-call badge counts only later ones, in every window.
   */
  missedSeenAt: number;
  /**
   * Ring for calls made straight to this computer (not through an account's
   * server) by callers who are not in the contacts. Off: such calls are
   * refused without ringing (SIP scanners find every open SIP port).
   */
  callsFromStrangers: boolean;
  /** The UDP ports RTP (and RTCP) may use; a firewall rule can open just these. */
  rtpPorts: PortRange;
  /** Where call.record writes its files: an absolute path, or '' for the recordings folder in Parley's data folder. */
  recordingsFolder: string;
  /** The format of new recordings. */
  recordingFormat: RecordingFormat;
  /** Publish "away" after this many minutes without use of the computer; 0 = never. */
  awayAfterIdleMinutes: number;
  /** Keys that answer, hang up, mute, hold or show Parley from any program (desktop app only; global-shortcuts.ts). */
  globalShortcuts: GlobalShortcuts;
}

export interface PortRange {
  min: number;
  max: number;
}

/** A DTMF digit the other side sent. */
export interface DtmfReceived {
  callId: string;
  digit: string;
  durationMs: number;
  via: 'rfc4733' | 'info';
}

/** A link handed to the app (command line, second instance, OS). */
export interface LinkOpen {
  /** The dial target as parsed from the link (sip:, sips: or tel: URI). */
  target: string;
  /** What to do with it, from the linkAction setting. */
  action: LinkAction;
}

export const AUDIO_DEVICE_KINDS = ['input', 'output'] as const;
export type AudioDeviceKind = (typeof AUDIO_DEVICE_KINDS)[number];

/** An audio device the engine itself can open (file, tone, silence in the CLI). */
export interface AudioDevice {
  id: string;
  label: string;
  kind: AudioDeviceKind;
  isDefault: boolean;
}

/** One SIP message as sent or received, for the trace view. */
export interface TraceEntry {
  time: number;
  direction: Direction;
  transport: TransportName | 'ws' | 'wss';
  /** `host:port` of the peer. */
  remote: string;
  /** `host:port` of our socket. */
  local: string;
  /** The whole message, credentials already redacted. */
  text: string;
  /** The SIP Call-ID, to group a dialog's messages. */
  callId?: string;
}

/** Everything the UI needs at connect; events keep it current afterwards. */
/**
 * What the phone holds now (`diagnostics.counts`): the figures a soak or a
 * flood test reads to prove that nothing of a finished call stays behind.
 */
export interface DiagnosticsCounts {
  /** Calls the phone follows (ringing, connecting, connected). */
  calls: number;
  /** Incoming INVITEs whose media was prepared but that were not announced yet. */
  pendingIncoming: number;
  /** Call objects made since start and not yet garbage-collected (a FinalizationRegistry count; meaningful after a forced GC). */
  callObjectsAlive: number;
  /** Media sessions not stopped. */
  mediaSessions: number;
  /** SIP calls the user agent follows, dialogs, and transactions (client + server). */
  sipCalls: number;
  dialogs: number;
  transactions: number;
  /** process.memoryUsage() figures, in bytes, read after the GC when one ran. */
  heapUsedBytes: number;
  rssBytes: number;
  /** A GC was forced first (asked for, and the process runs with --expose-gc). */
  gcForced: boolean;
}

export interface AppSnapshot {
  accounts: AccountSnapshot[];
  registrations: RegistrationSnapshot[];
  calls: CallSnapshot[];
  settings: Settings;
  /** This phone's SIP TLS listener: the certificate it presents (a peer pins its fingerprint). */
  tls?: ListenerTlsSnapshot;
}

export interface ListenerTlsSnapshot {
  /** SHA-256, upper-case hex pairs with colons. */
  fingerprint256: string;
  subject: string;
  /** ISO 8601. */
  validTo: string;
  /** Made by Parley on first use (no CA vouches for it). */
  selfSigned: boolean;
  /** Listening ports ("0.0.0.0:5061"). */
  listening: string[];
}
