/**
 * Our own presence (issue "Presence, busy lamps…" §2): the status the user
 * picks, published as PIDF (RFC 3863, RFC 4480 activities) on every account
 * with a server (RFC 3903), served to people who subscribe to this phone
 * directly (RFC 3856), and the watchers who ask to see it — directly, or as
 * the server's watcher info (RFC 3857) — shown as requests the user allows
 * or blocks (remembered).
 *
 * What is published follows the phone: `busy` (on-the-phone) while a call
 * is up, `dnd` while the do-not-disturb switch is on, otherwise the picked
 * status; `offline` is published as closed.
 */
import type { OwnPresenceSnapshot, PresenceSetParams, PresenceStatus, PublicationSnapshot, WatcherDecideParams, WatcherSnapshot } from '../api/presence-contract.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { EventAgent, PackageServer } from '../sip/event/event-agent.ts';
import { sameWatcher } from '../sip/event/event-agent.ts';
import { buildPidf, PIDF_TYPE } from '../sip/event/pidf.ts';
import type { Publication, PublicationView } from '../sip/event/publication.ts';
import type { Subscription } from '../sip/event/subscription.ts';
import { parseWatcherInfo, WATCHERINFO_TYPE, MAX_WATCHERS } from '../sip/event/watcher-info.ts';
import { parseUri } from '../sip/message/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { Account } from './account.ts';
import type { ContactDirectory } from './contact-directory.ts';
import { DIRECT_ACCOUNT_ID } from './direct-account.ts';
import type { PhoneStore } from './store/phone-store.ts';

export const PUBLISH_EXPIRES_S = 3_600;

interface AccountPresence {
  account: Account;
  publication: Publication;
  view: PublicationView;
  winfo?: Subscription;
}

export interface PresenceServiceDeps {
  agent: EventAgent;
  store: PhoneStore;
  contacts: ContactDirectory;
  events: EventBus;
  clock: Clock;
  now: () => number;
  logger: Logger;
  /** Whether a call is up (ringing calls excluded): published as busy. */
  inCall: () => boolean;
  /** Whether nobody has used the computer for a while (idle-away.ts): available is published as away. */
  idle: () => boolean;
}

export class PresenceService {
  readonly #d: PresenceServiceDeps;
  readonly #log: Logger;
  readonly #accounts = new Map<string, AccountPresence>();
  /** Watchers by account, then by address. */
  readonly #watchers = new Map<string, Map<string, WatcherSnapshot>>();
  #status: PresenceStatus;
  #note: string | undefined;
  #lastEffective: string | undefined;

