/**
 * The running audio of one call, frame by frame: what MediaSession does on
 * every 20 ms tick and for every RTP packet, once offer/answer has set the
 * stream up (MediaSession keeps the SDP, state and events).
 *
 *   tick: 1. receive  jitter buffer → decode / conceal → resample → sink
 *         2. send     source → resample → encode → RTP (→ SRTP) → socket.send
 *         3. RTCP     the report, when its time has come (no timer of its own)
 *   packet: telephone-event → DtmfReceiver; audio → (renumbered) jitter buffer
 *
 * Receiving goes first so that nothing sits between reading the microphone
 * and handing its packet to the socket. The RTP timestamp advances on every
 * frame whether or not a packet goes out (hold, DTMF, a stall the clock
 * skipped), so the peer's jitter buffer sees real time (RFC 3550 §5.1).
 */
import type { Clock } from '../../common/clock.ts';
import type { AudioSink, AudioSource } from '../audio/frame.ts';
import { DEVICE_RATE, FRAME_MS, frameSamples } from '../audio/frame.ts';
import type { Codec, EncoderOptions } from '../codecs/codec.ts';
import { DtmfReceiver } from '../dtmf/dtmf-receiver.ts';
import type { DtmfReceiverEvent } from '../dtmf/dtmf-receiver.ts';
import type { RtpPacket } from '../rtp/rtp-packet.ts';
import type { RtpReceiveInfo, RtpStreamConfig } from '../rtp/rtp-session-options.ts';
import type { RtpSession } from '../rtp/rtp-session.ts';
import { directionFlags } from '../sdp/media-direction.ts';
import type { NegotiatedMedia } from '../sdp/negotiated-media.ts';
import type { DelayFigures } from './delay-figures.ts';
import { DelayAccumulator } from './delay-figures.ts';
import type { DtmfQueue } from './dtmf-queue.ts';
import type { FrameTick } from './media-clock.ts';
import type { PacketSentInfo, ReceivedDtmf } from './media-session-options.ts';
import type { ReceivePipelineOptions, ReceivePipelineStats } from './receive-pipeline.ts';
import { ReceivePipeline } from './receive-pipeline.ts';
import { SendPipeline } from './send-pipeline.ts';
import { SequenceCompactor } from './sequence-compactor.ts';

/** The devices and switches a tick reads, owned by MediaSession. */
export interface AudioIo {
  source: AudioSource | undefined;
  sink: AudioSink | undefined;
  holdSource: AudioSource | undefined;
  muted: boolean;
  localHold: boolean;
}

export interface AudioStreamHooks {
  dtmf(dtmf: ReceivedDtmf): void;
  sourceEnded(): void;
  /** Returns a listener only when someone listens (no per-packet object otherwise). */
  packetSent(): ((info: PacketSentInfo) => void) | undefined;
}

export interface AudioStreamOptions {
  rtp: RtpSession;
  clock: Clock;
  dtmfQueue: DtmfQueue;
  jitter: ReceivePipelineOptions['jitter'];
  hooks: AudioStreamHooks;
}

export interface AudioStreamStats {
  ptimeMs: number;
  receive: ReceivePipelineStats | undefined;
  captureToSend: DelayFigures;
  dtmfReceived: number;
}

export class AudioStream {
  readonly #rtp: RtpSession;
  readonly #clock: Clock;
  readonly #dtmfQueue: DtmfQueue;
  readonly #jitter: ReceivePipelineOptions['jitter'];
  readonly #hooks: AudioStreamHooks;
  readonly #compactor = new SequenceCompactor();
  readonly #captureToSend = new DelayAccumulator();
  #negotiated: NegotiatedMedia | undefined;
  #codec: Codec | undefined;
  #key = '';
  #ptimeMs = 20;
  #frameTicks = 160;
  #send: SendPipeline | undefined;
  #receive: ReceivePipeline | undefined;
  #dtmfReceiver: DtmfReceiver | undefined;
  #dtmfReceiverRate = 0;
  #dtmfReceived = 0;
  #remoteSsrc: number | undefined;
  #wasReceiving = false;
  #sourceEnded = false;

