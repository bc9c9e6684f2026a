/**
 * Where a client transaction sends its request, and whether that path is
 * reliable (RFC 3261 §17.1: the retransmission timers A and E run only over an
 * unreliable transport). Both client machines follow the endpoint the
 * transport reports after each send: RFC 3261 §18.1.1 lets it switch a large
 * request from UDP to TCP, and the stream it used is where later sends of the
 * same transaction (the ACK for a non-2xx, a CANCEL, §9.1) must go.
 */
import type { Endpoint, SendTarget } from '../transport/transport.ts';

export class ClientSendPath {
  #target: SendTarget;
  #reliable: boolean;

  constructor(target: SendTarget) {
    this.#target = target;
    this.#reliable = target.protocol !== 'udp';
  }

  get target(): SendTarget {
    return this.#target;
  }
  get reliable(): boolean {
    return this.#reliable;
  }

  /**
   * Records the endpoint a send actually used. Returns true when this turned
   * an unreliable path reliable: the caller then stops its retransmit timer,
   * as there is nothing left to retransmit (§18.1.1).
   */
  follow(used: Endpoint & { connectionId?: string }): boolean {
    const connectionId = used.connectionId;
    if (used.protocol !== this.#target.protocol || connectionId !== undefined) {
      this.#target = { ...this.#target, protocol: used.protocol, connectionId: connectionId ?? this.#target.connectionId };
    }
    if (this.#reliable || used.protocol === 'udp') return false;
    this.#reliable = true;
    return true;
  }
}
