/**
 * One DTLS 1.2 association for DTLS-SRTP (RFC 6347, RFC 5764), either role,
 * on datagrams someone else carries (the RTP socket, demultiplexed by first
 * byte, RFC 7983). It does exactly what DTLS-SRTP needs and no more:
 *
 * - cipher suites ECDHE_ECDSA / ECDHE_RSA _WITH_AES_128_GCM_SHA256 (RFC 5289),
 *   groups X25519 and P-256, the extended master secret (RFC 7627), the
 *   secure renegotiation indication (RFC 5746; we never renegotiate), and
 *   use_srtp (RFC 5764 §4.1) with the AES-CM and AES-GCM profiles;
 * - mutual authentication (RFC 5763 §5): the server asks for the client's
 *   certificate; each side's signature (ServerKeyExchange, CertificateVerify)
 *   is verified against the certificate it presented, whose fingerprint the
 *   caller then checks against the SDP;
 * - a stateless cookie exchange when we are the server (§4.2.1), so a forged
 *   ClientHello gets a small HelloVerifyRequest, never our certificate flight
 *   (skipped for the peer's own SDP address: nobody else is reached there);
 * - flights retransmitted on the injected clock from 200 ms, doubling to 8 s
 *   (§4.2.4.1 suggests 1 s; media waits for these keys, and on a LAN or
 *   loopback a first ClientHello that beats the SDP answer to an offerer is
 *   dropped, so we retry sooner, as WebRTC stacks do), and when the peer
 *   repeats its previous flight; given up after `handshakeTimeoutMs`;
 * - no application data (DTLS-SRTP carries none), no resumption.
 *
 *   client:  idle ─start─▶ hello-sent ─(HelloVerifyRequest: again)─▶ hello-sent
 *                           └─ServerHello─▶ wait-hello-done ─ServerHelloDone─▶ wait-finished ─Finished─▶ connected
 *   server:  idle ─start─▶ listening ─ClientHello+cookie─▶ wait-client-flight ─Finished─▶ connected
 *   any ─fault / fatal alert / timeout─▶ failed      connected ─close_notify / close()─▶ closed
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { alertWords, DtlsAlert, DtlsError } from './dtls-error.ts';
import type { DtlsIdentity, EphemeralKey } from './dtls-keys.ts';
import { ephemeralKey, signWith, verifySignature } from './dtls-keys.ts';
import type { ClientHello, Extension, HandshakeFragment } from './dtls-messages.ts';
import {
  CipherSuite, decodeCertificate, decodeCertificateRequest, decodeCertificateVerify, decodeClientHello, decodeClientKeyExchange, decodeHelloVerifyRequest,
  decodeServerHello, decodeServerKeyExchange, decodeU16ListExtension, decodeUseSrtp, DTLS_1_2, ecdheParams, encodeCertificate, encodeCertificateRequest,
  encodeClientHello, encodeHelloVerifyRequest, encodeServerHello, encodeServerKeyExchange, encodeSigned, encodeU16ListExtension, encodeUseSrtp,
  ExtensionType, findExtension, fragmentMessage, handshakeMessage, HandshakeType, NamedGroup, parseHandshakeFragments, SignatureScheme, vec8,
} from './dtls-messages.ts';
import { finishedVerifyData, keyBlock, masterSecret, sha256 } from './dtls-prf.ts';
import type { RecordKeys } from './dtls-prf.ts';
import { HandshakeReassembly } from './dtls-reassembly.ts';
import { ContentType, GcmRecordCipher, parseRecords, RecordReader, RecordWriter } from './dtls-record.ts';
import type { DtlsSrtpKeys } from './srtp-profiles.ts';
import { DEFAULT_SRTP_PROFILES, exportSrtpKeys, SRTP_PROFILES } from './srtp-profiles.ts';

export type DtlsRole = 'client' | 'server';

export type DtlsState = 'idle' | 'hello-sent' | 'wait-hello-done' | 'wait-finished' | 'listening' | 'wait-client-flight' | 'connected' | 'failed' | 'closed';

const TRANSITIONS: Readonly<Record<DtlsState, readonly DtlsState[]>> = {
  idle: ['hello-sent', 'listening', 'failed', 'closed'],
  'hello-sent': ['hello-sent', 'wait-hello-done', 'failed', 'closed'],
  'wait-hello-done': ['wait-finished', 'failed', 'closed'],
  'wait-finished': ['connected', 'failed', 'closed'],
  listening: ['wait-client-flight', 'failed', 'closed'],
  'wait-client-flight': ['connected', 'failed', 'closed'],
  connected: ['closed', 'failed'],
  failed: [],
  closed: [],
};

export interface DtlsConnected {
  keys: DtlsSrtpKeys;
  /** DER of the certificate the peer proved it holds (check its fingerprint against the SDP). */
  remoteCertificate: Buffer;
  cipherSuite: number;
  group: number;
  /** From start() to the handshake's end, ms on the injected clock. */
  handshakeMs: number;
}

