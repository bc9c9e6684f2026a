/**
 * The SIP event framework of one user agent (RFC 6665, RFC 3903): it plugs
 * into the UA (ua/event-hook.ts), keeps every subscription we made
 * (subscription.ts), every subscription made to us (notifier-subscription.ts)
 * and every publication (publication.ts), and sorts the requests no dialog
 * took:
 *  - NOTIFY with a To tag and no dialog → the subscription whose Call-ID and
 *    From tag it names (it overtook the 2xx, or comes from a fork), else 481;
 *  - NOTIFY without a To tag → an unsolicited NOTIFY (RFC 3842 §4.4 message
 *    summaries) for the package's handler; others 489;
 *  - SUBSCRIBE → 404 (no such account), 400 (no Event), 489 (a package we do
 *    not serve, with Allow-Events), 423 (too brief), 503 (over the limits),
 *    603 (blocked), else 200 and a notifier subscription, pending or active
 *    as the package's authorize() says;
 *  - PUBLISH is not ours to take (we are no presence server): the UA's 405.
 *
 * Everything a remote party can make us keep is bounded: notifier
 * subscriptions in all and per source address, forks per subscription,
 * body sizes of NOTIFYs; the subscriptions we make are bounded too.
 */
import { nullLogger } from '../../common/logger.ts';
import type { Logger } from '../../common/logger.ts';
import { Dialog } from '../dialog/dialog.ts';
import { createResponse, formatNameAddr, formatUri, fromOf, newTag, parseContacts, toOf } from '../message/index.ts';
import type { SipRequest, SipUri } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import type { UaAccount } from '../ua/account.ts';
import type { AccountMatch } from '../ua/account-matcher.ts';
import type { EventRequestHandler } from '../ua/event-hook.ts';
import type { UaContext } from '../ua/ua-context.ts';
import { bodyType, expiresOf, parseEvent } from './event-headers.ts';
import type { EventHeader } from './event-headers.ts';
import { MAX_SUBSCRIBE_EXPIRES, MIN_SUBSCRIBE_EXPIRES, NotifierSubscription } from './notifier-subscription.ts';
import type { NotifierDocument } from './notifier-subscription.ts';
import { Publication } from './publication.ts';
import type { PublicationOptions, PublicationView } from './publication.ts';
import { SubscribeWindow } from './subscribe-window.ts';
import { Subscription } from './subscription.ts';
import type { SubscriptionHandler, SubscriptionOptions, SubscriptionRegistry } from './subscription.ts';

export const EVENT_LIMITS = {
  /** Subscriptions to us, in all. */
  notifiers: 256,
  /** Subscriptions to us from one source address. */
  notifiersPerSource: 16,
  /** Subscriptions we make (≥ 500 watched lines × presence and dialog). */
  subscriptions: 2_048,
  /** The largest NOTIFY body we read (a dialog-info of a busy line, a merged PIDF). */
  notifyBodyBytes: 65_536,
} as const;

/** Out-of-dialog SUBSCRIBEs of one UA out at once (subscribe-window.ts): 1,000 subscriptions start a few at a time. */
export const SUBSCRIBES_IN_FLIGHT = 16;

export class EventLimitError extends Error {}

/** The UA as the event framework needs it. */
export interface EventHost {
  attachEvents(handler: EventRequestHandler): UaContext;
  account(id: string): UaAccount | undefined;
}

/** A package we serve to watchers (RFC 6665 §4.2): who may watch, and the current document. */
export interface PackageServer {
  readonly package: string;
  /** 'pending' keeps the subscription waiting for decide(); 'block' refuses it. */
  authorize(accountId: string, watcher: { uri: string; displayName?: string }): 'allow' | 'block' | 'pending';
  /** `sent`: how many documents this subscription got before (0 for its first: a package with versions counts from it, RFC 4235 §4.1). */
  document(accountId: string, sent: number): NotifierDocument | undefined;
}

export interface UnsolicitedNotify {
  accountId: string;
  event: EventHeader;
  body: Buffer;
  contentType: string | undefined;
}

