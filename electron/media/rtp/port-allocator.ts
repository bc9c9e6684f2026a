/**
 * Binding the UDP sockets of one RTP stream inside a configured port range.
 * RFC 3550 §11: RTP on an even port, RTCP on the next (odd) one. We start at
 * a random even port of the range (so two calls, or two processes, rarely
 * race for the same pair) and walk up, wrapping, until a pair binds.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { systemClock } from '../../common/clock.ts';
import type { LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { RandomUint32 } from './random.ts';
import { cryptoRandomUint32 } from './random.ts';

export interface PortRange {
  min: number;
  max: number;
}

/** Outside Linux's ephemeral range (32768–60999), like most softphones' defaults. */
export const DEFAULT_RTP_PORT_RANGE: Readonly<PortRange> = { min: 16384, max: 32767 };

export interface AllocatedPorts {
  rtp: Socket;
  rtcp?: Socket;
  port: number;
}

export class PortAllocationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortAllocationError';
  }
}

let lastLiteral = '';
let lastFamily = 0;

/**
 * dgram resolves every destination before each send, even an IP literal
 * (dns.lookup answers it on the next tick: a closure and a tick per media
 * packet). Media only ever goes to literal addresses (rtp-session.ts refuses
 * host names), so they are answered at once; anything else still goes to
 * dns.lookup.
 */
function literalLookup(hostname: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  // A call sends to one address 50 times a second: isIP's regular expression runs once for it.
  if (hostname !== lastLiteral) {
    lastLiteral = hostname;
    lastFamily = isIP(hostname);
  }
  if (lastFamily !== 0) callback(null, hostname, lastFamily);
  else process.getBuiltinModule('node:dns').lookup(hostname, options, callback); // node:dns only for a name (≈ 0.5 MB loaded)
}

export function bindUdpSocket(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalLookup });
    const onError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function closeQuietly(socket: Socket | undefined): void {
  try {
    socket?.close();
  } catch {
    // already closed
  }
}

export interface PortPairRequest {
  address: string;
  range?: PortRange;
  withRtcp: boolean;
  random?: RandomUint32;
  maxAttempts?: number;
}

/** What binds a stream's ports: allocatePortPair, or a SparePortPair's allocate. */
export type PortPairAllocator = (options: PortPairRequest) => Promise<AllocatedPorts>;

export async function allocatePortPair(options: PortPairRequest): Promise<AllocatedPorts> {
  const range = options.range ?? DEFAULT_RTP_PORT_RANGE;
  const first = range.min + (range.min % 2);
  const last = options.withRtcp ? range.max - 1 : range.max;
  if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || first > last || range.min < 1024 || range.max > 65535) {
    throw new PortAllocationError(`port range ${range.min}-${range.max} has no usable even port`);
  }
  const slots = Math.floor((last - first) / 2) + 1;
  const start = (options.random ?? cryptoRandomUint32)() % slots;
  const attempts = Math.min(slots, options.maxAttempts ?? 64);
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = first + 2 * ((start + i) % slots);
    let rtp: Socket | undefined;
    try {
      rtp = await bindUdpSocket(options.address, port);
      const rtcp = options.withRtcp ? await bindUdpSocket(options.address, port + 1) : undefined;
      return { rtp, rtcp, port };
    } catch (err) {
      closeQuietly(rtp);
      lastError = err;
    }
  }
  throw new PortAllocationError(
    `no free RTP port pair in ${range.min}-${range.max} on ${options.address} after ${attempts} attempts: ${(lastError as Error)?.message}`,
  );
}

/**
 * How long after a pair was taken the next spare one is bound at the latest (off the set-up path of the call that
 * took it); sooner when that call's media starts or stops (SparePortPair.settled).
 */
export const SPARE_REFILL_MS = 1000;

function samePorts(a: PortPairRequest, b: PortPairRequest): boolean {
  return a.address === b.address && a.withRtcp === b.withRtcp && a.range?.min === b.range?.min && a.range?.max === b.range?.max;
}

/**
 * One port pair bound ahead of the call that will use it: a call's first
 * offer or answer takes it instead of binding two sockets on its set-up path
 * (socket() and bind() twice: ≈ 0.4 ms of the event loop under a load, issue
 * "Fast where the user feels it" §2), and the next spare pair is bound once
 * the call that took it is set up — its media started or stopped
 * (`settled()`, on the next turn of the timers after that) — or
 * SPARE_REFILL_MS later, whichever comes first: a second call dialled soon
 * after the first (a redial, a consultation call for a transfer, a
 * conference leg) finds its pair bound too. Nothing is bound before the first call (an idle
 * phone holds no ports), and a spare pair never keeps the process alive
 * (unref'd until taken). A request for another address, range or RTCP
 * choice gets a pair bound then, as without a spare. Datagrams reaching a
 * spare socket are dropped (nobody was told its port).
 *
 *   empty ──allocate()──▶ refill armed ──SPARE_REFILL_MS, or settled() + 0 ms──▶ spare ──allocate()──▶ refill armed …
 *   any ──close()──▶ closed (the spare's sockets closed; allocate() binds directly)
 */
export class SparePortPair {
  readonly #clock: Clock;
  #spare: { request: PortPairRequest; ports: AllocatedPorts } | undefined;
  #timer: TimerHandle | undefined;
  #filling = false;
  #closed = false;
  /** What the armed refill binds, and after how long it was armed (0: already hurried by settled()). */
  #request: PortPairRequest | undefined;
  #due = 0;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** The spare pair's RTP port while one is bound (diagnostics, tests). */
  get port(): number | undefined {
    return this.#spare?.ports.port;
  }

  /** A pair for a new stream: the spare one when it fits the request, else bound now. */
  readonly allocate: PortPairAllocator = (request) => {
    const spare = this.#spare;
    this.#spare = undefined;
    this.#refillLater(request);
    if (spare && samePorts(spare.request, request)) {
      spare.ports.rtp.ref();
      spare.ports.rtcp?.ref();
      return Promise.resolve(spare.ports);
    }
    if (spare) closePorts(spare.ports);
    return allocatePortPair(request);
  };

  /**
   * The call that took the last pair has its media started or stopped: a refill that is due binds on the next turn of
   * the timers instead of waiting out SPARE_REFILL_MS (the call's own set-up work of this turn goes first).
   */
  settled(): void {
    if (this.#closed || this.#timer === undefined || this.#due === 0) return;
    this.#clock.clearTimeout(this.#timer);
    this.#arm(0);
  }

  /** Closes the spare pair, and binds no more. */
  close(): void {
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#spare) closePorts(this.#spare.ports);
    this.#spare = undefined;
  }

  #refillLater(request: PortPairRequest): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#request = request;
    this.#arm(SPARE_REFILL_MS);
  }

  #arm(ms: number): void {
    this.#due = ms;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#request) void this.#fill(this.#request);
    }, ms);
  }

  async #fill(request: PortPairRequest): Promise<void> {
    if (this.#closed || this.#spare || this.#filling) return;
    this.#filling = true;
    try {
      const ports = await allocatePortPair(request);
      if (this.#closed || this.#spare) {
        closePorts(ports);
        return;
      }
      ports.rtp.unref();
      ports.rtcp?.unref();
      this.#spare = { request, ports };
    } catch {
      // No free pair now: the next call binds its own, as without a spare.
    } finally {
      this.#filling = false;
    }
  }
}

function closePorts(ports: AllocatedPorts): void {
  closeQuietly(ports.rtp);
  closeQuietly(ports.rtcp);
}
