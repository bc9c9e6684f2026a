/**
 * Keeping calls going when our address moves (issue: a laptop goes from
 * Wi-Fi to a wired network, a NAT reboots and maps us to a new public port).
 * Once the account's registration has settled with its new address
 * (registration.ts learns it from the registrar's Via, RFC 3581), each
 * connected call of the account whose Contact or media address is no longer
 * ours sends a re-INVITE (RFC 3261 §14, a target refresh) with the new
 * Contact and a new offer: the new media address and, with ICE, new
 * candidates under new credentials — an ICE restart (RFC 8445 §9). The peer
 * then sends its media and requests to where we are now.
 *
 *   registered (after a change) ── for each connected call of the account:
 *        moved? ── no ──▶ nothing
 *          │ yes
 *          ▼
 *   session.readdress(address) ──▶ sip.readdress() (re-INVITE) ──▶ the peer's answer applied
 *
 * A call changing its session already (hold, a peer's re-INVITE) is left as
 * it is: the next registration refresh or network change tries again.
 */
import type { Logger } from '../common/logger.ts';
import type { PhoneCall } from './phone-call.ts';

/** Each call's follow in progress: a registration settling again while it runs waits for it (see followAddress). */
const following = new WeakMap<PhoneCall, Promise<boolean>>();

/**
 * True when the call sent a re-INVITE with our new address and the peer
 * accepted it. One at a time per call: the registration may settle again
 * while a follow runs (a refresh that ended before the network changed
 * again, a keep-alive answer showing a new mapping), and a second follow
 * started while the first one's ICE restart gathered would restart again
 * under the first one's re-INVITE: the peer's answer then met credentials
 * it had never seen. Waiting, it finds the call moved already, or follows
 * the newer address.
 */
export function followAddress(call: PhoneCall, address: string, log: Logger): Promise<boolean> {
  const next = (following.get(call) ?? Promise.resolve(false)).then(() => follow(call, address, log));
  following.set(call, next);
  return next;
}

async function follow(call: PhoneCall, address: string, log: Logger): Promise<boolean> {
  if (!call.established || call.ended) return false;
  const contact = call.sip.movedContact();
  if (!contact && call.session.advertisedAddress === address) return false;
  const from = call.session.advertisedAddress;
  try {
    await call.session.readdress(address);
    const outcome = await call.sip.readdress();
    const ok = outcome.status < 300;
    log.info('call re-addressed', {
      callId: call.id, from, to: address, contact: contact ? `${contact.uri.host}:${contact.uri.port ?? 5060}` : undefined, status: outcome.status,
    });
    return ok;
  } catch (err) {
    log.warn('call not re-addressed', { callId: call.id, error: String(err) });
    return false;
  }
}