  constructor(options: AudioStreamOptions) {
    this.#rtp = options.rtp;
    this.#clock = options.clock;
    this.#dtmfQueue = options.dtmfQueue;
    this.#jitter = options.jitter;
    this.#hooks = options.hooks;
  }

  /**
   * (Re)configures the stream for a negotiation: the RTP session always, the
   * codec pipelines when the codec, its payload type or the ptime changed.
   */
  configure(n: NegotiatedMedia, codec: Codec, ptimeMs: number, encoder: EncoderOptions | undefined, io: AudioIo): void {
    this.#negotiated = n;
    const key = `${codec.name}/${codec.clockRate}/${n.codec.receivePayloadType}/${ptimeMs}`;
    if (key !== this.#key) {
      this.#destroyPipelines();
      this.#codec = codec;
      this.#ptimeMs = ptimeMs;
      this.#frameTicks = Math.round((codec.clockRate * FRAME_MS) / 1000);
      this.#send = new SendPipeline({ codec, inputRate: io.source?.sampleRate ?? DEVICE_RATE, ptimeMs, encoder });
      this.#receive = new ReceivePipeline({ codec, outputRate: io.sink?.sampleRate ?? DEVICE_RATE, jitter: this.#jitter });
      this.#compactor.reset();
      this.#key = key;
    }
    const te = n.telephoneEvent;
    if (!te) this.#dtmfReceiver = undefined;
    else if (!this.#dtmfReceiver || this.#dtmfReceiverRate !== te.clockRate) {
      this.#dtmfReceiver = new DtmfReceiver({ clockRate: te.clockRate });
      this.#dtmfReceiverRate = te.clockRate;
    }
    this.#rtp.start(rtpStreamConfig(n, ptimeMs));
  }

  get codec(): Codec | undefined {
    return this.#codec;
  }

  onRtp(packet: RtpPacket, info: RtpReceiveInfo): void {
    const n = this.#negotiated;
    if (!n) return;
    if (packet.ssrc !== this.#remoteSsrc) {
      this.#remoteSsrc = packet.ssrc;
      this.#compactor.reset();
    }
    const te = n.telephoneEvent;
    if (te && packet.payloadType === te.receivePayloadType) {
      this.#compactor.noteEvent(packet.sequenceNumber);
      const events = this.#dtmfReceiver?.receive({ timestamp: packet.timestamp, marker: packet.marker, payload: packet.payload }, info.arrivalMs);
      if (events) this.#onDtmfEvents(events);
      return;
    }
    if (packet.payloadType !== n.codec.receivePayloadType) return;
    this.#receive?.push(this.#compactor.audio(packet.sequenceNumber), packet.timestamp, packet.payload, info.arrivalMs, packet.marker);
  }

