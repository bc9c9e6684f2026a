/**
 * Presence, watched lines and voicemail in the phone: the SIP event
 * framework (sip/event's EventAgent) and the three services on top of it
 * (presence-service.ts, watch-service.ts, mwi-service.ts), wired to what
 * changes them:
 *  - an account registers (first time, or again after a failure) → it
 *    publishes, subscribes to its watcher info and message summary, and its
 *    watches subscribe; subscriptions made before are re-established;
 *  - the network changed → every subscription and publication again;
 *  - a call starts or ends, the DND switch flips, the user goes idle or
 *    comes back (idle-away.ts) → the published status;
 *  - a call changes → our own line's watchers (own-line.ts, RFC 4235);
 *  - an account is removed → its watches and decisions go with it.
 * Implements the API's PresenceApi.
 */
import type { EventBus } from '../api/event-bus.ts';
import type { PresenceApi } from '../api/phone-api.ts';
import type { CallSnapshot, DialParams, PickupParams } from '../api/contract.ts';
import type { CommandContext } from '../api/phone-api.ts';
import { EventAgent } from '../sip/event/event-agent.ts';
import type { UserAgent } from '../sip/ua/index.ts';
import type { Clock, TimerHandle } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { AccountService } from './account-service.ts';
import type { ContactDirectory } from './contact-directory.ts';
import { DIRECT_ACCOUNT_ID } from './direct-account.ts';
import { IdleAway } from './idle-away.ts';
import { MwiService } from './mwi-service.ts';
import { OwnLine } from './own-line.ts';
import { PresenceService } from './presence-service.ts';
import type { PhoneStore } from './store/phone-store.ts';
import { WatchService } from './watch-service.ts';

/** How long closing waits for unsubscribes and unpublishes to be answered. */
const CLOSE_WAIT_MS = 2_000;

/** Account fields whose change makes the subscriptions and publications start again. */
const SIGNIFICANT = ['aor', 'aliases', 'authUser', 'registrar', 'outboundProxy', 'transport', 'enabled', 'authRealms', 'tlsCaFile', 'tlsPin', 'displayName'] as const;

/** Call states that make us busy (a call that only rings does not). */
const IN_CALL = new Set(['connecting', 'active', 'held', 'remote-held']);
/** An outgoing call being set up: from the dial until it is answered or ends. */
const SETTING_UP = new Set(['dialing', 'ringing', 'early', 'connecting']);
/** The longest an account's presence and subscriptions wait for the calls being set up (see 'registration' below). */
export const SETUP_WAIT_MS = 2000;

export interface EventServicesDeps {
  ua: UserAgent;
  accounts: AccountService;
  contacts: ContactDirectory;
  store: PhoneStore;
  events: EventBus;
  clock: Clock;
  now: () => number;
  logger: Logger;
  calls: {
    dial(p: DialParams, c: CommandContext): Promise<CallSnapshot>;
    pickup(p: PickupParams, c: CommandContext): Promise<CallSnapshot>;
    list(): CallSnapshot[];
    dialogIdOf(callId: string): { callId: string; localTag: string; remoteTag: string } | undefined;
  };
}

export interface EventServices {
  api: PresenceApi;
  agent: EventAgent;
  /** The network changed: re-establish every subscription and publication. */
  networkChanged(): void;
  counts(): { subscriptions: number; notifiers: number; watches: number };
  /** Unsubscribes and removes publications (best effort). */
  close(): Promise<void>;
}

