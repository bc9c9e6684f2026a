/**
 * The SRTP transform of one media stream keyed by SDES (RFC 4568 §6.1): our
 * key (sent in our a=crypto) protects what we send, the peer's key unprotects
 * what we receive. The same object serves RTP and RTCP (muxed or not).
 */
import type { SrtpCryptoSuite, SrtpKeyMaterial } from './srtp-crypto-suite.ts';
import { SrtpContext } from './srtp-context.ts';

export interface SrtpSessionOptions {
  suite: SrtpCryptoSuite;
  /** Our master key and salt (our a=crypto inline key). */
  localKey: SrtpKeyMaterial;
  /** The peer's master key and salt (its a=crypto inline key). */
  remoteKey: SrtpKeyMaterial;
  maxSources?: number;
}

export class SrtpSession {
  readonly suite: SrtpCryptoSuite;
  readonly outbound: SrtpContext;
  readonly inbound: SrtpContext;

  constructor(options: SrtpSessionOptions) {
    this.suite = options.suite;
    this.outbound = new SrtpContext({ suite: options.suite, key: options.localKey, maxSources: options.maxSources });
    this.inbound = new SrtpContext({ suite: options.suite, key: options.remoteKey, maxSources: options.maxSources });
  }

  /** `length`: the packet's bytes at the start of `packet` (all of it by default). */
  protectRtp(packet: Uint8Array, length = packet.length): Buffer {
    return this.outbound.protectRtp(packet, length);
  }

  unprotectRtp(packet: Uint8Array): Buffer {
    return this.inbound.unprotectRtp(packet);
  }

  protectRtcp(packet: Uint8Array): Buffer {
    return this.outbound.protectRtcp(packet);
  }

  unprotectRtcp(packet: Uint8Array): Buffer {
    return this.inbound.unprotectRtcp(packet);
  }
}
