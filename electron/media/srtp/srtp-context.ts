/**
 * One SRTP cryptographic context: a master key (one direction of an SDES
 * exchange, RFC 4568 §6.1) and the per-SSRC state under it (RFC 3711 §3.2).
 * A call uses two: ours to protect what we send, the peer's to unprotect
 * what we receive (see SrtpSession).
 *
 * SRTP packet (§3.1): RTP header | encrypted payload | auth tag, the tag
 * being HMAC-SHA1(k_a, header || encrypted payload || ROC) truncated.
 * SRTCP packet (§3.4): first 8 bytes clear | encrypted rest | E || 31-bit
 * SRTCP index | 80-bit tag over everything before it.
 *
 * With an AEAD suite (AEAD_AES_*_GCM, RFC 7714 §8–§9) the payload is sealed
 * by AES-GCM instead: RTP header as associated data, a 16-byte tag appended;
 * SRTCP: header | sealed payload and tag | E || index, the header and the
 * E || index word as associated data.
 *
 * The 48-bit packet index i = 2^16 · ROC + SEQ is guessed from the sequence
 * number with the algorithm of §3.3.1 / Appendix A; the guess is committed to
 * the state only after the tag verifies.
 */
import { timingSafeEqual } from 'node:crypto';
import { readUint32, rtpHeaderLength } from '../rtp/rtp-packet.ts';
import { RtpError } from '../rtp/rtp-error.ts';
import { AesCounterMode } from './aes-cm.ts';
import { gcmOpen, gcmRtcpIv, gcmRtpIv, gcmSeal } from './aes-gcm.ts';
import { HmacSha1 } from './hmac-sha1.ts';
import type { SessionKeys } from './key-derivation.ts';
import { deriveSessionKeys, packetIv, packetIvInto } from './key-derivation.ts';
import { ReplayWindow } from './replay-window.ts';
import type { SrtpCryptoSuite, SrtpKeyMaterial, SrtpSuiteParameters } from './srtp-crypto-suite.ts';
import { SRTP_SUITES, isSrtpCryptoSuite } from './srtp-crypto-suite.ts';
import { SrtpError } from './srtp-error.ts';

export interface SrtpContextOptions {
  suite: SrtpCryptoSuite;
  key: SrtpKeyMaterial;
  /** Most SSRCs to keep state for (each costs a few hundred bytes); 32 by default. */
  maxSources?: number;
}

interface RtpSourceState {
  roc: number;
  /** s_l: the highest sequence number authenticated (or sent) so far. */
  highestSeq: number;
  replay: ReplayWindow;
}

/** The per-key crypto objects of one of the two streams (RTP or RTCP). */
interface Transform {
  salt: Buffer;
  /** The session encryption key (GCM keys its cipher per packet). */
  key: Buffer;
  cipher: AesCounterMode;
  mac: HmacSha1;
}

function transform(keys: SessionKeys): Transform {
  return { salt: keys.salt, key: keys.cipherKey, cipher: new AesCounterMode(keys.cipherKey), mac: new HmacSha1(keys.authKey) };
}

interface RtcpSourceState {
  nextIndex: number;
  replay: ReplayWindow;
}

const MAX_ROC = 0xffffffff;

const MAX_SRTCP_INDEX = 0x7fffffff;

/**
 * §3.3.1: the ROC value v that makes SEQ closest to s_l. Returns ROC − 1,
 * ROC or ROC + 1 (−1 when a packet claims to precede the very first one).
 */
export function estimateRoc(roc: number, highestSeq: number, seq: number): number {
  if (highestSeq < 32768) return seq - highestSeq > 32768 ? roc - 1 : roc;
  return highestSeq - 32768 > seq ? roc + 1 : roc;
}

export class SrtpContext {
  readonly suite: SrtpCryptoSuite;
  readonly #params: SrtpSuiteParameters;
  readonly #rtpTransform: Transform;
  readonly #rtcpTransform: Transform;
  readonly #maxSources: number;
  readonly #gcm: boolean;
  readonly #rtp = new Map<number, RtpSourceState>();
  readonly #rtcp = new Map<number, RtcpSourceState>();
  // Scratch of the per-packet RTP path (one context serves one direction, one packet at a time).
  readonly #iv = new Uint8Array(16);
  readonly #tag = new Uint8Array(20);
  readonly #roc = new Uint8Array(4);

