/**
 * One RTP media stream on UDP sockets (node:dgram): what a call's audio
 * rides on once offer/answer is done.
 *
 * - Ports: an even RTP port from the configured range and, unless we only
 *   ever mux, the RTCP port RTP + 1 (RFC 3550 §11); see port-allocator.ts.
 * - Symmetric RTP (RFC 4961): we send from the port we receive on.
 * - Latching (peer-latch.ts): a peer behind NAT sends from another address
 *   than its SDP says. Only *valid* packets count — SRTP-authentic when SRTP
 *   is on, a payload type we negotiated, the SSRC announced if one was. The
 *   SDP's own address (or an authentic packet) latches at once and always
 *   wins; another source must keep coming for a while before it is followed
 *   and played, so a stranger who sprays packets first cannot take the
 *   stream from the real peer. Until the peer has proven it is there we send
 *   only a trickle to the SDP address (no amplifier for a forged SDP), and
 *   never to a host name (RFC 4566 allows one in c=; we refuse it). RTCP
 *   latches to a report from the known source or from the SDP address.
 * - rtcp-mux (RFC 5761 §4): RTCP shares the RTP port, told apart by the
 *   second octet (payload types 64–95 ↔ RTCP 192–223); otherwise RTCP goes
 *   to the peer's RTCP port (a=rtcp, or RTP + 1).
 * - SRTP/SRTCP via SrtpSession when keys were negotiated; with DTLS-SRTP
 *   (keys from a handshake on this port) nothing is sent or played until
 *   they are there (RtpStreamConfig.awaitingKeys). Without rtcp-mux the RTCP
 *   port runs a DTLS handshake of its own and SRTCP its keys (RFC 5764 §4.1:
 *   RtpStreamConfig.srtcp / awaitingRtcpKeys).
 * - The port is shared (RFC 7983, packet-demux.ts): STUN is not media, DTLS
 *   goes to the 'dtls' listener ('rtcpDtls' from the RTCP port), RTP and
 *   RTCP are ours, the rest is dropped.
 * - RTCP reports on the RFC 3550 §6.3 schedule; a BYE when closing (§6.6).
 *
 *   open() ──▶ bound ──start(config)──▶ running ──close()──▶ closed
 *                           ▲    update(config) │
 *                           └───────────────────┘
 */
