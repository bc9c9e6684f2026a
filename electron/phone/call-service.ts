/**
 * The phone's calls as the API sees them: a registry of PhoneCalls
 * (phone-call.ts) by API id, and one adapter per call command. The rules
 * for several calls (call waiting, do-not-disturb, auto-answer, who is held
 * when) are call-policy.ts's; a call's own life is its PhoneCall's.
 *
 *   dial      dial string → account domain (dial-string.ts) → identity
 *             (identity.ts) → UA OutgoingCall with a new MediaSession as its
 *             offer/answer hook (media-hook.ts) → PhoneCall
 *   incoming  the UA matched the account and alias and answered the offer
 *             (with the session made in mediaFor) → PhoneCall → policy:
 *             refuse, ring, or auto-answer
 *
 * Events: 'call' on every change, 'call.incoming', 'call.dtmf' for digits
 * received (RFC 4733 or INFO), 'media.stats' every statsIntervalMs.
 */
import type { IceSettings } from '../media/ice/ice-transport.ts';
import { mediaKeyExchange, mediaSrtpPolicy } from './call-security.ts';
import { accountTlsFailure, tlsServerNames } from './account-tls.ts';
import type { SignallingTls } from './call-security.ts';
import type { TlsCertificateError } from '../sip/transport/tls-verify.ts';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../api/phone-api.ts';
import type { CallIdParams, DeclineParams, DialParams, DtmfParams, MergeParams, MuteParams, PickupParams, RecordParams, TransferParams } from '../api/commands.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { CallSnapshot } from '../api/snapshots.ts';
import type { MediaEngine } from '../media/session/media-engine.ts';
import type { MediaSession } from '../media/session/media-session.ts';
import { formatReplaces, type DialogMessage, type IncomingCall, type MediaCallInfo, type MediaHook, type ReceivedRefer, type UserAgent } from '../sip/ua/index.ts';
import type { Logger } from '../common/logger.ts';
import { systemClock, type Clock, type TimerHandle } from '../common/clock.ts';
import { accountDomain, parseServerAddress, parseTurnServer, type Account } from './account.ts';
import type { AccountService } from './account-service.ts';
import type { AudioRouter } from './audio-router.ts';
import { mediaHookFor } from './call-media.ts';
import { followAddress } from './call-readdress.ts';
import { callsToHold, decideIncoming, type Intent } from './call-policy.ts';
import { CallHistory } from './call-history.ts';
import type { ContactDirectory } from './contact-directory.ts';
import { normaliseDialString } from './dial-string.ts';
import { LiveObjectCounter } from './diagnostics.ts';
import { chooseIdentity } from './identity.ts';
import { PhoneCall, type PhoneCallEnv } from './phone-call.ts';
import { Conference, MAX_CONFERENCE_LEGS } from './conference.ts';
import { sameAddressText } from './sip-address.ts';
import type { Recordings } from './recordings.ts';
import type { PhoneStore } from './store/phone-store.ts';
import { followRefer } from './transferee.ts';
import { CallForwarder, type ForwardingService } from './call-forwarding.ts';