export function createEventServices(d: EventServicesDeps): EventServices {
  const logger = d.logger.child('events');
  const agent = new EventAgent(d.ua, { logger });
  // Busy while a call is connected: followed from the 'call' events, so the presence is looked at again only when
  // that flips (not on every event of every call, each reading every call's snapshot and the settings).
  const connected = new Set<string>();
  const inCall = () => connected.size > 0;
  let presence: PresenceService | undefined;
  const idle = new IdleAway({ clock: d.clock, minutes: () => d.store.settings.get('awayAfterIdleMinutes'), onChange: () => presence?.refresh() });
  presence = new PresenceService({ agent, store: d.store, contacts: d.contacts, events: d.events, clock: d.clock, now: d.now, logger, inCall, idle: () => idle.idle });
  const watches = new WatchService({
    agent, accounts: d.accounts, contacts: d.contacts, store: d.store, events: d.events, clock: d.clock, now: d.now, logger,
    dial: (p, c) => d.calls.dial(p, c),
    pickup: (p, c) => d.calls.pickup(p, c),
    ready: (id) => d.ua.account(id) !== undefined,
  });
  const ownLine = new OwnLine({
    agent,
    authorize: (accountId, watcher) => presence.authorize(accountId, watcher),
    aorOf: (id) => d.accounts.get(id)?.aor,
    calls: () => d.calls.list(),
    dialogIdOf: (id) => d.calls.dialogIdOf(id),
  });
  const mwi = new MwiService({ agent, accounts: d.accounts, events: d.events, clock: d.clock, now: d.now, logger, dial: (p, c) => d.calls.dial(p, c) });

  /** What the 'call' events of this turn changed: the presence (in a call or not) and which accounts' lines. */
  let presenceDue = false;
  let publishQueued = false;
  const changedLines = new Set<string>();
  let closed = false;
  const publishCallChanges = () => {
    publishQueued = false;
    if (closed) return;
    if (presenceDue) {
      presenceDue = false;
      presence.refresh();
    }
    const lines = [...changedLines];
    changedLines.clear();
    for (const accountId of lines) ownLine.callChanged(accountId);
  };

  const registered = new Map<string, boolean>();
  /** Outgoing calls being set up, and the work waiting for them (afterSetUp). */
  const settingUp = new Set<string>();
  let waiting: (() => void)[] = [];
  let waitTimer: TimerHandle | undefined;
  const runWaiting = () => {
    d.clock.clearTimeout(waitTimer);
    waitTimer = undefined;
    const due = waiting;
    waiting = [];
    for (const work of due) work();
  };
  const afterSetUp = (work: () => void) => {
    if (settingUp.size === 0) {
      work();
      return;
    }
    waiting.push(work);
    waitTimer ??= d.clock.setTimeout(runWaiting, SETUP_WAIT_MS);
  };
  const offs = [
    d.events.on('registration', (r) => {
      const was = registered.get(r.accountId);
      const is = r.state === 'registered';
      registered.set(r.accountId, is);
      if (!is || was === true) return;
      // After this turn (setImmediate): what waited for the registration — a dial (`parley call` dials once its
      // account is registered), a host's own reaction — goes before the account's PUBLISH and SUBSCRIBEs
      // (setup-time.bench.ts --stages: ≈ 1.5 ms of a cold process's turn stood between the 200 and the INVITE).
      // A call dialled then is being set up: they wait until it is answered or ends (SETUP_WAIT_MS at most), so
      // that their messages and answers do not stand between its 200 and its ACK and first RTP packet either.
      setImmediate(() => {
        if (closed || registered.get(r.accountId) !== true) return;
        afterSetUp(() => {
          if (closed || registered.get(r.accountId) !== true) return;
          const account = d.accounts.get(r.accountId);
          if (!account) return;
          if (was === false) agent.restart(account.id);
          presence.accountReady(account);
          mwi.accountReady(account);
          watches.accountReady(account.id);
        });
      });
    }),
    d.events.on('call', (c) => {
      if (c.direction === 'out' && SETTING_UP.has(c.state)) settingUp.add(c.id);
      else if (settingUp.delete(c.id) && settingUp.size === 0 && waiting.length > 0) setImmediate(runWaiting);
      const was = connected.size > 0;
      if (IN_CALL.has(c.state)) connected.add(c.id);
      else connected.delete(c.id);
      if (connected.size > 0 !== was) presenceDue = true;
      changedLines.add(c.accountId);
      // After this turn of the event loop (setImmediate: its promise continuations too): the call's own events
      // ('connecting', then 'active' a few continuations later) reach the hosts first, and a turn's changes publish
      // once (setup-time.bench.ts --trace: the refresh and its PUBLISH stood between the two, ≈ 0.7 ms).
      if (!publishQueued) {
        publishQueued = true;
        setImmediate(publishCallChanges);
      }
    }),
    d.events.on('settings', () => {
      idle.settingsChanged();
      presence.refresh();
    }),
  ];
  d.accounts.onChange(async (change) => {
    if (change.kind === 'added') {
      watches.accountReady(change.account.id);
      return;
    }
    // The phone itself updates an account after its first registration (the realms it learned): nothing to redo then.
    if (change.kind === 'updated' && !SIGNIFICANT.some((k) => JSON.stringify(change.before[k]) !== JSON.stringify(change.account[k])) && !change.passwordChanged) return;
    registered.delete(change.account.id);
    await Promise.allSettled([presence.accountGone(change.account.id), mwi.accountGone(change.account.id), watches.accountGone(change.account.id, change.kind === 'removed')]);
    if (change.kind === 'updated') watches.accountReady(change.account.id);
  });
  watches.start();
  watches.accountReady(DIRECT_ACCOUNT_ID);

  const api: PresenceApi = {
    async 'presence.set'(p) {
      return presence.set(p);
    },
    async 'presence.get'() {
      return presence.snapshot();
    },
    async 'presence.activity'(p) {
      idle.activity(p.idleSeconds);
      return presence.snapshot();
    },
    async 'watch.add'(p) {
      return watches.add(p);
    },
    async 'watch.remove'(p) {
      await watches.remove(p.id);
      return null;
    },
    async 'watch.list'() {
      return watches.list();
    },
    'watch.pickup': (p, c) => watches.pickup(p, c),
    async 'watchers.list'() {
      return presence.watchers();
    },
    async 'watchers.decide'(p) {
      return presence.decide(p);
    },
    async 'mwi.list'() {
      return mwi.list();
    },
    'mwi.dial': (p, c) => mwi.dial(p.accountId, c),
  };

  return {
    api,
    agent,
    networkChanged: () => agent.restart(),
    counts: () => ({ subscriptions: agent.subscriptionCount, notifiers: agent.notifierCount, watches: watches.count }),
    async close() {
      closed = true;
      d.clock.clearTimeout(waitTimer);
      waiting = [];
      for (const off of offs) off();
      // Unsubscribing is best effort: a peer that no longer answers must not hold the phone's exit for Timer F.
      let timer: TimerHandle | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = d.clock.setTimeout(resolve, CLOSE_WAIT_MS);
      });
      await Promise.race([Promise.allSettled([watches.close(), presence.close(), mwi.close()]), bound]);
      d.clock.clearTimeout(timer);
      idle.close();
      agent.close();
    },
  };
}