  constructor(options: SrtpContextOptions) {
    if (!isSrtpCryptoSuite(options.suite)) throw new SrtpError('invalid-key', `unsupported SRTP suite ${String(options.suite)}`);
    this.suite = options.suite;
    this.#params = SRTP_SUITES[options.suite];
    const keys = deriveSessionKeys(options.key, options.suite);
    this.#gcm = this.#params.cipher === 'gcm';
    this.#rtpTransform = transform(keys.rtp);
    this.#rtcpTransform = transform(keys.rtcp);
    this.#maxSources = options.maxSources ?? 32;
  }

  /** The rollover counter of `ssrc` as this context knows it (tests, diagnostics). */
  rolloverCounter(ssrc: number): number | undefined {
    return this.#rtp.get(ssrc >>> 0)?.roc;
  }

  // ---- SRTP ----------------------------------------------------------------

  /** The SRTP packet of `packet` (its first `length` bytes: a packet serialized into a larger kept buffer). */
  protectRtp(packet: Uint8Array, length = packet.length): Buffer {
    if (length > packet.length) throw new SrtpError('malformed', `packet of ${packet.length} bytes has no ${length}`);
    const headerLength = this.#headerLength(packet, length);
    const seq = (packet[2]! << 8) | packet[3]!;
    const ssrc = readUint32(packet, 8);
    let state = this.#rtp.get(ssrc);
    if (!state) state = this.#newSource(this.#rtp, ssrc, { roc: 0, highestSeq: seq, replay: new ReplayWindow() });
    const v = estimateRoc(state.roc, state.highestSeq, seq);
    if (v > MAX_ROC) throw new SrtpError('index-exhausted', 'SRTP packet index exhausted: re-key the session');
    if (v === state.roc + 1 || (v === state.roc && seq > state.highestSeq)) {
      state.roc = Math.max(0, v);
      state.highestSeq = seq;
    }
    const roc = Math.max(0, v);
    const t = this.#rtpTransform;
    if (this.#gcm) {
      const header = packet.subarray(0, headerLength);
      return Buffer.concat([header, gcmSeal(t.key, gcmRtpIv(t.salt, ssrc, roc, seq), header, packet.subarray(headerLength, length))]);
    }
    // One object per packet: the output (a slice of Node's pool), every byte of it written below.
    const tagLength = this.#params.rtpTagLength;
    const out = Buffer.allocUnsafe(length + tagLength);
    for (let i = 0; i < headerLength; i++) out[i] = packet[i]!;
    packetIvInto(this.#iv, t.salt, ssrc, roc * 65536 + seq);
    t.cipher.xorInto(this.#iv, packet, headerLength, length, out, headerLength);
    this.#rtpTag(out, length, roc);
    for (let i = 0; i < tagLength; i++) out[length + i] = this.#tag[i]!;
    return out;
  }

  unprotectRtp(packet: Uint8Array): Buffer {
    const tagLength = this.#params.rtpTagLength;
    if (!(packet instanceof Uint8Array) || packet.length < 12 + tagLength) {
      throw new SrtpError('too-short', `SRTP packet of ${packet?.length} bytes is shorter than header and tag`);
    }
    const authLength = packet.length - tagLength;
    const headerLength = this.#headerLength(packet, authLength);
    const seq = (packet[2]! << 8) | packet[3]!;
    const ssrc = readUint32(packet, 8);
    const state = this.#rtp.get(ssrc);
    const v = state ? estimateRoc(state.roc, state.highestSeq, seq) : 0;
    if (v < 0) throw new SrtpError('replay', `SRTP packet ${seq} precedes the first packet of SSRC ${ssrc}`);
    if (v > MAX_ROC) throw new SrtpError('index-exhausted', 'SRTP packet index exhausted');
    const index = v * 65536 + seq;
    if (state) {
      const verdict = state.replay.check(index);
      if (verdict !== 'fresh') throw new SrtpError('replay', `SRTP packet index ${index} of SSRC ${ssrc}: ${verdict}`);
    }
    const t = this.#rtpTransform;
    let out: Buffer;
    if (this.#gcm) {
      const header = packet.subarray(0, headerLength);
      const plain = gcmOpen(t.key, gcmRtpIv(t.salt, ssrc, v, seq), header, packet.subarray(headerLength), `SRTP packet ${seq} of SSRC ${ssrc}`);
      out = Buffer.concat([header, plain]);
    } else {
      this.#rtpTag(packet, authLength, v);
      // Constant time: every tag byte is compared whatever the first difference.
      let diff = 0;
      for (let i = 0; i < tagLength; i++) diff |= this.#tag[i]! ^ packet[authLength + i]!;
      if (diff !== 0) throw new SrtpError('auth-failed', `SRTP authentication failed for packet ${seq} of SSRC ${ssrc}`);
      out = Buffer.allocUnsafe(authLength);
      for (let i = 0; i < headerLength; i++) out[i] = packet[i]!;
      packetIvInto(this.#iv, t.salt, ssrc, index);
      t.cipher.xorInto(this.#iv, packet, headerLength, authLength, out, headerLength);
    }
    // Commit the guess only now that the packet is authentic (§3.3.1).
    const s = state ?? this.#newSource(this.#rtp, ssrc, { roc: v, highestSeq: seq, replay: new ReplayWindow() });
    if (v === s.roc + 1) {
      s.roc = v;
      s.highestSeq = seq;
    } else if (v === s.roc && seq > s.highestSeq) {
      s.highestSeq = seq;
    }
    s.replay.accept(index);
    return out;
  }

  // ---- SRTCP ---------------------------------------------------------------

  protectRtcp(packet: Uint8Array): Buffer {
    if (!(packet instanceof Uint8Array) || packet.length < 8) throw new SrtpError('too-short', 'RTCP packet shorter than 8 bytes');
    if (packet[0]! >> 6 !== 2) throw new SrtpError('malformed', 'RTCP version is not 2');
    const view = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    const ssrc = view.readUInt32BE(4);
    let state = this.#rtcp.get(ssrc);
    if (!state) state = this.#newSource(this.#rtcp, ssrc, { nextIndex: 0, replay: new ReplayWindow() });
    const index = state.nextIndex;
    if (index > MAX_SRTCP_INDEX) throw new SrtpError('index-exhausted', 'SRTCP index exhausted: re-key the session');
    state.nextIndex++;
    const t = this.#rtcpTransform;
    if (this.#gcm) {
      const word = Buffer.alloc(4);
      word.writeUInt32BE((0x80000000 | index) >>> 0, 0);
      const header = packet.subarray(0, 8);
      const sealed = gcmSeal(t.key, gcmRtcpIv(t.salt, ssrc, index), Buffer.concat([header, word]), packet.subarray(8));
      return Buffer.concat([header, sealed, word]);
    }
    const tagLength = this.#params.rtcpTagLength;
    const out = Buffer.alloc(packet.length + 4 + tagLength);
    out.set(packet.subarray(0, 8), 0);
    out.set(t.cipher.xor(packetIv(t.salt, ssrc, index), packet.subarray(8)), 8);
    out.writeUInt32BE((0x80000000 | index) >>> 0, packet.length);
    t.mac.digest(out.subarray(0, packet.length + 4)).copy(out, packet.length + 4, 0, tagLength);
    return out;
  }

  unprotectRtcp(packet: Uint8Array): Buffer {
    const tagLength = this.#params.rtcpTagLength;
    if (!(packet instanceof Uint8Array) || packet.length < 8 + 4 + tagLength) {
      throw new SrtpError('too-short', `SRTCP packet of ${packet?.length} bytes is shorter than header, index and tag`);
    }
    if (packet[0]! >> 6 !== 2) throw new SrtpError('malformed', 'RTCP version is not 2');
    const view = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    if (this.#gcm) return this.#unprotectRtcpGcm(packet, view);
    const authLength = packet.length - tagLength;
    const t = this.#rtcpTransform;
    const expected = t.mac.digest(packet.subarray(0, authLength)).subarray(0, tagLength);
    if (!timingSafeEqual(expected, packet.subarray(authLength))) {
      throw new SrtpError('auth-failed', 'SRTCP authentication failed');
    }
    const word = view.readUInt32BE(authLength - 4);
    const encrypted = (word & 0x80000000) !== 0;
    const index = word & MAX_SRTCP_INDEX;
    const ssrc = view.readUInt32BE(4);
    const existing = this.#rtcp.get(ssrc);
    if (existing) {
      const verdict = existing.replay.check(index);
      if (verdict !== 'fresh') throw new SrtpError('replay', `SRTCP index ${index} of SSRC ${ssrc}: ${verdict}`);
    }
    const end = authLength - 4;
    const out = Buffer.alloc(end);
    out.set(packet.subarray(0, 8), 0);
    const body = packet.subarray(8, end);
    if (encrypted) out.set(t.cipher.xor(packetIv(t.salt, ssrc, index), body), 8);
    else out.set(body, 8);
    const state = existing ?? this.#newSource(this.#rtcp, ssrc, { nextIndex: 0, replay: new ReplayWindow() });
    state.replay.accept(index);
    return out;
  }

  /** RFC 7714 §9: header | sealed payload and tag | E || index; E = 0 means authenticated only (§9.2). */
  #unprotectRtcpGcm(packet: Uint8Array, view: Buffer): Buffer {
    const t = this.#rtcpTransform;
    const wordAt = packet.length - 4;
    const word = view.readUInt32BE(wordAt);
    const encrypted = (word & 0x80000000) !== 0;
    const index = word & MAX_SRTCP_INDEX;
    const ssrc = view.readUInt32BE(4);
    const existing = this.#rtcp.get(ssrc);
    if (existing) {
      const verdict = existing.replay.check(index);
      if (verdict !== 'fresh') throw new SrtpError('replay', `SRTCP index ${index} of SSRC ${ssrc}: ${verdict}`);
    }
    const iv = gcmRtcpIv(t.salt, ssrc, index);
    const wordBytes = packet.subarray(wordAt);
    let out: Buffer;
    if (encrypted) {
      const header = packet.subarray(0, 8);
      out = Buffer.concat([header, gcmOpen(t.key, iv, Buffer.concat([header, wordBytes]), packet.subarray(8, wordAt), 'SRTCP packet')]);
    } else {
      const tagAt = wordAt - 16;
      gcmOpen(t.key, iv, Buffer.concat([packet.subarray(0, tagAt), wordBytes]), packet.subarray(tagAt, wordAt), 'SRTCP packet');
      out = Buffer.from(packet.subarray(0, tagAt));
    }
    const state = existing ?? this.#newSource(this.#rtcp, ssrc, { nextIndex: 0, replay: new ReplayWindow() });
    state.replay.accept(index);
    return out;
  }

  // ---- helpers -------------------------------------------------------------

  #headerLength(packet: Uint8Array, length: number): number {
    if (!(packet instanceof Uint8Array)) throw new SrtpError('malformed', 'packet must be a Uint8Array');
    try {
      return rtpHeaderLength(packet, length);
    } catch (err) {
      if (err instanceof RtpError) throw new SrtpError(err.code === 'truncated' ? 'too-short' : 'malformed', err.message);
      throw err;
    }
  }

  /** HMAC-SHA1(k_a, packet[0, length) || ROC) into #tag (§4.2). */
  #rtpTag(packet: Uint8Array, length: number, roc: number): void {
    const r = this.#roc;
    r[0] = roc >>> 24;
    r[1] = (roc >>> 16) & 0xff;
    r[2] = (roc >>> 8) & 0xff;
    r[3] = roc & 0xff;
    this.#rtpTransform.mac.digestInto(this.#tag, 0, packet, length, r);
  }

  #newSource<T>(map: Map<number, T>, ssrc: number, state: T): T {
    if (map.size >= this.#maxSources) throw new SrtpError('too-many-sources', `more than ${this.#maxSources} SSRCs under one SRTP key`);
    map.set(ssrc, state);
    return state;
  }
}
