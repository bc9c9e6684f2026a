/**
 * The DTLS 1.2 record layer (RFC 6347 §4.1) with the AES-128-GCM record
 * protection of our cipher suites (RFC 5288 §3, RFC 5246 §6.2.3.3).
 *
 *   record header (13 bytes)
 *   ┌──────┬─────────┬───────┬─────────────────┬────────┐
 *   │ type │ version │ epoch │ sequence number │ length │ fragment…
 *   │  1   │    2    │   2   │        6        │   2    │
 *   └──────┴─────────┴───────┴─────────────────┴────────┘
 *
 *   protected fragment: explicit nonce (8: epoch ‖ seq) ‖ ciphertext ‖ tag (16)
 *   nonce = write IV (4) ‖ explicit nonce;  AAD = epoch ‖ seq ‖ type ‖ version ‖ plaintext length
 *
 * One datagram may carry several records (§4.1.1). A record that is
 * malformed, of another version, replayed (§4.1.2.6) or fails its tag is
 * dropped silently: DTLS tolerates such noise, and an attacker who can send
 * datagrams must not be able to end the association with one.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ReplayWindow } from '../srtp/replay-window.ts';
import { DTLS_1_0, DTLS_1_2, u16 } from './dtls-messages.ts';

export const ContentType = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23 } as const;

export const RECORD_HEADER = 13;
const MAX_FRAGMENT = 16384 + 2048;
const GCM_OVERHEAD = 8 + 16;

export interface DtlsRecord {
  type: number;
  version: number;
  epoch: number;
  seq: number;
  fragment: Buffer;
}

/** The records in one datagram; parsing stops at the first malformed one (the rest is noise). */
export function parseRecords(datagram: Buffer): DtlsRecord[] {
  const out: DtlsRecord[] = [];
  let pos = 0;
  while (datagram.length - pos >= RECORD_HEADER) {
    const type = datagram[pos]!;
    const version = datagram.readUInt16BE(pos + 1);
    const epoch = datagram.readUInt16BE(pos + 3);
    const seq = datagram.readUIntBE(pos + 5, 6);
    const length = datagram.readUInt16BE(pos + 11);
    if (type < 20 || type > 23 || (version !== DTLS_1_2 && version !== DTLS_1_0) || length > MAX_FRAGMENT) break;
    if (pos + RECORD_HEADER + length > datagram.length) break;
    out.push({ type, version, epoch, seq, fragment: datagram.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + length) });
    pos += RECORD_HEADER + length;
  }
  return out;
}

function header(type: number, version: number, epoch: number, seq: number, length: number): Buffer {
  const b = Buffer.alloc(RECORD_HEADER);
  b[0] = type;
  b.writeUInt16BE(version, 1);
  b.writeUInt16BE(epoch, 3);
  b.writeUIntBE(seq, 5, 6);
  b.writeUInt16BE(length, 11);
  return b;
}

function sequenceBytes(epoch: number, seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(epoch, 0);
  b.writeUIntBE(seq, 2, 6);
  return b;
}

/** AES-128-GCM for one direction of one epoch. */
export class GcmRecordCipher {
  readonly #key: Buffer;
  readonly #iv: Buffer;

  constructor(key: Buffer, iv: Buffer) {
    this.#key = key;
    this.#iv = iv;
  }

  seal(type: number, epoch: number, seq: number, plaintext: Buffer): Buffer {
    const explicit = sequenceBytes(epoch, seq);
    const cipher = createCipheriv('aes-128-gcm', this.#key, Buffer.concat([this.#iv, explicit]));
    cipher.setAAD(Buffer.concat([explicit, Buffer.from([type]), u16(DTLS_1_2), u16(plaintext.length)]));
    return Buffer.concat([explicit, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  /** The plaintext, or undefined when the record does not authenticate. */
  open(record: DtlsRecord): Buffer | undefined {
    const f = record.fragment;
    if (f.length < GCM_OVERHEAD) return undefined;
    const explicit = f.subarray(0, 8);
    const length = f.length - GCM_OVERHEAD;
    try {
      const decipher = createDecipheriv('aes-128-gcm', this.#key, Buffer.concat([this.#iv, explicit]));
      decipher.setAAD(Buffer.concat([sequenceBytes(record.epoch, record.seq), Buffer.from([record.type]), u16(record.version), u16(length)]));
      decipher.setAuthTag(f.subarray(f.length - 16));
      return Buffer.concat([decipher.update(f.subarray(8, f.length - 16)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

/** Our sending side: the epoch, its record sequence numbers and (from epoch 1) its cipher. */
export class RecordWriter {
  #epoch = 0;
  #seq = 0;
  #cipher: GcmRecordCipher | undefined;
  /** Epoch 0 sequence numbers continue after the switch for retransmitted epoch-0 flights (§4.2.4). */
  #epoch0Seq = 0;

  get epoch(): number {
    return this.#epoch;
  }

  /** After sending ChangeCipherSpec: the next records are epoch 1 under `cipher`. */
  advance(cipher: GcmRecordCipher): void {
    this.#epoch0Seq = this.#seq;
    this.#epoch = 1;
    this.#seq = 0;
    this.#cipher = cipher;
  }

  /** One record; `epoch` 0 may still be written after the switch (retransmitting the flight before it). */
  record(type: number, payload: Buffer, epoch = this.#epoch): Buffer {
    if (epoch === 0) {
      const seq = this.#epoch === 0 ? this.#seq++ : this.#epoch0Seq++;
      return Buffer.concat([header(type, DTLS_1_2, 0, seq, payload.length), payload]);
    }
    if (!this.#cipher) throw new Error('epoch 1 has no keys yet');
    const seq = this.#seq++;
    const sealed = this.#cipher.seal(type, 1, seq, payload);
    return Buffer.concat([header(type, DTLS_1_2, 1, seq, sealed.length), sealed]);
  }
}

/** Our receiving side: epoch 0 in the clear, epoch 1 opened and checked against replays. */
export class RecordReader {
  #epoch = 0;
  #cipher: GcmRecordCipher | undefined;
  readonly #replay = new ReplayWindow();

  get epoch(): number {
    return this.#epoch;
  }

  /** After the peer's ChangeCipherSpec. */
  advance(cipher: GcmRecordCipher): void {
    this.#epoch = 1;
    this.#cipher = cipher;
  }

  /** The record's plaintext, or undefined to drop it (wrong epoch, forged, replayed). */
  open(record: DtlsRecord): Buffer | undefined {
    if (record.epoch === 0) return record.fragment;
    if (record.epoch !== 1 || !this.#cipher || this.#epoch !== 1) return undefined;
    if (this.#replay.check(record.seq) !== 'fresh') return undefined;
    const plain = this.#cipher.open(record);
    if (plain) this.#replay.accept(record.seq);
    return plain;
  }
}
