/**
 * What the phone does when a host says the network may have changed under it
 * (API command `network.changed`: the machine woke from sleep, the screen was
 * unlocked, an interface came or went, or the user asked).
 *
 * After a sleep the registrar may have dropped our binding (its expiry ran out
 * while we could not refresh) and a NAT in between has almost surely forgotten
 * our mapping, so incoming calls would go nowhere until the next scheduled
 * refresh, up to a whole registration interval later. So every registering
 * account refreshes now (RFC 3261 §10.2.4: a refresh is a REGISTER like the
 * first one), all at once rather than one after another.
 *
 * This is the engine's one entry point for the signal; what else a changed
 * network asks for (new local addresses, re-INVITE of calls in progress)
 * belongs here beside the refresh.
 */
import type { NetworkChangeReason } from '../api/commands.ts';
import type { Logger } from '../shared/logger.ts';

export interface NetworkChangeParts {
  /** Refreshes every registering account now; returns the ids it refreshed. */
  refreshRegistrations(): string[];
  /** Re-establishes the event subscriptions and publications (RFC 6665, RFC 3903): our Contact may have changed. */
  refreshSubscriptions?(): void;
  logger: Logger;
}

export async function handleNetworkChange(parts: NetworkChangeParts, reason: NetworkChangeReason): Promise<void> {
  const refreshed = parts.refreshRegistrations();
  parts.refreshSubscriptions?.();
  parts.logger.info('network changed: registrations refreshed', { reason, accounts: refreshed.length });
}