import { encodeStun, isStun, newTransactionId, StunType } from '../../net/stun/index.ts';
import type { Socket, RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import type { Clock } from '../../common/clock.ts';
import { systemClock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { RtcpIntervalScheduler } from '../rtcp/rtcp-interval.ts';
import { RtcpError } from '../rtcp/rtcp-error.ts';
import type { RtcpPacket } from '../rtcp/rtcp-packet.ts';
import type {
  MediaPathHooks,
  RtpReceiveInfo,
  RtpSessionEvents,
  RtpSessionOptions,
  RtpSessionStats,
  RtpStreamConfig,
  StreamDirection,
} from './rtp-session-options.ts';
import { parseRtcpCompound, serializeRtcpCompound } from '../rtcp/rtcp-packet.ts';
import { RtcpReporter } from '../rtcp/rtcp-reporter.ts';
import { SrtpSession } from '../srtp/srtp-session.ts';
import { SrtpError } from '../srtp/srtp-error.ts';
import type { Endpoint } from './peer-latch.ts';
import { PeerLatch } from './peer-latch.ts';
import { classifyMediaPacket } from './packet-demux.ts';
import { allocatePortPair } from './port-allocator.ts';
import type { RandomUint32 } from './random.ts';
import { cryptoRandomUint32 } from './random.ts';
import { ReceiverStatistics } from './receiver-statistics.ts';
import { RtpError } from './rtp-error.ts';
import type { RtpPacket } from './rtp-packet.ts';
import { isRtcpPacket, parseRtpPacket, rtpPacketLength, serializeRtpPacket, serializeRtpPacketInto } from './rtp-packet.ts';
import { RtpSender } from './rtp-sender.ts';

export type { Endpoint, MediaPathHooks, RtpReceiveInfo, RtpSessionEvents, RtpSessionOptions, RtpSessionStats, RtpStreamConfig, StreamDirection };

/**
 * Port 0 is a rejected stream; 0.0.0.0 the RFC 2543 hold (and would reach
 * localhost on Linux). A host name is never sent to: dgram.send() would look
 * it up for every packet (the SDP layer refuses one; this is the backstop).
 */
function sendable(target: Endpoint): boolean {
  return target.port > 0 && target.address !== '0.0.0.0' && target.address !== '::' && isIP(target.address) !== 0;
}

function rtcpEndpoint(c: RtpStreamConfig): Endpoint {
  return c.rtcpMux
    ? { address: c.remoteAddress, port: c.remotePort }
    : { address: c.remoteRtcpAddress ?? c.remoteAddress, port: c.remoteRtcpPort ?? c.remotePort + 1 };
}

function sameKeys(a: RtpStreamConfig['srtp'], b: RtpStreamConfig['srtp']): boolean {
  if (!a || !b) return a === b;
  const eq = (x: Uint8Array, y: Uint8Array) => Buffer.compare(x, y) === 0;
  return a.suite === b.suite && eq(a.localKey.masterKey, b.localKey.masterKey) && eq(a.localKey.masterSalt, b.localKey.masterSalt) &&
    eq(a.remoteKey.masterKey, b.remoteKey.masterKey) && eq(a.remoteKey.masterSalt, b.remoteKey.masterSalt);
}

function receives(direction: StreamDirection): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

function sends(direction: StreamDirection): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  readonly localAddress: string;
  readonly localPort: number;
  readonly localRtcpPort: number | undefined;
  readonly #rtpSocket: Socket;
  readonly #rtcpSocket: Socket | undefined;
  readonly #options: RtpSessionOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #random: RandomUint32;
  readonly #cname: string;
  #config: RtpStreamConfig | undefined;
  #sender: RtpSender | undefined;
  #reporter: RtcpReporter | undefined;
  #scheduler: RtcpIntervalScheduler | undefined;
  #srtp: SrtpSession | undefined;
  /** SRTCP with keys of its own (DTLS-SRTP on a separate RTCP port); else RTCP uses #srtp. */
  #srtcp: SrtpSession | undefined;
  #remoteSsrc: number | undefined;
  #receiverStats: ReceiverStatistics | undefined;
  #rtpPeer: PeerLatch | undefined;
  #rtcpPeer: PeerLatch | undefined;
  #packetsReceived = 0;
  /** Packets not sent because the peer had not yet proven it is there (PeerLatch.sendAllowed). */
  #withheld = 0;
  #octetsReceived = 0;
  #dropped = { malformed: 0, srtp: 0, foreignSource: 0, unexpectedPayloadType: 0, notReceiving: 0 };
  #closed = false;
  #path: MediaPathHooks | undefined;
  #checkedTarget: Endpoint | undefined;
  #targetSendable = false;
  /** Where an outgoing packet is serialized before SRTP protects it. */
  #plain = Buffer.alloc(1500);

  private constructor(options: RtpSessionOptions, rtp: Socket, rtcp: Socket | undefined, port: number) {
    super();
    this.#options = options;
    this.#rtpSocket = rtp;
    this.#rtcpSocket = rtcp;
    this.localAddress = options.bindAddress;
    this.localPort = port;
    this.localRtcpPort = rtcp ? port + 1 : undefined;
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? nullLogger).child('rtp');
    this.#random = options.random ?? cryptoRandomUint32;
    this.#cname = options.cname ?? `parley-${this.#random().toString(16)}${this.#random().toString(16)}`;
    rtp.on('message', (msg, rinfo) => this.#onRtpSocket(msg, rinfo));
    rtp.on('error', (err) => this.#onSocketError(err));
    rtcp?.on('message', (msg, rinfo) => {
      const kind = classifyMediaPacket(msg);
      if (kind === 'rtp') this.#onRtcp(msg, rinfo, true);
      else if (kind === 'dtls' && !this.#closed) this.emit('rtcpDtls', msg, { address: rinfo.address, port: rinfo.port });
    });
    rtcp?.on('error', (err) => this.#onSocketError(err));
  }

  /** Bind the stream's sockets; the ports go into our SDP. */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const ports = await (options.allocatePorts ?? allocatePortPair)({
      address: options.bindAddress,
      range: options.portRange,
      withRtcp: options.bindRtcpPort ?? true,
      random: options.random,
    });
    return new RtpSession(options, ports.rtp, ports.rtcp, ports.port);
  }

  get sender(): RtpSender | undefined {
    return this.#sender;
  }

  get config(): RtpStreamConfig | undefined {
    return this.#config;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Start the stream with the negotiated parameters. */
  start(config: RtpStreamConfig): void {
    if (this.#closed) throw new Error('RtpSession is closed');
    if (this.#config) {
      this.update(config);
      return;
    }
    this.#config = config;
    this.#sender = new RtpSender({ payloadType: config.payloadType, clockRate: config.clockRate, ptimeMs: config.ptimeMs, random: this.#random });
    this.#reporter = new RtcpReporter({ sender: this.#sender, cname: this.#cname, wallClockMs: this.#options.wallClockMs });
    this.#srtp = config.srtp ? new SrtpSession(config.srtp) : undefined;
    this.#srtcp = config.srtcp ? new SrtpSession(config.srtcp) : undefined;
    this.#remoteSsrc = config.remoteSsrc;
    this.#rtpPeer = new PeerLatch({ address: config.remoteAddress, port: config.remotePort });
    this.#rtcpPeer = new PeerLatch(rtcpEndpoint(config));
    this.#scheduler = new RtcpIntervalScheduler({
      clock: this.#clock,
      send: () => this.#sendReport(),
      sessionBandwidthBps: config.sessionBandwidthBps,
      minIntervalMs: this.#options.rtcpMinIntervalMs,
      random: this.#options.rtcpRandom,
      paced: this.#options.rtcpPaced,
    });
    this.#scheduler.start();
  }

  /**
   * New negotiated parameters (re-INVITE: hold, resume, new address, new
   * keys). A changed remote address forgets the latch; new SRTP keys restart
   * the crypto state. SSRC and sequence numbering continue (RFC 3264 §8).
   */
  update(config: RtpStreamConfig): void {
    const old = this.#config;
    if (!old || !this.#sender) {
      this.start(config);
      return;
    }
    this.#config = config;
    this.#rtpPeer!.expect({ address: config.remoteAddress, port: config.remotePort });
    this.#rtcpPeer!.expect(rtcpEndpoint(config));
    if (!sameKeys(old.srtp, config.srtp)) this.#srtp = config.srtp ? new SrtpSession(config.srtp) : undefined;
    if (!sameKeys(old.srtcp, config.srtcp)) this.#srtcp = config.srtcp ? new SrtpSession(config.srtcp) : undefined;
    this.#sender.payloadType = config.payloadType;
    if (config.ptimeMs !== undefined) this.#sender.setPtime(config.ptimeMs);
    if (config.remoteSsrc !== undefined) this.#remoteSsrc = config.remoteSsrc;
  }

  /**
   * Opens the path through a NAT in front of us before the peer's media
   * arrives: one STUN Binding request (RFC 8489; peers demultiplex or drop
   * it, RFC 7983) from each of our sockets to the peer's RTP and RTCP
   * addresses. A home router that sees the peer's packets first tracks them
   * as a connection of their own and then maps our media to another public
   * port than the one our SDP named; sent first, ours keep the port.
   */
  openPinholes(rtp: Endpoint, rtcp: Endpoint | undefined): void {
    if (this.#closed) return;
    const probe = () => encodeStun({ type: StunType.bindingRequest, transactionId: newTransactionId(), attributes: [] });
    void this.#udpSend(this.#rtpSocket, probe(), rtp).catch(() => {});
    if (this.#rtcpSocket && rtcp) void this.#udpSend(this.#rtcpSocket, probe(), rtcp).catch(() => {});
  }

  /** ICE and TURN take the socket's STUN and ChannelData datagrams and may route media through a relay. */
  setMediaPath(path: MediaPathHooks | undefined): void {
    this.#path = path;
  }

  /** Sends a datagram (a STUN check, a TURN request) from the RTP socket, never through the relay. */
  sendRaw(data: Uint8Array, target: Endpoint): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#udpSend(this.#rtpSocket, data, target);
  }

  /** A media datagram that reached us another way (unwrapped from a TURN relay), as if from `from`. */
  receiveMedia(data: Buffer, from: Endpoint): void {
    if (this.#closed) return;
    const kind = classifyMediaPacket(data);
    if (kind === 'dtls') this.emit('dtls', data, { address: from.address, port: from.port });
    if (kind !== 'rtp') return;
    const rinfo = { address: from.address, port: from.port, family: from.address.includes(':') ? 'IPv6' : 'IPv4', size: data.length } as const;
    if (isRtcpPacket(data)) this.#onRtcp(data, rinfo, false);
    else this.#onRtp(data, rinfo);
  }

  /**
   * ICE selected this remote address (RFC 8445 §8): media goes there at once,
   * with no latching trickle (the check proved the peer is there). Needs rtcp-mux.
   */
  useRemote(endpoint: Endpoint): void {
    this.#rtpPeer?.confirm(endpoint);
    this.#rtcpPeer?.confirm(endpoint);
  }

  /** Where RTP goes now: the latched source, else the SDP address. */
  get remoteRtpEndpoint(): Endpoint | undefined {
    return this.#rtpPeer?.target;
  }

  get remoteRtcpEndpoint(): Endpoint | undefined {
    return this.#config?.rtcpMux ? this.remoteRtpEndpoint : this.#rtcpPeer?.target;
  }

  /**
   * Send one media packet. When the stream may not send (hold, port 0,
   * c=0.0.0.0) the timestamp still advances as silence and false is returned.
   */
  send(payload: Uint8Array, options: { samples?: number; marker?: boolean } = {}): boolean {
    const sender = this.#sender;
    if (!sender || this.#closed) return false;
    if (!this.#maySend() || !this.#rtpPeer!.sendAllowed()) {
      if (this.#maySend()) this.#withheld++;
      sender.skip(options.samples);
      return false;
    }
    return this.#transmit(sender.next(payload, options));
  }

  /** A packet outside the media timeline, e.g. an RFC 4733 event (own PT and timestamp). */
  sendCustom(payload: Uint8Array, options: { payloadType: number; timestamp: number; marker?: boolean }): boolean {
    const sender = this.#sender;
    if (!sender || this.#closed || !this.#maySend()) return false;
    if (!this.#rtpPeer!.sendAllowed()) {
      this.#withheld++;
      return false;
    }
    return this.#transmit(sender.custom(payload, options));
  }

  /** A DTLS datagram of the RTCP component, from our RTCP socket (the RTP socket when there is none). */
  sendRtcpDatagram(bytes: Uint8Array, target: Endpoint): void {
    if (this.#closed || !sendable(target)) return;
    void this.#udpSend(this.#rtcpSocket ?? this.#rtpSocket, bytes, target);
  }

  /** One datagram of another protocol sharing the port (DTLS), from our RTP socket. */
  sendDatagram(bytes: Uint8Array, target: Endpoint): void {
    if (this.#closed || !sendable(target)) return;
    // Through the TURN relay when ICE chose a relayed pair, as media goes.
    void this.#routedSend(this.#rtpSocket, bytes, target);
  }

  /** Media packets held back because the peer had not yet shown it is there. */
  get withheld(): number {
    return this.#withheld;
  }

  /** Silence (DTX): advance the timestamp; the next packet gets the marker bit. */
  skip(samples?: number): void {
    this.#sender?.skip(samples);
  }

  stats(): RtpSessionStats {
    const s = this.#receiverStats;
    const remote = this.#reporter?.remoteReport;
    const out: RtpSessionStats = {
      localSsrc: this.#sender?.ssrc ?? 0,
      packetsSent: this.#sender?.packetCount ?? 0,
      octetsSent: this.#sender?.octetCount ?? 0,
      packetsReceived: this.#packetsReceived,
      octetsReceived: this.#octetsReceived,
      expected: s?.expected ?? 0,
      cumulativeLost: s?.cumulativeLost ?? 0,
      jitterMs: s?.jitterMs ?? 0,
      rtcpSent: this.#reporter?.reportsSent ?? 0,
      rtcpReceived: this.#reporter?.reportsReceived ?? 0,
      dropped: { ...this.#dropped },
    };
    if (this.#remoteSsrc !== undefined) out.remoteSsrc = this.#remoteSsrc;
    if (this.#reporter?.rttMs !== undefined) out.rttMs = this.#reporter.rttMs;
    if (remote) {
      out.remoteFractionLost = remote.fractionLost;
      out.remoteCumulativeLost = remote.cumulativeLost;
      out.remoteJitterMs = remote.jitterMs;
    }
    const latchedRtp = this.#rtpPeer?.latched;
    const latchedRtcp = this.#rtcpPeer?.latched;
    if (latchedRtp) out.latchedRtp = latchedRtp;
    if (latchedRtcp) out.latchedRtcp = latchedRtcp;
    return out;
  }

  /** With rtcpPaced: sends the RTCP report if it is due (call on every media tick). */
  pollRtcp(): void {
    this.#scheduler?.poll();
  }

  /** Send a report now (outside the schedule); returns the compound's size. */
  sendReportNow(): number | undefined {
    return this.#sendReport();
  }

  /** Send RTCP BYE (if the stream ran) and close the sockets. */
  async close(reason?: string): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler?.stop();
    if (this.#reporter && this.#config) {
      const packets = this.#reporter.buildReport(this.#clock.now(), reason === undefined ? {} : { reason });
      await this.#sendRtcpBytes(serializeRtcpCompound(packets)).catch(() => undefined);
    }
    await Promise.all([closeSocket(this.#rtpSocket), this.#rtcpSocket ? closeSocket(this.#rtcpSocket) : undefined]);
    this.removeAllListeners('rtp');
  }

  // ---- sending ---------------------------------------------------------------

  #maySend(): boolean {
    const c = this.#config;
    if (!c || c.awaitingKeys || !sends(c.direction ?? 'sendrecv')) return false;
    const target = this.remoteRtpEndpoint!;
    // The target object changes only when the latch or the SDP moves: isIP's regular expression runs once per target, not per packet.
    if (target !== this.#checkedTarget) {
      this.#checkedTarget = target;
      this.#targetSendable = sendable(target);
    }
    return this.#targetSendable;
  }

  #transmit(packet: RtpPacket): boolean {
    let bytes: Uint8Array;
    if (this.#srtp) {
      // The plain packet only feeds SRTP: one kept buffer for it, the protected copy leaves.
      const length = rtpPacketLength(packet);
      if (this.#plain.length < length) this.#plain = Buffer.allocUnsafe(Math.max(length, 2 * this.#plain.length));
      serializeRtpPacketInto(packet, this.#plain);
      bytes = this.#srtp.protectRtp(this.#plain, length);
    } else bytes = serializeRtpPacket(packet);
    const target = this.remoteRtpEndpoint!;
    this.#reporter?.noteRtpSent(this.#clock.now());
    if (this.#path) {
      const routed = this.#path.route(bytes, target);
      this.#sendMedia(routed.data, routed.target);
    } else this.#sendMedia(bytes, target);
    return true;
  }

  /**
   * One media packet from the RTP socket, fire and forget: no promise, no
   * closure and no callback per packet (50 a second per call). Without a
   * callback node:dgram reports a failed send as the socket's 'error' event,
   * which goes to the same #onSocketError as #udpSend's failures; with one,
   * every send also queued a nextTick for it: measured on loopback
   * (send + receive), 440–580 B and 7.6–9.0 µs per packet without against
   * 880–1,090 B and 15–20 µs with.
   */
  #sendMedia(bytes: Uint8Array, target: Endpoint): void {
    try {
      this.#rtpSocket.send(bytes, target.port, target.address);
    } catch (err) {
      this.#onSocketError(err as Error);
    }
  }

  #sendReport(): number | undefined {
    const reporter = this.#reporter;
    if (!reporter || this.#closed || !this.#config) return undefined;
    if (this.#scheduler) this.#scheduler.weSent = reporter.sentSinceLastReport;
    const target = this.remoteRtcpEndpoint!;
    if (!sendable(target)) return undefined;
    const bytes = serializeRtcpCompound(reporter.buildReport(this.#clock.now()));
    void this.#sendRtcpBytes(bytes);
    return bytes.length;
  }

  #sendRtcpBytes(compound: Buffer): Promise<void> {
    const target = this.remoteRtcpEndpoint;
    if (!target || !sendable(target) || this.#config?.awaitingKeys || this.#config?.awaitingRtcpKeys) return Promise.resolve();
    const crypto = this.#srtcp ?? this.#srtp;
    const bytes = crypto ? crypto.protectRtcp(compound) : compound;
    const socket = this.#config?.rtcpMux || !this.#rtcpSocket ? this.#rtpSocket : this.#rtcpSocket;
    return this.#routedSend(socket, bytes, target);
  }

  /** Media from the RTP socket may take the ICE path's relay; the separate RTCP socket never does. */
  #routedSend(socket: Socket, bytes: Uint8Array, target: Endpoint): Promise<void> {
    if (!this.#path || socket !== this.#rtpSocket) return this.#udpSend(socket, bytes, target);
    const routed = this.#path.route(bytes, target);
    return this.#udpSend(socket, routed.data, routed.target);
  }

  #udpSend(socket: Socket, bytes: Uint8Array, target: Endpoint): Promise<void> {
    return new Promise((resolve) => {
      try {
        socket.send(bytes, target.port, target.address, (err) => {
          if (err) this.#onSocketError(err);
          resolve();
        });
      } catch (err) {
        this.#onSocketError(err as Error);
        resolve();
      }
    });
  }

  // ---- receiving -------------------------------------------------------------

  #onRtpSocket(msg: Buffer, rinfo: RemoteInfo): void {
    switch (classifyMediaPacket(msg)) {
      case 'rtp':
        if (isRtcpPacket(msg)) this.#onRtcp(msg, rinfo, false);
        else this.#onRtp(msg, rinfo);
        return;
      case 'dtls':
        if (!this.#closed) this.emit('dtls', msg, { address: rinfo.address, port: rinfo.port });
        return;
      case 'stun':
        // ICE checks, consent, our STUN/TURN exchanges (a peer's pinhole probe without ICE is dropped there).
        if (isStun(msg)) this.#path?.receive('stun', msg, { address: rinfo.address, port: rinfo.port });
        return;
      case 'turn-channel':
        // Media relayed by our TURN server (RFC 8656 §12.4).
        this.#path?.receive('turn-channel', msg, { address: rinfo.address, port: rinfo.port });
        return;
      default:
        this.#dropped.malformed++;
    }
  }

  #onRtp(msg: Buffer, rinfo: RemoteInfo): void {
    const c = this.#config;
    const peer = this.#rtpPeer;
    if (!c || !peer || this.#closed) return;
    const bytes = this.#admit('rtp', msg, rinfo, peer);
    if (!bytes) return;
    let packet: RtpPacket;
    try {
      packet = parseRtpPacket(bytes);
    } catch (err) {
      if (!(err instanceof RtpError)) throw err;
      this.#dropped.malformed++;
      return;
    }
    if (!c.receivePayloadTypes.includes(packet.payloadType)) {
      this.#dropped.unexpectedPayloadType++;
      return;
    }
    const fromLatched = peer.isLatchedTo(rinfo.address, rinfo.port);
    if (this.#remoteSsrc !== undefined && packet.ssrc !== this.#remoteSsrc && !fromLatched && (!peer.proven || c.remoteSsrc !== undefined)) {
      // Only the announced source (a=ssrc) may claim the stream; a new SSRC is believed from the latched address only.
      this.#dropped.foreignSource++;
      return;
    }
    const sdp = peer.target;
    const { verdict, moved } = peer.offer(rinfo.address, rinfo.port, this.#srtp !== undefined);
    if (verdict !== 'accept') {
      // 'learning': a source other than the SDP's, not followed (nor played) until it keeps coming.
      this.#dropped.foreignSource++;
      return;
    }
    if (moved) this.#latched('rtp', sdp, rinfo);
    if (this.#remoteSsrc !== undefined && packet.ssrc !== this.#remoteSsrc) {
      // From the latched address, a new SSRC is the peer restarting its stream.
      this.#log.info('remote SSRC changed', { from: this.#remoteSsrc, to: packet.ssrc });
      this.#receiverStats = undefined;
    }
    if (this.#remoteSsrc !== packet.ssrc || !this.#receiverStats) {
      this.#remoteSsrc = packet.ssrc;
      this.#receiverStats = new ReceiverStatistics({ clockRate: c.clockRate });
      this.#reporter?.setRemote(packet.ssrc, this.#receiverStats);
    }
    const arrivalMs = this.#clock.now();
    this.#receiverStats.update(packet.sequenceNumber, packet.timestamp, arrivalMs);
    if (!receives(c.direction ?? 'sendrecv')) {
      this.#dropped.notReceiving++;
      return;
    }
    this.#packetsReceived++;
    this.#octetsReceived += packet.payload.length;
    this.emit('rtp', packet, { arrivalMs, address: rinfo.address, port: rinfo.port });
  }

  #onRtcp(msg: Buffer, rinfo: RemoteInfo, separatePort: boolean): void {
    const c = this.#config;
    if (!c || this.#closed || !this.#reporter) return;
    const ownPort = separatePort && !c.rtcpMux;
    const peer = ownPort ? this.#rtcpPeer! : this.#rtpPeer!;
    const bytes = this.#admit('rtcp', msg, rinfo, peer);
    if (!bytes) return;
    let packets: RtcpPacket[];
    try {
      packets = parseRtcpCompound(bytes);
    } catch (err) {
      if (!(err instanceof RtcpError)) throw err;
      this.#dropped.malformed++;
      return;
    }
    const first = packets[0];
    const senderSsrc = first && (first.type === 'sr' || first.type === 'rr') ? first.ssrc : undefined;
    if (!peer.latched) {
      // A report from the SDP's own address proves the peer is there (a recvonly peer sends RTCP only).
      const sdp = peer.target;
      if (peer.prove(rinfo.address, rinfo.port)) {
        if (ownPort) this.#latched('rtcp', sdp, rinfo);
      } else {
        // Latch RTCP only to a report from the source we already know (or an authentic SRTCP one).
        const known = this.#remoteSsrc !== undefined && senderSsrc === this.#remoteSsrc;
        if (!known && !this.#srtp) {
          this.#dropped.foreignSource++;
          return;
        }
        if (ownPort && peer.offer(rinfo.address, rinfo.port, true).moved) this.#latched('rtcp', sdp, rinfo);
      }
    }
    const arrivalMs = this.#clock.now();
    const result = this.#reporter.handle(packets, arrivalMs);
    this.emit('rtcp', packets, { arrivalMs, address: rinfo.address, port: rinfo.port });
    if (result.rttMs !== undefined) this.emit('rtt', result.rttMs);
    if (result.bye) this.emit('bye', result.bye.reason);
  }

  /**
   * The first checks every received RTP and RTCP datagram passes: it comes
   * from the peer (PeerLatch, RFC 4961), and with SRTP it authenticates
   * (RFC 3711 §3.3, §3.4). Returns the plain packet, or undefined when it was
   * dropped and counted.
   */
  #admit(kind: 'rtp' | 'rtcp', msg: Buffer, rinfo: RemoteInfo, peer: PeerLatch): Uint8Array | undefined {
    if (!peer.admits(rinfo.address, rinfo.port)) {
      this.#dropped.foreignSource++;
      return undefined;
    }
    if (this.#config?.awaitingKeys || (kind === 'rtcp' && this.#config?.awaitingRtcpKeys)) {
      this.#dropped.srtp++;
      return undefined;
    }
    const crypto = kind === 'rtcp' ? (this.#srtcp ?? this.#srtp) : this.#srtp;
    if (!crypto) return msg;
    try {
      return kind === 'rtp' ? crypto.unprotectRtp(msg) : crypto.unprotectRtcp(msg);
    } catch (err) {
      if (!(err instanceof SrtpError)) throw err;
      this.#dropped.srtp++;
      this.#log.debug(kind === 'rtp' ? 'SRTP packet dropped' : 'SRTCP packet dropped', { code: err.code, from: `${rinfo.address}:${rinfo.port}` });
      return undefined;
    }
  }

  /** The latch moved to `rinfo` (from `before`, the previous target); told when it is not the SDP's address. */
  #latched(kind: 'rtp' | 'rtcp', before: Endpoint, rinfo: RemoteInfo): void {
    const sdp = this.#config && kind === 'rtp' ? { address: this.#config.remoteAddress, port: this.#config.remotePort } : before;
    const actual = `${rinfo.address}:${rinfo.port}`;
    if (sdp.address === rinfo.address && sdp.port === rinfo.port) {
      if (before.address !== rinfo.address || before.port !== rinfo.port) this.#log.info('back to the SDP address: it sends now', { kind, from: `${before.address}:${before.port}`, actual });
      return;
    }
    this.#log.info('latched to the peer source address', { kind, sdp: `${sdp.address}:${sdp.port}`, actual });
    this.emit('latched', kind, { address: rinfo.address, port: rinfo.port });
  }

  #onSocketError(err: Error): void {
    this.#log.warn('RTP socket error', { message: err.message });
    if (this.listenerCount('warning') > 0) this.emit('warning', err);
  }
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}
