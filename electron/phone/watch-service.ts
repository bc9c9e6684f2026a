/**
 * Watched addresses (issue "Presence, busy lamps…" §2): for each, a
 * subscription to its presence (RFC 3856, PIDF) and/or its dialog state
 * (RFC 4235, the busy lamp), kept across restarts, turned into the API's
 * WatchSnapshot and announced as a `watch` event on every change. Pickup of
 * a call ringing on a watched line dials the account's pickup code and the
 * line's number, or sends INVITE with Replaces (RFC 3891) to the caller.
 */
import type { WatchAddParams, WatchPickupParams, WatchSnapshot, WatchedLine, WatchedPresence, LineDialog, LineState } from '../api/presence-contract.ts';
import type { CommandContext } from '../api/phone-api.ts';
import { ApiError } from '../api/errors.ts';
import type { EventBus } from '../api/event-bus.ts';
import type { CallSnapshot, DialParams, PickupParams } from '../api/contract.ts';
import { DIALOG_INFO_TYPE, LineView, parseDialogInfo } from '../sip/event/dialog-info.ts';
import { EventLimitError } from '../sip/event/event-agent.ts';
import type { EventAgent } from '../sip/event/event-agent.ts';
import { PIDF_TYPE, parsePidf } from '../sip/event/pidf.ts';
import type { Subscription, SubscriptionView } from '../sip/event/subscription.ts';
import { parseUri } from '../sip/message/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import { toSubscriptionSnapshot } from './subscription-snapshot.ts';
import { accountDomain } from './account.ts';
import type { AccountService } from './account-service.ts';
import type { ContactDirectory } from './contact-directory.ts';
import { normaliseDialString } from './dial-string.ts';
import type { PhoneStore } from './store/phone-store.ts';
import type { StoredWatch } from './store/presence-repository.ts';

/** Subscription lifetimes we ask for (the server may shorten them). */
export const WATCH_EXPIRES_S = 3_600;

interface PresencePart {
  /** Set once subscribe() returns (its first callbacks may come before). */
  sub?: Subscription;
  view: SubscriptionView;
  info: Omit<WatchedPresence, 'subscription'>;
}

interface LinePart {
  sub?: Subscription;
  view: SubscriptionView;
  line: LineView;
  changedAt?: number;
}

interface Watch {
  stored: StoredWatch;
  presence?: PresencePart;
  line?: LinePart;
}

export interface WatchServiceDeps {
  agent: EventAgent;
  accounts: AccountService;
  contacts: ContactDirectory;
  store: PhoneStore;
  events: EventBus;
  clock: Clock;
  /** Wall-clock ms (wall-time.ts). */
  now: () => number;
  logger: Logger;
  dial: (p: DialParams, c: CommandContext) => Promise<CallSnapshot>;
  pickup: (p: PickupParams, c: CommandContext) => Promise<CallSnapshot>;
  /** Whether the account's UA side exists (it may still be starting). */
  ready: (accountId: string) => boolean;
}

export class WatchService {
  readonly #d: WatchServiceDeps;
  readonly #log: Logger;
  readonly #watches = new Map<string, Watch>();

  constructor(deps: WatchServiceDeps) {
    this.#d = deps;
    this.#log = deps.logger.child('watch');
  }

  get count(): number {
    return this.#watches.size;
  }

