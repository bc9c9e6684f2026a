/**
 * Stream directions and the answer rule of RFC 3264 §6.1: the answerer may
 * send only if the offerer receives, and receive only if the offerer sends.
 *
 *   offer      answer (answerer willing to do everything)
 *   sendrecv → sendrecv          sendonly → recvonly
 *   recvonly → sendonly          inactive → inactive
 *
 * The answerer's own wish (we are holding: sendonly) narrows it further.
 */
import type { MediaDirection } from './session-description.ts';

export interface DirectionFlags {
  send: boolean;
  recv: boolean;
}

export function directionFlags(direction: MediaDirection): DirectionFlags {
  return { send: direction === 'sendrecv' || direction === 'sendonly', recv: direction === 'sendrecv' || direction === 'recvonly' };
}

export function directionFromFlags(send: boolean, recv: boolean): MediaDirection {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}

/** The same stream seen from the other end. */
export function reverseDirection(direction: MediaDirection): MediaDirection {
  const f = directionFlags(direction);
  return directionFromFlags(f.recv, f.send);
}

/** RFC 3264 §6.1: our answer's direction for the offered one, given what we want to do. */
export function answerDirection(offered: MediaDirection, local: MediaDirection): MediaDirection {
  const o = directionFlags(offered);
  const l = directionFlags(local);
  return directionFromFlags(o.recv && l.send, o.send && l.recv);
}

/** Both directions at once: what both sides allow. */
export function intersectDirections(a: MediaDirection, b: MediaDirection): MediaDirection {
  const x = directionFlags(a);
  const y = directionFlags(b);
  return directionFromFlags(x.send && y.send, x.recv && y.recv);
}
