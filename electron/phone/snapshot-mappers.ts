/**
 * The phone model ↔ the API contract's plain snapshots (docs/conventions.md item 9).
 * The two were written apart and differ in small ways, all settled here:
 *
 *   model                              API
 *   pPreferredIdentity                 usePreferredIdentity
 *   authUser null                      the AOR's user part (what is in effect)
 *   secretRef                          hasPassword (never the secret itself)
 *   registrar/outboundProxy null       field absent
 *   device id null                     'default'
 *   numeric history/message ids        strings
 *   peerUri, resultCode                peer, code
 *   quality.loss 0–1, jitter, rtt      lossPercent 0–100, jitterMs, rttMs
 *   contact label ''                   label absent
 *   null anywhere else                 field absent (snapshots.ts: never null)
 */
import { statusInWords } from '../sip/ua/status-reason.ts';
import type { AccountInput as ApiAccountInput, AccountPatch as ApiAccountPatch, ContactInput as ApiContactInput, ContactPatch as ApiContactPatch, SettingsPatch } from '../api/commands.ts';
import type {
  MediaStats,
  AccountSnapshot,
  ContactSnapshot,
  HistoryEntry as ApiHistoryEntry,
  IdentityRule as ApiIdentityRule,
  MessageSnapshot,
  ConversationSnapshot,
  RecordingLink,
  Settings as ApiSettings,
} from '../api/snapshots.ts';
import type { MediaSessionStats } from '../media/session/media-session-options.ts';
import type { Account, AccountInput, AccountPatch, IdentityRule } from './account.ts';
import type { Contact, ContactInput, ContactPatch } from './contact.ts';
import type { HistoryEntry } from './history-entry.ts';
import type { Settings } from './settings.ts';
import { decodeUser, parseSipAddress } from './sip-address.ts';
import type { TextMessage } from './text-message.ts';
import type { Conversation } from './store/messages-repository.ts';

/** The user part of an AOR (%-decoded), the default digest user name (RFC 3261 §22.1). */
export function aorUser(aor: string): string {
  const p = parseSipAddress(aor);
  return p.ok && p.value.user !== null ? decodeUser(p.value.user) : '';
}

function rulesOut(rules: readonly IdentityRule[]): ApiIdentityRule[] {
  return rules.map((r) => {
    const match: ApiIdentityRule['match'] = {};
    if (r.match.prefix !== undefined) match.prefix = r.match.prefix;
    if (r.match.regex !== undefined) match.regex = r.match.regex;
    if (r.match.minDigits !== undefined) match.minDigits = r.match.minDigits;
    if (r.match.maxDigits !== undefined) match.maxDigits = r.match.maxDigits;
    return { match, identity: r.identity };
  });
}

function domainRealm(aor: string): string[] {
  const p = parseSipAddress(aor);
  return p.ok ? [p.value.host.toLowerCase()] : [];
}

export function toAccountSnapshot(a: Account): AccountSnapshot {
  const s: AccountSnapshot = {
    id: a.id,
    displayName: a.displayName,
    aor: a.aor,
    aliases: [...a.aliases],
    authUser: a.authUser ?? aorUser(a.aor),
    hasPassword: a.secretRef !== null,
    transport: a.transport,
    codecs: [...a.codecs],
    srtp: a.srtp,
    dtmf: a.dtmf,
    autoAnswer: a.autoAnswer,
    enabled: a.enabled,
    identityRules: rulesOut(a.identityRules),
    registerExpires: a.registerExpires,
    usePreferredIdentity: a.pPreferredIdentity,
    authRealms: [...a.authRealms],
    realmsInEffect: a.authRealms.length > 0 ? [...a.authRealms] : a.learnedRealms.length > 0 ? [...a.learnedRealms] : domainRealm(a.aor),
    sdesInClear: a.sdesInClear,
    privacy: a.privacy,
  };
  if (a.tlsCaFile !== null) s.tlsCaFile = a.tlsCaFile;
  if (a.tlsPin !== null) s.tlsPin = a.tlsPin;
  if (a.voicemail !== null) s.voicemail = a.voicemail;
  if (a.pickupCode !== null) s.pickupCode = a.pickupCode;
  if (a.stunServer !== null) s.stunServer = a.stunServer;
  if (a.turnServer !== null) s.turnServer = a.turnServer;
  if (a.turnSecretRef !== null) s.hasTurnPassword = true;
  if (a.registrar !== null) s.registrar = a.registrar;
  if (a.outboundProxy !== null) s.outboundProxy = a.outboundProxy;
  return s;
}