export interface DtlsConnectionOptions {
  role: DtlsRole;
  identity: DtlsIdentity;
  clock: Clock;
  /** Carries one datagram to the peer. */
  send: (datagram: Buffer) => void;
  /** SRTP profiles we accept, preferred first (srtp-profiles.ts). */
  srtpProfiles?: readonly number[];
  /** The whole handshake must finish within this (default 20 s). */
  handshakeTimeoutMs?: number;
  /**
   * Server: a source ("address:port") answered without the cookie round —
   * the peer's own SDP address, where our flight could only reach the peer
   * anyway (§4.2.1 makes the cookie a SHOULD; this saves a round trip).
   */
  trustedSource?: () => string | undefined;
  logger?: Logger;
  onConnected: (info: DtlsConnected) => void;
  /** The association failed (our finding or the peer's fatal alert); the words are for people. */
  onFailed: (error: DtlsError) => void;
  /** The peer closed the association (close_notify). */
  onClosed?: () => void;
}

type FlightItem = { kind: 'handshake'; epoch: number; message: Buffer } | { kind: 'ccs' };

const MTU_PAYLOAD = 1150;
const INITIAL_RTO_MS = 200;
const MAX_RTO_MS = 8000;
const CLIENT_SUITES = [CipherSuite.ecdheEcdsaAes128GcmSha256, CipherSuite.ecdheRsaAes128GcmSha256];
const OUR_SCHEMES = [SignatureScheme.ecdsaSecp256r1Sha256, SignatureScheme.rsaPkcs1Sha256];
const RENEGOTIATION_SCSV = 0x00ff;

export class DtlsConnection {
  readonly role: DtlsRole;
  readonly #o: DtlsConnectionOptions;
  readonly #log: Logger;
  readonly #profiles: readonly number[];
  #state: DtlsState = 'idle';
  readonly #writer = new RecordWriter();
  readonly #reader = new RecordReader();
  readonly #reassembly = new HandshakeReassembly();
  #sendSeq = 0;
  #transcript: Buffer[] = [];
  #flight: FlightItem[] = [];
  #rto = INITIAL_RTO_MS;
  #retransmitTimer: TimerHandle | undefined;
  #deadline: TimerHandle | undefined;
  #lastEchoMs = -Infinity;
  #startedMs = 0;
  // negotiated
  #clientRandom: Buffer = Buffer.alloc(0);
  #serverRandom: Buffer = Buffer.alloc(0);
  #cipherSuite = 0;
  #profile = 0;
  #ems = false;
  #ephemeral: EphemeralKey | undefined;
  #peerCertificate: Buffer | undefined;
  #certificateRequested = false;
  #preMaster: Buffer | undefined;
  #master: Buffer | undefined;
  /** Server: the client's CertificateVerify checked out. */
  #peerProved = false;
  #keys: RecordKeys | undefined;
  #peerChangedCipher = false;
  #ignored = 0;
  readonly #cookieSecret = randomBytes(32);

  constructor(options: DtlsConnectionOptions) {
    this.role = options.role;
    this.#o = options;
    this.#log = (options.logger ?? nullLogger).child('dtls');
    this.#profiles = options.srtpProfiles ?? DEFAULT_SRTP_PROFILES;
  }

