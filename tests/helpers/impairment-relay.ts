/**
 * A UDP relay on loopback that sits between two media endpoints and
 * impairs what it forwards: loss, delay with jitter, reordering and
 * duplication, from a seeded random generator so a failing run can be
 * repeated exactly.
 *
 *   A ──▶ sideA ═══ impair ═══ sideB ──▶ B        (and back the same way)
 *
 * Put it in the SDP path: `rewriteOffer(offer)` notes A's port and gives B
 * an offer pointing at the relay; `rewriteAnswer(answer)` does the same for
 * B's answer. Both endpoints then see the relay as their peer (latching and
 * rtcp-mux work unchanged). Everything stays on 127.0.0.1.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';

export interface ImpairmentOptions {
  /** Datagrams dropped, percent. */
  lossPercent?: number;
  /** Fixed one-way delay added to every datagram, ms. */
  delayMs?: number;
  /** Extra delay drawn uniformly from [0, jitterMs] per datagram, ms. */
  jitterMs?: number;
  /**
   * Datagrams held back behind later ones, percent (an extra 20–60 ms).
   * Without it, jitter never reorders: departures keep arrival order, as on
   * a single network path.
   */
  reorderPercent?: number;
  /** Datagrams sent twice, percent. */
  duplicatePercent?: number;
  /** Seed of the random generator (default 1). */
  seed?: number;
  /** Keep the last N datagrams of each direction for inspection (default 0). */
  capture?: number;
  /** Which way the impairments apply (default both); the other way is forwarded untouched. */
  only?: 'aToB' | 'bToA';
}

export interface RelayDirectionStats {
  received: number;
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
}

interface Endpoint {
  address: string;
  port: number;
}

/** mulberry32: small, fast, and good enough for test impairments. */
function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bind(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}

class Direction {
  readonly name: 'aToB' | 'bToA';
  readonly stats: RelayDirectionStats = { received: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0 };
  readonly captured: Buffer[] = [];
  lastDeparture = 0;

  constructor(name: 'aToB' | 'bToA') {
    this.name = name;
  }
}

export class ImpairmentRelay {
  /** A sends here (the port given to A in B's rewritten answer). */
  readonly sideA: Socket;
  /** B sends here (the port given to B in A's rewritten offer). */
  readonly sideB: Socket;
  readonly aToB = new Direction('aToB');
  readonly bToA = new Direction('bToA');
  #options: ImpairmentOptions;
  #random: () => number;
  #a: Endpoint | undefined;
  #b: Endpoint | undefined;
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  private constructor(sideA: Socket, sideB: Socket, options: ImpairmentOptions) {
    this.sideA = sideA;
    this.sideB = sideB;
    this.#options = options;
    this.#random = seededRandom(options.seed ?? 1);
    sideA.on('message', (msg, rinfo) => {
      this.#a ??= { address: rinfo.address, port: rinfo.port };
      if (this.#b) this.#forward(msg, this.aToB, this.sideB, this.#b);
    });
    sideB.on('message', (msg, rinfo) => {
      this.#b ??= { address: rinfo.address, port: rinfo.port };
      if (this.#a) this.#forward(msg, this.bToA, this.sideA, this.#a);
    });
  }

  static async open(options: ImpairmentOptions = {}): Promise<ImpairmentRelay> {
    const [a, b] = await Promise.all([bind(), bind()]);
    return new ImpairmentRelay(a, b, options);
  }

  get portA(): number {
    return this.sideA.address().port;
  }

  get portB(): number {
    return this.sideB.address().port;
  }

  /** New impairments from now on (e.g. clean start-up, then loss). */
  setImpairments(options: ImpairmentOptions): void {
    this.#options = { ...options, capture: options.capture ?? this.#options.capture };
    if (options.seed !== undefined) this.#random = seededRandom(options.seed);
  }

  /** A's offer as B should see it: media port → sideB. Notes A's port. */
  rewriteOffer(sdp: string): string {
    this.#a = mediaEndpoint(sdp);
    return withMediaPort(sdp, this.portB);
  }

  /** B's answer as A should see it: media port → sideA. Notes B's port. */
  rewriteAnswer(sdp: string): string {
    this.#b = mediaEndpoint(sdp);
    return withMediaPort(sdp, this.portA);
  }

  #forward(msg: Buffer, dir: Direction, out: Socket, to: Endpoint): void {
    const o = this.#options;
    dir.stats.received++;
    if (o.capture) {
      dir.captured.push(msg);
      if (dir.captured.length > o.capture) dir.captured.shift();
    }
    if (o.only !== undefined && o.only !== dir.name) {
      this.#sendAt(0, msg, dir, out, to);
      return;
    }
    if (this.#random() * 100 < (o.lossPercent ?? 0)) {
      dir.stats.dropped++;
      return;
    }
    const copies = this.#random() * 100 < (o.duplicatePercent ?? 0) ? 2 : 1;
    if (copies === 2) dir.stats.duplicated++;
    const now = performance.now();
    let departure = now + (o.delayMs ?? 0) + this.#random() * (o.jitterMs ?? 0);
    if (this.#random() * 100 < (o.reorderPercent ?? 0)) {
      departure += 20 + this.#random() * 40;
      dir.stats.reordered++;
    } else {
      departure = Math.max(departure, dir.lastDeparture);
      dir.lastDeparture = departure;
    }
    for (let i = 0; i < copies; i++) this.#sendAt(departure + i, msg, dir, out, to);
  }

  #sendAt(at: number, msg: Buffer, dir: Direction, out: Socket, to: Endpoint): void {
    const send = () => {
      if (this.#closed) return;
      dir.stats.forwarded++;
      out.send(msg, to.port, to.address);
    };
    const wait = at - performance.now();
    if (wait < 0.5) {
      send();
      return;
    }
    const t = setTimeout(() => {
      this.#timers.delete(t);
      send();
    }, wait);
    this.#timers.add(t);
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    return Promise.all([this.sideA, this.sideB].map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => undefined);
  }
}

function mediaEndpoint(sdp: string): Endpoint {
  const c = /^c=IN IP4 (\S+)/m.exec(sdp);
  const m = /^m=audio (\d+) /m.exec(sdp);
  if (!c || !m) throw new Error('SDP without c=IN IP4 or m=audio');
  return { address: c[1]!, port: Number(m[1]) };
}

function withMediaPort(sdp: string, port: number): string {
  return sdp.replace(/^m=audio \d+ /m, `m=audio ${port} `);
}