export interface CallServiceDeps {
  ua: UserAgent;
  media: MediaEngine;
  router: AudioRouter;
  accounts: AccountService;
  contacts: ContactDirectory;
  store: PhoneStore;
  events: EventBus;
  logger: Logger;
  /** Call forwarding rules (call-forwarding.ts); absent: no forwarding. */
  forwarding?: ForwardingService;
  /** Wall-clock milliseconds from the injected clock (wall-time.ts). */
  now: () => number;
  /** Where RTP binds, and the address written in SDP (read for each call: it moves with the network). */
  rtpBind: string;
  rtpAdvertised: () => string;
  /** ICE servers for calls (RFC 8445); absent: plain RTP. */
  ice?: IceSettings;
  /** Where RTP binds: read for each call, so a changed setting applies to the next call. */
  rtpPorts?: () => { min: number; max: number };
  /** 'media.stats' period (default 2000 ms). */
  statsIntervalMs?: number;
  /** Where call.record writes its files, and in which format (recordings.ts). */
  recordings?: Recordings;
  /** Every account auto-answers (the host asked for it: `parley listen --auto-answer`). */
  autoAnswer?: boolean;
  /** How long an incoming call rings unanswered before it is ended with 480 (default RING_TIMEOUT_MS). */
  ringTimeoutMs?: number;
  /** Timers (the ring timeout); the system clock by default. */
  clock?: Clock;
  /** A MESSAGE inside a call's dialog (RFC 3428 §4). */
  onDialogMessage?: (call: PhoneCall, message: DialogMessage) => void;
  /** The transport's last certificate refusal for a server name (TransportLayer.tlsFailure). */
  tlsFailure?: (serverName: string) => TlsCertificateError | undefined;
  /** The TLS version and cipher of an open connection to a server (TransportLayer.tlsSession). */
  tlsSession?: (server: string) => SignallingTls | undefined;
}

const DECLINE_REASONS: Record<number, string> = { 486: 'Busy Here', 603: 'Decline' };
/** An unanswered incoming call stops ringing after this long (480): nobody is there, and a scanner's INVITE must not hold ports for ever. */
export const RING_TIMEOUT_MS = 120_000;
/** How long close() waits for BYEs and CANCELs to be answered. */
const HANGUP_WAIT_MS = 2000;

export class CallService {
  readonly #d: CallServiceDeps;
  readonly #log: Logger;
  readonly #env: PhoneCallEnv;
  readonly #calls = new Map<string, PhoneCall>();
  /** Sessions made for incoming INVITEs, by SIP Call-ID, until the call is announced. */
  readonly #pending = new Map<string, MediaSession>();
  /** Every PhoneCall and media session made, until the GC frees it (diagnostics.counts). */
  readonly #objects = new LiveObjectCounter();
  readonly #conferences = new Set<Conference>();
  /** The media session the next call would get, made ahead (#prepareSpare). */
  #spare: Spare | undefined;
  readonly #forwarder: CallForwarder | undefined;
  #closed = false;

