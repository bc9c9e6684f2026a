/**
 * The media of one call: SDP offer/answer, one RTP (SRTP) audio stream,
 * codecs, jitter buffer, DTMF, devices and statistics joined into one object
 * the phone layer drives (as baresip's audio.c/stream.c do beside call.c).
 *
 *   new ──offer/answer──▶ negotiated ──start()──▶ running ──stop()──▶ stopped
 *                              re-offers and answers (hold, resume) ─┘ any time
 *
 * Every 20 ms tick of the FrameTicker (docs/architecture.md §5: the capture clock paces
 * sending) runs the call's AudioStream (audio-stream.ts): receive, then send.
 *
 * Hold: a local hold offers sendonly (RFC 3264 §8.4) and sends nothing — the
 * microphone must not reach a held party — unless a hold source (music on
 * hold) is set. The peer's hold (sendonly/inactive offer, c=0.0.0.0) is
 * answered per §6.1 and reported as 'remote-hold'. Mute sends silence, so
 * RTP keeps flowing and the peer's jitter buffer and NAT bindings stay warm.
 *
 * SRTP keys come from the SDP (SDES) or, with DTLS-SRTP, from a handshake
 * on the RTP port once the negotiation names the roles and fingerprints
 * (dtls-srtp-keying.ts): until its keys are in place nothing is sent or
 * played; 'secured' says when they are, 'security-failed' why they never
 * will be (the phone ends the call with those words).
 *
 * Make sessions with MediaEngine.createSession(); a session made directly
 * needs `await initMedia()` first (the WASM resampler) and, without a
 * ticker, runs its own MediaClock.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../common/clock.ts';
import { systemClock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import type { AudioSink, AudioSource } from '../audio/frame.ts';
import type { CodecRegistry } from '../codecs/codec-registry.ts';
import { defaultCodecRegistry } from '../codecs/codec-registry.ts';
import type { Codec, EncoderOptions } from '../codecs/codec.ts';
import { IceTransport } from '../ice/ice-transport.ts';
import type { MediaRoute } from '../ice/ice-transport.ts';
import { PortAllocationError } from '../rtp/port-allocator.ts';
import { readRemoteIce } from '../sdp/ice-sdp.ts';
import type { RemoteIce } from '../sdp/ice-sdp.ts';
import { RtpSession } from '../rtp/rtp-session.ts';
import { CALL_JITTER_DEFAULTS } from '../jitter/jitter-buffer.ts';
import { directionFlags } from '../sdp/media-direction.ts';
import type { NegotiatedMedia } from '../sdp/negotiated-media.ts';
import type { MediaDirection } from '../sdp/session-description.ts';
import type { AudioIo } from './audio-stream.ts';
import { AudioStream } from './audio-stream.ts';
import { DelayAccumulator } from './delay-figures.ts';
import type { DtmfToneOptions } from './dtmf-queue.ts';
import { DtmfQueue } from './dtmf-queue.ts';
import { buildLocalCodecs, selectCodecs } from './local-codecs.ts';
import type { FrameTicker } from './media-clock.ts';
import { MediaClock } from './media-clock.ts';
import { MediaSessionError } from './media-session-error.ts';
import type { AnswerResult, MediaOfferAnswer, MediaSessionEvents, MediaSessionOptions, MediaSessionState, MediaSessionStats } from './media-session-options.ts';
import type { DtlsIdentity } from '../dtls/dtls-keys.ts';
import type { NegotiatedSrtp } from '../sdp/negotiated-media.ts';
import { SdpNegotiator } from './sdp-negotiator.ts';
import { processDtlsIdentity } from '../dtls/dtls-keys.ts';
import { fingerprintOf } from '../sdp/dtls-attributes.ts';
import { DtlsSrtpKeying } from './dtls-srtp-keying.ts';
import { StreamLiveness } from './stream-liveness.ts';
import { buildMediaSessionStats } from './session-stats.ts';
import { hostAddresses } from './host-addresses.ts';

const OPUS_FRAME_MS = [10, 20, 40, 60];
const DEFAULT_JITTER: { minDelayMs: number; initialDelayMs: number; maxDelayMs: number; maxConcealFrames: number } = { ...CALL_JITTER_DEFAULTS };

/** A send ptime our pipeline and the codec can do, nearest to what the peer asked for. */
function usablePtime(codec: Codec, asked: number): number {
  const ms = Math.min(120, Math.max(10, Math.round(asked / 10) * 10));
  if (codec.name.toLowerCase() !== 'opus') return ms;
  return OPUS_FRAME_MS.reduce((best, f) => (Math.abs(f - ms) < Math.abs(best - ms) ? f : best), 20);
}

