/**
 * The media of one call: SDP offer/answer, one RTP (SRTP) audio stream,
 * codecs, jitter buffer, DTMF, devices and statistics joined into one object
 * the phone layer drives (as baresip's audio.c/stream.c do beside call.c).
 *
 *   new ──offer/answer──▶ negotiated ──start()──▶ running ──stop()──▶ stopped
 *                              re-offers and answers (hold, resume) ─┘ any time
 *
 * Every 20 ms tick of the FrameTicker (DESIGN.md §5: the capture clock paces
 * sending):
 *   1. receive: jitter buffer → decode / conceal → resample → sink
 *   2. send:    source → resample → encode → RTP (→ SRTP) → socket.send
 * Receiving goes first so that nothing sits between reading the microphone
 * and handing its packet to the socket.
 *
 * Hold: a local hold offers sendonly (RFC 3264 §8.4) and sends nothing — the
 * microphone must not reach a held party — unless a hold source (music on
 * hold) is set. The peer's hold (sendonly/inactive offer, c=0.0.0.0) is
 * answered per §6.1 and reported as 'remote-hold'. Mute sends silence, so
 * RTP keeps flowing and the peer's jitter buffer and NAT bindings stay warm.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../shared/clock.ts';
import { systemClock } from '../../shared/clock.ts';
import type { Logger } from '../../shared/logger.ts';
import { nullLogger } from '../../shared/logger.ts';
import type { AudioSink, AudioSource } from '../audio/frame.ts';
import { DEVICE_RATE, FRAME_MS, frameSamples } from '../audio/frame.ts';
import type { CodecRegistry } from '../codecs/codec-registry.ts';
import { defaultCodecRegistry } from '../codecs/codec-registry.ts';
import type { Codec, EncoderOptions } from '../codecs/codec.ts';
import { DtmfReceiver } from '../dtmf/dtmf-receiver.ts';
import type { DtmfReceiverEvent } from '../dtmf/dtmf-receiver.ts';
import type { RtpPacket } from '../rtp/rtp-packet.ts';
import type { RtpReceiveInfo, RtpStreamConfig } from '../rtp/rtp-session-options.ts';
import { RtpSession } from '../rtp/rtp-session.ts';
import { directionFlags } from '../sdp/media-direction.ts';
import type { NegotiatedMedia } from '../sdp/negotiated-media.ts';
import type { MediaDirection } from '../sdp/session-description.ts';
import { DelayAccumulator } from './delay-figures.ts';
import type { DtmfToneOptions } from './dtmf-queue.ts';
import { DtmfQueue } from './dtmf-queue.ts';
import { buildLocalCodecs, selectCodecs } from './local-codecs.ts';
import type { FrameTick, FrameTicker } from './media-clock.ts';
import { MediaClock } from './media-clock.ts';
import { MediaSessionError } from './media-session-error.ts';
import type { AnswerResult, MediaOfferAnswer, MediaSessionEvents, MediaSessionOptions, MediaSessionState, MediaSessionStats } from './media-session-options.ts';
import { ReceivePipeline } from './receive-pipeline.ts';
import { SdpNegotiator } from './sdp-negotiator.ts';
import { SendPipeline } from './send-pipeline.ts';
import { SequenceCompactor } from './sequence-compactor.ts';
import { buildMediaSessionStats } from './session-stats.ts';

const OPUS_FRAME_MS = [10, 20, 40, 60];
const DEFAULT_JITTER = { minDelayMs: 20, initialDelayMs: 40, maxDelayMs: 300, maxConcealFrames: 5 };

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
  readonly #dtmfQueue = new DtmfQueue(FRAME_MS);
  readonly #compactor = new SequenceCompactor();
  readonly #captureToSend = new DelayAccumulator();
  readonly #jitterOptions: typeof DEFAULT_JITTER;
  #state: MediaSessionState = 'new';
  #rtp: RtpSession | undefined;
  #opening: Promise<RtpSession> | undefined;
  #negotiated: NegotiatedMedia | undefined;
  #codec: Codec | undefined;
  #streamKey = '';
  #ptimeMs = 20;
  #send: SendPipeline | undefined;
  #receive: ReceivePipeline | undefined;
  #dtmfReceiver: DtmfReceiver | undefined;
  #dtmfReceiverRate = 0;
  #dtmfReceived = 0;
  #remoteSsrc: number | undefined;
  #unsubscribe: (() => void) | undefined;
  #source: AudioSource | undefined;
  #sink: AudioSink | undefined;
  #holdSource: AudioSource | undefined;
  #muted = false;
  #localHold = false;
  #holdBeforeOffer = false;
  #remoteHold = false;
  #wasReceiving = false;
  #sourceEnded = false;
  #startedMs: number | undefined;
  #stoppedMs: number | undefined;
  #ticks = 0;
  #finalStats: MediaSessionStats | undefined;

  constructor(options: MediaSessionOptions) {
    super();
    this.#options = options;
    this.#registry = options.codecRegistry ?? defaultCodecRegistry;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? nullLogger).child('session');
    this.#ticker = options.ticker ?? new MediaClock({ clock: this.#clock });
    this.#source = options.source;
    this.#sink = options.sink;
    this.#holdSource = options.holdSource;
    this.#jitterOptions = { ...DEFAULT_JITTER, ...options.jitter };
    const advertised = options.advertisedAddress ?? options.bindAddress;
    if (advertised === '0.0.0.0' || advertised === '::') {
      throw new RangeError('bound to a wildcard address: advertisedAddress must name the address peers can reach');
    }
    const local = buildLocalCodecs(selectCodecs(this.#registry, options.codecs), options.telephoneEvent ?? true);
    this.#negotiator = new SdpNegotiator({
      address: advertised,
      codecs: local.codecs,
      telephoneEvents: local.telephoneEvents,
      ptime: options.ptime,
      srtpPolicy: options.srtp ?? 'off',
      srtpSuites: options.srtpSuites,
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

  /** The underlying RTP session, for diagnostics. */
  get rtpSession(): RtpSession | undefined {
    return this.#rtp;
  }

  get muted(): boolean {
    return this.#muted;
  }

  get localHold(): boolean {
    return this.#localHold;
  }

  get remoteHold(): boolean {
    return this.#remoteHold;
  }

  // ---- offer / answer --------------------------------------------------------

  /** Our SDP offer (initial INVITE, or a re-INVITE). */
  async createOffer(): Promise<string> {
    this.#assertOpen();
    const rtp = await this.#ensureRtp();
    this.#holdBeforeOffer = this.#localHold;
    return this.#negotiator.createOffer({ port: rtp.localPort, direction: this.#wantedDirection() });
  }

  /** Our answer to the peer's offer, or a 488 with the reason. Never throws for what the peer sent. */
  async answerOffer(offerSdp: string): Promise<AnswerResult> {
    if (this.#state === 'stopped') return { reject: 488, reason: 'the call has ended' };
    let rtp: RtpSession;
    try {
      rtp = await this.#ensureRtp();
    } catch (err) {
      this.#log.error('no RTP port for the answer', { message: (err as Error).message });
      return { reject: 488, reason: `no local RTP port available: ${(err as Error).message}` };
    }
    const result = this.#negotiator.answerOffer(offerSdp, { port: rtp.localPort, direction: this.#wantedDirection() });
    if ('reject' in result) {
      this.#log.info('offer refused', { reason: result.reason });
      return result;
    }
    this.#apply(result.negotiated);
    return { answer: result.answer };
  }

  /** The peer's answer to our offer. Throws MediaSessionError ('not-acceptable': end the call or re-offer). */
  async setAnswer(answerSdp: string): Promise<void> {
    this.#assertOpen();
    let negotiated: NegotiatedMedia;
    try {
      negotiated = this.#negotiator.setAnswer(answerSdp);
    } catch (err) {
      this.#negotiator.rollback();
      this.#localHold = this.#holdBeforeOffer;
      throw err;
    }
    this.#apply(negotiated);
  }

  /** Forgets our pending offer (the re-INVITE was refused): the previous negotiation stays. */
  rollback(): void {
    this.#negotiator.rollback();
    this.#localHold = this.#holdBeforeOffer;
  }

  /** Stops sending the microphone at once and returns the re-offer (a=sendonly) to send. */
  async hold(): Promise<string> {
    this.#assertOpen();
    const before = this.#localHold;
    this.#localHold = true;
    try {
      const offer = await this.createOffer();
      this.#holdBeforeOffer = before;
      return offer;
    } catch (err) {
      this.#localHold = before;
      throw err;
    }
  }

  /** The re-offer (a=sendrecv) that takes the call off hold; audio flows again once it is answered. */
  async resume(): Promise<string> {
    this.#assertOpen();
    const before = this.#localHold;
    // The microphone goes out again at once: a sendonly stream already allows it.
    this.#localHold = false;
    try {
      const offer = await this.createOffer();
      this.#holdBeforeOffer = before;
      return offer;
    } catch (err) {
      this.#localHold = before;
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
    this.#configureStream();
    this.#unsubscribe = this.#ticker.subscribe((tick) => this.#onTick(tick));
  }

  /** Ends the media: RTCP BYE, sockets closed, codecs freed. Devices stay open (the caller owns them). */
  async stop(reason?: string): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    this.#stoppedMs = this.#clock.now();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#dtmfQueue.cancel(new MediaSessionError('closed', 'the call ended before the digits were sent'));
    this.#negotiator.close();
    const rtp = this.#rtp ?? (await this.#opening?.catch(() => undefined));
    await rtp?.close(reason);
    this.#finalStats = this.#buildStats();
    this.#send?.destroy();
    this.#receive?.destroy();
    this.#send = this.#receive = undefined;
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
    this.#muted = muted;
  }

  /** Replaces devices; `undefined` leaves one as it is, `null` removes it. */
  setDevices(devices: { source?: AudioSource | null; sink?: AudioSink | null; holdSource?: AudioSource | null }): void {
    if (devices.source !== undefined) {
      this.#source = devices.source ?? undefined;
      this.#sourceEnded = false;
    }
    if (devices.sink !== undefined) this.#sink = devices.sink ?? undefined;
    if (devices.holdSource !== undefined) this.#holdSource = devices.holdSource ?? undefined;
  }

  /** Statistics now; after stop(), the final figures of the call. */
  stats(): MediaSessionStats {
    return this.#finalStats ?? this.#buildStats();
  }

  // ---- internals -----------------------------------------------------------

  #assertOpen(): void {
    if (this.#state === 'stopped') throw new MediaSessionError('closed', 'the media session was stopped');
  }

  #wantedDirection(): MediaDirection {
    return this.#localHold ? 'sendonly' : 'sendrecv';
  }

  #ensureRtp(): Promise<RtpSession> {
    if (this.#rtp) return Promise.resolve(this.#rtp);
    this.#opening ??= RtpSession.open({
      bindAddress: this.#options.bindAddress,
      portRange: this.#options.portRange,
      clock: this.#clock,
      logger: this.#options.logger,
      rtcpMinIntervalMs: this.#options.rtcpMinIntervalMs,
    }).then((rtp) => {
      if (this.#state === 'stopped') {
        void rtp.close();
        throw new MediaSessionError('closed', 'the media session was stopped');
      }
      this.#rtp = rtp;
      rtp.on('rtp', (packet, info) => this.#onRtp(packet, info));
      rtp.on('bye', (reason) => this.emit('remote-bye', reason));
      rtp.on('warning', (err) => this.#log.warn('RTP socket warning', { message: err.message }));
      return rtp;
    });
    const opening = this.#opening;
    opening.catch(() => {
      if (this.#opening === opening) this.#opening = undefined; // let a later call try again
    });
    return opening;
  }

  #apply(negotiated: NegotiatedMedia): void {
    const wasHeld = this.#remoteHold;
    this.#negotiated = negotiated;
    this.#remoteHold = negotiated.remoteHold;
    if (this.#state === 'new') this.#state = 'negotiated';
    if (this.#state === 'running') this.#configureStream();
    if (!directionFlags(negotiated.direction).send || !negotiated.telephoneEvent) {
      this.#dtmfQueue.cancel(new MediaSessionError('dtmf-unavailable', 'the renegotiated stream no longer carries DTMF'));
    }
    this.emit('negotiated', negotiated);
    if (wasHeld !== negotiated.remoteHold) this.emit('remote-hold', negotiated.remoteHold);
  }

  /** (Re)configures the RTP stream and, when the codec changed, the pipelines. */
  #configureStream(): void {
    const n = this.#negotiated!;
    const codec = this.#registry.get(n.codec.name, n.codec.clockRate);
    if (!codec) throw new MediaSessionError('not-acceptable', `negotiated codec ${n.codec.name}/${n.codec.clockRate} is not registered`);
    const ptime = usablePtime(codec, n.ptime);
    const key = `${codec.name}/${codec.clockRate}/${n.codec.receivePayloadType}/${ptime}`;
    if (key !== this.#streamKey) {
      this.#send?.destroy();
      this.#receive?.destroy();
      this.#codec = codec;
      this.#ptimeMs = ptime;
      this.#send = new SendPipeline({ codec, inputRate: this.#source?.sampleRate ?? DEVICE_RATE, ptimeMs: ptime, encoder: this.#encoderOptions(codec, n) });
      this.#receive = new ReceivePipeline({ codec, outputRate: this.#sink?.sampleRate ?? DEVICE_RATE, jitter: this.#jitterOptions });
      this.#compactor.reset();
      this.#streamKey = key;
    }
    const te = n.telephoneEvent;
    if (!te) this.#dtmfReceiver = undefined;
    else if (!this.#dtmfReceiver || this.#dtmfReceiverRate !== te.clockRate) {
      this.#dtmfReceiver = new DtmfReceiver({ clockRate: te.clockRate });
      this.#dtmfReceiverRate = te.clockRate;
    }
    const config: RtpStreamConfig = {
      remoteAddress: n.remoteAddress,
      remotePort: n.remotePort,
      remoteRtcpAddress: n.remoteRtcpAddress,
      remoteRtcpPort: n.remoteRtcpPort,
      rtcpMux: n.rtcpMux,
      payloadType: n.codec.payloadType,
      clockRate: n.codec.clockRate,
      ptimeMs: ptime,
      receivePayloadTypes: te ? [n.codec.receivePayloadType, te.receivePayloadType] : [n.codec.receivePayloadType],
      direction: n.direction,
    };
    if (n.remoteSsrc !== undefined) config.remoteSsrc = n.remoteSsrc;
    if (n.srtp) config.srtp = { suite: n.srtp.suite, localKey: n.srtp.localKey, remoteKey: n.srtp.remoteKey };
    this.#rtp!.start(config);
  }

  #encoderOptions(codec: Codec, n: NegotiatedMedia): EncoderOptions | undefined {
    const ours = this.#options.encoder;
    if (codec.name.toLowerCase() !== 'opus') return ours;
    // RFC 7587 §6.1: maxaveragebitrate is the most the peer wants to receive.
    const max = Number(n.codec.remoteParameters['maxaveragebitrate']);
    if (!Number.isFinite(max) || max < 6000) return ours;
    return { ...ours, bitrate: Math.min(ours?.bitrate ?? 32000, Math.min(510000, max)) };
  }

  #onRtp(packet: RtpPacket, info: RtpReceiveInfo): void {
    const n = this.#negotiated;
    if (!n || this.#state !== 'running') return;
    try {
      if (packet.ssrc !== this.#remoteSsrc) {
        this.#remoteSsrc = packet.ssrc;
        this.#compactor.reset();
      }
      const te = n.telephoneEvent;
      if (te && packet.payloadType === te.receivePayloadType) {
        this.#compactor.noteEvent(packet.sequenceNumber);
        const events = this.#dtmfReceiver?.receive({ timestamp: packet.timestamp, marker: packet.marker, payload: packet.payload }, info.arrivalMs) ?? [];
        this.#onDtmfEvents(events);
        return;
      }
      if (packet.payloadType !== n.codec.receivePayloadType) return;
      this.#receive?.push(this.#compactor.audio(packet.sequenceNumber), packet.timestamp, packet.payload, info.arrivalMs, packet.marker);
    } catch (err) {
      this.#fail(err);
    }
  }

  #onDtmfEvents(events: DtmfReceiverEvent[]): void {
    for (const e of events) {
      if (e.type !== 'end' || e.digit === undefined) continue;
      this.#dtmfReceived++;
      this.emit('dtmf', { digit: e.digit, event: e.event, durationMs: e.durationMs });
    }
  }

  #onTick(tick: FrameTick): void {
    if (this.#state !== 'running') return;
    try {
      const now = this.#clock.now();
      if (this.#dtmfReceiver) this.#onDtmfEvents(this.#dtmfReceiver.poll(now));
      const frameTicks = Math.round((this.#codec!.clockRate * FRAME_MS) / 1000);
      // After a stall the clock skipped frames: keep the RTP timeline on real time.
      if (tick.skippedFrames > 0) this.#rtp!.skip(tick.skippedFrames * frameTicks);
      this.#receiveFrame(now);
      this.#sendFrame(frameTicks);
      this.#ticks++;
      const every = Math.round((this.#options.statsIntervalMs ?? 5000) / FRAME_MS);
      if (every > 0 && this.#ticks % every === 0) this.emit('stats', this.#buildStats());
    } catch (err) {
      this.#fail(err);
    }
  }

  #receiveFrame(now: number): void {
    const receive = this.#receive!;
    const sink = this.#sink;
    const receiving = directionFlags(this.#negotiated!.direction).recv;
    if (receiving && !this.#wasReceiving) receive.reset(); // resumed: old packets are stale
    this.#wasReceiving = receiving;
    if (sink) receive.setOutputRate(sink.sampleRate);
    const frame = receiving ? receive.pull(now) : new Int16Array(frameSamples(receive.outputRate));
    sink?.write(frame);
  }

  #sendFrame(frameTicks: number): void {
    const rtp = this.#rtp!;
    const send = this.#send!;
    const captureMs = this.#clock.now();
    const source = this.#localHold ? this.#holdSource : this.#source;
    const rate = source?.sampleRate ?? send.inputRate;
    let frame = source ? source.read(frameSamples(rate)) : null;
    if (frame === null) {
      if (source && source === this.#source && !this.#sourceEnded) {
        this.#sourceEnded = true;
        this.emit('source-ended');
      }
      frame = new Int16Array(frameSamples(rate));
    } else if (this.#muted) {
      frame = new Int16Array(frame.length);
    }
    const te = this.#negotiated!.telephoneEvent;
    if (te && this.#dtmfQueue.busy) {
      const dtmf = this.#dtmfQueue.tick(() => rtp.sender?.nextTimestamp ?? 0, te.clockRate);
      if (dtmf.replaceAudio) {
        for (const p of dtmf.packets) rtp.sendCustom(p.payload, { payloadType: te.payloadType, timestamp: p.timestamp, marker: p.marker });
        rtp.skip(frameTicks);
        send.flush();
        return;
      }
    }
    const sending = directionFlags(this.#negotiated!.direction).send && (!this.#localHold || this.#holdSource !== undefined);
    if (!sending) {
      rtp.skip(frameTicks);
      send.flush();
      return;
    }
    const report = this.listenerCount('packet-sent') > 0;
    for (const packet of send.process(frame, rate)) {
      const seq = rtp.sender?.nextSequenceNumber ?? 0;
      const timestamp = rtp.sender?.nextTimestamp ?? 0;
      if (!rtp.send(packet.payload, { samples: packet.ticks })) continue;
      const sentMs = this.#clock.now();
      this.#captureToSend.add(sentMs - captureMs);
      if (report) this.emit('packet-sent', { sequenceNumber: seq, timestamp, captureMs, sentMs });
    }
  }

  #fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#log.error('media path error', { message: error.message });
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  #buildStats(): MediaSessionStats {
    const end = this.#stoppedMs ?? this.#clock.now();
    return buildMediaSessionStats({
      state: this.#state,
      negotiated: this.#negotiated,
      ptimeMs: this.#ptimeMs,
      rtp: this.#rtp?.stats(),
      receive: this.#receive?.stats,
      jitterMinDelayMs: this.#jitterOptions.minDelayMs,
      localHold: this.#localHold,
      remoteHold: this.#remoteHold,
      muted: this.#muted,
      durationMs: this.#startedMs === undefined ? 0 : end - this.#startedMs,
      captureToSend: this.#captureToSend.figures,
      dtmf: { sent: this.#dtmfQueue.digitsSent, received: this.#dtmfReceived },
      clock: this.#ticker instanceof MediaClock ? this.#ticker.stats : null,
    });
  }
}
