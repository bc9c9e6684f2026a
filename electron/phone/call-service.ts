/**
 * Calls: the API's call commands over the SIP user agent's calls and one
 * MediaSession per call (issue "The phone" §2, as baresip's call.c joins
 * sipsess and audio). What happens where:
 *
 *   dial      dial string → account domain (dial-string.ts) → identity
 *             (identity.ts: explicit, rule, primary) → UA OutgoingCall with
 *             the call's MediaSession as its offer/answer hook
 *   incoming  the UA matched the account and alias (alias-match.ts via the
 *             engine's matcher) and answered the offer; here: caller ID,
 *             do-not-disturb, 180 Ringing, 'call.incoming', auto-answer
 *   answer    call waiting: every other connected call is held first
 *   end       media stopped, devices released, history row completed,
 *             'call' (ended) and 'history' events
 *
 * Events: 'call' on every change, 'media.stats' every statsIntervalMs while
 * media runs. Received DTMF has no API event yet; it is logged (info,
 * 'dtmf received').
 */
import { insecureKeysRefusal, mediaSrtpPolicy } from './call-security.ts';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../api/phone-api.ts';
import type { CallIdParams, DeclineParams, DialParams, DtmfParams, MuteParams, TransferParams } from '../api/commands.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { CallSnapshot } from '../api/snapshots.ts';
import type { MediaEngine } from '../media/session/media-engine.ts';
import type { MediaSession } from '../media/session/media-session.ts';
import type { MediaSessionStats } from '../media/session/media-session-options.ts';
import { outcome, type CallEnd, type DialogMessage, type IncomingCall, type MediaCallInfo, type MediaHook, type UserAgent } from '../sip/ua/index.ts';
import type { Logger } from '../shared/logger.ts';
import { accountDomain, type Account } from './account.ts';
import type { AccountService } from './account-service.ts';
import type { AudioRouter } from './audio-router.ts';
import { mediaHookFor, startIfNegotiated } from './call-media.ts';
import { CallRecord, PEER_SILENT } from './call-record.ts';
import type { ContactDirectory } from './contact-directory.ts';
import { normaliseDialString } from './dial-string.ts';
import { CallHistory } from './call-history.ts';
import { LiveObjectCounter } from './diagnostics.ts';
import { mediaStatsDetails } from './snapshot-mappers.ts';
import { followRefer } from './transferee.ts';
import { chooseIdentity } from './identity.ts';
import { sameAddressText } from './sip-address.ts';
import type { PhoneStore } from './store/phone-store.ts';

export interface CallServiceDeps {
  ua: UserAgent;
  media: MediaEngine;
  router: AudioRouter;
  accounts: AccountService;
  contacts: ContactDirectory;
  store: PhoneStore;
  events: EventBus;
  logger: Logger;
  /** Where RTP binds, and the address written in SDP. */
  rtpBind: string;
  rtpAdvertised: string;
  /** Where RTP binds: read for each call, so a changed setting applies to the next call. */
  rtpPorts?: () => { min: number; max: number };
  /** 'media.stats' period (default 2000 ms). */
  statsIntervalMs?: number;
  /** A MESSAGE inside a call's dialog (RFC 3428 §4). */
  onDialogMessage?: (record: CallRecord, message: DialogMessage) => void;
}

const DECLINE_REASONS: Record<number, string> = { 486: 'Busy Here', 603: 'Decline' };
/** How long close() waits for BYEs and CANCELs to be answered. */
const HANGUP_WAIT_MS = 2000;

export class CallService {
  readonly #d: CallServiceDeps;
  readonly #log: Logger;
  readonly #history: CallHistory;
  readonly #calls = new Map<string, CallRecord>();
  /** Sessions made for incoming INVITEs, by SIP Call-ID, until the call is announced. */
  readonly #pending = new Map<string, MediaSession>();
  /** Every CallRecord and SIP call made, until the GC frees it (diagnostics.counts). */
  readonly #objects = new LiveObjectCounter();
  #closed = false;