  tick(tick: FrameTick, io: AudioIo): void {
    if (!this.#negotiated) return;
    const now = this.#clock.now();
    if (this.#dtmfReceiver) this.#onDtmfEvents(this.#dtmfReceiver.poll(now));
    // After a stall the clock skipped frames: keep the RTP timeline on real time.
    if (tick.skippedFrames > 0) this.#rtp.skip(tick.skippedFrames * this.#frameTicks);
    this.#receiveFrame(now, io);
    this.#sendFrame(io);
    this.#rtp.pollRtcp();
  }

  get stats(): AudioStreamStats {
    return { ptimeMs: this.#ptimeMs, receive: this.#receive?.stats, captureToSend: this.#captureToSend.figures, dtmfReceived: this.#dtmfReceived };
  }

  destroy(): void {
    this.#destroyPipelines();
    this.#negotiated = undefined;
  }

  #destroyPipelines(): void {
    this.#send?.destroy();
    this.#receive?.destroy();
    this.#send = this.#receive = undefined;
  }

  #onDtmfEvents(events: DtmfReceiverEvent[]): void {
    for (const e of events) {
      if (e.type !== 'end' || e.digit === undefined) continue;
      this.#dtmfReceived++;
      this.#hooks.dtmf({ digit: e.digit, event: e.event, durationMs: e.durationMs });
    }
  }

  #receiveFrame(now: number, io: AudioIo): void {
    const receive = this.#receive!;
    const receiving = directionFlags(this.#negotiated!.direction).recv;
    if (receiving && !this.#wasReceiving) receive.reset(); // resumed: what is buffered is stale
    this.#wasReceiving = receiving;
    if (io.sink) receive.setOutputRate(io.sink.sampleRate);
    const frame = receiving ? receive.pull(now) : new Int16Array(frameSamples(receive.outputRate));
    io.sink?.write(frame);
  }

  #sendFrame(io: AudioIo): void {
    const rtp = this.#rtp;
    const send = this.#send!;
    const captureMs = this.#clock.now();
    const source = io.localHold ? io.holdSource : io.source;
    const rate = source?.sampleRate ?? send.inputRate;
    let frame = source ? source.read(frameSamples(rate)) : null;
    if (frame === null) {
      if (source && source === io.source && !this.#sourceEnded) {
        this.#sourceEnded = true;
        this.#hooks.sourceEnded();
      }
      frame = new Int16Array(frameSamples(rate));
    } else if (io.muted) {
      frame = new Int16Array(frame.length);
    }
    const te = this.#negotiated!.telephoneEvent;
    if (te && this.#dtmfQueue.busy) {
      const dtmf = this.#dtmfQueue.tick(() => rtp.sender?.nextTimestamp ?? 0, te.clockRate);
      if (dtmf.replaceAudio) {
        for (const p of dtmf.packets) rtp.sendCustom(p.payload, { payloadType: te.payloadType, timestamp: p.timestamp, marker: p.marker });
        rtp.skip(this.#frameTicks);
        send.flush();
        return;
      }
    }
    // On local hold the microphone never goes out; music on hold may.
    const sending = directionFlags(this.#negotiated!.direction).send && (!io.localHold || io.holdSource !== undefined);
    if (!sending) {
      rtp.skip(this.#frameTicks);
      send.flush();
      return;
    }
    const report = this.#hooks.packetSent();
    for (const packet of send.process(frame, rate)) {
      const seq = rtp.sender?.nextSequenceNumber ?? 0;
      const timestamp = rtp.sender?.nextTimestamp ?? 0;
      if (!rtp.send(packet.payload, { samples: packet.ticks })) continue;
      const sentMs = this.#clock.now();
      this.#captureToSend.add(sentMs - captureMs);
      report?.({ sequenceNumber: seq, timestamp, captureMs, sentMs });
    }
  }
}

/** What the RTP session needs from a negotiation. */
export function rtpStreamConfig(n: NegotiatedMedia, ptimeMs: number): RtpStreamConfig {
  const te = n.telephoneEvent;
  const config: RtpStreamConfig = {
    remoteAddress: n.remoteAddress,
    remotePort: n.remotePort,
    remoteRtcpAddress: n.remoteRtcpAddress,
    remoteRtcpPort: n.remoteRtcpPort,
    rtcpMux: n.rtcpMux,
    payloadType: n.codec.payloadType,
    clockRate: n.codec.clockRate,
    ptimeMs,
    receivePayloadTypes: te ? [n.codec.receivePayloadType, te.receivePayloadType] : [n.codec.receivePayloadType],
    direction: n.direction,
  };
  if (n.remoteSsrc !== undefined) config.remoteSsrc = n.remoteSsrc;
  if (n.srtp) config.srtp = { suite: n.srtp.suite, localKey: n.srtp.localKey, remoteKey: n.srtp.remoteKey };
  else if (n.dtls) config.awaitingKeys = true;
  // DTLS-SRTP with RTCP on its own port: SRTCP is keyed by that port's handshake (RFC 5764 §4.1).
  if (n.dtls && !n.rtcpMux) {
    if (n.srtcp) config.srtcp = { suite: n.srtcp.suite, localKey: n.srtcp.localKey, remoteKey: n.srtcp.remoteKey };
    else config.awaitingRtcpKeys = true;
  }
  return config;
}
