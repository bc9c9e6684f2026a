/**
 * DTLS-SRTP keying of one call's stream (RFC 5763, RFC 5764): runs the
 * handshake on the RTP port (media/dtls/dtls-connection.ts), checks the
 * certificate the peer proved it holds against the fingerprint in its SDP,
 * and hands the exported SRTP keys to the media session.
 *
 *   idle ──configure()──▶ handshaking ──keys, fingerprint matches──▶ keyed
 *     │                       │  └─ failure / fingerprint mismatch ──▶ failed
 *     └─ datagrams before the handshake runs are queued (at most 8): an
 *        answerer's ClientHello may beat its SDP answer to us
 *   configure() with another role or other fingerprints: a new association
 *
 * The handshake runs from start() — when the call's media starts, i.e. once
 * our answer is on its way (or the peer's has come) — not from the moment
 * an incoming INVITE's offer is answered in advance: a ClientHello must not
 * reach an offerer that does not know its role yet, and a phone left
 * ringing must not time the handshake out.
 *   any ──close()──▶ closed (close_notify to the peer)
 *
 * Only datagrams from the peer's SDP address (any port: a NAT may move it)
 * or from where the stream sends now (the pair ICE chose) reach the
 * handshake; the fingerprint, not the address, is what authenticates the
 * keys. As the client we send where the stream sends (else the SDP
 * endpoint); as the server we answer the source of the ClientHello.
 */
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/logger.ts';
import { nullLogger } from '../../common/logger.ts';
import { DtlsConnection } from '../dtls/dtls-connection.ts';
import type { DtlsError } from '../dtls/dtls-error.ts';
import { DtlsAlert } from '../dtls/dtls-error.ts';
import type { DtlsIdentity } from '../dtls/dtls-keys.ts';
import type { DtlsSrtpKeys } from '../dtls/srtp-profiles.ts';
import { profilesFor } from '../dtls/srtp-profiles.ts';
import type { Endpoint } from '../rtp/peer-latch.ts';
import { certificateMatches, formatFingerprint } from '../sdp/dtls-attributes.ts';
import type { NegotiatedDtls } from '../sdp/negotiated-media.ts';
import type { SrtpCryptoSuite } from '../srtp/srtp-crypto-suite.ts';

export type DtlsKeyingState = 'idle' | 'handshaking' | 'keyed' | 'failed' | 'closed';

const TRANSITIONS: Readonly<Record<DtlsKeyingState, readonly DtlsKeyingState[]>> = {
  idle: ['handshaking', 'closed'],
  handshaking: ['handshaking', 'keyed', 'failed', 'closed'],
  keyed: ['handshaking', 'failed', 'closed'],
  failed: ['handshaking', 'closed'],
  closed: [],
};

const MAX_QUEUED = 8;

export interface DtlsSrtpKeyingOptions {
  identity: DtlsIdentity;
  clock: Clock;
  logger?: Logger;
  /** One datagram out of the RTP socket. */
  send: (datagram: Buffer, to: Endpoint) => void;
  /** Where the stream sends now (latched, or the pair ICE chose), when that is known: the handshake follows it. */
  currentPeer?: () => Endpoint | undefined;
  srtpSuites?: readonly SrtpCryptoSuite[];
  handshakeTimeoutMs?: number;
  onKeys: (keys: DtlsSrtpKeys, handshakeMs: number) => void;
  /** The association failed; the words say why, for the person whose call ends. */
  onFailed: (words: string) => void;
}

export class DtlsSrtpKeying {
  readonly #o: DtlsSrtpKeyingOptions;
  readonly #log: Logger;
  #state: DtlsKeyingState = 'idle';
  #queue: Array<{ datagram: Buffer; from: Endpoint }> = [];
  #connection: DtlsConnection | undefined;
  #params: NegotiatedDtls | undefined;
  #peer: Endpoint | undefined;
  #replyTo: Endpoint | undefined;
  #keys: DtlsSrtpKeys | undefined;
  #foreign = 0;
  #running = false;

  constructor(options: DtlsSrtpKeyingOptions) {
    this.#o = options;
    this.#log = (options.logger ?? nullLogger).child('dtls-srtp');
  }

  get state(): DtlsKeyingState {
    return this.#state;
  }

  /** The SRTP keys once the handshake finished and the certificate matched. */
  get keys(): DtlsSrtpKeys | undefined {
    return this.#keys;
  }