  /** Subscribes the stored watches of accounts that are there. */
  start(): void {
    for (const stored of this.#d.store.presence.watches()) {
      if (!this.#d.ready(stored.accountId)) continue;
      this.#activate(stored);
    }
  }

  /** An account came (back): its stored watches subscribe. */
  accountReady(accountId: string): void {
    for (const stored of this.#d.store.presence.watches()) {
      if (stored.accountId === accountId && !this.#watches.has(stored.id)) this.#activate(stored);
    }
  }

  /** An account went away: its watches stop (they stay stored unless the account was removed). */
  async accountGone(accountId: string, removed: boolean): Promise<void> {
    for (const w of [...this.#watches.values()]) {
      if (w.stored.accountId !== accountId) continue;
      this.#watches.delete(w.stored.id);
      await this.#stop(w);
    }
    if (removed) this.#d.store.presence.removeAccount(accountId);
  }

  add(p: WatchAddParams): WatchSnapshot {
    const account = p.accountId !== undefined ? this.#d.accounts.require(p.accountId) : this.#d.accounts.defaultAccount();
    if (!account) throw new ApiError('unavailable', 'no account to watch from');
    if (!this.#d.ready(account.id)) throw new ApiError('unavailable', 'the account is not ready yet; try again in a moment');
    const dialled = normaliseDialString(p.target, { domain: accountDomain(account), userPhone: false });
    if (!dialled.ok) throw new ApiError('bad-request', `cannot watch "${p.target}": ${dialled.reason}`, { issues: [{ path: 'target', message: dialled.reason }] });
    let stored: StoredWatch;
    try {
      stored = this.#d.store.presence.addWatch({ accountId: account.id, target: dialled.target, presence: p.presence ?? true, line: p.line ?? true });
    } catch (e) {
      if (e instanceof RangeError) throw new ApiError('conflict', e.message);
      throw e;
    }
    const existing = this.#watches.get(stored.id);
    if (existing && (!!existing.presence === stored.presence) && (!!existing.line === stored.line)) return this.#snapshot(existing);
    if (existing) void this.#stop(existing);
    return this.#snapshot(this.#activate(stored));
  }

  async remove(id: string): Promise<void> {
    const w = this.#watches.get(id);
    const removed = this.#d.store.presence.removeWatch(id);
    if (!w && !removed) throw new ApiError('not-found', `no watch ${id}`);
    this.#watches.delete(id);
    this.#d.events.emit('watch.removed', { id });
    if (w) await this.#stop(w);
  }

  list(): WatchSnapshot[] {
    return [...this.#watches.values()].map((w) => this.#snapshot(w));
  }

  async pickup(p: WatchPickupParams, c: CommandContext): Promise<CallSnapshot> {
    const w = this.#watches.get(p.id);
    if (!w) throw new ApiError('not-found', `no watch ${p.id}`);
    const ringing = (w.line?.line.dialogs ?? []).filter((d) => d.direction !== 'initiator' && d.state !== 'confirmed' && d.state !== 'terminated');
    const dialog = p.dialogId !== undefined ? ringing.find((d) => d.id === p.dialogId) : ringing[0];
    if (!dialog) throw new ApiError('conflict', 'no call rings on that line now');
    const account = this.#d.accounts.require(w.stored.accountId);
    if (account.pickupCode !== null) {
      // Directed pickup by the server (Asterisk's *8, Kamailio/FreeSWITCH feature codes): the code and the line's number.
      const user = parseUri(w.stored.target).user ?? '';
      return this.#d.dial({ target: `${account.pickupCode}${user}`, accountId: account.id }, c);
    }
    if (!dialog.callId || !dialog.localTag || !dialog.remoteTag || !dialog.remote) {
      throw new ApiError('unavailable', 'the server does not tell the call identifiers needed to pick it up (set a pickup code for this account)');
    }
    // RFC 3891 to the caller: its dialog is the watched line's, seen from the other end (dialog-info tags are the line's).
    return this.#d.pickup({ target: dialog.remote.uri, sipCallId: dialog.callId, toTag: dialog.remoteTag, fromTag: dialog.localTag, accountId: account.id }, c);
  }

  async close(): Promise<void> {
    const all = [...this.#watches.values()];
    this.#watches.clear();
    await Promise.allSettled(all.map((w) => this.#stop(w)));
  }

  // --- internals ---

  #activate(stored: StoredWatch): Watch {
    const w: Watch = { stored };
    this.#watches.set(stored.id, w);
    let target;
    try {
      target = parseUri(stored.target);
    } catch {
      this.#log.warn('stored watch target does not parse', { id: stored.id });
      return w;
    }
    try {
      if (stored.presence) {
        const part: PresencePart = { view: { state: 'subscribing' }, info: { status: 'unknown', activities: [] } };
        part.sub = this.#d.agent.subscribe(stored.accountId, target, { event: { package: 'presence' }, accept: [PIDF_TYPE], expires: WATCH_EXPIRES_S }, {
          onNotify: (n) => {
            if (n.body.length === 0) return;
            try {
              const doc = parsePidf(n.body);
              const changed = doc.status !== part.info.status || doc.note !== part.info.note;
              part.info = { status: doc.status, activities: doc.activities, ...(doc.note ? { note: doc.note } : {}), ...(changed ? { changedAt: this.#d.now() } : part.info.changedAt !== undefined ? { changedAt: part.info.changedAt } : {}) };
            } catch (e) {
              this.#log.info('presence document not understood', { target: stored.target, error: String(e) });
              return;
            }
            this.#emit(w);
          },
          onChange: (view) => {
            part.view = view;
            if (view.state === 'terminated' || view.state === 'retrying') part.info = { status: 'unknown', activities: [] };
            this.#emit(w);
          },
        });
        w.presence = part;
      }
      if (stored.line) {
        const part: LinePart = { view: { state: 'subscribing' }, line: new LineView() };
        part.sub = this.#d.agent.subscribe(stored.accountId, target, { event: { package: 'dialog' }, accept: [DIALOG_INFO_TYPE], expires: WATCH_EXPIRES_S }, {
          onNotify: (n) => {
            if (n.body.length === 0) return;
            try {
              if (!part.line.apply(parseDialogInfo(n.body))) return;
            } catch (e) {
              this.#log.info('dialog-info not understood', { target: stored.target, error: String(e) });
              return;
            }
            part.changedAt = this.#d.now();
            this.#emit(w);
          },
          onChange: (view) => {
            part.view = view;
            if (view.state !== 'active') part.line.reset();
            this.#emit(w);
          },
        });
        w.line = part;
      }
    } catch (e) {
      if (e instanceof EventLimitError) throw new ApiError('conflict', e.message);
      throw e;
    }
    return w;
  }

  async #stop(w: Watch): Promise<void> {
    const work: Promise<void>[] = [];
    if (w.presence?.sub) work.push(this.#d.agent.unsubscribe(w.presence.sub));
    if (w.line?.sub) work.push(this.#d.agent.unsubscribe(w.line.sub));
    await Promise.allSettled(work);
  }

  #emit(w: Watch): void {
    if (this.#watches.get(w.stored.id) !== w) return;
    this.#d.events.emit('watch', this.#snapshot(w));
  }


  #snapshot(w: Watch): WatchSnapshot {
    const snap: WatchSnapshot = { id: w.stored.id, accountId: w.stored.accountId, target: w.stored.target, actions: ['call'] };
    const who = this.#d.contacts.resolve(w.stored.target);
    if (who?.contactId !== undefined) snap.contactId = who.contactId;
    if (who?.name) snap.name = who.name;
    if (w.presence) {
      const p: WatchedPresence = { subscription: toSubscriptionSnapshot(w.presence.view, this.#d.clock, this.#d.now), status: w.presence.info.status, activities: [...w.presence.info.activities] };
      if (w.presence.info.note !== undefined) p.note = w.presence.info.note;
      if (w.presence.info.changedAt !== undefined) p.changedAt = w.presence.info.changedAt;
      snap.presence = p;
    }
    if (w.line) {
      const dialogs: LineDialog[] = w.line.line.dialogs.map((d) => {
        const out: LineDialog = { id: d.id, state: d.state };
        if (d.direction) out.direction = d.direction;
        if (d.remote) out.remote = { ...d.remote };
        if (d.callId) out.callId = d.callId;
        if (d.localTag) out.localTag = d.localTag;
        if (d.remoteTag) out.remoteTag = d.remoteTag;
        return out;
      });
      const state: LineState =
        w.line.view.state !== 'active' ? 'unknown' : dialogs.some((d) => d.state === 'confirmed') ? 'busy' : dialogs.length > 0 ? 'ringing' : 'idle';
      const line: WatchedLine = { subscription: toSubscriptionSnapshot(w.line.view, this.#d.clock, this.#d.now), state, dialogs };
      if (w.line.changedAt !== undefined) line.changedAt = w.line.changedAt;
      snap.line = line;
      if (dialogs.some((d) => d.direction !== 'initiator' && d.state !== 'confirmed')) snap.actions = ['call', 'pickup'];
    }
    return snap;
  }
}
