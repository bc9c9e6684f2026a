/**
 * The phone's presence services (phone/presence-service.ts, idle-away.ts,
 * watch-service.ts, mwi-service.ts) on the fake network and the fake clock,
 * each against a peer UA's event agent, with a real store:
 *  - our presence as a direct watcher sees it: available, away after the
 *    idle minutes (and back on the next use), busy in a call, dnd with the
 *    switch; a stranger waits for the user's decision;
 *  - a watch turns the peer's PIDF and dialog-info into WatchSnapshots, a
 *    refused subscription into `retrying` with its time, and pickup dials
 *    the account's pickup code and the line's number;
 *  - an unsolicited message summary becomes an `mwi` snapshot; mwi.dial
 *    calls the account's voicemail.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ApiEvent } from '../../../electron/api/events.ts';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import type { DialParams } from '../../../electron/api/contract.ts';
import type { CallSnapshot } from '../../../electron/api/snapshots.ts';
import { AccountService } from '../../../electron/phone/account-service.ts';
import { ContactDirectory } from '../../../electron/phone/contact-directory.ts';
import { IdleAway } from '../../../electron/phone/idle-away.ts';
import { MwiService } from '../../../electron/phone/mwi-service.ts';
import { PresenceService } from '../../../electron/phone/presence-service.ts';
import { openPhoneStore, type PhoneStore } from '../../../electron/phone/store/phone-store.ts';
import { FileSecretStore } from '../../../electron/phone/store/file-secret-store.ts';
import { WatchService } from '../../../electron/phone/watch-service.ts';
import { buildDialogInfo, DIALOG_INFO_TYPE } from '../../../electron/sip/event/dialog-info.ts';
import { EventAgent } from '../../../electron/sip/event/event-agent.ts';
import { buildMessageSummary, MESSAGE_SUMMARY_TYPE } from '../../../electron/sip/event/message-summary.ts';
import { buildPidf, parsePidf, PIDF_TYPE, type PersonStatus } from '../../../electron/sip/event/pidf.ts';
import type { ReceivedNotify } from '../../../electron/sip/event/subscription.ts';
import { createResponse, parseUri, SipRequest, type SipResponse } from '../../../electron/sip/message/index.ts';
import type { UserAgent } from '../../../electron/sip/ua/user-agent.ts';
import { nullLogger } from '../../../electron/common/logger.ts';
import { fixedMedia, world, type FakeServer, type World } from '../sip/ua/ua-world.ts';
import { removeTempDirs, tempDir } from './temp-dir.ts';

after(() => removeTempDirs());

interface Side {
  ua: UserAgent;
  store: PhoneStore;
  accounts: AccountService;
  contacts: ContactDirectory;
  events: ReturnType<typeof createEventBus>;
  seen: ApiEvent[];
  accountId: string;
  agent: EventAgent;
}

/** A phone side: a store with one account (no registrar), a UA on the fake network with that account, an event agent. */
async function side(w: World, name: string, address: string, port: number, extra: { voicemail?: string; pickupCode?: string } = {}): Promise<Side> {
  const dir = tempDir(`parley-ev-${name}-`);
  const store = openPhoneStore(dir, { secrets: new FileSecretStore(dir) });
  const events = createEventBus();
  const seen: ApiEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const accounts = new AccountService(store, events);
  const snap = await accounts.add({ aor: `sip:${name}@${address}:${port}`, ...extra });
  const ua = w.ua(address, port, { media: fixedMedia().factory });
  ua.addAccount({ id: snap.id, aor: snap.aor, displayName: name, registerExpires: 0 });
  return { ua, store, accounts, contacts: new ContactDirectory(store), events, seen, accountId: snap.id, agent: new EventAgent(ua) };
}

function watchPresence(agent: EventAgent, accountId: string, target: string) {
  const notifies: ReceivedNotify[] = [];
  agent.subscribe(accountId, parseUri(target), { event: { package: 'presence' }, accept: [PIDF_TYPE], expires: 600 }, { onNotify: (n) => notifies.push(n), onChange: () => {} });
  return () => notifies.filter((n) => n.body.length > 0).map((n) => parsePidf(n.body).status).at(-1);
}

/** A request from a scripted server to the phone at 10.0.0.2:5070; resolves with the final response. */
function ask(w: World, from: FakeServer, method: string, uri: string, headers: [string, string][], body: string): Promise<SipResponse> {
  const r = new SipRequest(method, uri);
  r.headers.append('Max-Forwards', '70');
  r.headers.append('From', '<sip:vm@10.0.0.9>;tag=vm1');
  r.headers.append('To', `<${uri}>`);
  r.headers.append('Call-ID', `c-${Math.random()}`);
  r.headers.append('CSeq', `1 ${method}`);
  for (const [n, v] of headers) r.headers.append(n, v);
  r.body = Buffer.from(body);
  const done = new Promise<SipResponse>((resolve) =>
    from.layer.sendRequest(r, [{ protocol: 'udp', address: '10.0.0.2', port: 5070 }], { onResponse: (res) => res.status >= 200 && resolve(res) }),
  );
  void w.settle();
  return done;
}

