/**
 * How long to wait before retrying a re-INVITE that got 491 Request Pending
 * (RFC 3261 §14.1): the owner of the Call-ID (the UA that generated it, i.e.
 * sent the initial INVITE) waits 2.1–4 s, the other side 0–2 s, both in units
 * of 10 ms. The disjoint ranges make the non-owner retry first, so two UAs
 * that collided do not collide again.
 */
export function glareBackoff(ownsCallId: boolean, random: () => number = Math.random): number {
  const r = Math.min(Math.max(random(), 0), 0.999999999);
  return ownsCallId ? 2100 + 10 * Math.floor(r * 191) : 10 * Math.floor(r * 201);
}
