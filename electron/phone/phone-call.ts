/**
 * One call as the phone has it, from the first INVITE to the history row:
 * it owns its SIP call (sip/ua OutgoingCall or IncomingCall), its media
 * session, its audio route (audio-router.ts) and its history row
 * (call-history.ts), and it is the only thing that changes them. Its state
 * follows the SIP call's, through one guarded transition() whose entry
 * actions do the work in a fixed order:
 *
 *   outgoing:  dialing ─18x─▶ ringing ─18x+SDP─▶ early ─2xx─▶ connecting ─answer applied─▶ active
 *   incoming:  incoming ─183 sent─▶ early ─answer()─▶ connecting ─ACK─▶ active
 *   any state ─ hangup, CANCEL, BYE, failure ─▶ ending ─▶ ended
 *
 *   entering early, connecting, active:  the media starts (the SIP layer has
 *                                        applied the answer before it moves,
 *                                        so the session is negotiated here)
 *   entering active:                     answered at, the history row answered
 *   entering ended:                      media stopped, audio route released,
 *                                        history row completed, 'call' sent
 *
 * An outgoing call is shown to the hosts (its 'call' event, its devices
 * opened, its caller-ID match and history row) once its INVITE is with the
 * transport (showWhenSent): none of that sits between the user's dial and
 * the INVITE. Hosts still see 'dialing' first: a change of state shows the
 * call before it moves on.
 *
 * Hold is not a state but two flags: ours (RFC 3264 §8.4, our re-INVITE
 * was answered) and the peer's (its sendonly/inactive offer); the API state
 * shows 'held' before 'remote-held'. What the call accepts now is one list
 * (`actions`), used both to refuse a command and to tell the UI which
 * buttons work (docs/architecture.md, "A call's walk through the layers").
 */
import type { CallAction, CallSnapshot, CallState, Direction, IncomingCallSnapshot } from '../api/snapshots.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { MediaSession } from '../media/session/media-session.ts';
import type { MediaSessionStats } from '../media/session/media-session-options.ts';
import { assertTransition } from '../sip/transaction/transaction.ts';
import { outcome, type DialogMessage, type IncomingCall, type OutgoingCall, type ReceivedRefer, type SipOutcome } from '../sip/ua/index.ts';
import type { Logger } from '../common/logger.ts';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { AudioRouter, CallAudioDevices } from './audio-router.ts';
import { TwoWayRecorder, type RecordingLayout } from '../media/devices/two-way-recorder.ts';
import type { RecordingFormat } from '../media/devices/recording-file.ts';
import type { CallHistory } from './call-history.ts';
import type { LaterRow } from './store/history-repository.ts';
import type { ResolvedCaller } from './contact-directory.ts';
import { mediaStatsDetails } from './snapshot-mappers.ts';
import type { Account } from './account.ts';
import { describeSecurity } from './call-security.ts';
import type { SignallingTls } from './call-security.ts';
import { certificateSnapshot } from './account-tls.ts';
import type { TlsCertificateError } from '../sip/transport/tls-verify.ts';
import { describeForwarding } from '../sip/ua/caller-identity.ts';
import type { Conference, ConferenceLeg } from './conference.ts';
import type { CallForwardSnapshot } from '../api/forwarding-contract.ts';

export type SipCall = OutgoingCall | IncomingCall;

/** RFC 3323 §4.1.1.3: how an anonymous caller is written. */
const ANONYMOUS = Object.freeze({ uri: 'sip:anonymous@anonymous.invalid', displayName: 'Anonymous' });

/** Why a call whose peer went silent (no RTP, no RTCP) was ended, in words. */
export const PEER_SILENT = 'the other side stopped sending audio';

/** A command the peer refused: 'unavailable', with the SIP answer's code and words. */
/**
 * An in-call request that failed, as an API error carrying the outcome's
 * words: `what` the peer refused — or, for an answer this stack made up
 * (no answer, a sips: hop that is not TLS), what could not be done.
 */
function refused(what: { refused: string; failed: string }, result: SipOutcome): ApiError {
  return new ApiError('unavailable', `${result.local ? what.failed : what.refused}: ${result.description}`, { status: { code: result.status, reason: result.reason, words: result.words } });
}

export type PhoneCallState = 'dialing' | 'ringing' | 'early' | 'incoming' | 'connecting' | 'active' | 'ending' | 'ended';

