/**
 * Where the peer really is (RFC 4961 symmetric RTP; "latching" as SBCs and
 * Asterisk's strictrtp call it), decided so that a stranger can neither take
 * the stream nor use us to flood a third party (RFC 7362 §4 on the risks of
 * latching):
 *
 * - A valid packet from the SDP's own address latches at once, and always
 *   wins: it re-latches a stream that had followed another source.
 * - A packet that authenticates (SRTP: only the peer holds the key) latches
 *   at once, from wherever it comes (a NAT may rewrite the address).
 * - Any other source (a peer behind NAT, or an attacker who sends first) is
 *   a candidate: its packets are not played, and it latches only after
 *   LATCH_AFTER valid packets, and only while nothing is latched. Once
 *   latched, only the SDP address (or an authentic packet) moves the latch.
 *
 *   unproven ──valid packet from SDP address / authentic──▶ latched(SDP or source)
 *      │                                                       ▲
 *      └──LATCH_AFTER valid packets from one other source──────┘
 *   latched(other) ──valid packet from SDP address──▶ latched(SDP)
 *   any ──expect(new SDP address)──▶ unproven
 *
 * Until the peer has proven it is there (it latched), we send to the SDP
 * address only a trickle (sendAllowed): enough to open a NAT and to reach a
 * peer that waits for our media, too little to make us an amplifier for a
 * forged SDP that points at a victim.
 */
export interface Endpoint {
  address: string;
  port: number;
}

/** Valid packets a source other than the SDP's must send before it is followed (≈ 200 ms of 20 ms audio). */
export const LATCH_AFTER = 10;
/** Before the peer is proven: the first UNPROVEN_BURST packets go out, then one in UNPROVEN_EVERY. */
export const UNPROVEN_BURST = 25;
export const UNPROVEN_EVERY = 25;
/** Candidate sources counted at once; more are ignored until a latch or a new SDP address. */
const MAX_CANDIDATES = 8;

/** What to do with a valid packet: play it, count it towards latching (not played), or drop it. */
export type LatchVerdict = 'accept' | 'learning' | 'foreign';

function key(address: string, port: number): string {
  return `${address}|${port}`;
}

function same(e: Endpoint | undefined, address: string, port: number): boolean {
  return e !== undefined && e.address === address && e.port === port;
}

/** offer()'s answer for a packet from the latched source. */
const STAYS = Object.freeze({ verdict: 'accept' as LatchVerdict, moved: false });

export class PeerLatch {
  #expected: Endpoint;
  #latched: Endpoint | undefined;
  readonly #candidates = new Map<string, number>();
  #unprovenSends = 0;

  constructor(expected: Endpoint) {
    this.#expected = { ...expected };
  }

  /** Where to send: the latched source, else the SDP's address. */
  get target(): Endpoint {
    return this.#latched ?? this.#expected;
  }

  get latched(): Endpoint | undefined {
    return this.#latched && { ...this.#latched };
  }

  /** The peer has shown it is there (a packet latched). */
  get proven(): boolean {
    return this.#latched !== undefined;
  }

  /** The latch is on `address:port` (no copy made, unlike `latched`). */
  isLatchedTo(address: string, port: number): boolean {
    return same(this.#latched, address, port);
  }

  /** Whether a packet from this source may be looked at before it is parsed: strangers are turned away once latched to the SDP address. */
  admits(address: string, port: number): boolean {
    if (!this.#latched) return true;
    if (same(this.#latched, address, port) || same(this.#expected, address, port)) return true;
    return false;
  }

  /**
   * A packet that passed every check (payload type, SSRC, SRTP) came from
   * `address:port`; `authentic` when SRTP vouched for it. Returns what to do
   * with it and whether the latch moved.
   */
  offer(address: string, port: number, authentic: boolean): { readonly verdict: LatchVerdict; readonly moved: boolean } {
    if (same(this.#latched, address, port)) return STAYS; // every packet of a call: no object made
    if (same(this.#expected, address, port) || authentic) {
      this.#latch(address, port);
      return { verdict: 'accept', moved: true };
    }
    if (this.#latched) return { verdict: 'foreign', moved: false };
    const k = key(address, port);
    const seen = this.#candidates.get(k);
    if (seen === undefined && this.#candidates.size >= MAX_CANDIDATES) return { verdict: 'foreign', moved: false };
    const count = (seen ?? 0) + 1;
    this.#candidates.set(k, count);
    if (count < LATCH_AFTER) return { verdict: 'learning', moved: false };
    this.#latch(address, port);
    return { verdict: 'accept', moved: true };
  }

  /** A packet from the SDP's own address that we do not play (RTCP on the muxed port) still proves the peer is there. */
  prove(address: string, port: number): boolean {
    if (this.#latched || !same(this.#expected, address, port)) return false;
    this.#latch(address, port);
    return true;
  }

  /** May the next media packet go out? Always once proven; before, a burst and then a trickle. */
  sendAllowed(): boolean {
    if (this.#latched) return true;
    const n = this.#unprovenSends++;
    return n < UNPROVEN_BURST || (n - UNPROVEN_BURST) % UNPROVEN_EVERY === UNPROVEN_EVERY - 1;
  }

  /** New SDP address: forget the latch if it moved (the peer proves itself again). */
  expect(expected: Endpoint): void {
    if (expected.address !== this.#expected.address || expected.port !== this.#expected.port) {
      this.#latched = undefined;
      this.#candidates.clear();
      this.#unprovenSends = 0;
    }
    this.#expected = { ...expected };
  }

  /** ICE proved this address (a connectivity check succeeded on it): it is the peer, now. */
  confirm(endpoint: Endpoint): void {
    this.#expected = { ...endpoint };
    this.#latch(endpoint.address, endpoint.port);
  }

  #latch(address: string, port: number): void {
    this.#latched = { address, port };
    this.#candidates.clear();
  }
}
