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
 * First the transport learns the machine's addresses again (a wildcard
 * listener's sent-by, new UDP flows: a connected socket keeps its old source
 * address). Calls in progress follow once their account's registration has
 * settled with the new public address (call-readdress.ts): a re-INVITE sent
 * before it would name an address the registrar has not confirmed.
 */
import type { NetworkChangeReason } from '../api/commands.ts';
import type { Logger } from '../common/logger.ts';

export interface NetworkChangeParts {
  /** The transport reads the machine's addresses again and opens new flows; true when our local address changed. */
  readdressTransport?(): boolean;
  /** Refreshes every registering account now; returns the ids it refreshed. */
  refreshRegistrations(): string[];
  /** Re-establishes the event subscriptions and publications (RFC 6665, RFC 3903): our Contact may have changed. */
  refreshSubscriptions?(): void;
  logger: Logger;
}

export async function handleNetworkChange(parts: NetworkChangeParts, reason: NetworkChangeReason): Promise<void> {
  const moved = parts.readdressTransport?.() ?? false;
  const refreshed = parts.refreshRegistrations();
  parts.refreshSubscriptions?.();
  parts.logger.info('network changed: registrations refreshed', { reason, accounts: refreshed.length, localAddressMoved: moved });
}