const moves: Readonly<Record<PhoneCallState, readonly PhoneCallState[]>> = {
  dialing: ['ringing', 'early', 'connecting', 'ending', 'ended'],
  ringing: ['early', 'connecting', 'ending', 'ended'],
  early: ['connecting', 'ending', 'ended'],
  incoming: ['early', 'connecting', 'ended'],
  connecting: ['active', 'ending', 'ended'],
  active: ['ending', 'ended'],
  ending: ['ended'],
  ended: [],
};

/** The SIP call's state in the phone's words (cancelling is ending too). */
const FROM_SIP: Readonly<Record<string, PhoneCallState>> = {
  dialing: 'dialing',
  ringing: 'ringing',
  early: 'early',
  incoming: 'incoming',
  connecting: 'connecting',
  active: 'active',
  cancelling: 'ending',
  ending: 'ending',
  ended: 'ended',
};

/** What every call of the phone shares. */
export interface PhoneCallEnv {
  router: AudioRouter;
  history: CallHistory;
  events: EventBus;
  /** Wall-clock milliseconds (epoch), read from the injected clock (wall-time.ts). */
  now: () => number;
  logger: Logger;
  /** The call reached 'ended' and finished tearing down. */
  ended: (call: PhoneCall) => void;
  /** The peer asks us to call someone else (RFC 3515). */
  refer: (call: PhoneCall, refer: ReceivedRefer) => void;
  /** A MESSAGE inside the call's dialog (RFC 3428 §4). */
  message: (call: PhoneCall, message: DialogMessage) => void;
  /** There is another connected call this one can be merged with (call-service.ts). */
  canMerge?: (call: PhoneCall) => boolean;
  /** Why a TLS connection the call needed was refused (the certificate), if that is why it failed. */
  tlsFailure?: (call: PhoneCall) => TlsCertificateError | undefined;
  /** The TLS version and cipher of the connection the call's signalling uses now. */
  signallingTls?: (call: PhoneCall) => SignallingTls | undefined;
}

export interface PhoneCallInit {
  id: string;
  direction: Direction;
  accountId: string;
  sip: SipCall;
  session: MediaSession;
  localIdentity: string;
  calledAlias?: string;
  caller?: ResolvedCaller;
  /** The client (CommandContext.client) whose audio the call uses. */
  client?: string;
  /** The account's transport and servers, for the words on what protects the call. */
  account?: Pick<Account, 'transport' | 'srtp' | 'sdesInClear' | 'outboundProxy' | 'registrar' | 'aor'> | undefined;
  /** false: no history row (the new leg of a forwarded call: the forwarded call's row tells it). */
  history?: boolean;
  /** The caller-ID match and history row wait for showWhenSent (an outgoing call). */
  showLater?: boolean;
}

export class PhoneCall implements ConferenceLeg {
  readonly id: string;
  readonly direction: Direction;
  readonly accountId: string;
  readonly sip: SipCall;
  readonly session: MediaSession;
  readonly remote: { uri: string; displayName?: string };
  /** Incoming: the caller's identity was asserted by the account's server (RFC 3325), and whether they asked to be withheld (RFC 3323). */
  readonly verified: boolean;
  readonly withheld: boolean;
  /** Incoming: forwarded to us by (Diversion / History-Info, sip/ua/caller-identity.ts). */
  readonly forwardedBy: { uri: string; reason?: string; text: string } | undefined;
  readonly localIdentity: string;
  readonly calledAlias: string | undefined;
  /** The contact the remote party is (set once; an outgoing call's when it is shown). */
  caller: ResolvedCaller | undefined;
  readonly startedAt: number;
  answeredAt: number | undefined;
  endedAt: number | undefined;
  outcome: SipOutcome | undefined;
  /** The call's history row (call-history.ts), written behind the call. */
  historyRow: LaterRow | undefined;
  /** Statistics as they were when the call ended (or last sent). */
  lastStats: MediaSessionStats | undefined;
  /** The client whose audio the call uses; undefined: every client. */
  client: string | undefined;
  readonly #env: PhoneCallEnv;
  /** The signalling's TLS version and cipher, as last seen. */
  #tls: SignallingTls | undefined;
  readonly #account: PhoneCallInit['account'];
  readonly #log: Logger;
  #state: PhoneCallState;
  /** The devices the router gave the call (before any recording tap). */
  #devices: CallAudioDevices | undefined;
  #recorder: { recorder: TwoWayRecorder; since: number } | undefined;
  /** In a conference: the conference, and the bridges the call's media goes through instead of its own devices. */
  #conference: { conference: Conference; devices: CallAudioDevices } | undefined;
  /** Shown to the hosts ('call' / 'call.incoming' sent); a call refused under do-not-disturb never is. */
  #announced = false;
  /** Snapshots sent (or due) so far: #emitSoon skips its own when another went meanwhile. */
  #emitted = 0;
  /** An outgoing call's showing, until its INVITE is sent (showWhenSent). */
  #pendingShow: (() => void) | undefined;
  #shown: Promise<void> = Promise.resolve();
  /** Our transfer's result from the NOTIFY sipfrag (RFC 3515 §2.4.5), shown until the call ends. */
  #transfer: CallSnapshot['transfer'];
  /** Attended transfer: the call whose peer ours replaces; ended with ours when the transfer succeeds. */
  #transferredTo: PhoneCall | undefined;
  /** The API id of the call this one replaced (RFC 3891: a completed transfer, a pickup). */
  replacedCall: string | undefined;
  /** We forward this call (call-forwarding.ts): where, why, how. */
  #forward: CallForwardSnapshot | undefined;
  /** Joined to another call's audio (a call forwarded by a new leg, forward-bridge.ts): the bridges instead of its own devices. */
  #joined: CallAudioDevices | undefined;

