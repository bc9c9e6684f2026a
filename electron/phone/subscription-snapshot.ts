/** A sip-level subscription view as the API shows it: times moved from the monotonic clock to wall-clock ms. */
import type { SubscriptionSnapshot } from '../api/presence-contract.ts';
import type { SubscriptionView } from '../sip/event/subscription.ts';
import type { Clock } from '../common/clock.ts';

export function toSubscriptionSnapshot(view: SubscriptionView, clock: Clock, now: () => number): SubscriptionSnapshot {
  const s: SubscriptionSnapshot = { state: view.state };
  if (view.reason !== undefined) s.reason = view.reason;
  if (view.code !== undefined) s.code = view.code;
  const wall = (t: number) => Math.round(now() + (t - clock.now()));
  if (view.retryAt !== undefined) s.retryAt = wall(view.retryAt);
  if (view.expiresAt !== undefined) s.expiresAt = wall(view.expiresAt);
  return s;
}