/** API account fields → model fields; the password is taken apart by the caller. */
function accountFieldsIn(p: ApiAccountPatch): AccountPatch {
  const { password: _password, turnPassword: _turnPassword, usePreferredIdentity, ...rest } = p;
  const out: AccountPatch = { ...rest };
  if (usePreferredIdentity !== undefined) out.pPreferredIdentity = usePreferredIdentity;
  return out;
}

export function fromAccountInput(p: ApiAccountInput): AccountInput {
  return { ...accountFieldsIn(p), aor: p.aor };
}

export function fromAccountPatch(p: ApiAccountPatch): AccountPatch {
  return accountFieldsIn(p);
}

export function toContactSnapshot(c: Contact): ContactSnapshot {
  return {
    id: c.id,
    name: c.name,
    addresses: c.addresses.map((a) => (a.label === '' ? { uri: a.uri } : { label: a.label, uri: a.uri })),
    numbers: c.numbers.map((n) => (n.label === '' ? { number: n.number } : { label: n.label, number: n.number })),
    favorite: c.favorite,
  };
}

function contactListsIn(p: ApiContactPatch): ContactPatch {
  const out: ContactPatch = {};
  if (p.name !== undefined) out.name = p.name;
  if (p.favorite !== undefined) out.favorite = p.favorite;
  if (p.addresses !== undefined) out.addresses = p.addresses.map((a) => ({ label: a.label ?? '', uri: a.uri }));
  if (p.numbers !== undefined) out.numbers = p.numbers.map((n) => ({ label: n.label ?? '', number: n.number }));
  return out;
}

export function fromContactInput(p: ApiContactInput): ContactInput {
  return { ...contactListsIn(p), name: p.name };
}