  constructor(init: PhoneCallInit, env: PhoneCallEnv) {
    this.id = init.id;
    this.direction = init.direction;
    this.accountId = init.accountId;
    this.sip = init.sip;
    this.session = init.session;
    const identity = init.sip.direction === 'incoming' ? init.sip.identity : undefined;
    this.verified = identity?.asserted !== undefined;
    this.withheld = identity?.withheld ?? false;
    // RFC 3323: a caller who asked for privacy is shown as anonymous, unless the account's server told us who it is.
    this.remote = init.sip.direction !== 'incoming' ? init.sip.remote : this.withheld && !this.verified ? ANONYMOUS : init.sip.caller;
    const forwarded = identity?.forwardedBy;
    this.forwardedBy = forwarded
      ? { uri: forwarded.uri, ...(forwarded.reason !== undefined ? { reason: forwarded.reason } : {}), text: describeForwarding(forwarded) }
      : undefined;
    this.localIdentity = init.localIdentity;
    this.calledAlias = init.calledAlias;
    this.caller = init.caller;
    this.client = init.client;
    this.#account = init.account;
    this.startedAt = env.now();
    this.#env = env;
    this.#log = env.logger;
    this.#state = FROM_SIP[init.sip.state] ?? 'ended';
    this.#listen();
    if (init.history !== false && init.showLater !== true) env.history.started(this);
  }