  get state(): DtlsState {
    return this.#state;
  }

  /** Malformed unauthenticated records dropped after the handshake. */
  get ignored(): number {
    return this.#ignored;
  }

  /** Client: sends the ClientHello. Server: waits for one. Both start the handshake deadline. */
  start(): void {
    if (this.#state !== 'idle') return;
    this.#startedMs = this.#o.clock.now();
    const timeout = this.#o.handshakeTimeoutMs ?? 20_000;
    this.#deadline = this.#o.clock.setTimeout(() => {
      if (this.#state !== 'connected') this.#fail(new DtlsError(DtlsAlert.handshakeFailure, `the secure media handshake did not finish within ${Math.round(timeout / 1000)} s`), false);
    }, timeout);
    if (this.role === 'server') {
      this.#transition('listening');
      return;
    }
    this.#clientRandom = random32();
    this.#transition('hello-sent');
    this.#sendClientHello(Buffer.alloc(0));
  }

  /** One datagram from the peer (the caller checked it came from the peer's address). Never throws. */
  receive(datagram: Buffer, from = ''): void {
    if (this.#state === 'failed' || this.#state === 'closed' || this.#state === 'idle') return;
    for (const record of parseRecords(datagram)) {
      if (this.#ended()) return;
      try {
        this.#onRecord(record.type, record.epoch, this.#reader.open(record), from);
      } catch (err) {
        // Once connected, unauthenticated (epoch 0) input is anyone's: a stranger's garbage is dropped, never fatal.
        if (this.#state === 'connected' && record.epoch === 0) {
          this.#ignored++;
          continue;
        }
        if (err instanceof DtlsError) this.#fail(err, true);
        else this.#fail(new DtlsError(DtlsAlert.internalError, `an internal error in the secure media handshake: ${(err as Error).message}`), true);
      }
    }
  }

  /** Ends the association: close_notify to the peer once connected (RFC 5246 §7.2.1). */
  close(): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    if (this.#state === 'connected') this.#sendAlert(1, DtlsAlert.closeNotify);
    this.#stopTimers();
    this.#transition('closed');
  }

  /** The caller found the peer unacceptable (a fingerprint mismatch): a fatal alert, then failed. */
  abort(alert: number, message: string): void {
    this.#fail(new DtlsError(alert, message), true);
  }

  // ---- records -----------------------------------------------------------

  #onRecord(type: number, epoch: number, plain: Buffer | undefined, from: string): void {
    if (!plain) return; // forged, replayed or of an epoch we cannot read: dropped
    if (type === ContentType.alert) {
      // After the handshake an unauthenticated (epoch 0) alert could come from anyone: ignored.
      if (this.#state === 'connected' && epoch === 0) return;
      if (plain.length !== 2) return;
      const [level, description] = [plain[0]!, plain[1]!];
      if (description === DtlsAlert.closeNotify) {
        this.#stopTimers();
        this.#transition('closed');
        this.#o.onClosed?.();
      } else if (level === 2) {
        this.#fail(new DtlsError(description, `the other side refused the secure media connection: ${alertWords(description)}`, true), false);
      }
      return;
    }
    if (type === ContentType.changeCipherSpec) {
      if (plain.length !== 1 || plain[0] !== 1) throw new DtlsError(DtlsAlert.decodeError, 'a malformed ChangeCipherSpec');
      if (this.#reader.epoch === 1) return; // a retransmission
      const expected = this.role === 'client' ? this.#state === 'wait-finished' : this.#state === 'wait-client-flight';
      if (!expected || !this.#keys) throw new DtlsError(DtlsAlert.unexpectedMessage, 'a ChangeCipherSpec before the keys were agreed');
      const k = this.#keys;
      this.#reader.advance(this.role === 'client' ? new GcmRecordCipher(k.serverWriteKey, k.serverWriteIv) : new GcmRecordCipher(k.clientWriteKey, k.clientWriteIv));
      this.#peerChangedCipher = true;
      return;
    }
    if (type !== ContentType.handshake) return; // application data: DTLS-SRTP has none
    for (const fragment of parseHandshakeFragments(plain)) this.#onFragment(fragment, from);
  }

  #onFragment(f: HandshakeFragment, from: string): void {
    // A server that answered with a cookie request keeps no state: a fresh ClientHello restarts the count.
    if (this.#state === 'listening' && f.type === HandshakeType.clientHello && f.seq !== this.#reassembly.next) this.#reassembly.expect(f.seq);
    const verdict = this.#reassembly.add(f);
    if (verdict === 'old') {
      this.#echoFlight();
      return;
    }
    for (let m = this.#reassembly.take(); m; m = this.#reassembly.take()) {
      if (this.#ended()) return;
      this.#onMessage(m.type, m.seq, m.body, from);
    }
  }

  /** The peer repeats its previous flight: ours was lost. Sent again, at most every 500 ms. */
  #echoFlight(): void {
    const now = this.#o.clock.now();
    if (this.#flight.length === 0 || now - this.#lastEchoMs < 500) return;
    this.#lastEchoMs = now;
    this.#transmit();
  }

  // ---- handshake messages --------------------------------------------------

  #onMessage(type: number, seq: number, body: Buffer, from: string): void {
    const full = handshakeMessage(type, seq, body);
    if (this.role === 'server') this.#onServerMessage(type, seq, body, full, from);
    else this.#onClientMessage(type, body, full);
  }

  #onClientMessage(type: number, body: Buffer, full: Buffer): void {
    const s = this.#state;
    if (s === 'hello-sent' && type === HandshakeType.helloVerifyRequest) {
      const hvr = decodeHelloVerifyRequest(body);
      if (hvr.cookie.length === 0 || hvr.cookie.length > 255) throw new DtlsError(DtlsAlert.illegalParameter, 'an empty cookie');
      this.#transcript = [];
      this.#transition('hello-sent');
      this.#sendClientHello(hvr.cookie);
      return;
    }
    if (s === 'hello-sent' && type === HandshakeType.serverHello) {
      this.#transcript.push(full);
      this.#onServerHello(body);
      this.#transition('wait-hello-done');
      return;
    }
    if (s === 'wait-hello-done') {
      this.#transcript.push(full);
      if (type === HandshakeType.certificate) {
        const chain = decodeCertificate(body);
        if (chain.length === 0) throw new DtlsError(DtlsAlert.badCertificate, 'the other side sent no certificate');
        this.#peerCertificate = chain[0];
      } else if (type === HandshakeType.serverKeyExchange) {
        if (!this.#peerCertificate) throw new DtlsError(DtlsAlert.unexpectedMessage, 'key exchange parameters before a certificate');
        const ske = decodeServerKeyExchange(body);
        verifySignature(this.#peerCertificate, ske.scheme, Buffer.concat([this.#clientRandom, this.#serverRandom, ske.params]), ske.signature);
        this.#ephemeral = ephemeralKey(ske.group);
        this.#preMaster = this.#ephemeral.agree(ske.publicKey);
      } else if (type === HandshakeType.certificateRequest) {
        decodeCertificateRequest(body);
        this.#certificateRequested = true;
      } else if (type === HandshakeType.serverHelloDone) {
        if (!this.#ephemeral || !this.#preMaster) throw new DtlsError(DtlsAlert.unexpectedMessage, 'ServerHelloDone without key exchange parameters');
        this.#sendClientFlight(this.#preMaster);
        this.#transition('wait-finished');
      } else {
        throw new DtlsError(DtlsAlert.unexpectedMessage, `an unexpected handshake message (${type})`);
      }
      return;
    }
    if (s === 'wait-finished' && type === HandshakeType.finished) {
      if (!this.#peerChangedCipher) throw new DtlsError(DtlsAlert.unexpectedMessage, 'Finished before ChangeCipherSpec');
      this.#checkFinished('server', body);
      this.#transcript.push(full);
      this.#connected();
      return;
    }
    if (s === 'connected') return; // a renegotiation attempt: DTLS-SRTP never needs one
    throw new DtlsError(DtlsAlert.unexpectedMessage, `an unexpected handshake message (${type}) in state ${s}`);
  }

  #onServerMessage(type: number, seq: number, body: Buffer, full: Buffer, from: string): void {
    const s = this.#state;
    if (s === 'listening') {
      if (type !== HandshakeType.clientHello) throw new DtlsError(DtlsAlert.unexpectedMessage, `a handshake that does not start with ClientHello (${type})`);
      const hello = decodeClientHello(body);
      const cookie = this.#cookie(hello, from);
      const trusted = from !== '' && from === this.#o.trustedSource?.();
      if (!trusted && (hello.cookie.length === 0 || !safeEqual(hello.cookie, cookie))) {
        // Stateless (RFC 6347 §4.2.1): nothing is kept, only the reply is remembered for a repeated hello.
        this.#sendSeq = seq;
        this.#flight = [{ kind: 'handshake', epoch: 0, message: handshakeMessage(HandshakeType.helloVerifyRequest, seq, encodeHelloVerifyRequest({ version: DTLS_1_2, cookie })) }];
        this.#transmit();
        return;
      }
      this.#sendSeq = seq;
      this.#transcript = [full];
      this.#transition('wait-client-flight');
      this.#onClientHello(hello);
      return;
    }
    if (s === 'wait-client-flight') {
      if (type === HandshakeType.certificate) {
        this.#transcript.push(full);
        const chain = decodeCertificate(body);
        if (chain.length === 0) throw new DtlsError(DtlsAlert.handshakeFailure, 'the other side sent no certificate, so it cannot be matched to its SDP fingerprint');
        this.#peerCertificate = chain[0];
      } else if (type === HandshakeType.clientKeyExchange) {
        if (!this.#peerCertificate) throw new DtlsError(DtlsAlert.handshakeFailure, 'the other side sent no certificate, so it cannot be matched to its SDP fingerprint');
        this.#transcript.push(full);
        const preMaster = this.#ephemeral!.agree(decodeClientKeyExchange(body));
        this.#deriveKeys(preMaster);
      } else if (type === HandshakeType.certificateVerify) {
        if (!this.#peerCertificate || !this.#keys) throw new DtlsError(DtlsAlert.unexpectedMessage, 'CertificateVerify out of order');
        const cv = decodeCertificateVerify(body);
        verifySignature(this.#peerCertificate, cv.scheme, Buffer.concat(this.#transcript), cv.signature);
        this.#transcript.push(full);
        this.#peerProved = true;
      } else if (type === HandshakeType.finished) {
        if (!this.#peerChangedCipher || !this.#peerProved) throw new DtlsError(DtlsAlert.unexpectedMessage, 'Finished before the client proved its certificate');
        this.#checkFinished('client', body);
        this.#transcript.push(full);
        this.#flight = [{ kind: 'ccs' }, { kind: 'handshake', epoch: 1, message: this.#finished('server') }];
        this.#cancelRetransmit();
        this.#transmit(false);
        this.#connected();
      } else {
        throw new DtlsError(DtlsAlert.unexpectedMessage, `an unexpected handshake message (${type})`);
      }
      return;
    }
    if (s === 'connected') return;
    throw new DtlsError(DtlsAlert.unexpectedMessage, `an unexpected handshake message (${type}) in state ${s}`);
  }

  // ---- client side -----------------------------------------------------------

  #sendClientHello(cookie: Buffer): void {
    const hello: ClientHello = {
      version: DTLS_1_2,
      random: this.#clientRandom,
      sessionId: Buffer.alloc(0),
      cookie,
      cipherSuites: [...CLIENT_SUITES, RENEGOTIATION_SCSV],
      compressionMethods: [0],
      extensions: [
        { type: ExtensionType.useSrtp, data: encodeUseSrtp(this.#profiles) },
        { type: ExtensionType.supportedGroups, data: encodeU16ListExtension([NamedGroup.x25519, NamedGroup.secp256r1]) },
        { type: ExtensionType.ecPointFormats, data: vec8(Buffer.from([0])) },
        { type: ExtensionType.signatureAlgorithms, data: encodeU16ListExtension(OUR_SCHEMES) },
        { type: ExtensionType.extendedMasterSecret, data: Buffer.alloc(0) },
      ],
    };
    const message = this.#next(HandshakeType.clientHello, encodeClientHello(hello));
    this.#transcript.push(message);
    this.#flight = [{ kind: 'handshake', epoch: 0, message }];
    this.#transmit();
  }

  #onServerHello(body: Buffer): void {
    const hello = decodeServerHello(body);
    if (hello.version !== DTLS_1_2) throw new DtlsError(DtlsAlert.protocolVersion, 'a DTLS version other than 1.2');
    if (!CLIENT_SUITES.some((c) => c === hello.cipherSuite)) throw new DtlsError(DtlsAlert.illegalParameter, `cipher suite 0x${hello.cipherSuite.toString(16)}, which we did not offer`);
    if (hello.compressionMethod !== 0) throw new DtlsError(DtlsAlert.illegalParameter, 'compression, which we did not offer');
    const srtp = findExtension(hello.extensions, ExtensionType.useSrtp);
    if (!srtp) throw new DtlsError(DtlsAlert.handshakeFailure, 'no SRTP protection profile (use_srtp) in its answer');
    const chosen = decodeUseSrtp(srtp);
    if (chosen.length !== 1 || !this.#profiles.includes(chosen[0]!)) throw new DtlsError(DtlsAlert.illegalParameter, 'an SRTP protection profile we did not offer');
    this.#profile = chosen[0]!;
    this.#serverRandom = hello.random;
    this.#cipherSuite = hello.cipherSuite;
    this.#ems = findExtension(hello.extensions, ExtensionType.extendedMasterSecret) !== undefined;
  }

  #sendClientFlight(preMaster: Buffer): void {
    const flight: FlightItem[] = [];
    const add = (type: number, body: Buffer) => {
      const message = this.#next(type, body);
      this.#transcript.push(message);
      flight.push({ kind: 'handshake', epoch: 0, message });
    };
    if (this.#certificateRequested) add(HandshakeType.certificate, encodeCertificate([this.#o.identity.certificate]));
    add(HandshakeType.clientKeyExchange, vec8(this.#ephemeral!.publicKey));
    this.#deriveKeys(preMaster);
    if (this.#certificateRequested) {
      const { scheme, signature } = signWith(this.#o.identity, Buffer.concat(this.#transcript));
      add(HandshakeType.certificateVerify, encodeSigned(scheme, signature));
    }
    flight.push({ kind: 'ccs' }, { kind: 'handshake', epoch: 1, message: this.#finished('client') });
    this.#flight = flight;
    this.#transmit();
  }

  // ---- server side -----------------------------------------------------------

  #cookie(hello: ClientHello, from: string): Buffer {
    return createHmac('sha256', this.#cookieSecret).update(from).update(hello.random).update(Buffer.from(hello.cipherSuites.join(','))).digest().subarray(0, 20);
  }

  #onClientHello(hello: ClientHello): void {
    if (hello.version !== DTLS_1_2 && hello.version !== 0xfeff) throw new DtlsError(DtlsAlert.protocolVersion, 'a DTLS version we do not speak');
    if (hello.version !== DTLS_1_2) throw new DtlsError(DtlsAlert.protocolVersion, 'only DTLS 1.0, and DTLS-SRTP here needs 1.2');
    if (!hello.cipherSuites.includes(CipherSuite.ecdheEcdsaAes128GcmSha256)) throw new DtlsError(DtlsAlert.handshakeFailure, 'no cipher suite we support (ECDHE-ECDSA with AES-128-GCM)');
    if (!hello.compressionMethods.includes(0)) throw new DtlsError(DtlsAlert.illegalParameter, 'no null compression');
    const srtp = findExtension(hello.extensions, ExtensionType.useSrtp);
    const offered = srtp ? decodeUseSrtp(srtp) : [];
    const profile = this.#profiles.find((p) => offered.includes(p) && SRTP_PROFILES[p] !== undefined);
    if (profile === undefined) throw new DtlsError(DtlsAlert.handshakeFailure, 'no SRTP protection profile we support');
    const groupsExt = findExtension(hello.extensions, ExtensionType.supportedGroups);
    const groups = groupsExt ? decodeU16ListExtension(groupsExt, 'supported groups') : [NamedGroup.secp256r1];
    const group = groups.includes(NamedGroup.x25519) ? NamedGroup.x25519 : groups.includes(NamedGroup.secp256r1) ? NamedGroup.secp256r1 : undefined;
    if (group === undefined) throw new DtlsError(DtlsAlert.handshakeFailure, 'no key exchange group we support (X25519, P-256)');
    this.#clientRandom = hello.random;
    this.#serverRandom = random32();
    this.#cipherSuite = CipherSuite.ecdheEcdsaAes128GcmSha256;
    this.#profile = profile;
    this.#ems = findExtension(hello.extensions, ExtensionType.extendedMasterSecret) !== undefined;
    const extensions: Extension[] = [{ type: ExtensionType.useSrtp, data: encodeUseSrtp([profile]) }];
    if (this.#ems) extensions.push({ type: ExtensionType.extendedMasterSecret, data: Buffer.alloc(0) });
    const renegotiation = findExtension(hello.extensions, ExtensionType.renegotiationInfo);
    if (renegotiation || hello.cipherSuites.includes(RENEGOTIATION_SCSV)) extensions.push({ type: ExtensionType.renegotiationInfo, data: vec8(Buffer.alloc(0)) });
    if (findExtension(hello.extensions, ExtensionType.ecPointFormats)) extensions.push({ type: ExtensionType.ecPointFormats, data: vec8(Buffer.from([0])) });
    this.#ephemeral = ephemeralKey(group);
    const params = ecdheParams(group, this.#ephemeral.publicKey);
    const signed = signWith(this.#o.identity, Buffer.concat([this.#clientRandom, this.#serverRandom, params]));
    const flight: FlightItem[] = [];
    const add = (type: number, body: Buffer) => {
      const message = this.#next(type, body);
      this.#transcript.push(message);
      flight.push({ kind: 'handshake', epoch: 0, message });
    };
    add(HandshakeType.serverHello, encodeServerHello({ version: DTLS_1_2, random: this.#serverRandom, sessionId: Buffer.alloc(0), cipherSuite: this.#cipherSuite, compressionMethod: 0, extensions }));
    add(HandshakeType.certificate, encodeCertificate([this.#o.identity.certificate]));
    add(HandshakeType.serverKeyExchange, encodeServerKeyExchange(params, signed.scheme, signed.signature));
    add(HandshakeType.certificateRequest, encodeCertificateRequest({ certificateTypes: [64, 1], schemes: OUR_SCHEMES }));
    add(HandshakeType.serverHelloDone, Buffer.alloc(0));
    this.#flight = flight;
    this.#transmit();
  }

  // ---- keys and Finished ---------------------------------------------------

  #deriveKeys(preMaster: Buffer): void {
    const sessionHash = this.#ems ? sha256(...this.#transcript) : undefined;
    this.#master = masterSecret(preMaster, this.#clientRandom, this.#serverRandom, sessionHash);
    this.#keys = keyBlock(this.#master, this.#clientRandom, this.#serverRandom);
  }

  #finished(sender: 'client' | 'server'): Buffer {
    const message = this.#next(HandshakeType.finished, finishedVerifyData(this.#master!, sender, sha256(...this.#transcript)));
    this.#transcript.push(message);
    return message;
  }

  #checkFinished(sender: 'client' | 'server', body: Buffer): void {
    const expected = finishedVerifyData(this.#master!, sender, sha256(...this.#transcript));
    if (!safeEqual(expected, body)) throw new DtlsError(DtlsAlert.decryptError, 'a Finished message that does not match the handshake (it was tampered with)');
  }

  #connected(): void {
    this.#stopTimers();
    this.#transition('connected');
    const keys = exportSrtpKeys(this.#profile, this.#master!, this.#clientRandom, this.#serverRandom, this.role === 'client');
    const handshakeMs = this.#o.clock.now() - this.#startedMs;
    this.#log.info('DTLS-SRTP association up', { role: this.role, suite: keys.suite, handshakeMs });
    this.#o.onConnected({ keys, remoteCertificate: this.#peerCertificate!, cipherSuite: this.#cipherSuite, group: this.#ephemeral!.group, handshakeMs });
  }

  // ---- sending -------------------------------------------------------------

  #next(type: number, body: Buffer): Buffer {
    return handshakeMessage(type, this.#sendSeq++, body);
  }

  /** Sends the current flight (new record numbers each time) and, unless told not to, arms its retransmission. */
  #transmit(retransmit = true): void {
    const records: Buffer[] = [];
    for (const item of this.#flight) {
      if (item.kind === 'ccs') {
        records.push(this.#writer.record(ContentType.changeCipherSpec, Buffer.from([1]), 0));
        if (this.#writer.epoch === 0) {
          const k = this.#keys!;
          this.#writer.advance(this.role === 'client' ? new GcmRecordCipher(k.clientWriteKey, k.clientWriteIv) : new GcmRecordCipher(k.serverWriteKey, k.serverWriteIv));
        }
        continue;
      }
      for (const fragment of fragmentMessage(item.message, MTU_PAYLOAD)) records.push(this.#writer.record(ContentType.handshake, fragment, item.epoch));
    }
    let datagram: Buffer[] = [];
    let size = 0;
    for (const r of records) {
      if (size + r.length > MTU_PAYLOAD + 100 && datagram.length > 0) {
        this.#o.send(Buffer.concat(datagram));
        datagram = [];
        size = 0;
      }
      datagram.push(r);
      size += r.length;
    }
    if (datagram.length > 0) this.#o.send(Buffer.concat(datagram));
    if (retransmit && this.#awaitingPeer()) this.#armRetransmit();
  }

  #armRetransmit(): void {
    this.#cancelRetransmit();
    this.#retransmitTimer = this.#o.clock.setTimeout(() => {
      this.#retransmitTimer = undefined;
      if (!this.#awaitingPeer()) return;
      this.#rto = Math.min(MAX_RTO_MS, this.#rto * 2);
      this.#log.debug('DTLS flight retransmitted', { state: this.#state, rtoMs: this.#rto });
      this.#transmit();
    }, this.#rto);
  }

  /** States in which our last flight waits for the peer's answer (and is retransmitted without one). */
  #awaitingPeer(): boolean {
    const s = this.#state;
    return s === 'hello-sent' || s === 'wait-hello-done' || s === 'wait-finished' || s === 'wait-client-flight';
  }

  #cancelRetransmit(): void {
    this.#o.clock.clearTimeout(this.#retransmitTimer);
    this.#retransmitTimer = undefined;
  }

  #stopTimers(): void {
    this.#cancelRetransmit();
    this.#o.clock.clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  #sendAlert(level: 1 | 2, description: number): void {
    try {
      this.#o.send(this.#writer.record(ContentType.alert, Buffer.from([level, description])));
    } catch (err) {
      this.#log.debug('alert not sent', { message: (err as Error).message });
    }
  }

  #fail(error: DtlsError, tellPeer: boolean): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    if (tellPeer && !error.fromPeer) this.#sendAlert(2, error.alert);
    this.#stopTimers();
    this.#transition('failed');
    this.#log.info('DTLS-SRTP association failed', { role: this.role, message: error.message });
    this.#o.onFailed(error);
  }

  /** Failed or closed (state changes inside a loop over one datagram's records). */
  #ended(): boolean {
    return this.#state === 'failed' || this.#state === 'closed';
  }

  #transition(to: DtlsState): void {
    if (!TRANSITIONS[this.#state].includes(to)) throw new Error(`DtlsConnection cannot go from ${this.#state} to ${to}`);
    this.#state = to;
  }
}

function random32(): Buffer {
  return randomBytes(32);
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