  constructor(deps: PresenceServiceDeps) {
    this.#d = deps;
    this.#log = deps.logger.child('presence');
    const own = deps.store.presence.ownStatus();
    this.#status = own.status;
    this.#note = own.note ?? undefined;
    deps.agent.serve(this.#server());
  }

  /** The account registered: publish there and watch who watches us. */
  accountReady(account: Account): void {
    if (account.id === DIRECT_ACCOUNT_ID || this.#accounts.has(account.id)) return;
    let view: PublicationView = { state: 'off' };
    const publication = this.#d.agent.publication(account.id, { event: 'presence', expires: PUBLISH_EXPIRES_S }, (v) => {
      view = v;
      const e = this.#accounts.get(account.id);
      if (e) e.view = v;
      this.#emit();
    });
    const entry: AccountPresence = { account, publication, view };
    this.#accounts.set(account.id, entry);
    entry.publication.publish(this.#document(account));
    this.#subscribeWinfo(entry);
  }

  async accountGone(accountId: string): Promise<void> {
    const entry = this.#accounts.get(accountId);
    if (!entry) return;
    this.#accounts.delete(accountId);
    this.#watchers.delete(accountId);
    const work: Promise<void>[] = [this.#d.agent.removePublication(entry.publication)];
    if (entry.winfo) work.push(this.#d.agent.unsubscribe(entry.winfo));
    await Promise.allSettled(work);
    this.#emit();
  }

  set(p: PresenceSetParams): OwnPresenceSnapshot {
    this.#status = p.status;
    if (p.note === null) this.#note = undefined;
    else if (p.note !== undefined) this.#note = p.note === '' ? undefined : p.note;
    this.#d.store.presence.setOwnStatus(this.#status, this.#note ?? null);
    this.#lastEffective = undefined;
    this.refresh();
    return this.snapshot();
  }

  /** Something that changes what we publish (a call, the DND switch): publish again when it changed. */
  refresh(): void {
    const key = `${this.effective()}\n${this.#note ?? ''}\n${this.#d.inCall()}`;
    if (key === this.#lastEffective) return;
    this.#lastEffective = key;
    for (const entry of this.#accounts.values()) entry.publication.publish(this.#document(entry.account));
    // Every account's direct watchers: the status is the phone's, whether or not the account publishes it.
    this.#d.agent.changed('presence');
    this.#emit();
  }

  effective(): PresenceStatus {
    if (this.#status === 'offline') return 'offline';
    if (this.#d.store.settings.get('dnd')) return 'dnd';
    if (this.#d.inCall() && (this.#status === 'available' || this.#status === 'away')) return 'busy';
    if (this.#status === 'available' && this.#d.idle()) return 'away';
    return this.#status;
  }

  snapshot(): OwnPresenceSnapshot {
    const s: OwnPresenceSnapshot = { status: this.#status, effective: this.effective(), publications: [...this.#accounts.values()].map((e) => this.#publication(e)) };
    if (this.#d.idle()) s.idle = true;
    if (this.#note !== undefined) s.note = this.#note;
    return s;
  }

  watchers(): WatcherSnapshot[] {
    return [...this.#watchers.values()].flatMap((m) => [...m.values()]);
  }

  decide(p: WatcherDecideParams): WatcherSnapshot {
    const list = this.#watchers.get(p.accountId);
    const key = [...(list?.keys() ?? [])].find((k) => sameWatcher(k, p.watcher));
    const known = key !== undefined ? list!.get(key) : undefined;
    if (!known) throw new ApiError('not-found', `${p.watcher} has not asked to watch this account`);
    this.#d.store.presence.decide(p.accountId, known.watcher, p.decision, this.#d.now());
    this.#d.agent.decide(p.accountId, known.watcher, p.decision);
    const updated: WatcherSnapshot = { ...known, state: p.decision === 'allow' ? 'allowed' : 'blocked' };
    list!.set(key!, updated);
    this.#d.events.emit('watcher', updated);
    return updated;
  }

  /**
   * Whether someone who subscribes to this phone directly may watch it (our
   * presence, our line): contacts may without asking, anyone else waits for
   * the user's decision (remembered), shown as a watcher request.
   */
  authorize(accountId: string, watcher: { uri: string; displayName?: string }): 'allow' | 'block' | 'pending' {
    const stored = this.#d.store.presence.decision(accountId, watcher.uri);
    const decision = stored ?? (this.#d.contacts.resolve(watcher.uri)?.contactId !== undefined ? 'allow' : undefined);
    this.#noteWatcher(accountId, watcher.uri, watcher.displayName, 'direct', decision === 'allow' ? 'allowed' : decision === 'block' ? 'blocked' : 'pending');
    return decision ?? 'pending';
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#accounts.keys()].map((id) => this.accountGone(id)));
  }

  // --- internals ---

  #document(account: Account): { contentType: string; body: string } {
    const status = this.effective();
    return {
      contentType: PIDF_TYPE,
      body: buildPidf({
        entity: account.aor,
        status,
        tupleId: `parley-${account.id}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40),
        onThePhone: status === 'busy' && this.#d.inCall(),
        ...(this.#note !== undefined ? { note: this.#note } : {}),
      }),
    };
  }

  /** The presence package served to people who subscribe to this phone directly. */
  #server(): PackageServer {
    return {
      package: 'presence',
      authorize: (accountId, watcher) => this.authorize(accountId, watcher),
      document: (accountId) => {
        const account = this.#accounts.get(accountId)?.account;
        return this.#document(account ?? ({ id: accountId, aor: `sip:${accountId}@invalid` } as Account));
      },
    };
  }

  #noteWatcher(accountId: string, uri: string, displayName: string | undefined, via: 'direct' | 'server', state: WatcherSnapshot['state']): void {
    let list = this.#watchers.get(accountId);
    if (!list) {
      list = new Map();
      this.#watchers.set(accountId, list);
    }
    const before = list.get(uri);
    if (before && before.state === state) return;
    if (!before && list.size >= MAX_WATCHERS) return;
    const w: WatcherSnapshot = { accountId, watcher: uri, state, via, since: before?.since ?? this.#d.now() };
    const who = this.#d.contacts.resolve(uri);
    if (who?.contactId !== undefined) w.contactId = who.contactId;
    if (displayName) w.displayName = displayName;
    else if (who?.name) w.displayName = who.name;
    list.set(uri, w);
    this.#d.events.emit('watcher', w);
  }

  /** RFC 3857: the server tells who subscribed to our presence (Kamailio's presence module serves presence.winfo). */
  #subscribeWinfo(entry: AccountPresence): void {
    const account = entry.account;
    try {
      entry.winfo = this.#d.agent.subscribe(account.id, parseUri(account.aor), { event: { package: 'presence.winfo' }, accept: [WATCHERINFO_TYPE], expires: PUBLISH_EXPIRES_S }, {
        onNotify: (n) => {
          if (n.body.length === 0) return;
          try {
            const doc = parseWatcherInfo(n.body);
            for (const w of doc.watchers) {
              const decided = this.#d.store.presence.decision(account.id, w.uri);
              const state = decided === 'allow' ? 'allowed' : decided === 'block' ? 'blocked' : w.status === 'active' ? 'allowed' : w.status === 'terminated' ? 'blocked' : 'pending';
              this.#noteWatcher(account.id, w.uri, w.displayName, 'server', state);
            }
          } catch (e) {
            this.#log.info('watcher info not understood', { error: String(e) });
          }
        },
        onChange: () => {},
      });
    } catch (e) {
      this.#log.info('watcher info not subscribed', { error: String(e) });
    }
  }

  #publication(e: AccountPresence): PublicationSnapshot {
    const p: PublicationSnapshot = { accountId: e.account.id, state: e.view.state };
    if (e.view.reason !== undefined) p.reason = e.view.reason;
    if (e.view.code !== undefined) p.code = e.view.code;
    if (e.view.expiresAt !== undefined) p.expiresAt = Math.round(this.#d.now() + (e.view.expiresAt - this.#d.clock.now()));
    return p;
  }

  #emit(): void {
    this.#d.events.emit('presence.own', this.snapshot());
  }
}