  get role(): 'client' | 'server' | undefined {
    return this.#params?.role;
  }

  /** Datagrams from addresses other than the peer's, dropped. */
  get foreignDatagrams(): number {
    return this.#foreign;
  }

  /**
   * The negotiation's DTLS parameters. Returns true when the existing
   * association (and its keys) carries on: same role, same fingerprints
   * (RFC 5763 §6.7: a re-INVITE that changes neither keeps it).
   */
  configure(params: NegotiatedDtls, peer: Endpoint): boolean {
    if (this.#state === 'closed') return false;
    this.#peer = peer;
    const old = this.#params;
    if (old && this.#connection && old.role === params.role && sameFingerprints(old.remoteFingerprints, params.remoteFingerprints)) return true;
    this.#connection?.close();
    this.#keys = undefined;
    this.#params = params;
    this.#transition('handshaking');
    const connection = new DtlsConnection({
      role: params.role,
      identity: this.#o.identity,
      clock: this.#o.clock,
      logger: this.#o.logger,
      srtpProfiles: profilesFor(this.#o.srtpSuites),
      handshakeTimeoutMs: this.#o.handshakeTimeoutMs,
      trustedSource: () => (this.#peer ? `${this.#peer.address}:${this.#peer.port}` : undefined),
      send: (datagram) => {
        const to = params.role === 'client' ? (this.#o.currentPeer?.() ?? this.#peer) : this.#replyTo;
        if (to) this.#o.send(datagram, to);
      },
      onConnected: (info) => {
        if (this.#connection !== connection) return;
        if (!certificateMatches(info.remoteCertificate, params.remoteFingerprints)) {
          const words = "the other side's media certificate does not match the fingerprint in its SDP: someone may be intercepting the call";
          this.#log.warn('DTLS-SRTP fingerprint mismatch', { expected: params.remoteFingerprints.map(formatFingerprint) });
          connection.abort(DtlsAlert.badCertificate, words);
          return;
        }
        this.#keys = info.keys;
        this.#transition('keyed');
        this.#o.onKeys(info.keys, info.handshakeMs);
      },
      onFailed: (error: DtlsError) => {
        if (this.#connection !== connection || this.#state === 'closed') return;
        this.#transition('failed');
        this.#o.onFailed(error.message);
      },
      onClosed: () => this.#log.info('the peer closed the DTLS-SRTP association'),
    });
    this.#connection = connection;
    if (this.#running) this.#run(connection);
    return false;
  }

  /** The call's media starts: run the handshake (now, or as soon as configure() names the roles). */
  start(): void {
    if (this.#running || this.#state === 'closed') return;
    this.#running = true;
    if (this.#connection) this.#run(this.#connection);
  }

  #run(connection: DtlsConnection): void {
    connection.start();
    const queued = this.#queue;
    this.#queue = [];
    for (const q of queued) this.receive(q.datagram, q.from);
  }

  /** A DTLS datagram from the RTP socket. */
  receive(datagram: Buffer, from: Endpoint): void {
    if (this.#state === 'closed') return;
    const connection = this.#connection;
    if (!connection || !this.#peer || !this.#running) {
      if (this.#queue.length < MAX_QUEUED) this.#queue.push({ datagram, from });
      return;
    }
    if (from.address !== this.#peer.address && from.address !== this.#o.currentPeer?.()?.address) {
      this.#foreign++;
      return;
    }
    // The server answers whoever sent the ClientHello; once keyed, nobody may redirect it.
    if (this.#params?.role === 'server' && this.#state === 'handshaking') this.#replyTo = from;
    connection.receive(datagram, `${from.address}:${from.port}`);
  }

  /** Ends the association (close_notify) and ignores the port from now on. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#connection?.close();
    this.#connection = undefined;
    this.#queue = [];
    this.#transition('closed');
  }

  #transition(to: DtlsKeyingState): void {
    if (!TRANSITIONS[this.#state].includes(to)) throw new Error(`DtlsSrtpKeying cannot go from ${this.#state} to ${to}`);
    this.#state = to;
  }
}

function sameFingerprints(a: NegotiatedDtls['remoteFingerprints'], b: NegotiatedDtls['remoteFingerprints']): boolean {
  return a.length === b.length && a.every((f, i) => f.algorithm === b[i]!.algorithm && f.value.equals(b[i]!.value));
}