export class EventAgent implements EventRequestHandler {
  readonly #host: EventHost;
  readonly #ctx: UaContext;
  readonly #log: Logger;
  readonly #expected = new Map<string, Subscription>();
  readonly #subscriptions = new Set<Subscription>();
  readonly #publications = new Set<Publication>();
  readonly #notifiers = new Set<NotifierSubscription>();
  readonly #notifierSource = new Map<NotifierSubscription, string>();
  readonly #servers = new Map<string, PackageServer>();
  readonly #unsolicited = new Map<string, (n: UnsolicitedNotify) => void>();
  /** Shared by every subscription (one object, not two closures each). */
  readonly #window = new SubscribeWindow(SUBSCRIBES_IN_FLIGHT);
  readonly #registry: SubscriptionRegistry = {
    expect: (callId, fromTag, s) => this.#expected.set(expectKey(callId, fromTag), s),
    forget: (callId, fromTag) => this.#expected.delete(expectKey(callId, fromTag)),
    turn: () => this.#window.turn(),
  };

  constructor(host: EventHost, options: { logger?: Logger } = {}) {
    this.#host = host;
    this.#log = (options.logger ?? nullLogger).child('events');
    this.#ctx = host.attachEvents(this);
  }

  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }
  get notifierCount(): number {
    return this.#notifiers.size;
  }

  /** Serves a package to watchers. */
  serve(server: PackageServer): void {
    this.#servers.set(server.package, server);
  }

  /** Takes unsolicited NOTIFYs of a package (message-summary, RFC 3842 §4.4). */
  onUnsolicited(pkg: string, handler: (n: UnsolicitedNotify) => void): void {
    this.#unsolicited.set(pkg, handler);
  }

  subscribe(accountId: string, target: SipUri, options: SubscriptionOptions, handler: SubscriptionHandler): Subscription {
    const account = this.#account(accountId);
    if (this.#subscriptions.size >= EVENT_LIMITS.subscriptions) throw new EventLimitError(`at most ${EVENT_LIMITS.subscriptions} subscriptions`);
    const subscription = new Subscription(this.#ctx, account, target, options, handler, this.#registry);
    this.#subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  /** Unsubscribes and forgets the subscription. */
  async unsubscribe(subscription: Subscription): Promise<void> {
    this.#subscriptions.delete(subscription);
    await subscription.stop();
  }

  publication(accountId: string, options: PublicationOptions, onChange: (view: PublicationView) => void): Publication {
    const p = new Publication(this.#ctx, this.#account(accountId), options, onChange);
    this.#publications.add(p);
    return p;
  }

  async removePublication(p: Publication): Promise<void> {
    this.#publications.delete(p);
    await p.remove();
    p.dispose();
  }

  /** Whether anyone watches the package of `accountId` (a notifier may skip building documents nobody reads). */
  watched(pkg: string, accountId: string): boolean {
    for (const n of this.#notifiers) if (n.event.package === pkg && n.account.id === accountId) return true;
    return false;
  }

  /** The served package's document changed for `accountId` (absent: for every account): every active watcher gets a NOTIFY. */
  changed(pkg: string, accountId?: string): void {
    for (const n of this.#notifiers) if (n.event.package === pkg && (accountId === undefined || n.account.id === accountId)) n.changed();
  }

  /** A decision about a watcher: pending subscriptions of theirs become active or end (rejected). */
  decide(accountId: string, watcher: string, decision: 'allow' | 'block'): void {
    for (const n of [...this.#notifiers]) {
      if (n.account.id !== accountId || !sameWatcher(n.watcher, watcher)) continue;
      if (decision === 'allow') n.allow();
      else n.block();
    }
  }

  /** Re-establishes the account's subscriptions and publications (re-registration, network change). */
  restart(accountId?: string): void {
    for (const s of this.#subscriptions) if (accountId === undefined || s.account.id === accountId) s.restart();
    for (const p of this.#publications) if (accountId === undefined || p.account.id === accountId) p.restart();
  }

  /** Unsubscribes, removes publications and ends watchers' subscriptions (best effort), then stops. */
  async shutdown(): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const s of this.#subscriptions) work.push(s.stop());
    for (const p of this.#publications) work.push(p.remove());
    for (const n of this.#notifiers) n.terminate('deactivated');
    await Promise.allSettled(work);
    this.close();
  }

  /** Stops every timer without sending anything. */
  close(): void {
    for (const s of this.#subscriptions) s.dispose();
    for (const p of this.#publications) p.dispose();
    this.#subscriptions.clear();
    this.#publications.clear();
    this.#expected.clear();
  }

  // --- EventRequestHandler ---

  allowEvents(): readonly string[] {
    return [...this.#servers.keys()];
  }

  onEventRequest(request: SipRequest, tx: ServerTransaction, match: AccountMatch | undefined): boolean {
    if (request.method === 'NOTIFY') return this.#notify(request, tx, match);
    if (request.method === 'SUBSCRIBE') {
      this.#subscribeToUs(request, tx, match);
      return true;
    }
    return false;
  }

  // --- internals ---

  #account(id: string): UaAccount {
    const account = this.#host.account(id);
    if (!account) throw new EventLimitError(`no account ${id}`);
    return account;
  }

  #notify(request: SipRequest, tx: ServerTransaction, match: AccountMatch | undefined): boolean {
    if (request.body.length > EVENT_LIMITS.notifyBodyBytes) {
      tx.respond(createResponse(request, 413, 'Request Entity Too Large'));
      return true;
    }
    const toTag = toOf(request).params.get('tag');
    if (toTag !== undefined && toTag !== null) {
      const s = this.#expected.get(expectKey(request.headers.get('Call-ID') ?? '', toTag));
      if (!s) return false;
      s.notifyWithoutDialog(request, tx);
      return true;
    }
    const event = parseEvent(request);
    const handler = event && this.#unsolicited.get(event.package);
    if (!event || !handler) {
      const r = createResponse(request, 489, 'Bad Event');
      tx.respond(r);
      return true;
    }
    if (!match) {
      tx.respond(createResponse(request, 404, 'Not Found'));
      return true;
    }
    tx.respond(createResponse(request, 200, 'OK'));
    handler({ accountId: match.accountId, event, body: request.body, contentType: bodyType(request) });
    return true;
  }

  #subscribeToUs(request: SipRequest, tx: ServerTransaction, match: AccountMatch | undefined): void {
    const refuse = (status: number, reason: string, headers: [string, string][] = []) => {
      const r = createResponse(request, status, reason);
      for (const [k, v] of headers) r.headers.set(k, v);
      tx.respond(r);
    };
    const account = match && this.#host.account(match.accountId);
    if (!match || !account) return refuse(404, 'Not Found');
    const event = parseEvent(request);
    if (!event) return refuse(400, 'Missing Event');
    const server = this.#servers.get(event.package);
    if (!server) return refuse(489, 'Bad Event', [['Allow-Events', this.allowEvents().join(', ')]]);
    const asked = expiresOf(request) ?? MAX_SUBSCRIBE_EXPIRES;
    if (asked !== 0 && asked < MIN_SUBSCRIBE_EXPIRES) return refuse(423, 'Interval Too Brief', [['Min-Expires', String(MIN_SUBSCRIBE_EXPIRES)]]);
    const source = tx.incoming.source.address;
    const fromSource = [...this.#notifierSource.values()].filter((s) => s === source).length;
    if (this.#notifiers.size >= EVENT_LIMITS.notifiers || fromSource >= EVENT_LIMITS.notifiersPerSource) {
      return refuse(503, 'Service Unavailable', [['Retry-After', '300']]);
    }
    let contactOk = false;
    try {
      const list = parseContacts(request.headers.getAll('Contact'));
      contactOk = list !== '*' && list.length > 0;
    } catch {
      contactOk = false;
    }
    if (!contactOk) return refuse(400, 'Missing Contact');
    const from = fromOf(request);
    const watcher: { uri: string; displayName?: string } = { uri: uriText(from.uri) };
    if (from.displayName) watcher.displayName = from.displayName;
    const decision = server.authorize(account.id, watcher);
    if (decision === 'block') return refuse(603, 'Decline');
    const granted = Math.min(asked, MAX_SUBSCRIBE_EXPIRES);
    let sent = 0;
    const response = createResponse(request, 200, 'OK');
    const to = toOf(request);
    const toParams = new Map(to.params);
    toParams.set('tag', newTag());
    response.headers.set('To', formatNameAddr({ ...to, params: toParams }));
    response.headers.set('Expires', String(granted));
    const incoming = tx.incoming;
    const contact = this.#ctx.contact(account, incoming.local.protocol, incoming.local.address.includes(':') ? 6 : 4, /^sips:/i.test(request.uri));
    response.headers.set('Contact', formatNameAddr(contact));
    const dialog = Dialog.fromUasResponse(request, response, incoming.local.protocol === 'tls', this.#ctx.random);
    dialog.localContact = contact;
    this.#ctx.dialogs.adopt(dialog);
    const notifier = new NotifierSubscription(this.#ctx, {
      account,
      dialog,
      event,
      expires: Math.max(granted, 1),
      state: decision === 'allow' ? 'active' : 'pending',
      watcher: watcher.uri,
      document: () => server.document(account.id, sent++),
      onEnded: (n) => {
        this.#notifiers.delete(n);
        this.#notifierSource.delete(n);
      },
    });
    this.#ctx.bindDialog(dialog, notifier);
    this.#notifiers.add(notifier);
    this.#notifierSource.set(notifier, source);
    tx.respond(response);
    this.#log.debug('watcher subscribed', { package: event.package, state: notifier.state });
    notifier.start();
    if (granted === 0) notifier.terminate('timeout');
  }
}

function expectKey(callId: string, fromTag: string): string {
  return `${callId}\n${fromTag}`;
}

/** The address alone, without parameters (a watcher's identity). */
function uriText(uri: SipUri): string {
  return formatUri({ ...uri, params: new Map(), headers: new Map() });
}

/** Same user@host (ports and parameters aside), scheme-insensitive. */
export function sameWatcher(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/^sips?:/i, '').split(';')[0]!.replace(/:\d+$/, '').toLowerCase();
  return norm(a) === norm(b);
}