export function fromContactPatch(p: ApiContactPatch): ContactPatch {
  return contactListsIn(p);
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A History entry for the API; `links` describes its recordings (recordings.ts: with the files' sizes). */
export function toHistorySnapshot(h: HistoryEntry, links: (paths: readonly string[]) => RecordingLink[]): ApiHistoryEntry {
  const s: ApiHistoryEntry = {
    id: String(h.id),
    direction: h.direction,
    peer: h.peerUri,
    startedAt: h.startedAt,
    // A row left open by a crash mid-call has no end: show it as ending where we last knew of it.
    endedAt: h.endedAt ?? h.answeredAt ?? h.startedAt,
  };
  if (h.peerName !== null) s.peerName = h.peerName;
  if (h.contactId !== null) s.contactId = h.contactId;
  if (h.localAlias !== null) s.localAlias = h.localAlias;
  if (h.accountId !== null) s.accountId = h.accountId;
  if (h.answeredAt !== null) s.answeredAt = h.answeredAt;
  if (h.resultCode !== null) {
    s.code = h.resultCode;
    s.words = statusInWords(h.resultCode);
  }
  if (h.reason !== null) s.reason = h.reason;
  if (h.forwardedBy !== null) s.forwardedBy = h.forwardedBy;
  if (h.forwardedTo !== null) s.forwardedTo = h.forwardedTo;
  if (h.recordings.length > 0) s.recordings = links(h.recordings);
  if (h.quality !== null && h.quality.mos !== null) {
    s.quality = {
      mos: round(h.quality.mos, 2),
      lossPercent: round((h.quality.loss ?? 0) * 100, 2),
      jitterMs: round(h.quality.jitter ?? 0, 2),
      rttMs: round(h.quality.rtt ?? 0, 2),
      ...(h.quality.security !== undefined ? { security: h.quality.security } : {}),
    };
  }
  return s;
}

export interface MessageExtras {
  peerName?: string;
  contactId?: string;
  /** Words for a failure that had no SIP answer at all. */
  words?: string;
}

export function toMessageSnapshot(m: TextMessage, extras: MessageExtras = {}): MessageSnapshot {
  const s: MessageSnapshot = {
    id: String(m.id),
    direction: m.direction,
    peer: m.peerUri,
    body: m.body,
    contentType: m.contentType,
    timestamp: m.timestamp,
    status: m.status,
  };
  if (m.accountId !== null) s.accountId = m.accountId;
  if (m.localAlias !== null) s.localAlias = m.localAlias;
  if (extras.peerName !== undefined) s.peerName = extras.peerName;
  if (extras.contactId !== undefined) s.contactId = extras.contactId;
  if (m.code !== null) {
    s.code = m.code;
    s.words = statusInWords(m.code);
  }
  if (m.reason !== null) s.reason = m.reason;
  if (extras.words !== undefined) s.words = extras.words;
  return s;
}

export function toConversationSnapshot(c: Conversation, extras: MessageExtras = {}): ConversationSnapshot {
  const s: ConversationSnapshot = { peer: c.peerUri, last: toMessageSnapshot(c.last, extras), count: c.count, unread: c.unread, state: c.state };
  if (extras.peerName !== undefined) s.peerName = extras.peerName;
  if (extras.contactId !== undefined) s.contactId = extras.contactId;
  return s;
}

const DEVICE_KEYS = [
  ['audioInput', 'audioInputDeviceId'],
  ['audioOutput', 'audioOutputDeviceId'],
  ['ringDevice', 'ringDeviceId'],
] as const;

export function toApiSettings(s: Settings): ApiSettings {
  return {
    audioInput: s.audioInputDeviceId ?? 'default',
    audioOutput: s.audioOutputDeviceId ?? 'default',
    ringDevice: s.ringDeviceId ?? 'default',
    echoCancellation: s.echoCancellation,
    noiseSuppression: s.noiseSuppression,
    autoGainControl: s.autoGainControl,
    ringtone: s.ringtone,
    theme: s.theme,
    linkAction: s.linkAction,
    startMinimized: s.startMinimized,
    startAtLogin: s.startAtLogin,
    dnd: s.dnd,
    focusOnIncomingCall: s.focusOnIncomingCall,
    numberingPlan: { ...s.numberingPlan },
    callsFromStrangers: s.callsFromStrangers,
    rtpPorts: { ...s.rtpPorts },
    missedSeenAt: s.missedSeenAt,
    recordingsFolder: s.recordingsFolder ?? '',
    recordingFormat: s.recordingFormat,
    awayAfterIdleMinutes: s.awayAfterIdleMinutes,
    globalShortcuts: { ...s.globalShortcuts },
  };
}

export function fromSettingsPatch(p: SettingsPatch): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const [api, model] of DEVICE_KEYS) {
    const v = p[api];
    if (v !== undefined) out[model] = v === 'default' ? null : v;
  }
  if (p.recordingsFolder !== undefined) out.recordingsFolder = p.recordingsFolder === '' ? null : p.recordingsFolder;
  const { audioInput: _i, audioOutput: _o, ringDevice: _r, recordingsFolder: _f, ...rest } = p;
  return { ...rest, ...out };
}

/** The call-details figures of a media.stats event (optional in the API: an older engine lacks them). */
export function mediaStatsDetails(stats: MediaSessionStats): Pick<MediaStats, 'bytesSent' | 'bytesReceived' | 'remoteLossPercent' | 'remoteJitterMs' | 'jitterBufferMs' | 'concealedFrames'> {
  const out: Pick<MediaStats, 'bytesSent' | 'bytesReceived' | 'remoteLossPercent' | 'remoteJitterMs' | 'jitterBufferMs' | 'concealedFrames'> = {
    bytesSent: stats.bytesSent,
    bytesReceived: stats.bytesReceived,
    jitterBufferMs: stats.jitterBufferMs,
    concealedFrames: stats.frames.concealed,
  };
  if (stats.remoteLossPercent !== null) out.remoteLossPercent = stats.remoteLossPercent;
  if (stats.remoteJitterMs !== null) out.remoteJitterMs = stats.remoteJitterMs;
  return out;
}
