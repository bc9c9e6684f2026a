/**
 * What registrations and calls need from the UserAgent that owns them: the
 * transaction and dialog layers, time, target resolution, our Contact, and
 * the table that routes in-dialog events to the call owning the dialog.
 * Declared here so they do not import the UserAgent (imports flow one way).
 */
import type { Clock } from '../../common/clock.ts';
import type { IdleTimers } from '../../common/idle-timers.ts';
import type { Logger } from '../../common/logger.ts';
import type { Dialog } from '../dialog/dialog.ts';
import type { DialogManager } from '../dialog/dialog-manager.ts';
import type { NameAddr } from '../message/index.ts';
import type { TransactionLayer } from '../transaction/transaction-layer.ts';
import type { TransportProtocol } from '../transport/transport.ts';
import type { UaAccount } from './account.ts';
import type { MediaHookFactory } from './media-hook.ts';
import type { TargetResolver } from './target-resolver.ts';
import type { DialogOwner } from './dialog-owner.ts';
import type { FlowKeepAlive } from './flow-keepalive.ts';
import type { PublicAddress } from './public-address.ts';

export interface UaContext {
  readonly layer: TransactionLayer;
  readonly dialogs: DialogManager;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly resolver: TargetResolver;
  readonly random: () => number;
  readonly media: MediaHookFactory;
  /** User-Agent / Server header value (RFC 3261 §20.41), if any. */
  readonly userAgent: string | undefined;
  /**
   * Our Contact for `account` on the listener of this protocol and address
   * family (over UDP: the public address, once learned). `sips`: the request
   * or dialog is for a sips: URI, so over TLS the Contact is a sips: URI too
   * (RFC 5630 §3.1.3), and requests to us come back over TLS.
   */
  contact(account: UaAccount, protocol: TransportProtocol, family: 4 | 6, sips?: boolean): NameAddr;
  /** The account's address as its registrar sees it over UDP (RFC 3581 / STUN), when it differs from ours. */
  publicAddress(account: UaAccount): PublicAddress | undefined;
  setPublicAddress(account: UaAccount, address: PublicAddress | undefined): void;
  /** RFC 5626 keep-alive interval for UDP flows without a Flow-Timer (ms; 0 = none). */
  readonly keepAliveMs: number;
  /** The interval was not chosen: a flow is kept alive only where it needs it (registration.ts), else always. */
  readonly keepAliveWhenNeeded: boolean;
  /** Whether an address is on one of this host's links: no router, so no NAT or stateful firewall, on the way. */
  onLink(address: string): boolean;
  /** Batched timers of the idle phone's periodic work (flow keep-alives): one wake-up for several. */
  readonly idleTimers: IdleTimers;
  /** Registers a flow keep-alive to get the STUN answers from the SIP port (returns the unregister function). */
  watchKeepAlive(keepAlive: FlowKeepAlive): () => void;
  /** Routes the dialog's in-dialog requests, re-INVITEs and end to `owner`. */
  bindDialog(dialog: Dialog, owner: DialogOwner): void;
  /** A call ended: the UA forgets it. */
  callEnded(call: { id: string; direction: 'outgoing' | 'incoming' }): void;
}