const never = async (): Promise<CallSnapshot> => {
  throw new Error('not in this test');
};

describe('phone presence services on the fake clock', () => {
  it('our presence: available; away after the idle minutes and back on use; busy in a call; dnd; a stranger waits for a decision', async () => {
    const w = world();
    const alice = await side(w, 'alice', '10.0.0.2', 5070);
    const bob = await side(w, 'bob', '10.0.0.3', 5080);
    let inCall = false;
    let presence: PresenceService | undefined;
    const idle = new IdleAway({ clock: w.clock, minutes: () => alice.store.settings.get('awayAfterIdleMinutes'), onChange: () => presence?.refresh() });
    presence = new PresenceService({
      agent: alice.agent, store: alice.store, contacts: alice.contacts, events: alice.events, clock: w.clock, now: () => w.clock.now(), logger: nullLogger,
      inCall: () => inCall, idle: () => idle.idle,
    });

    // bob is no contact of alice's: his watch waits until alice allows it.
    const status = watchPresence(bob.agent, bob.accountId, `sip:alice@10.0.0.2:5070`);
    await w.settle();
    assert.equal(status(), undefined, 'pending: no document yet');
    const asked = alice.seen.find((e) => e.event === 'watcher');
    assert.ok(asked && asked.event === 'watcher' && asked.data.state === 'pending', JSON.stringify(asked));
    presence.decide({ accountId: alice.accountId, watcher: asked.data.watcher, decision: 'allow' });
    await w.settle();
    assert.equal(status(), 'available');

    // Nobody reported use yet (a CLI, a headless host): never away.
    await w.run(30 * 60_000, 60_000);
    assert.equal(status(), 'available');
    idle.activity(0);
    await w.run(9 * 60_000, 60_000);
    assert.equal(status(), 'available', 'still within the 10 minutes');
    idle.activity(9 * 60 + 30); // a client last saw the user before the latest use: the latest use counts
    await w.run(61_000, 1_000);
    assert.equal(status(), 'away', `away 10 minutes after the last use: ${JSON.stringify(presence.snapshot())} idle=${idle.idle}`);
    assert.equal(presence.snapshot().status, 'available', 'the picked status stays');
    assert.equal(presence.snapshot().effective, 'away');
    assert.equal(presence.snapshot().idle, true);
    idle.activity(0);
    await w.settle();
    assert.equal(status(), 'available', 'back on the next use');
    assert.equal(presence.snapshot().idle, undefined);
    // The desktop's poll of the system's idle time (5 minutes idle) is no new use: away 10 minutes after the last one.
    await w.run(5 * 60_000, 60_000);
    idle.activity(5 * 60);
    await w.run(4 * 60_000, 60_000);
    assert.equal(status(), 'available');
    await w.run(61_000, 1_000);
    assert.equal(status(), 'away');
    alice.store.settings.set('awayAfterIdleMinutes', 0);
    idle.settingsChanged();
    await w.settle();
    assert.equal(status(), 'available', 'setting 0: never away');
    alice.store.settings.set('awayAfterIdleMinutes', 10);
    idle.settingsChanged();
    idle.activity(0);

    inCall = true;
    presence.refresh();
    await w.settle();
    assert.equal(status(), 'busy');
    inCall = false;
    presence.refresh();
    alice.store.settings.set('dnd', true);
    presence.refresh();
    await w.settle();
    assert.equal(status(), 'dnd');
    alice.store.settings.set('dnd', false);
    presence.set({ status: 'away', note: 'lunch' });
    await w.settle();
    assert.equal(status(), 'away');
    idle.close();
  });

  it('a watch: presence and line from the peer, a refused SUBSCRIBE retried later, pickup by the account’s code', async () => {
    const w = world();
    const alice = await side(w, 'alice', '10.0.0.2', 5070, { pickupCode: '*8' });
    const bob = await side(w, 'bob', '10.0.0.3', 5080);
    const peer = { status: 'available' as PersonStatus, dialogs: [] as Parameters<typeof buildDialogInfo>[2] };
    bob.agent.serve({ package: 'presence', authorize: () => 'allow', document: () => ({ contentType: PIDF_TYPE, body: buildPidf({ entity: 'sip:bob@10.0.0.3', status: peer.status, tupleId: 't' }) }) });
    bob.agent.serve({ package: 'dialog', authorize: () => 'allow', document: (_a, sent) => ({ contentType: DIALOG_INFO_TYPE, body: buildDialogInfo('sip:bob@10.0.0.3', sent, peer.dialogs) }) });
    const dialled: DialParams[] = [];
    const watches = new WatchService({
      agent: alice.agent, accounts: alice.accounts, contacts: alice.contacts, store: alice.store, events: alice.events, clock: w.clock, now: () => w.clock.now(), logger: nullLogger,
      dial: async (p) => {
        dialled.push(p);
        return { id: 'c1' } as CallSnapshot;
      },
      pickup: never,
      ready: () => true,
    });
    const watch = watches.add({ target: 'sip:bob@10.0.0.3:5080', accountId: alice.accountId });
    await w.settle();
    const last = () => watches.list().find((x) => x.id === watch.id)!;
    assert.equal(last().presence?.status, 'available');
    assert.equal(last().line?.state, 'idle');

    peer.status = 'busy';
    peer.dialogs = [{ id: 'd1', state: 'early', direction: 'recipient', callId: 'cid', localTag: 'lt', remoteTag: 'rt', remote: { uri: 'sip:carol@10.0.0.4', displayName: 'Carol' } }];
    bob.agent.changed('presence', bob.accountId);
    bob.agent.changed('dialog', bob.accountId);
    await w.settle();
    assert.equal(last().presence?.status, 'busy');
    assert.equal(last().line?.state, 'ringing');
    assert.deepEqual(last().actions, ['call', 'pickup']);
    await watches.pickup({ id: watch.id }, { host: 'test', client: 't' });
    assert.deepEqual(dialled, [{ target: '*8bob', accountId: alice.accountId }], 'the pickup code and the line’s number');
    peer.dialogs = [{ ...peer.dialogs[0]!, state: 'confirmed' }];
    bob.agent.changed('dialog', bob.accountId);
    await w.settle();
    assert.equal(last().line?.state, 'busy');
    assert.deepEqual(last().actions, ['call']);
    const events = alice.seen.filter((e) => e.event === 'watch').length;
    assert.ok(events >= 4, `a watch event per change (${events})`);

    // A watch of an address whose UA answers 503 with Retry-After: retrying, with the time of the next try.
    const carol = w.server('10.0.0.4', 5060);
    carol.handle = (req, tx) => {
      if (req.method !== 'SUBSCRIBE') return;
      const r = createResponse(req, 503, 'Service Unavailable');
      r.headers.set('Retry-After', '120');
      tx.respond(r);
    };
    const refused = watches.add({ target: 'sip:carol@10.0.0.4', accountId: alice.accountId, line: false });
    await w.settle();
    const view = watches.list().find((x) => x.id === refused.id)!.presence!.subscription;
    assert.equal(view.state, 'retrying', JSON.stringify(view));
    assert.ok(view.retryAt !== undefined && view.retryAt - w.clock.now() >= 119_000, `retry after the server's 120 s: ${JSON.stringify(view)}`);
    await watches.close();
  });

  it('message waiting: an unsolicited NOTIFY becomes the account’s summary; mwi.dial calls its voicemail', async () => {
    const w = world();
    const alice = await side(w, 'alice', '10.0.0.2', 5070, { voicemail: '*97' });
    const dialled: DialParams[] = [];
    const mwi = new MwiService({
      agent: alice.agent, accounts: alice.accounts, events: alice.events, clock: w.clock, now: () => w.clock.now(), logger: nullLogger,
      dial: async (p) => {
        dialled.push(p);
        return { id: 'vm' } as CallSnapshot;
      },
    });
    const vm = w.server('10.0.0.9', 5060);
    const r = await ask(w, vm, 'NOTIFY', 'sip:alice@10.0.0.2:5070', [['Event', 'message-summary'], ['Subscription-State', 'active'], ['Content-Type', MESSAGE_SUMMARY_TYPE]],
      buildMessageSummary({ waiting: true, newMessages: 3, oldMessages: 1, urgentNew: 1, urgentOld: 0, account: 'sip:vm@10.0.0.9' }));
    assert.equal(r.status, 200);
    const [snap] = mwi.list();
    assert.deepEqual([snap?.waiting, snap?.newMessages, snap?.oldMessages, snap?.urgentNew, snap?.messageAccount, snap?.voicemail], [true, 3, 1, 1, 'sip:vm@10.0.0.9', '*97']);
    assert.ok(alice.seen.some((e) => e.event === 'mwi' && e.data.newMessages === 3));
    await mwi.dial(alice.accountId, { host: 'test', client: 't' });
    assert.deepEqual(dialled, [{ target: '*97', accountId: alice.accountId }]);
  });
});
