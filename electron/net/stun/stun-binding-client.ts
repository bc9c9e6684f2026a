/**
 * STUN request transactions (Binding, and TURN's requests) over an unreliable transport (RFC 8489 §6.2.1):
 * the request goes out at 0, RTO, 3·RTO, 7·RTO… (RTO doubling), Rc requests
 * in all, and the transaction fails Rm·RTO after the last one. Responses are
 * matched by transaction id (§6.3.3) and must carry a valid FINGERPRINT if
 * they have one. The socket is not owned here: the caller sends the bytes
 * and feeds every STUN datagram it receives to `receive()`, so the same
 * client serves a SIP flow (RFC 5626 keep-alives) or an RTP socket (ICE).
 * Timers run on the injected clock.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import {
  decodeStun,
  encodeStun,
  errorCode,
  fingerprintValid,
  mappedAddress,
  newTransactionId,
  responseType,
  StunType,
} from './stun-message.ts';
import type { StunAttribute, StunMessage, TransportAddress } from './stun-message.ts';

export interface StunBindingResult {
  /** Our address as the server saw it (server-reflexive), when the answer carried one. */
  mapped: TransportAddress | undefined;
  /** From the first request sent to the answer (ms, on the clock). */
  rttMs: number;
  response: StunMessage;
}

export class StunTimeoutError extends Error {
  constructor(requests: number) {
    super(`no STUN answer after ${requests} request(s)`);
    this.name = 'StunTimeoutError';
  }
}

export class StunErrorResponse extends Error {
  readonly code: number;
  /** The whole answer (a TURN 401/438 carries the REALM and NONCE to retry with). */
  readonly response: StunMessage | undefined;
  constructor(code: number, reason: string, response?: StunMessage) {
    super(`STUN error ${code} ${reason}`);
    this.name = 'StunErrorResponse';
    this.code = code;
    this.response = response;
  }
}

export interface StunRequestOptions {
  /** Sends the bytes (a rejection fails the transaction). */
  send(data: Buffer): Promise<void> | void;
  /** Initial RTO (default 500 ms, §6.2.1). */
  rtoMs?: number;
  /** Rc: requests in all (default 7). */
  maxRequests?: number;
  /** Rm: the last wait in RTOs (default 16). */
  lastWaitRtos?: number;
  attributes?: StunAttribute[];
  integrityKey?: string | Buffer;
  /** The request type (default Binding; TURN's Allocate, Refresh, CreatePermission, ChannelBind). */
  type?: number;
}

interface Pending {
  resolve(result: StunBindingResult): void;
  reject(err: Error): void;
  timer: TimerHandle | undefined;
  started: number;
  type: number;
}

export class StunBindingClient {
  readonly #clock: Clock;
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get pending(): number {
    return this.#pending.size;
  }

  request(opts: StunRequestOptions): Promise<StunBindingResult> {
    if (this.#closed) return Promise.reject(new Error('StunBindingClient: closed'));
    const transactionId = newTransactionId();
    const key = transactionId.toString('hex');
    const type = opts.type ?? StunType.bindingRequest;
    const data = encodeStun({ type, transactionId, attributes: opts.attributes ?? [] }, { integrityKey: opts.integrityKey });
    const rto = opts.rtoMs ?? 500;
    const rc = opts.maxRequests ?? 7;
    const rm = opts.lastWaitRtos ?? 16;
    return new Promise<StunBindingResult>((resolve, reject) => {
      const entry: Pending = { resolve, reject, timer: undefined, started: this.#clock.now(), type };
      this.#pending.set(key, entry);
      const fail = (err: Error) => {
        if (this.#pending.get(key) !== entry) return;
        this.#pending.delete(key);
        this.#clock.clearTimeout(entry.timer);
        reject(err);
      };
      let sent = 0;
      let wait = rto;
      const transmit = () => {
        if (this.#pending.get(key) !== entry) return;
        sent++;
        try {
          Promise.resolve(opts.send(data)).catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
        } catch (err) {
          fail(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        if (sent < rc) {
          entry.timer = this.#clock.setTimeout(transmit, wait);
          wait *= 2;
        } else {
          entry.timer = this.#clock.setTimeout(() => fail(new StunTimeoutError(sent)), rm * rto);
        }
      };
      transmit();
    });
  }

  /** Feeds a received STUN datagram; true when it answered one of our transactions. */
  receive(buf: Uint8Array): boolean {
    let message: StunMessage;
    try {
      message = decodeStun(buf);
    } catch {
      return false;
    }
    const key = message.transactionId.toString('hex');
    const entry = this.#pending.get(key);
    if (!entry) return false;
    const error = message.type === responseType(entry.type, true);
    if (message.type !== responseType(entry.type) && !error) return false;
    if (!fingerprintValid(buf)) return false;
    this.#pending.delete(key);
    this.#clock.clearTimeout(entry.timer);
    if (error) {
      const e = errorCode(message);
      entry.reject(new StunErrorResponse(e?.code ?? 0, e?.reason ?? '', message));
    } else {
      entry.resolve({ mapped: mappedAddress(message), rttMs: this.#clock.now() - entry.started, response: message });
    }
    return true;
  }

  close(): void {
    this.#closed = true;
    for (const [key, p] of this.#pending) {
      this.#clock.clearTimeout(p.timer);
      this.#pending.delete(key);
      p.reject(new Error('StunBindingClient: closed'));
    }
  }
}