  constructor(deps: CallServiceDeps) {
    this.#d = deps;
    this.#log = deps.logger.child('calls');
    this.#history = new CallHistory(deps.store, deps.events, this.#log);
    deps.ua.on('incomingCall', (call) => this.#incoming(call));
  }

  /** The UA's MediaHookFactory: incoming INVITEs get their session here, before they are announced. */
  mediaFor(info: MediaCallInfo): MediaHook {
    const session = this.#newSession(info.accountId);
    this.#pending.set(info.callId, session);
    return mediaHookFor(session, () => {
      if (this.#pending.get(info.callId) === session) this.#pending.delete(info.callId);
    });
  }

  list(): CallSnapshot[] {
    return [...this.#calls.values()].map((c) => c.snapshot());
  }

  /** For diagnostics.counts. */
  counts(): { live: number; pendingIncoming: number; objectsAlive: number } {
    return { live: this.#calls.size, pendingIncoming: this.#pending.size, objectsAlive: this.#objects.alive };
  }

  async dial(p: DialParams, context: CommandContext): Promise<CallSnapshot> {
    this.#open();
    const { accounts, contacts } = this.#d;
    let account = p.accountId !== undefined ? accounts.require(p.accountId) : accounts.defaultAccount();
    if (!account) throw new ApiError('unavailable', 'no account to call from');
    const dialled = normaliseDialString(p.target, { domain: accountDomain(account) });
    if (!dialled.ok) throw new ApiError('bad-request', `cannot call "${p.target}": ${dialled.reason}`, { issues: [{ path: 'target', message: dialled.reason }] });
    // The echo service is on this machine: reach it directly, never through an account's proxy.
    if (p.accountId === undefined && contacts.echoUri && sameAddressText(dialled.target, contacts.echoUri) && accounts.direct) account = accounts.direct;
    if (!account.enabled) throw new ApiError('unavailable', `the account ${account.displayName || account.aor} is disabled`);
    const insecure = insecureKeysRefusal(account, dialled.target);
    if (insecure) throw new ApiError('not-allowed', insecure);
    const identity = chooseIdentity(account, dialled.target, p.identity);
    if (!identity.ok) throw new ApiError('not-allowed', identity.reason);
    const record = this.#place(account, dialled.target, identity.identity, context.client);
    return record.snapshot();
  }

  async answer(p: CallIdParams, context: CommandContext): Promise<CallSnapshot> {
    return this.#accept(this.#require(p.callId), context.client);
  }

  async decline(p: DeclineParams): Promise<void> {
    const record = this.#require(p.callId);
    const call = record.sip;
    if (call.direction !== 'incoming' || (call.state !== 'incoming' && call.state !== 'early')) {
      throw new ApiError('conflict', `the call is ${record.state}; only a ringing incoming call can be declined`);
    }
    const code = p.code ?? 486;
    call.decline(code, DECLINE_REASONS[code]);
  }

  async hangup(p: CallIdParams): Promise<void> {
    const record = this.#require(p.callId);
    record.sip.hangup().catch((e: unknown) => this.#log.warn('hangup failed', { callId: record.id, error: String(e) }));
  }

  async hold(p: CallIdParams): Promise<CallSnapshot> {
    const record = this.#requireEstablished(p.callId, 'held');
    if (!record.held) await this.#modify(record, true);
    return record.snapshot();
  }

  async resume(p: CallIdParams): Promise<CallSnapshot> {
    const record = this.#requireEstablished(p.callId, 'resumed');
    // One call talks at a time: taking this one off hold holds the others (as answering a waiting call does).
    await this.#holdOthers(record);
    if (record.held) await this.#modify(record, false);
    return record.snapshot();
  }

  async mute(p: MuteParams): Promise<CallSnapshot> {
    const record = this.#require(p.callId);
    record.session.setMuted(p.muted);
    this.#emit(record);
    return record.snapshot();
  }

  async dtmf(p: DtmfParams): Promise<void> {
    const record = this.#requireEstablished(p.callId, 'sent digits');
    const account = this.#d.accounts.get(record.accountId);
    const viaInfo = async () => {
      const result = await record.sip.sendDtmf(p.digits);
      if (result.status >= 300) throw new ApiError('unavailable', `the other side refused the digits: ${result.description}`);
    };
    if (account?.dtmf === 'info') return viaInfo();
    try {
      await record.session.sendDtmf(p.digits);
    } catch (e) {
      // RFC 4733 needs telephone-event in the answer; a peer without it may still take SIP INFO (RFC 6086).
      if ((e as { code?: string }).code === 'dtmf-unavailable') return viaInfo();
      throw new ApiError('unavailable', `the digits could not be sent: ${(e as Error).message}`);
    }
  }

  async transfer(p: TransferParams): Promise<void> {
    const record = this.#requireEstablished(p.callId, 'transferred');
    const account = this.#d.accounts.get(record.accountId);
    const dialled = normaliseDialString(p.target, account ? { domain: accountDomain(account) } : {});
    if (!dialled.ok) throw new ApiError('bad-request', `cannot transfer to "${p.target}": ${dialled.reason}`, { issues: [{ path: 'target', message: dialled.reason }] });
    const result = await record.sip.transfer(dialled.target);
    if (result.status >= 300) throw new ApiError('unavailable', `the other side refused the transfer: ${result.description}`);
  }

  /** Hangs every call up (bounded), stops all media. */
  async close(): Promise<void> {
    this.#closed = true;
    const records = [...this.#calls.values()];
    await Promise.all(records.map((r) => withTimeout(r.sip.hangup(), HANGUP_WAIT_MS)));
    await Promise.all(records.map((r) => r.session.stop('phone closed')));
    for (const r of records) this.#d.router.release(r.id);
    for (const s of this.#pending.values()) await s.stop('phone closed');
    this.#pending.clear();
  }

  // --- placing and receiving ---

  #place(account: Account, target: string, identity: string, client: string | undefined): CallRecord {
    const { ua } = this.#d;
    if (!ua.account(account.id)) throw new ApiError('unavailable', `the account ${account.displayName || account.aor} is not ready yet; try again in a moment`);
    const session = this.#newSession(account.id);
    const id = randomUUID();
    let sip;
    try {
      sip = ua.call(target, { accountId: account.id, identity, media: mediaHookFor(session) });
    } catch (e) {
      void session.stop();
      throw new ApiError('bad-request', `cannot call ${target}: ${(e as Error).message}`, { issues: [{ path: 'target', message: (e as Error).message }] });
    }
    const caller = this.#d.contacts.resolve(target);
    const record = new CallRecord({ id, direction: 'out', accountId: account.id, account, sip, session, remote: sip.remote, localIdentity: sip.localIdentity, startedAt: Date.now(), ...(caller ? { caller } : {}) });
    record.client = client;
    this.#openAudio(record, client);
    this.#track(record);
    this.#history.started(record);
    record.announced = true;
    this.#emit(record);
    return record;
  }

  #incoming(call: IncomingCall): void {
    const session = this.#pending.get(call.id);
    this.#pending.delete(call.id);
    if (!session || this.#closed) {
      call.decline(this.#closed ? 480 : 500);
      return;
    }
    const caller = this.#d.contacts.resolve(call.remote.uri);
    const record = new CallRecord({
      id: randomUUID(), direction: 'in', accountId: call.account.id, account: this.#d.accounts.get(call.account.id), sip: call, session, remote: call.remote,
      localIdentity: call.calledAlias, calledAlias: call.calledAlias, startedAt: Date.now(), ...(caller ? { caller } : {}),
    });
    this.#track(record);
    this.#history.started(record);
    if (this.#d.store.settings.get('dnd')) {
      // Do not disturb: refused without ringing, kept in the history as a missed call.
      // The reason phrase says why (RFC 3261 §21.4.24 leaves it free): the history tells it from a Busy press.
      call.decline(486, 'Do Not Disturb');
      return;
    }
    call.ring();
    record.announced = true;
    this.#emit(record);
    this.#d.events.emit('call.incoming', record.incomingSnapshot());
    const account = this.#d.accounts.get(call.account.id);
    const busy = [...this.#calls.values()].some((c) => c !== record && c.established);
    if (account?.autoAnswer && !busy) {
      setImmediate(() => {
        if (record.ended || call.state !== 'incoming') return;
        this.#accept(record, undefined).catch((e: unknown) =>
          this.#log.warn('auto-answer failed', { callId: record.id, error: String(e) }),
        );
      });
    }
  }

  /** Answers a ringing call; `client` (the one that answered) speaks and hears on it, or every client when none did. */
  async #accept(record: CallRecord, client: string | undefined): Promise<CallSnapshot> {
    const call = record.sip;
    if (call.direction !== 'incoming' || (call.state !== 'incoming' && call.state !== 'early')) {
      throw new ApiError('conflict', `the call is ${record.state}; only a ringing incoming call can be answered`);
    }
    await this.#holdOthers(record);
    if (!record.audioOpen) this.#openAudio(record, client);
    this.#d.router.claim(record.id, client);
    record.client ??= client;
    const gone = () => new ApiError('not-found', 'the caller hung up before the call was answered');
    try {
      await call.accept();
    } catch (e) {
      if (record.ended) throw gone();
      throw e;
    }
    if (record.ended) throw gone();
    startIfNegotiated(record.session);
    return record.snapshot();
  }

  #newSession(accountId: string): MediaSession {
    const account = this.#d.accounts.get(accountId);
    const known = this.#d.media.codecs;
    const codecs = account?.codecs.filter((c) => known.get(c) !== undefined);
    return this.#d.media.createSession({
      bindAddress: this.#d.rtpBind,
      // Behind a NAT: the public address the registrar saw (RFC 3581), so the peer's RTP finds the router's mapping.
      advertisedAddress: this.#d.ua.publicAddress(accountId)?.host ?? this.#d.rtpAdvertised,
      ...(this.#d.rtpPorts ? { portRange: this.#d.rtpPorts() } : {}),
      ...(codecs && codecs.length > 0 ? { codecs } : {}),
      srtp: mediaSrtpPolicy(account),
      statsIntervalMs: this.#d.statsIntervalMs ?? 2000,
      ticker: this.#d.router.ticker,
    });
  }

  #openAudio(record: CallRecord, client: string | undefined): void {
    const devices = this.#d.router.open(record.id, client);
    record.session.setDevices({ source: devices.source, sink: devices.sink });
    record.audioOpen = true;
  }

  #track(record: CallRecord): void {
    this.#calls.set(record.id, record);
    this.#objects.track(record);
    this.#objects.track(record.session);
    const sip = record.sip;
    sip.on('state', (change) => {
      if (change.outcome && change.state !== 'ended') record.outcome = change.outcome;
      // Answered means connected: an incoming call is 'connecting' until the ACK for our 200 comes (RFC 3261
      // §13.3.1.4); a caller who gave up never sends it, and that call was never a conversation.
      if (change.state === 'active' && record.answeredAt === undefined) {
        record.answeredAt = Date.now();
        this.#history.answered(record);
      }
      if (change.state === 'ended') return; // 'ended' below does the rest
      // The UA applies the 2xx's answer right after announcing 'active': report (and start media) once it is in.
      queueMicrotask(() => {
        this.#maybeStartMedia(record);
        if (!record.ended) this.#emit(record);
      });
    });
    sip.on('ended', (end) => void this.#ended(record, end));
    sip.on('hold', ({ outcome }) => {
      if (outcome.status >= 300) record.outcome = outcome;
      this.#emit(record);
    });
    sip.on('reoffer', () => this.#emit(record));
    sip.on('dtmf', (tone) => this.#dtmfReceived(record, tone, 'info'));
    sip.on('transfer', (progress) => {
      if (progress.outcome) record.outcome = progress.outcome;
      this.#emit(record);
      // RFC 5589 §6.1: the transfer worked, the transferor's part is done.
      if (progress.phase === 'succeeded') void sip.hangup().catch(() => undefined);
    });
    sip.on('refer', (refer) => {
      const account = this.#d.accounts.get(record.accountId);
      if (!account || this.#closed) refer.reject(603, 'Decline');
      else followRefer(record, refer, (target) => this.#place(account, target, record.localIdentity, record.client), this.#log);
    });
    sip.on('message', (m) => this.#d.onDialogMessage?.(record, m));
    const session = record.session;
    session.on('negotiated', () => queueMicrotask(() => this.#maybeStartMedia(record)));
    session.on('remote-hold', () => this.#emit(record));
    session.on('dtmf', (tone) => this.#dtmfReceived(record, tone, 'rfc4733'));
    session.on('stats', (stats) => this.#stats(record, stats));
    session.on('error', (err) => this.#log.warn('media error', { callId: record.id, error: err.message }));
    // The peer vanished (no RTP, no RTCP while it should send): end the call, saying so.
    session.on('peer-silent', (ms) => {
      this.#log.info('peer silent: ending the call', { callId: record.id, silentMs: ms });
      record.sip.endSilentPeer(PEER_SILENT);
    });
  }

  #maybeStartMedia(record: CallRecord): void {
    const state = record.sip.state;
    if (record.ended || !(state === 'early' || state === 'active' || state === 'connecting')) return;
    try {
      startIfNegotiated(record.session);
    } catch (e) {
      this.#log.warn('media did not start', { callId: record.id, error: String(e) });
    }
  }

  #stats(record: CallRecord, stats: MediaSessionStats): void {
    record.lastStats = stats;
    if (record.ended || stats.state !== 'running') return;
    const s: { callId: string; packetsSent: number; packetsReceived: number; lossPercent: number; jitterMs: number; rttMs?: number; mos?: number } = {
      callId: record.id,
      packetsSent: stats.packetsSent,
      packetsReceived: stats.packetsReceived,
      lossPercent: stats.lossPercent,
      jitterMs: stats.jitterMs,
    };
    if (stats.rttMs !== null) s.rttMs = stats.rttMs;
    if (stats.mos !== null) s.mos = stats.mos;
    this.#d.events.emit('media.stats', { ...s, ...mediaStatsDetails(stats) });
  }

  async #ended(record: CallRecord, end: CallEnd): Promise<void> {
    record.endedAt = Date.now();
    // We hung up because the peer's media answer was unusable (none, m=audio 0, garbage): the call failed,
    // whatever the BYE's 200 says — RFC 3261 §13.2.1 has the UAC end such a call; 488 is what it was.
    if (end.cause === 'media-failed') record.outcome = outcome(488, 'Not Acceptable Here');
    else if (end.outcome) record.outcome = end.outcome;
    // A connected call ended by the peer's BYE has no final answer of its own: it was a 200.
    else if (record.answeredAt !== undefined && (record.outcome === undefined || record.outcome.status < 200)) record.outcome = outcome(200, 'OK');
    try {
      await record.session.stop(end.cause);
      record.lastStats = record.session.stats();
    } catch (e) {
      this.#log.warn('media stop failed', { callId: record.id, error: String(e) });
    }
    this.#d.router.release(record.id);
    this.#calls.delete(record.id);
    this.#log.info('call ended', { callId: record.id, cause: end.cause, by: end.by, status: end.outcome?.status, detail: end.detail });
    this.#emit(record);
    this.#history.ended(record);
  }

  // --- helpers ---

  async #holdOthers(except: CallRecord): Promise<void> {
    for (const other of [...this.#calls.values()]) {
      if (other === except || !other.established || other.held) continue;
      try {
        await this.#modify(other, true);
      } catch (e) {
        this.#log.warn('could not hold the other call', { callId: other.id, error: String(e) });
      }
    }
  }

  async #modify(record: CallRecord, hold: boolean): Promise<void> {
    let result;
    try {
      result = hold ? await record.sip.hold() : await record.sip.resume();
    } catch (e) {
      throw new ApiError('conflict', `the call cannot be ${hold ? 'held' : 'resumed'} now: ${(e as Error).message}`);
    }
    if (result.status >= 300) throw new ApiError('unavailable', `the other side refused to ${hold ? 'hold' : 'resume'} the call: ${result.description}`);
  }

  /** A 'call' event, once the call has been shown (a call refused under do-not-disturb never is). */
  #dtmfReceived(record: CallRecord, tone: { digit: string; durationMs: number }, via: 'rfc4733' | 'info'): void {
    // The log line stays: tests and diagnostics read it; the event is what the UI shows.
    this.#log.info('dtmf received', { callId: record.id, digit: tone.digit, durationMs: tone.durationMs, via });
    this.#d.events.emit('call.dtmf', { callId: record.id, digit: tone.digit, durationMs: tone.durationMs, via });
  }

  #emit(record: CallRecord): void {
    if (record.announced) this.#d.events.emit('call', record.snapshot());
  }

  #require(callId: string): CallRecord {
    const record = this.#calls.get(callId);
    if (!record || record.ended) throw new ApiError('not-found', `no call ${callId} (it may have ended)`);
    return record;
  }

  #requireEstablished(callId: string, what: string): CallRecord {
    const record = this.#require(callId);
    if (!record.established) throw new ApiError('conflict', `the call is ${record.state}; it can be ${what} once connected`);
    return record;
  }

  #open(): void {
    if (this.#closed) throw new ApiError('unavailable', 'the phone is shutting down');
  }
}

function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref?.();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
