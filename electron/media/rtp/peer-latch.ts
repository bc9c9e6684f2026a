/**
 * Where the peer really is (RFC 4961 symmetric RTP; "latching" as SBCs and
 * Asterisk's strictrtp call it): the SDP says where to send until the first
 * valid packet arrives; from then on its source address is the peer, both as
 * our destination and as the only source we accept. A new remote address in
 * a re-INVITE starts over.
 */
export interface Endpoint {
  address: string;
  port: number;
}

export class PeerLatch {
  #expected: Endpoint;
  #latched: Endpoint | undefined;

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

  /** A packet from somewhere else than the latched source. */
  isForeign(address: string, port: number): boolean {
    return this.#latched !== undefined && !(this.#latched.address === address && this.#latched.port === port);
  }

  /** Latch to a valid packet's source; true when it differs from the SDP. */
  latch(address: string, port: number): boolean {
    this.#latched = { address, port };
    return !(this.#expected.address === address && this.#expected.port === port);
  }

  /** New SDP address: forget the latch if it moved. */
  expect(expected: Endpoint): void {
    if (expected.address !== this.#expected.address || expected.port !== this.#expected.port) this.#latched = undefined;
    this.#expected = { ...expected };
  }
}