export class MediaSession extends EventEmitter<MediaSessionEvents> implements MediaOfferAnswer {
  readonly #options: MediaSessionOptions;
  readonly #registry: CodecRegistry;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #ticker: FrameTicker;
  readonly #negotiator: SdpNegotiator;
  readonly #dtmfQueue: DtmfQueue;
  readonly #jitterOptions: typeof DEFAULT_JITTER;
  /** Devices and switches the audio stream reads on every tick. */
  readonly #io: AudioIo;
  #state: MediaSessionState = 'new';
  #rtp: RtpSession | undefined;
  #opening: Promise<RtpSession> | undefined;
  #ice: IceTransport | undefined;
  /** An ICE restart under way (the old transport closed, candidates gathered anew): offers and answers wait for it. */
  #iceRestart: Promise<void> | undefined;
  #negotiated: NegotiatedMedia | undefined;
  #stream: AudioStream | undefined;
  #liveness: StreamLiveness | undefined;
  #unsubscribe: (() => void) | undefined;
  #holdBeforeOffer = false;
  #remoteHold = false;
  #startedMs: number | undefined;
  #stoppedMs: number | undefined;
  #ticks = 0;
  #finalStats: MediaSessionStats | undefined;
  readonly #keying: DtlsSrtpKeying | undefined;
  /** DTLS-SRTP of the RTCP port when the peer does not multiplex (RFC 5764 §4.1); idle otherwise. */
  readonly #rtcpKeying: DtlsSrtpKeying | undefined;
  /** The address our descriptions name (options.advertisedAddress until readdress()). */
  #advertised: string;