  /**
   * Shows an outgoing call once its INVITE is with the transport (`sent`):
   * the caller-ID match (`identify`), the history row, the devices and the
   * 'call' event. An INVITE waiting for a DNS lookup does not hold the call
   * back — it is shown after a 0 ms timer of `clock` all the same — and a
   * change of state shows it first, so hosts still see 'dialing' before
   * anything else.
   */
  showWhenSent(sent: Promise<void>, clock: Clock, identify: () => ResolvedCaller | undefined): void {
    let timer: TimerHandle | undefined;
    this.#shown = new Promise<void>((resolve) => {
      const show = () => {
        if (this.#pendingShow !== show) return;
        this.#pendingShow = undefined;
        clock.clearTimeout(timer);
        this.caller = identify();
        this.#env.history.started(this);
        this.openAudio(this.client);
        this.announce();
        resolve();
      };
      this.#pendingShow = show;
      timer = clock.setTimeout(show, 0);
      void sent.then(show);
    });
  }

  /** Settles once the call has been shown (at once, but for an outgoing call whose INVITE is on its way: showWhenSent). */
  get shown(): Promise<void> {
    return this.#shown;
  }

  get forwardedTo(): CallForwardSnapshot | undefined {
    return this.#forward;
  }

  /** We forward the call (or the new leg's state changed): shown in the snapshot and kept in the history. */
  setForward(forward: CallForwardSnapshot): void {
    this.#forward = { ...forward };
    this.#emit();
  }

  /** Being forwarded by a new leg that still rings: the caller hears it ring, the user is not asked. */
  get forwarding(): boolean {
    return this.#forward?.method === 'bridge' && this.#forward.state === 'trying';
  }

  /** The call's audio goes to and comes from these (another call's, forward-bridge.ts), or its own devices again (undefined). */
  joinAudio(devices: CallAudioDevices | undefined): void {
    this.#joined = devices;
    this.#applyDevices();
  }

  get state(): PhoneCallState {
    return this.#state;
  }
  get ended(): boolean {
    return this.#state === 'ended';
  }
  /** Connected, whether held or not. */
  get established(): boolean {
    return this.#state === 'active';
  }
  get held(): boolean {
    return this.sip.held;
  }
  /** Talking: connected and not held by us. */
  get talking(): boolean {
    return this.established && !this.held;
  }
  get ringingIn(): boolean {
    return this.direction === 'in' && (this.#state === 'incoming' || this.#state === 'early');
  }

  /** What the call accepts now; every command checks this list, and the snapshot carries it. */
  get actions(): CallAction[] {
    const s = this.#state;
    if (s === 'ended' || s === 'ending') return [];
    if (this.forwarding) return ['hangup'];
    if (this.ringingIn) return this.#state === 'incoming' && this.sip.direction === 'incoming' && this.sip.canSendEarlyMedia ? ['answer', 'decline', 'hangup', 'earlyMedia'] : ['answer', 'decline', 'hangup'];
    if (s !== 'active') return ['hangup', 'mute'];
    const actions: CallAction[] = ['hangup', 'mute', this.held ? 'resume' : 'hold', 'dtmf', 'transfer', 'record'];
    if (this.#env.canMerge?.(this)) actions.push('merge');
    if (this.#conference) actions.push('split');
    return actions;
  }

  /**
   * Shows the call to the hosts: 'call', and 'call.incoming' for a call that
   * rings here (a call replacing one of ours never rings: `ring` false).
   */
  announce(ring = true): void {
    this.#announced = true;
    this.#emit();
    if (ring && this.ringingIn) this.#env.events.emit('call.incoming', this.incomingSnapshot());
  }

  /** Opens the call's devices (outgoing: at once; incoming: when answered). */
  openAudio(client: string | undefined): void {
    if (this.#devices) return;
    this.#devices = this.#env.router.open(this.id, client);
    this.#applyDevices();
  }

  /** The conference the call is in (conference.ts), if any. */
  get conference(): Conference | undefined {
    return this.#conference?.conference;
  }

  // --- ConferenceLeg ---

  ownDevices(): CallAudioDevices | undefined {
    return this.#devices;
  }

  routeThrough(devices: CallAudioDevices | undefined, conference: Conference | undefined): void {
    const before = this.#conference?.conference;
    this.#conference = devices && conference ? { conference, devices } : undefined;
    // Mute is the local user's: inside a conference the mixer's, outside the session's (never a leg's whole mix).
    if (conference && this.session.muted) {
      this.session.setMuted(false);
      conference.setLocalMuted(true);
    } else if (!conference && before?.localMuted) {
      this.session.setMuted(true);
    }
    this.#applyDevices();
    this.#emit();
  }

  /** Sends the snapshot again (a change made elsewhere: the conference's mute). */
  refresh(): void {
    this.#emit();
  }

  /**
   * The session's devices: the conference's bridges or the call's own, with
   * the recorder's taps over them when recording (in a conference a leg's
   * two directions hold all of the parties: what its peer hears is everyone
   * else, what it sends is its peer).
   */
  #applyDevices(): void {
    if (this.ended) return;
    const base = this.#conference?.devices ?? this.#joined ?? this.#devices;
    if (!base) return;
    const r = this.#recorder?.recorder;
    this.session.setDevices(r ? { source: r.tapSource(base.source), sink: r.tapSink(base.sink) } : { source: base.source, sink: base.sink });
  }

  /**
   * Starts recording the call both ways into `path` (two-way-recorder.ts:
   * the microphone and the speaker tapped), or stops it. The file is
   * finalised when the recording stops or the call ends.
   */
  record(on: boolean, path: string, layout: RecordingLayout, format: RecordingFormat): void {
    if (!on) {
      this.#stopRecording();
      this.#emit();
      return;
    }
    this.#require('record', 'it can be recorded once connected');
    if (this.#recorder) return;
    const devices = this.#conference?.devices ?? this.#devices;
    if (!devices) throw new ApiError('unavailable', 'the call has no audio devices to record');
    let recorder: TwoWayRecorder;
    try {
      recorder = new TwoWayRecorder({ path, sampleRate: devices.sink.sampleRate, layout, format });
      this.#recorder = { recorder, since: this.#env.now() };
      this.#applyDevices();
    } catch (e) {
      this.#recorder = undefined;
      throw new ApiError('unavailable', `the call cannot be recorded: ${(e as Error).message}`);
    }
    this.#log.info('recording', { callId: this.id, path, layout, format });
    this.#env.history.recorded(this, path);
    this.#emit();
  }

  #stopRecording(): void {
    const r = this.#recorder;
    if (!r) return;
    this.#recorder = undefined;
    this.#applyDevices();
    try {
      r.recorder.close();
    } catch (e) {
      this.#log.warn('recording not finalised', { callId: this.id, error: String(e) });
    }
  }

  // --- commands (the API's, through CallService and CallPolicy) ---

  /** Answers a ringing call; `client` speaks and hears on it (every client when none is named). */
  async answer(client: string | undefined): Promise<void> {
    this.#require('answer', 'only a ringing incoming call can be answered');
    this.openAudio(client);
    this.#env.router.claim(this.id, client);
    this.client ??= client;
    const gone = () => new ApiError('not-found', 'the caller hung up before the call was answered');
    try {
      await (this.sip as IncomingCall).accept();
    } catch (e) {
      if (this.ended) throw gone();
      throw e;
    }
    if (this.ended) throw gone();
  }

  /** Early media to the caller (RFC 3960): our devices open and the 183 with our answer goes out; the call is 'early'. */
  sendEarlyMedia(client: string | undefined): void {
    this.#require('earlyMedia', 'only a ringing incoming call with an offer can send early media');
    this.openAudio(client);
    this.client ??= client;
    (this.sip as IncomingCall).startEarlyMedia();
  }

  decline(code: number, reason: string | undefined): void {
    this.#require('decline', 'only a ringing incoming call can be declined');
    (this.sip as IncomingCall).decline(code, reason);
  }

  hangup(): Promise<void> {
    return this.sip.hangup();
  }

  async hold(hold: boolean): Promise<void> {
    if (this.held === hold && this.established) return;
    this.#require(hold ? 'hold' : 'resume', `it can be ${hold ? 'held' : 'resumed'} once connected`);
    const result = hold ? await this.sip.hold() : await this.sip.resume();
    if (result.status >= 300) throw refused({ refused: `the other side refused to ${hold ? 'hold' : 'resume'} the call`, failed: `the call could not be ${hold ? 'held' : 'resumed'}` }, result);
  }

  /** Mutes the microphone; in a conference the local user is muted for every leg. */
  setMuted(muted: boolean): void {
    const conference = this.#conference?.conference;
    if (conference) {
      conference.setLocalMuted(muted);
      for (const leg of conference.legs) (leg as PhoneCall).refresh();
      return;
    }
    this.session.setMuted(muted);
    this.#emit();
  }

  get muted(): boolean {
    return this.#conference ? this.#conference.conference.localMuted : this.session.muted;
  }

  /** RFC 4733 unless the account says INFO; a peer without telephone-event gets SIP INFO (RFC 6086). */
  async sendDtmf(digits: string, viaInfo: boolean): Promise<void> {
    this.#require('dtmf', 'digits can be sent once connected');
    const info = async () => {
      const result = await this.sip.sendDtmf(digits);
      if (result.status >= 300) throw refused({ refused: 'the other side refused the digits', failed: 'the digits could not be sent' }, result);
    };
    if (viaInfo) return info();
    try {
      await this.session.sendDtmf(digits);
    } catch (e) {
      if ((e as { code?: string }).code === 'dtmf-unavailable') return info();
      throw new ApiError('unavailable', `the digits could not be sent: ${(e as Error).message}`);
    }
  }

  /**
   * Blind transfer (RFC 3515) to a target, or attended transfer (RFC 5589
   * §7) to another call: its peer replaces that call (REFER with Replaces).
   * The result comes later in the NOTIFY sipfrag, shown as `transfer` in the
   * snapshot; on success both calls end (the target BYEs the replaced one,
   * and we end it too should it not).
   */
  async transfer(target: string | PhoneCall): Promise<void> {
    this.#require('transfer', 'it can be transferred once connected');
    if (typeof target !== 'string') {
      if (!target.established) throw new ApiError('conflict', `the other call is ${target.apiState}; a call can be transferred to a connected call only`);
      this.#transferredTo = target;
    }
    this.#transfer = { target: typeof target === 'string' ? target : target.remote.uri, state: 'trying', ...(typeof target === 'string' ? {} : { toCallId: target.id }) };
    this.#emit();
    let result: SipOutcome;
    try {
      result = await this.sip.transfer(typeof target === 'string' ? target : target.sip);
    } catch (e) {
      this.#transferredTo = undefined;
      throw e;
    }
    if (result.status >= 300) {
      this.#transferredTo = undefined;
      throw refused({ refused: 'the other side refused the transfer', failed: 'the transfer could not be asked for' }, result);
    }
  }

  /** The phone is closing: media stopped and devices released even if the SIP side never answers. */
  async forceStop(): Promise<void> {
    this.#conference?.conference.leave(this);
    await this.session.stop('phone closed').catch(() => undefined);
    this.#stopRecording();
    this.#env.router.release(this.id);
  }

  // --- the state machine ---

  #transition(to: PhoneCallState, result?: SipOutcome): void {
    // Not shown yet (its INVITE failed before it was sent): shown as it was, then the change.
    this.#pendingShow?.();
    if (to === this.#state) return;
    assertTransition('phone call', moves, this.#state, to);
    this.#state = to;
    if (result && to !== 'ended') this.outcome = result;
    // Answered means connected: an incoming call is 'connecting' until the ACK for our 200 comes (RFC 3261
    // §13.3.1.4); a caller who gave up never sends it, and that call was never a conversation.
    if (to === 'active' && this.answeredAt === undefined) {
      this.answeredAt = this.#env.now();
      this.#env.history.answered(this);
    }
    if (to === 'early' || to === 'connecting' || to === 'active') this.#startMedia();
    if (to === 'ended') {
      void this.#teardown();
      return;
    }
    this.#emit();
  }

  #startMedia(): void {
    const s = this.session.state;
    if (s !== 'negotiated') return;
    try {
      this.session.start();
    } catch (e) {
      this.#log.warn('media did not start', { callId: this.id, error: String(e) });
    }
  }

  async #teardown(): Promise<void> {
    // Out of the conference first: the others go on (or the last one talks alone) before our devices close.
    this.#conference?.conference.leave(this);
    const end = this.sip.end;
    this.endedAt = this.#env.now();
    // We hung up because the peer's media answer was unusable (none, m=audio 0, garbage): the call failed,
    // whatever the BYE's 200 says — RFC 3261 §13.2.1 has the UAC end such a call; 488 is what it was.
    // Its words are what failed where the stack says it (our own media made no offer: no free RTP port pair),
    // not the code's "no common codec": no peer refused our codecs then.
    if (end?.cause === 'media-failed') this.outcome = { ...outcome(488, 'Not Acceptable Here'), ...(end.detail ? { words: end.detail } : {}) };
    else if (end?.outcome) this.outcome = end.outcome;
    // A connected call ended by a BYE has no final answer of its own: it was a 200.
    else if (this.answeredAt !== undefined && (this.outcome === undefined || this.outcome.status < 200)) this.outcome = outcome(200, 'OK');
    try {
      await this.session.stop(end?.cause);
      this.lastStats = this.session.stats();
    } catch (e) {
      this.#log.warn('media stop failed', { callId: this.id, error: String(e) });
    }
    this.#stopRecording();
    this.#env.router.release(this.id);
    this.#log.info('call ended', { callId: this.id, cause: end?.cause, by: end?.by, status: end?.outcome?.status, detail: end?.detail });
    this.#env.ended(this);
    this.#emit();
    this.#env.history.ended(this);
  }

  #listen(): void {
    const { sip, session } = this;
    sip.on('state', (change) => this.#transition(FROM_SIP[change.state] ?? 'ended', change.outcome));
    sip.on('hold', ({ outcome: o }) => {
      if (o.status >= 300) this.outcome = o;
      this.#emit();
    });
    sip.on('reoffer', () => this.#emit());
    sip.on('dtmf', (tone) => this.#dtmfReceived(tone, 'info'));
    sip.on('transfer', (progress) => {
      const done = progress.phase === 'succeeded' || progress.phase === 'failed';
      if (done || progress.phase === 'progress') {
        this.#transfer = {
          target: this.#transfer?.target ?? '',
          ...(this.#transfer?.toCallId !== undefined ? { toCallId: this.#transfer.toCallId } : {}),
          state: progress.phase === 'succeeded' ? 'succeeded' : progress.phase === 'failed' ? 'failed' : 'trying',
          ...(progress.outcome ? { code: progress.outcome.status, reason: progress.outcome.reason, words: progress.outcome.words } : {}),
        };
      }
      this.#emit();
      // RFC 5589 §6.1: the transfer worked, the transferor's part is done (§7.1: the consultation call too).
      if (progress.phase === 'succeeded') {
        void sip.hangup().catch(() => undefined);
        const other = this.#transferredTo;
        if (other && !other.ended) void other.hangup().catch(() => undefined);
      }
      if (progress.phase === 'failed') this.#transferredTo = undefined;
    });
    sip.on('refer', (refer) => this.#env.refer(this, refer));
    sip.on('message', (m) => this.#env.message(this, m));
    session.on('negotiated', () => {
      if (this.#state === 'early' || this.#state === 'connecting' || this.#state === 'active') this.#startMedia();
    });
    session.on('remote-hold', () => this.#emit());
    // The media path is known (ICE's pair, or the plain path once the answer is applied: then the state change that
    // follows in the same turn carries it): sent with the next snapshot, on its own only if none goes in this turn.
    session.on('route', () => this.#emitSoon());
    // DTLS-SRTP keys arrived: the security line changes from "not encrypted" to the suite.
    session.on('secured', () => this.#emit());
    session.on('security-failed', (words) => {
      this.#log.warn('media could not be secured: ending the call', { callId: this.id, words });
      sip.endMediaFailure(words);
    });
    session.on('dtmf', (tone) => this.#dtmfReceived(tone, 'rfc4733'));
    session.on('stats', (stats) => this.#stats(stats));
    session.on('error', (err) => this.#log.warn('media error', { callId: this.id, error: err.message }));
    // The peer vanished (no RTP, no RTCP while it should send, media/session/stream-liveness.ts): end the call, saying so.
    session.on('peer-silent', (ms) => {
      this.#log.info('peer silent: ending the call', { callId: this.id, silentMs: ms });
      sip.endSilentPeer(PEER_SILENT);
    });
  }

  #dtmfReceived(tone: { digit: string; durationMs: number }, via: 'rfc4733' | 'info'): void {
    // The log line stays for diagnostics; the event is what the UI shows.
    this.#log.info('dtmf received', { callId: this.id, digit: tone.digit, durationMs: tone.durationMs, via });
    this.#env.events.emit('call.dtmf', { callId: this.id, digit: tone.digit, durationMs: tone.durationMs, via });
  }

  #stats(stats: MediaSessionStats): void {
    this.lastStats = stats;
    if (this.ended || stats.state !== 'running') return;
    const s: { callId: string; packetsSent: number; packetsReceived: number; lossPercent: number; jitterMs: number; rttMs?: number; mos?: number } = {
      callId: this.id,
      packetsSent: stats.packetsSent,
      packetsReceived: stats.packetsReceived,
      lossPercent: stats.lossPercent,
      jitterMs: stats.jitterMs,
    };
    if (stats.rttMs !== null) s.rttMs = stats.rttMs;
    if (stats.mos !== null) s.mos = stats.mos;
    this.#env.events.emit('media.stats', { ...s, ...mediaStatsDetails(stats) });
  }

  #require(action: CallAction, hint: string): void {
    if (this.ended) throw new ApiError('not-found', `no call ${this.id} (it has ended)`);
    if (!this.actions.includes(action)) throw new ApiError('conflict', `the call is ${this.apiState}; ${hint}`);
  }

  #emit(): void {
    this.#emitted++;
    if (this.#announced) this.#env.events.emit('call', this.snapshot());
  }

  /** A snapshot at the end of this turn, unless one is sent before then. */
  #emitSoon(): void {
    const before = this.#emitted;
    queueMicrotask(() => {
      if (this.#emitted === before) this.#emit();
    });
  }

  // --- snapshots ---

  get apiState(): CallState {
    const s = this.#state;
    // A call forwarded by a new leg rings there, not here: no ringing screen for it.
    if (this.forwarding && (s === 'incoming' || s === 'early')) return 'ringing';
    if (s !== 'active') return s;
    if (this.sip.held) return 'held';
    if (this.session.remoteHold) return 'remote-held';
    return 'active';
  }

  snapshot(): CallSnapshot {
    const remote: CallSnapshot['remote'] = { uri: this.remote.uri };
    if (this.verified) remote.verified = true;
    if (this.withheld) remote.withheld = true;
    if (this.remote.displayName !== undefined) remote.displayName = this.remote.displayName;
    if (this.caller?.contactId !== undefined) remote.contactId = this.caller.contactId;
    else if (this.caller) remote.contactId = this.caller.contact.id;
    if (this.caller) remote.contactName = this.caller.name;
    const s: CallSnapshot = {
      id: this.id,
      accountId: this.accountId,
      direction: this.direction,
      state: this.apiState,
      remote,
      localIdentity: this.localIdentity,
      startedAt: this.startedAt,
      muted: this.muted,
      held: this.sip.held,
      earlyMedia: this.sip.earlyMedia,
      srtp: this.session.negotiated?.srtp !== undefined,
      actions: this.actions,
    };
    if (this.answeredAt !== undefined) s.answeredAt = this.answeredAt;
    if (this.endedAt !== undefined) s.endedAt = this.endedAt;
    if (this.outcome) {
      s.code = this.outcome.status;
      s.reason = this.outcome.reason;
      s.words = this.outcome.words;
      // The UA's own reason beside the server's answer, e.g. "asked for the password of another realm (x)".
      const detail = this.sip.end?.detail;
      if (detail && s.words) s.words = `${s.words} (${detail})`;
      // A call that never reached the server because its certificate was refused says so, not "service unavailable".
      const refused = this.outcome.status === 503 && this.answeredAt === undefined ? this.#env.tlsFailure?.(this) : undefined;
      if (refused) {
        s.words = refused.message;
        const certificate = certificateSnapshot(refused);
        if (certificate) s.certificate = certificate;
      }
    }
    const end = this.sip.end;
    if (end?.cause === 'media-failed') s.failure = end.detail ?? 'the media could not be set up';
    if (end?.cause === 'media-timeout') s.failure = end.detail ?? PEER_SILENT;
    if (end?.cause === 'session-expired') s.failure = end.detail ?? 'the session was not refreshed in time';
    if (this.sip.id) s.sipCallId = this.sip.id;
    if (this.forwardedBy) s.forwardedBy = { ...this.forwardedBy };
    if (this.#forward) s.forwardedTo = { ...this.#forward };
    if (this.#transfer) s.transfer = { ...this.#transfer };
    if (this.replacedCall !== undefined) s.replacedCall = this.replacedCall;
    if (this.#conference) s.conference = this.#conference.conference.id;
    if (this.#recorder) s.recording = { path: this.#recorder.recorder.path, since: this.#recorder.since, layout: this.#recorder.recorder.layout, format: this.#recorder.recorder.format };
    const negotiated = this.session.negotiated;
    const codec = negotiated?.codec;
    // The connection may be gone by the time the call ends: the last one seen stays in the words (and the history).
    // Read only once there is media to describe (a ringing call's snapshots need none), and only for a call placed
    // or taken over TLS (its account's transport then; a call keeps the transport it was set up on).
    if (negotiated && this.#state !== 'ended' && this.#account?.transport === 'tls') this.#tls = this.#env.signallingTls?.(this) ?? this.#tls;
    if (negotiated) s.security = describeSecurity(this.#account, negotiated.srtp, this.#tls);
    if (codec) s.codec = `${codec.name}/${codec.clockRate}`;
    const route = this.session.route;
    if (route) s.mediaPath = route;
    const pair = this.session.ice?.selectedPair;
    if (pair) s.icePair = { local: { ...pair.local }, remote: { ...pair.remote } };
    return s;
  }

  incomingSnapshot(): IncomingCallSnapshot {
    const s: IncomingCallSnapshot = { ...this.snapshot(), calledAlias: this.calledAlias ?? this.localIdentity };
    if (this.caller) s.contact = this.caller.contact;
    return s;
  }
}