  constructor(deps: CallServiceDeps) {
    this.#d = deps;
    this.#log = deps.logger.child('calls');
    this.#env = {
      router: deps.router,
      history: new CallHistory(deps.store, deps.events, this.#log),
      events: deps.events,
      now: deps.now,
      logger: this.#log,
      ended: (call) => {
        this.#calls.delete(call.id);
        if (call.direction === 'out') this.#prepareSpare(call.accountId);
      },
      refer: (call, refer) => this.#referred(call, refer),
      message: (call, m) => deps.onDialogMessage?.(call, m),
      tlsFailure: (call) => {
        const account = this.#d.accounts.get(call.accountId);
        return account && deps.tlsFailure ? accountTlsFailure(account, deps.tlsFailure, call.remote.uri) : undefined;
      },
      signallingTls: (call) => {
        const account = this.#d.accounts.get(call.accountId);
        if (!account || account.transport !== 'tls' || !deps.tlsSession) return undefined;
        for (const name of tlsServerNames(account)) {
          const info = deps.tlsSession(name);
          if (info) return info;
        }
        return undefined;
      },
      canMerge: (call) => [...this.#calls.values()].some((c) => c !== call && c.established && (c.conference === undefined || c.conference !== call.conference)),
    };
    const rules = deps.forwarding;
    this.#forwarder = rules
      ? new CallForwarder({
          clock: deps.clock ?? systemClock,
          logger: this.#log,
          accounts: deps.accounts,
          rules,
          placeLeg: (account, target, headers) => this.#place(account, target, chooseIdentityOr(account, target), undefined, headers, undefined, true),
        })
      : undefined;
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

  /** How many calls there are (what list() would hold, without making their snapshots). */
  get count(): number {
    return this.#calls.size;
  }

  /** A call's SIP dialog identifiers once it has a dialog (our line's busy lamp, own-line.ts). */
  dialogIdOf(id: string): { callId: string; localTag: string; remoteTag: string } | undefined {
    const d = this.#calls.get(id)?.sip.dialogId;
    return d ? { callId: d.callId, localTag: d.localTag, remoteTag: d.remoteTag } : undefined;
  }

  /**
   * Incoming calls not answered yet (ringing, or being prepared), in all and by source address: what call-admission.ts
   * limits. A call we answered (our 200 sent, its ACK on the way) waits for nobody: an auto-answering host under a
   * load answers each call on arrival, and counting those until their ACK refused calls while nothing rang.
   */
  unanswered(): { total: number; bySource: (address: string) => number } {
    const ringing = [...this.#calls.values()].filter((c) => c.ringingIn);
    return {
      total: ringing.length + this.#pending.size,
      bySource: (address) => ringing.filter((c) => c.sip.direction === 'incoming' && c.sip.source.address === address).length,
    };
  }

  /** For diagnostics.counts. */
  counts(): { live: number; pendingIncoming: number; objectsAlive: number } {
    return { live: this.#calls.size, pendingIncoming: this.#pending.size, objectsAlive: this.#objects.alive };
  }

  /** What counts the call objects alive (diagnostics waits for its reports after a forced GC). */
  get objectCounter(): LiveObjectCounter {
    return this.#objects;
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
    const identity = chooseIdentity(account, dialled.target, p.identity);
    if (!identity.ok) throw new ApiError('not-allowed', identity.reason);
    await this.#holdFor('dial', undefined);
    const call = this.#place(account, dialled.target, identity.identity, context.client, [], p.privacy);
    // The INVITE first; the reply (and the 'call' event before it) after.
    await call.shown;
    return call.snapshot();
  }

  /**
   * Picks up a call ringing elsewhere (RFC 3891 call pickup): an INVITE to
   * its caller with `Replaces: <call-id>;to-tag;from-tag;early-only`, the
   * tags as the caller has them. The caller's phone answers ours and cancels
   * the ringing one; a call answered meanwhile refuses (486).
   */
  async pickup(p: PickupParams, context: CommandContext): Promise<CallSnapshot> {
    this.#open();
    const { accounts } = this.#d;
    const account = p.accountId !== undefined ? accounts.require(p.accountId) : accounts.defaultAccount();
    if (!account) throw new ApiError('unavailable', 'no account to call from');
    if (!account.enabled) throw new ApiError('unavailable', `the account ${account.displayName || account.aor} is disabled`);
    const dialled = normaliseDialString(p.target, { domain: accountDomain(account) });
    if (!dialled.ok) throw new ApiError('bad-request', `cannot pick up from "${p.target}": ${dialled.reason}`, { issues: [{ path: 'target', message: dialled.reason }] });
    const identity = chooseIdentity(account, dialled.target, undefined);
    if (!identity.ok) throw new ApiError('not-allowed', identity.reason);
    const replaces = formatReplaces({ callId: p.sipCallId, toTag: p.toTag, fromTag: p.fromTag, earlyOnly: p.earlyOnly ?? true });
    await this.#holdFor('dial', undefined);
    const call = this.#place(account, dialled.target, identity.identity, context.client, [['Replaces', replaces]]);
    await call.shown;
    return call.snapshot();
  }

  async answer(p: CallIdParams, context: CommandContext): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    await this.#answer(call, context.client, 'answer');
    return call.snapshot();
  }

  async decline(p: DeclineParams): Promise<void> {
    const code = p.code ?? 486;
    const call = this.#require(p.callId);
    // Declined as busy with a busy rule on: forwarded instead (call-forwarding.ts).
    if (this.#forwarder?.declined(call, code)) return;
    call.decline(code, DECLINE_REASONS[code]);
  }

  async hangup(p: CallIdParams): Promise<void> {
    const call = this.#require(p.callId);
    call.hangup().catch((e: unknown) => this.#log.warn('hangup failed', { callId: call.id, error: String(e) }));
  }

  async hold(p: CallIdParams): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    await call.hold(true);
    return call.snapshot();
  }

  async resume(p: CallIdParams): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    // Resuming one leg of a conference resumes the talk: its other legs are not held.
    await this.#holdFor('resume', call, call.conference?.legs as PhoneCall[] | undefined);
    await call.hold(false);
    return call.snapshot();
  }

  async mute(p: MuteParams): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    call.setMuted(p.muted);
    return call.snapshot();
  }

  async dtmf(p: DtmfParams): Promise<void> {
    const call = this.#require(p.callId);
    await call.sendDtmf(p.digits, this.#d.accounts.get(call.accountId)?.dtmf === 'info');
  }

  async transfer(p: TransferParams): Promise<void> {
    const call = this.#require(p.callId);
    if (p.toCallId !== undefined) {
      // Attended transfer (RFC 5589 §7): the peer of `call` is REFERred to the peer of the other call, replacing it.
      const other = this.#require(p.toCallId);
      if (other === call) throw new ApiError('bad-request', 'a call cannot be transferred to itself', { issues: [{ path: 'toCallId', message: 'the same call' }] });
      await call.transfer(other);
      return;
    }
    if (p.target === undefined) throw new ApiError('bad-request', 'a transfer needs a target or another call', { issues: [{ path: 'target', message: 'missing' }] });
    const account = this.#d.accounts.get(call.accountId);
    const dialled = normaliseDialString(p.target, account ? { domain: accountDomain(account) } : {});
    if (!dialled.ok) throw new ApiError('bad-request', `cannot transfer to "${p.target}": ${dialled.reason}`, { issues: [{ path: 'target', message: dialled.reason }] });
    await call.transfer(dialled.target);
  }

  /**
   * Merges two connected calls into a conference with the local user
   * (conference.ts), or adds one to the conference the other is in. Held
   * legs are resumed; other talking calls are held.
   */
  async merge(p: MergeParams): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    const other = this.#require(p.withCallId);
    if (call === other) throw new ApiError('bad-request', 'a call cannot be merged with itself', { issues: [{ path: 'withCallId', message: 'the same call' }] });
    for (const c of [call, other]) {
      if (!c.established) throw new ApiError('conflict', `the call with ${c.remote.uri} is ${c.apiState}; only connected calls can be merged`);
    }
    if (call.conference && other.conference && call.conference !== other.conference) {
      throw new ApiError('conflict', 'both calls are in conferences already; split one call off first');
    }
    let conference = call.conference ?? other.conference;
    const joining = [call, other].filter((c) => c.conference === undefined);
    if (conference && conference.legs.length + joining.length > MAX_CONFERENCE_LEGS) {
      throw new ApiError('conflict', `a conference takes at most ${MAX_CONFERENCE_LEGS} calls`);
    }
    if (!conference) {
      conference = new Conference({ ticker: this.#d.router.ticker, logger: this.#log, onDissolve: (c) => this.#conferences.delete(c) });
      this.#conferences.add(conference);
    }
    // The call the user talks on first: its devices become the local user's side of the mix.
    joining.sort((x, y) => Number(y.talking) - Number(x.talking));
    try {
      for (const c of joining) conference.add(c);
    } catch (e) {
      if (conference.legs.length < 2) conference.dissolve();
      throw new ApiError('unavailable', `the calls cannot be merged: ${(e as Error).message}`);
    }
    const legs = conference.legs as PhoneCall[];
    await this.#holdFor('resume', call, legs);
    for (const leg of legs) {
      if (leg.held) await leg.hold(false).catch((e: unknown) => this.#log.warn('a conference leg could not be resumed', { callId: leg.id, error: String(e) }));
    }
    this.#refreshAll();
    return call.snapshot();
  }

  /** Takes a call out of its conference and holds it; the others talk on (a last one alone, as an ordinary call). */
  async split(p: CallIdParams): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    const conference = call.conference;
    if (!conference) throw new ApiError('conflict', 'the call is not in a conference');
    conference.leave(call);
    this.#refreshAll();
    await call.hold(true);
    return call.snapshot();
  }

  /** Records a call both ways into a new file of the recordings folder (recordings.ts; the folder is the phone's: no client names a path). */
  async record(p: RecordParams): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    const recordings = this.#d.recordings;
    if (!recordings) throw new ApiError('unavailable', 'this phone has no recordings folder');
    if (!p.record || call.snapshot().recording) {
      call.record(p.record, '', p.layout ?? 'mixed', 'wav');
      return call.snapshot();
    }
    const format = p.format ?? recordings.format();
    call.record(true, recordings.newFile(call, format), p.layout ?? 'mixed', format);
    return call.snapshot();
  }

  /** A ringing incoming call sends early media (183 with our answer, RFC 3960): our audio flows before the answer (announcements). */
  async earlyMedia(p: CallIdParams, context: CommandContext): Promise<CallSnapshot> {
    const call = this.#require(p.callId);
    call.sendEarlyMedia(context.client);
    return call.snapshot();
  }

  /** Hangs every call up (bounded), stops all media. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#takeSpare()?.session.stop();
    const calls = [...this.#calls.values()];
    await Promise.all(calls.map((c) => withTimeout(c.hangup(), HANGUP_WAIT_MS)));
    await Promise.all(calls.map((c) => c.forceStop()));
    for (const s of this.#pending.values()) await s.stop('phone closed');
    this.#pending.clear();
  }

  // --- placing and receiving ---

  /** `leg`: the new leg of a forwarded call (forward-bridge.ts): not shown, no history row, no devices of the user's. */
  /** `privacy` undefined: the account's caller-ID privacy (outgoing-call.ts). */
  #place(account: Account, target: string, identity: string, client: string | undefined, headers: [string, string][] = [], privacy: boolean | undefined = undefined, leg = false): PhoneCall {
    const { ua } = this.#d;
    if (!ua.account(account.id)) throw new ApiError('unavailable', `the account ${account.displayName || account.aor} is not ready yet; try again in a moment`);
    const session = this.#newSession(account.id);
    let sip;
    try {
      sip = ua.call(target, { accountId: account.id, identity, media: mediaHookFor(session), ...(headers.length > 0 ? { headers } : {}), ...(privacy !== undefined ? { privacy } : {}) });
    } catch (e) {
      void session.stop();
      throw e;
    }
    const call = new PhoneCall(
      { id: randomUUID(), direction: 'out', accountId: account.id, account, sip, session, localIdentity: sip.localIdentity, ...(client !== undefined ? { client } : {}), ...(leg ? { history: false } : { showLater: true }) },
      this.#env,
    );
    this.#register(call);
    // A forwarding leg is never shown (no event, no devices of the user's, no history row).
    if (leg) call.caller = this.#d.contacts.resolve(target);
    // Everything else the phone does for a new call waits until the INVITE is on its way (phone-call.ts).
    else call.showWhenSent(sip.sent, this.#d.clock ?? systemClock, () => this.#d.contacts.resolve(target));
    return call;
  }

  #incoming(sip: IncomingCall): void {
    const session = this.#pending.get(sip.id);
    this.#pending.delete(sip.id);
    if (!session || this.#closed) {
      sip.decline(this.#closed ? 480 : 500);
      return;
    }
    // Who calls is who the account's server asserts (RFC 3325), else From; a withheld caller is not looked up.
    const caller = sip.identity.withheld && !sip.identity.asserted ? undefined : this.#d.contacts.resolve(sip.caller.uri);
    const others = [...this.#calls.values()];
    const replaced = sip.replaces ? others.find((c) => c.sip === sip.replaces) : undefined;
    const call = new PhoneCall(
      { id: randomUUID(), direction: 'in', accountId: sip.account.id, account: this.#d.accounts.get(sip.account.id), sip, session, localIdentity: sip.calledAlias, calledAlias: sip.calledAlias, ...(caller ? { caller } : {}) },
      this.#env,
    );
    this.#register(call);
    const dnd = this.#d.store.settings.get('dnd');
    const autoAnswer = this.#d.autoAnswer === true || (this.#d.accounts.get(sip.account.id)?.autoAnswer ?? false);
    // Forwarding comes before do-not-disturb and ringing; a call replacing one of ours is never forwarded.
    if (!sip.replaces && this.#forwarder) {
      const busy = others.some((c) => !c.ended && (c.established || c.state === 'connecting'));
      if (this.#forwarder.incoming(call, sip, { dnd, busy, autoAnswer })) {
        // Forwarded by a new leg: shown as going on (not ringing here); redirected: it ended, the history keeps it.
        if (call.forwarding) call.announce(false);
        return;
      }
    }
    const decision = decideIncoming({
      dnd,
      autoAnswer,
      headless: this.#d.router.headless,
      others,
      replaces: sip.replaces !== undefined,
    });
    if (decision.kind === 'refuse') {
      // Do not disturb: refused without ringing, kept in the history as a missed call.
      sip.decline(decision.code, decision.reason);
      return;
    }
    if (decision.kind === 'replace') {
      this.#replace(call, sip, replaced);
      return;
    }
    sip.ring();
    this.#ringTimeout(call, sip);
    call.announce();
    if (decision.kind === 'auto-answer') {
      this.#answer(call, undefined, 'auto-answer').catch((e: unknown) => this.#log.warn('auto-answer failed', { callId: call.id, error: String(e) }));
    }
  }

  /**
   * RFC 3891 §3: the INVITE takes the place of one of our calls (a transfer
   * completing at its target, a pickup of a call we placed): answered at
   * once on the replaced call's audio, and the replaced call ended — BYE,
   * or CANCEL while it still rings — once the new one is connected.
   */
  #replace(call: PhoneCall, sip: IncomingCall, replaced: PhoneCall | undefined): void {
    const old = sip.replaces;
    this.#log.info('call replaces another', { callId: call.id, replaced: replaced?.id, sipCallId: old?.id });
    call.replacedCall = replaced?.id;
    call.announce(false);
    const endOld = () => {
      if (replaced) void replaced.hangup().catch(() => undefined);
      else void old?.hangup().catch(() => undefined);
    };
    sip.on('state', (change) => {
      if (change.state === 'active') endOld();
    });
    void (async () => {
      await this.#holdFor('answer', call, replaced ? [replaced] : []);
      await call.answer(replaced?.client);
    })().catch((e: unknown) => this.#log.warn('the replacing call could not be answered', { callId: call.id, error: String(e) }));
  }

  /** Ends a call nobody answers (480 Temporarily Unavailable, RFC 3261 §21.4.18), as a PBX's no-answer timer does. */
  #ringTimeout(call: PhoneCall, sip: IncomingCall): void {
    const clock = this.#d.clock ?? systemClock;
    const timer = clock.setTimeout(() => {
      if (call.ended || (sip.state !== 'incoming' && sip.state !== 'early')) return;
      this.#log.info('nobody answered; the call stops ringing', { callId: call.id });
      sip.decline(480, 'Temporarily Unavailable');
    }, this.#d.ringTimeoutMs ?? RING_TIMEOUT_MS);
    sip.on('state', (change) => {
      if (change.state !== 'incoming' && change.state !== 'early') clock.clearTimeout(timer);
    });
  }

  async #answer(call: PhoneCall, client: string | undefined, intent: Intent): Promise<void> {
    if (!call.ringingIn) throw new ApiError('conflict', `the call is ${call.apiState}; only a ringing incoming call can be answered`);
    await this.#holdFor(intent, call);
    await call.answer(client);
  }

  #register(call: PhoneCall): void {
    this.#calls.set(call.id, call);
    // Whether the others can be merged ('merge' in their actions) depends on this call being connected: sent again
    // when that changes, and only then (every state of every call re-sending every other call is n² under a load).
    let established = call.established;
    call.sip.on('state', () => {
      if (call.established === established) return;
      established = call.established;
      this.#refreshAll(call, true);
    });
    this.#objects.track(call);
    this.#objects.track(call.session);
  }

  /** The peer REFERs us elsewhere (RFC 3515): we call the target from the same account and identity. */
  #referred(call: PhoneCall, refer: ReceivedRefer): void {
    const account = this.#d.accounts.get(call.accountId);
    if (!account || this.#closed) refer.reject(603, 'Decline');
    else followRefer(call, refer, (target) => this.#place(account, target, call.localIdentity, call.client), this.#log, this.#d.clock ?? systemClock);
  }

  #newSession(accountId: string): MediaSession {
    const options = this.#sessionOptions(accountId);
    const spare = this.#takeSpare();
    // Made with the very options this call would get, and not yet used: the call's media (no sockets to bind, no
    // candidates to gather on the dial's path).
    if (spare && spare.key === spareKey(accountId, options) && spare.session.state === 'new') {
      this.#d.media.adopt(spare.session);
      return spare.session;
    }
    // Its ports are free only once it has stopped: with a range of one pair (settings.rtpPorts) they are the call's.
    if (spare) return this.#d.media.createSessionAfter(spare.session.stop(), options);
    return this.#d.media.createSession(options);
  }

  #sessionOptions(accountId: string): SessionOptions {
    const account = this.#d.accounts.get(accountId);
    const known = this.#d.media.codecs;
    const codecs = account?.codecs.filter((c) => known.get(c) !== undefined);
    return {
      bindAddress: this.#d.rtpBind,
      advertisedAddress: this.#mediaAddress(accountId),
      ...(this.#d.rtpPorts ? { portRange: this.#d.rtpPorts() } : {}),
      ...(codecs && codecs.length > 0 ? { codecs } : {}),
      srtp: mediaSrtpPolicy(account),
      keyExchange: mediaKeyExchange(account),
      statsIntervalMs: this.#d.statsIntervalMs ?? 2000,
      ticker: this.#d.router.ticker,
      ...(this.#d.ice ? { ice: this.#iceFor(this.#d.ice, account) } : {}),
    };
  }

  /**
   * After an outgoing call of `accountId` ends, the session its next call would get is made and prepared (its two
   * sockets bound, ICE's host candidates gathered), kept for SPARE_KEEP_MS: a user who just called is likely to call
   * again, and the dial then only writes the offer. Only one, and only when preparing needs no network (no STUN or
   * TURN server: a reflexive address or a relay allocation would go stale, and a relay costs the server); a spare
   * whose options no longer match (the account or the address changed) is stopped when a call looks for it.
   */
  #prepareSpare(accountId: string): void {
    if (this.#closed || this.#spare || !this.#d.accounts.get(accountId)?.enabled) return;
    const options = this.#sessionOptions(accountId);
    if (options.ice?.stun || options.ice?.turn) return;
    const session = this.#d.media.createSpare(options);
    const clock = this.#d.clock ?? systemClock;
    const spare: Spare = { key: spareKey(accountId, options), session, timer: clock.setTimeout(() => this.#dropSpare(spare), SPARE_KEEP_MS) };
    this.#spare = spare;
    session.prepare().catch((e: unknown) => {
      this.#log.info('a spare media session could not be prepared', { error: String(e) });
      this.#dropSpare(spare);
    });
  }

  #takeSpare(): Spare | undefined {
    const spare = this.#spare;
    if (!spare) return undefined;
    this.#spare = undefined;
    (this.#d.clock ?? systemClock).clearTimeout(spare.timer);
    return spare;
  }

  #dropSpare(spare: Spare): void {
    if (this.#spare !== spare) return;
    void this.#takeSpare()?.session.stop();
  }

  /** The phone's ICE servers, with the account's own STUN and TURN servers in their place when it names them. */
  #iceFor(phone: IceSettings, account: Account | undefined): IceSettings {
    if (!account?.stunServer && !account?.turnServer) return phone;
    const ice: IceSettings = { ...phone };
    try {
      if (account.stunServer) {
        const stun = parseServerAddress(account.stunServer);
        ice.stun = { address: stun.host, port: stun.port };
      }
      if (account.turnServer) ice.turn = { ...parseTurnServer(account.turnServer), password: this.#d.accounts.turnPassword(account.id) ?? '' };
    } catch (e) {
      this.#log.warn('the account\'s STUN/TURN server is unusable; the phone\'s are used', { accountId: account.id, error: String(e) });
      return phone;
    }
    return ice;
  }

  /** Behind a NAT: the public address the registrar saw (RFC 3581), so the peer's RTP finds the router's mapping. */
  #mediaAddress(accountId: string): string {
    return this.#d.ua.publicAddress(accountId)?.host ?? this.#d.rtpAdvertised();
  }

  /**
   * The account's address may have moved (its registration just settled
   * after a network change): its connected calls follow (call-readdress.ts).
   * Resolves with how many calls sent a re-INVITE that was accepted.
   */
  async followAddress(accountId: string): Promise<number> {
    if (this.#closed) return 0;
    // Its host candidates were gathered on the old network.
    void this.#takeSpare()?.session.stop();
    const address = this.#mediaAddress(accountId);
    const moved = [...this.#calls.values()].filter((c) => c.accountId === accountId && c.established);
    const results = await Promise.all(moved.map((c) => followAddress(c, address, this.#log)));
    return results.filter(Boolean).length;
  }

  /** Holds the calls call-policy.ts names for this intent; a call that cannot be held is logged, not fatal. */
  async #holdFor(intent: Intent, call: PhoneCall | undefined, spare: readonly PhoneCall[] = []): Promise<void> {
    for (const other of callsToHold(intent, call, [...this.#calls.values()], spare)) {
      try {
        await other.hold(true);
      } catch (e) {
        this.#log.warn('could not hold the other call', { callId: other.id, error: String(e) });
      }
    }
  }

  /** Sends every other call's snapshot again: their actions (merge) or conference changed; `connectedOnly`: only calls that can merge. */
  #refreshAll(except?: PhoneCall, connectedOnly = false): void {
    for (const c of this.#calls.values()) if (c !== except && !c.ended && (!connectedOnly || c.established)) c.refresh();
  }

  #require(callId: string): PhoneCall {
    const call = this.#calls.get(callId);
    if (!call || call.ended) throw new ApiError('not-found', `no call ${callId} (it may have ended)`);
    return call;
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

/** The identity a forwarding leg presents: the account's choice for the target (its AOR when no rule picks an alias). */
function chooseIdentityOr(account: Account, target: string): string {
  const choice = chooseIdentity(account, target, undefined);
  return choice.ok ? choice.identity : account.aor;
}

/** How long a spare media session waits for a call before it is stopped (#prepareSpare). */
const SPARE_KEEP_MS = 60_000;

type SessionOptions = Parameters<MediaEngine['createSession']>[0] & {};

interface Spare {
  /** What the session was made with (spareKey): a call takes it only if its own options are the same. */
  key: string;
  session: MediaSession;
  timer: TimerHandle;
}

/** The options a session is made with, as text (the media clock left out: one per phone). */
function spareKey(accountId: string, options: SessionOptions): string {
  const { ticker: _ticker, ...rest } = options;
  return JSON.stringify([accountId, rest]);
}