  constructor(options: MediaSessionOptions) {
    super();
    this.#options = options;
    this.#registry = options.codecRegistry ?? defaultCodecRegistry;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? nullLogger).child('session');
    this.#ticker = options.ticker ?? new MediaClock({ clock: this.#clock });
    this.#dtmfQueue = new DtmfQueue(this.#ticker.frameMs);
    this.#io = { source: options.source, sink: options.sink, holdSource: options.holdSource, muted: false, localHold: false };
    this.#jitterOptions = { ...DEFAULT_JITTER, ...options.jitter };
    const advertised = options.advertisedAddress ?? options.bindAddress;
    if (advertised === '0.0.0.0' || advertised === '::') {
      throw new RangeError('bound to a wildcard address: advertisedAddress must name the address peers can reach');
    }
    this.#advertised = advertised;
    const local = buildLocalCodecs(selectCodecs(this.#registry, options.codecs), options.telephoneEvent ?? true);
    const keyExchange = options.keyExchange ?? ['sdes'];
    const identity = keyExchange.includes('dtls') && (options.srtp ?? 'off') !== 'off' ? (options.dtlsIdentity ?? processDtlsIdentity()) : undefined;
    if (identity) {
      this.#keying = this.#newKeying(identity, 'rtp');
      this.#rtcpKeying = this.#newKeying(identity, 'rtcp');
    }
    this.#negotiator = new SdpNegotiator({
      address: advertised,
      codecs: local.codecs,
      telephoneEvents: local.telephoneEvents,
      ptime: options.ptime,
      srtpPolicy: options.srtp ?? 'off',
      srtpSuites: options.srtpSuites,
      keyExchange,
      ...(identity ? { dtlsFingerprint: fingerprintOf(identity.certificate), dtlsRole: () => this.#keying?.role } : {}),
      rtcpMux: options.rtcpMux ?? true,
      sessionName: options.sessionName,
      username: options.username,
    });
  }

  get state(): MediaSessionState {
    return this.#state;
  }

  /** The outcome of the last offer/answer. */
  get negotiated(): NegotiatedMedia | undefined {
    return this.#negotiated;
  }

  /** Our RTP port once bound (after the first createOffer/answerOffer). */
  get localPort(): number | undefined {
    return this.#rtp?.localPort;
  }

  /** How the media travels (ICE's selected pair, or the plain path); undefined before it is known or without ICE. */
  get route(): MediaRoute | undefined {
    return this.#ice?.route;
  }

  /** The ICE side of the stream (candidates, agent), for diagnostics; undefined without ICE. */
  get ice(): IceTransport | undefined {
    return this.#ice;
  }

  /** The underlying RTP session, for diagnostics. */
  get rtpSession(): RtpSession | undefined {
    return this.#rtp;
  }

  get muted(): boolean {
    return this.#io.muted;
  }

  get localHold(): boolean {
    return this.#io.localHold;
  }

  get remoteHold(): boolean {
    return this.#remoteHold;
  }

  // ---- offer / answer --------------------------------------------------------

  /**
   * Binds the sockets and gathers the ICE candidates now, ahead of the first offer or answer (a session made
   * before its call: media-engine.ts createSpare). Nothing is sent; the offer made later uses them.
   */
  async prepare(): Promise<void> {
    this.#assertOpen();
    await this.#ensureRtp();
  }

  /** Our SDP offer (initial INVITE, or a re-INVITE). */
  async createOffer(): Promise<string> {
    this.#assertOpen();
    const rtp = await this.#ensureRtp();
    await this.#iceRestart?.catch(() => undefined);
    this.#holdBeforeOffer = this.#io.localHold;
    return this.#negotiator.createOffer({ port: rtp.localPort, direction: this.#wantedDirection(), ice: this.#ice?.description(true) });
  }

  /** Our answer to the peer's offer, or a 488 with the reason. Never throws for what the peer sent. */
  async answerOffer(offerSdp: string): Promise<AnswerResult> {
    if (this.#state === 'stopped') return { reject: 488, reason: 'the call has ended' };
    let rtp: RtpSession;
    try {
      rtp = await this.#ensureRtp();
    } catch (err) {
      this.#log.warn('no RTP port for the answer', { message: (err as Error).message });
      if (err instanceof PortAllocationError) return { reject: 503, busy: true, reason: `too many calls: ${err.message}` };
      return { reject: 488, reason: `no local RTP port available: ${(err as Error).message}` };
    }
    await this.#iceRestart?.catch(() => undefined);
    const remoteIce = this.#ice ? readRemoteIce(offerSdp) : undefined;
    // The peer restarted ICE (its address moved): we gather again and check anew with its new credentials.
    if (this.#ice?.restartedBy(remoteIce)) await this.#restartIce(rtp);
    const ice = this.#ice?.description(remoteIce !== undefined);
    const result = this.#negotiator.answerOffer(offerSdp, { port: rtp.localPort, direction: this.#wantedDirection(), ice });
    if ('reject' in result) {
      this.#log.info('offer refused', { reason: result.reason });
      return result;
    }
    this.#apply(result.negotiated);
    this.#startIce(remoteIce, false);
    return { answer: result.answer };
  }

  /** The peer's answer to our offer. Throws MediaSessionError ('not-acceptable': end the call or re-offer). */
  async setAnswer(answerSdp: string): Promise<void> {
    this.#assertOpen();
    let negotiated: NegotiatedMedia;
    try {
      negotiated = this.#negotiator.setAnswer(answerSdp);
    } catch (err) {
      this.rollback();
      throw err;
    }
    this.#apply(negotiated, true);
    this.#startIce(this.#ice ? readRemoteIce(answerSdp) : undefined, true);
  }

  /** The first offer/answer is done: ICE checks with a peer that does ICE, else the plain (maybe relayed) path. */
  #startIce(remote: RemoteIce | undefined, controlling: boolean): void {
    const n = this.#negotiated;
    if (!this.#ice || !n) return;
    this.#ice.start(remote, { address: n.remoteAddress, port: n.remotePort }, controlling);
  }

  /** The address our offers and answers name (c=, and ICE's default candidate's related address). */
  get advertisedAddress(): string {
    return this.#advertised;
  }

  /**
   * Our address moved (network-change.ts): the next offer names `address`,
   * and with ICE our candidates are gathered again now, under new
   * credentials — the offer restarts ICE (RFC 8445 §9). The socket stays; the
   * media keeps going the old way until the answer comes.
   */
  async readdress(address: string): Promise<void> {
    this.#assertOpen();
    if (address === '0.0.0.0' || address === '::') throw new RangeError('readdress: a wildcard is no address peers can reach');
    this.#advertised = address;
    this.#negotiator.setAddress(address);
    const rtp = this.#rtp;
    if ((this.#ice || this.#iceRestart) && rtp) await this.#restartIce(rtp);
  }

  /**
   * New ICE transport on the same socket: new credentials, candidates
   * gathered again. Restarts run one after another, and an offer or answer
   * written meanwhile waits for them: while one gathers there is no
   * transport, and an offer made then would carry no ICE at all (a second
   * readdress while the first gathered did just that: the peer kept its old
   * pair and never checked our new candidates).
   */
  #restartIce(rtp: RtpSession): Promise<void> {
    const restart = (this.#iceRestart?.catch(() => undefined) ?? Promise.resolve()).then(async () => {
      const old = this.#ice;
      this.#ice = undefined;
      await old?.close();
      this.#log.info('ICE restart', { address: this.#advertised });
      await this.#gatherIce(rtp);
    });
    const tracked: Promise<void> = restart.finally(() => {
      if (this.#iceRestart === tracked) this.#iceRestart = undefined;
    });
    this.#iceRestart = tracked;
    return tracked;
  }

  /** Forgets our pending offer (the re-INVITE was refused): the previous negotiation stays. */
  rollback(): void {
    if (this.#negotiator.state !== 'have-local-offer') return;
    this.#negotiator.rollback();
    this.#io.localHold = this.#holdBeforeOffer;
  }

  /** Stops sending the microphone at once and returns the re-offer (a=sendonly) to send. */
  hold(): Promise<string> {
    return this.#reoffer(true);
  }

  /** The re-offer (a=sendrecv) that takes the call off hold; audio flows again once it is answered. */
  resume(): Promise<string> {
    // The microphone goes out again at once: a sendonly stream already allows it.
    return this.#reoffer(false);
  }

  /** Sets our hold state at once and builds the re-offer for it; a failed offer restores the state. */
  async #reoffer(localHold: boolean): Promise<string> {
    this.#assertOpen();
    const before = this.#io.localHold;
    this.#io.localHold = localHold;
    try {
      const offer = await this.createOffer();
      this.#holdBeforeOffer = before;
      return offer;
    } catch (err) {
      this.#io.localHold = before;
      throw err;
    }
  }

  // ---- running -------------------------------------------------------------

  /** Starts sending and receiving with the negotiated parameters. */
  start(): void {
    if (this.#state === 'running') return;
    this.#assertOpen();
    if (!this.#negotiated || !this.#rtp) throw new MediaSessionError('not-negotiated', 'start() before offer/answer completed');
    this.#state = 'running';
    this.#startedMs = this.#clock.now();
    this.#keying?.start();
    this.#rtcpKeying?.start();
    this.#stream = new AudioStream({
      rtp: this.#rtp,
      clock: this.#clock,
      dtmfQueue: this.#dtmfQueue,
      jitter: this.#jitterOptions,
      hooks: {
        dtmf: (d) => this.emit('dtmf', d),
        sourceEnded: () => this.emit('source-ended'),
        packetSent: () => (this.listenerCount('packet-sent') > 0 ? (info) => this.emit('packet-sent', info) : undefined),
      },
    });
    this.#configureStream();
    const timeout = this.#options.peerTimeoutMs ?? 30_000;
    if (timeout > 0) {
      this.#liveness = new StreamLiveness({ clock: this.#clock, timeoutMs: timeout, onSilent: (ms) => this.emit('peer-silent', ms) });
      this.#liveness.expect(this.#negotiated.direction === 'sendrecv');
    }
    this.#unsubscribe = this.#ticker.subscribe((tick) => {
      if (this.#state !== 'running') return;
      try {
        this.#stream!.tick(tick, this.#io);
        this.#ticks++;
        const every = Math.round((this.#options.statsIntervalMs ?? 5000) / this.#ticker.frameMs);
        if (every > 0 && this.#ticks % every === 0) this.emit('stats', this.#buildStats());
      } catch (err) {
        this.#fail(err);
      }
    });
  }

  /** Ends the media: RTCP BYE, sockets closed, codecs freed. Devices stay open (the caller owns them). */
  async stop(reason?: string): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#stoppedMs = this.#clock.now();
    this.#liveness?.stop();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#dtmfQueue.cancel(new MediaSessionError('closed', 'the call ended before the digits were sent'));
    this.#negotiator.close();
    this.#keying?.close(); // close_notify goes out before the socket closes
    this.#rtcpKeying?.close();
    const rtp = this.#rtp ?? (await this.#opening?.catch(() => undefined));
    await this.#ice?.close();
    await rtp?.close(reason);
    this.#finalStats = this.#buildStats();
    this.#stream?.destroy();
    this.emit('stats', this.#finalStats);
  }

  /**
   * Sends digits (0-9 * # A-D) as RFC 4733 events; resolves when the last one
   * is out. Rejects with MediaSessionError ('dtmf-unavailable', 'closed') or
   * TelephoneEventError (a character that is not a digit).
   */
  sendDtmf(digits: string, options: DtmfToneOptions = {}): Promise<void> {
    if (this.#state === 'stopped') return Promise.reject(new MediaSessionError('closed', 'the call has ended'));
    if (!this.#negotiated?.telephoneEvent) {
      return Promise.reject(new MediaSessionError('dtmf-unavailable', 'the peer did not accept telephone-event (RFC 4733)'));
    }
    if (!directionFlags(this.#negotiated.direction).send) {
      return Promise.reject(new MediaSessionError('dtmf-unavailable', `cannot send DTMF while the stream is ${this.#negotiated.direction}`));
    }
    try {
      return this.#dtmfQueue.enqueue(digits, { ...this.#options.dtmf, ...options });
    } catch (err) {
      return Promise.reject(err as Error); // a bad digit (TelephoneEventError)
    }
  }

  /** Muted: silence is sent in place of the source (RTP keeps flowing). */
  setMuted(muted: boolean): void {
    this.#io.muted = muted;
  }

  /** Replaces devices; `undefined` leaves one as it is, `null` removes it. */
  setDevices(devices: { source?: AudioSource | null; sink?: AudioSink | null; holdSource?: AudioSource | null }): void {
    if (devices.source !== undefined) this.#io.source = devices.source ?? undefined;
    if (devices.sink !== undefined) this.#io.sink = devices.sink ?? undefined;
    if (devices.holdSource !== undefined) this.#io.holdSource = devices.holdSource ?? undefined;
  }

  /** Statistics now; after stop(), the final figures of the call. */
  stats(): MediaSessionStats {
    return this.#finalStats ?? this.#buildStats();
  }

  // ---- internals -----------------------------------------------------------

  #assertOpen(): void {
    if (this.#state === 'stopped') throw new MediaSessionError('closed', 'the media session was stopped');
  }

  /** RFC 3264 §8.4: hold marks a sendrecv stream sendonly, and one the peer already holds (recvonly) inactive. */
  #wantedDirection(): MediaDirection {
    if (!this.#io.localHold) return 'sendrecv';
    return this.#remoteHold ? 'inactive' : 'sendonly';
  }

  #ensureRtp(): Promise<RtpSession> {
    if (this.#rtp) return Promise.resolve(this.#rtp);
    this.#opening ??= RtpSession.open({
      bindAddress: this.#options.bindAddress,
      portRange: this.#options.portRange,
      allocatePorts: this.#options.allocatePorts,
      clock: this.#clock,
      logger: this.#options.logger,
      rtcpMinIntervalMs: this.#options.rtcpMinIntervalMs,
      // The tick polls it: RTCP rides on the media's wake-ups instead of timers of its own.
      rtcpPaced: true,
    }).then((rtp) => this.#gatherIce(rtp)).then((rtp) => {
      if (this.#state === 'stopped') {
        void rtp.close();
        throw new MediaSessionError('closed', 'the media session was stopped');
      }
      // Only now: whoever asks for the socket while the candidates are gathered waits for them too.
      this.#rtp = rtp;
      rtp.on('rtcp', () => this.#liveness?.heard());
      rtp.on('rtp', (packet, info) => {
        if (this.#state !== 'running') return;
        this.#liveness?.heard();
        try {
          this.#stream?.onRtp(packet, info);
        } catch (err) {
          this.#fail(err);
        }
      });
      rtp.on('bye', (reason) => this.emit('remote-bye', reason));
      rtp.on('dtls', (datagram, from) => this.#keying?.receive(datagram, from));
      rtp.on('rtcpDtls', (datagram, from) => this.#rtcpKeying?.receive(datagram, from));
      rtp.on('warning', (err) => this.#log.warn('RTP socket warning', { message: err.message }));
      return rtp;
    });
    const opening = this.#opening;
    opening.catch(() => {
      if (this.#opening === opening) this.#opening = undefined; // let a later call try again
    });
    return opening;
  }

  /** With ICE settings: our candidates before the first offer or answer is written (bounded by the gather timeout). */
  async #gatherIce(rtp: RtpSession): Promise<RtpSession> {
    const settings = this.#options.ice;
    if (!settings) return rtp;
    const ice = await IceTransport.gather(rtp, settings, {
      clock: this.#clock,
      logger: this.#options.logger,
      hostAddresses: hostAddresses(this.#options.bindAddress, this.#advertised),
      publicAddress: this.#advertised,
    });
    if (this.#state === 'stopped') {
      await ice.close();
      return rtp;
    }
    this.#ice = ice;
    ice.on('route', (route) => this.emit('route', route));
    // RFC 7675: consent lost ends the call as a silent peer does.
    ice.on('consentLost', () => this.emit('peer-silent', settings.consentTimeoutMs ?? 30_000));
    return rtp;
  }

  /** `answered`: the peer's answer to our offer (our 2xx's ACK, or our ACK, is out already; the media starts in this turn). */
  #apply(negotiated: NegotiatedMedia, answered = false): void {
    const wasHeld = this.#remoteHold;
    if (negotiated.dtls && this.#keying) {
      const continues = this.#keying.configure(negotiated.dtls, { address: negotiated.remoteAddress, port: negotiated.remotePort });
      const keys = continues ? this.#keying.keys : undefined;
      if (keys) negotiated = { ...negotiated, srtp: { ...keys, keyExchange: 'dtls', tag: 0 } };
    }
    if (negotiated.dtls && !negotiated.rtcpMux && this.#rtcpKeying) {
      const continues = this.#rtcpKeying.configure(negotiated.dtls, { address: negotiated.remoteRtcpAddress, port: negotiated.remoteRtcpPort });
      const keys = continues ? this.#rtcpKeying.keys : undefined;
      if (keys) negotiated = { ...negotiated, srtcp: { ...keys, keyExchange: 'dtls', tag: 0 } };
    }
    this.#negotiated = negotiated;
    this.#remoteHold = negotiated.remoteHold;
    if (this.#state === 'new') {
      this.#state = 'negotiated';
      // Our answer: before the 200 OK reaches the peer, our NAT mapping must exist before its media arrives. The
      // peer's answer: its media may flow already, and the call's first RTP packet (sent as the media starts, in
      // this turn) opens the RTP port's mapping itself; the probes follow that turn rather than hold up the first
      // packet and the call's 'connecting'/'active' (two datagrams, ≈ 0.3 ms of the set-up path).
      const rtp = { address: negotiated.remoteAddress, port: negotiated.remotePort };
      const rtcp = { address: negotiated.remoteRtcpAddress, port: negotiated.remoteRtcpPort };
      if (!answered) this.#rtp?.openPinholes(rtp, rtcp);
      else setImmediate(() => this.#rtp?.openPinholes(rtp, rtcp));
    }
    if (this.#state === 'running') {
      this.#configureStream();
      // Hold or resume: only a sendrecv stream is expected to carry the peer's packets.
      this.#liveness?.expect(negotiated.direction === 'sendrecv');
    }
    if (!directionFlags(negotiated.direction).send || !negotiated.telephoneEvent) {
      this.#dtmfQueue.cancel(new MediaSessionError('dtmf-unavailable', 'the renegotiated stream no longer carries DTMF'));
    }
    this.emit('negotiated', negotiated);
    if (wasHeld !== negotiated.remoteHold) this.emit('remote-hold', negotiated.remoteHold);
  }

  /** The DTLS-SRTP association of one component: RTP (keys for the call) or RTCP on its own port (keys for SRTCP). */
  #newKeying(identity: DtlsIdentity, component: 'rtp' | 'rtcp'): DtlsSrtpKeying {
    const rtcp = component === 'rtcp';
    return new DtlsSrtpKeying({
      identity,
      clock: this.#clock,
      logger: this.#options.logger,
      srtpSuites: this.#options.srtpSuites,
      handshakeTimeoutMs: this.#options.dtlsTimeoutMs,
      send: (datagram, to) => (rtcp ? this.#rtp?.sendRtcpDatagram(datagram, to) : this.#rtp?.sendDatagram(datagram, to)),
      currentPeer: () => (rtcp ? this.#rtp?.remoteRtcpEndpoint : this.#rtp?.remoteRtpEndpoint),
      onKeys: (keys, handshakeMs) => {
        const n = this.#negotiated;
        if (this.#state === 'stopped' || !n?.dtls) return;
        const srtp: NegotiatedSrtp = { ...keys, keyExchange: 'dtls', tag: 0 };
        this.#negotiated = rtcp ? { ...n, srtcp: srtp } : { ...n, srtp };
        if (this.#state === 'running') this.#configureStream();
        if (rtcp) this.#log.info('RTCP port secured (its own DTLS-SRTP handshake)', { handshakeMs });
        else this.emit('secured', srtp, handshakeMs);
      },
      onFailed: (words) => {
        if (this.#state === 'stopped') return;
        this.#log.warn('media could not be secured', { words });
        this.emit('security-failed', words);
      },
    });
  }

  /** Hands the negotiation to the running stream (RTP, and the codec pipelines when they change). */
  #configureStream(): void {
    const n = this.#negotiated!;
    const codec = this.#registry.get(n.codec.name, n.codec.clockRate);
    if (!codec) throw new MediaSessionError('not-acceptable', `negotiated codec ${n.codec.name}/${n.codec.clockRate} is not registered`);
    this.#stream!.configure(n, codec, usablePtime(codec, n.ptime), this.#encoderOptions(codec, n), this.#io);
  }

  #encoderOptions(codec: Codec, n: NegotiatedMedia): EncoderOptions | undefined {
    const ours = this.#options.encoder;
    if (codec.name.toLowerCase() !== 'opus') return ours;
    // RFC 7587 §6.1: maxaveragebitrate is the most the peer wants to receive.
    const max = Number(n.codec.remoteParameters['maxaveragebitrate']);
    if (!Number.isFinite(max) || max < 6000) return ours;
    return { ...ours, bitrate: Math.min(ours?.bitrate ?? 32000, Math.min(510000, max)) };
  }

  #fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#log.error('media path error', { message: error.message });
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #buildStats(): MediaSessionStats {
    const end = this.#stoppedMs ?? this.#clock.now();
    const stream = this.#stream?.stats;
    return buildMediaSessionStats({
      state: this.#state,
      negotiated: this.#negotiated,
      ptimeMs: stream?.ptimeMs ?? 20,
      rtp: this.#rtp?.stats(),
      receive: stream?.receive,
      jitterMinDelayMs: this.#jitterOptions.minDelayMs,
      localHold: this.#io.localHold,
      remoteHold: this.#remoteHold,
      muted: this.#io.muted,
      durationMs: this.#startedMs === undefined ? 0 : end - this.#startedMs,
      captureToSend: stream?.captureToSend ?? new DelayAccumulator().figures,
      dtmf: { sent: this.#dtmfQueue.digitsSent, received: stream?.dtmfReceived ?? 0 },
      clock: this.#ticker instanceof MediaClock ? this.#ticker.stats : null,
    });
  }
}
