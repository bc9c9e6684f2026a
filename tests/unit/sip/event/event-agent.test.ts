import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventAgent, EVENT_LIMITS, SUBSCRIBES_IN_FLIGHT } from '../../../../electron/sip/event/event-agent.ts';
import type { PackageServer } from '../../../../electron/sip/event/event-agent.ts';
import { buildPidf, parsePidf, PIDF_TYPE } from '../../../../electron/sip/event/pidf.ts';
import type { PersonStatus } from '../../../../electron/sip/event/pidf.ts';
import type { ReceivedNotify, SubscriptionView } from '../../../../electron/sip/event/subscription.ts';
import { SipRequest, createResponse, parseUri } from '../../../../electron/sip/message/index.ts';
import type { SipResponse } from '../../../../electron/sip/message/index.ts';
import { createDigestChallenge } from '../../../../electron/sip/auth/digest-verifier.ts';
import { twoPhones, phone } from '../sip/../ua/two-phones.ts';
import { world } from '../ua/ua-world.ts';
import type { FakeServer, World } from '../ua/ua-world.ts';

/** Bob serves his presence; `decide` says who may watch. */
function presenceServer(state: { status: PersonStatus; note?: string }, decide: (uri: string) => 'allow' | 'block' | 'pending' = () => 'allow'): PackageServer {
  return {
    package: 'presence',
    authorize: (_a, w) => decide(w.uri),
    document: () => ({ contentType: PIDF_TYPE, body: buildPidf({ entity: 'sip:bob@sipA.test', status: state.status, tupleId: 't1', ...(state.note ? { note: state.note } : {}) }) }),
  };
}

function watch(agent: EventAgent, accountId: string, target: string, expires = 600) {
  const notifies: ReceivedNotify[] = [];
  const views: SubscriptionView[] = [];
  const sub = agent.subscribe(accountId, parseUri(target), { event: { package: 'presence' }, accept: [PIDF_TYPE], expires }, {
    onNotify: (n) => notifies.push(n),
    onChange: (v) => views.push(v),
  });
  const statuses = () => notifies.filter((n) => n.body.length > 0).map((n) => parsePidf(n.body).status);
  return { sub, notifies, views, statuses };
}

function ask(w: World, from: FakeServer, method: string, uri: string, extra: [string, string][] = [], body?: string): Promise<SipResponse> {
  const r = new SipRequest(method, uri);
  r.headers.append('Max-Forwards', '70');
  r.headers.append('From', '<sip:probe@10.0.0.9>;tag=p1');
  r.headers.append('To', `<${uri}>`);
  r.headers.append('Call-ID', `c-${Math.random()}`);
  r.headers.append('CSeq', `1 ${method}`);
  for (const [n, v] of extra) r.headers.append(n, v);
  if (body !== undefined) r.body = Buffer.from(body);
  const done = new Promise<SipResponse>((resolve) =>
    from.layer.sendRequest(r, [{ protocol: 'udp', address: '10.0.0.3', port: 5080 }], { onResponse: (res) => res.status >= 200 && resolve(res) }),
  );
  void w.settle();
  return done;
}

/** Alice's phone sending everything to a scripted server at 10.0.0.9:5060 (her outbound proxy). */
async function aliceBehindProxy() {
  const w = world();
  const alice = phone(w, 'alice', '10.0.0.2', 5070);
  await alice.ua.removeAccount('alice');
  alice.ua.addAccount({ id: 'alice', aor: 'sip:alice@sipA.test', password: 'pw', registerExpires: 0, outboundProxy: 'sip:10.0.0.9:5060' });
  return { w, alice, server: w.server('10.0.0.9', 5060) };
}

describe('RFC 6665 subscriptions between two phones', () => {
  it('subscribe, NOTIFY on each change, refresh before expiry, unsubscribe with Expires: 0', async () => {
    const { w, alice, bob } = twoPhones();
    const state: { status: PersonStatus; note?: string } = { status: 'available' };
    const bobEvents = new EventAgent(bob.ua);
    bobEvents.serve(presenceServer(state));
    const aliceEvents = new EventAgent(alice.ua);
    const a = watch(aliceEvents, 'alice', bob.uri, 600);
    await w.settle();
    assert.equal(a.sub.state, 'subscribed');
    assert.equal(a.views.at(-1)?.state, 'active');
    assert.deepEqual(a.statuses(), ['available']);
    assert.equal(bobEvents.notifierCount, 1);

    state.status = 'busy';
    state.note = 'on a call';
    bobEvents.changed('presence', 'bob');
    await w.settle();
    assert.deepEqual(a.statuses(), ['available', 'busy']);
    assert.equal(parsePidf(a.notifies.at(-1)!.body).note, 'on a call');

    // Granted 600 s: refreshed at 600 - 40 = 560 s, not later; the notifier answers with a NOTIFY.
    const before = a.notifies.length;
    await w.run(561_000, 10_000);
    assert.ok(a.notifies.length > before, 'a refresh drew a NOTIFY');
    assert.equal(a.sub.state, 'subscribed');
    assert.equal(bobEvents.notifierCount, 1, 'still one subscription (refreshed, not a new one)');

    await Promise.all([aliceEvents.unsubscribe(a.sub), w.settle(20)]);
    await w.settle(20);
    assert.equal(a.sub.state, 'closed');
    assert.equal(bobEvents.notifierCount, 0, 'the notifier forgot the watcher');
    assert.equal(alice.ua.dialogs.dialogs.length, 0);
    assert.equal(bob.ua.dialogs.dialogs.length, 0);
  });

  it('a package nobody serves is 489 and the subscription ends in words, without retrying', async () => {
    const { w, alice, bob } = twoPhones();
    new EventAgent(bob.ua);
    const aliceEvents = new EventAgent(alice.ua);
    const a = watch(aliceEvents, 'alice', bob.uri);
    await w.settle();
    assert.equal(a.sub.state, 'failed');
    assert.equal(a.views.at(-1)?.code, 489);
    assert.equal(a.views.at(-1)?.reason, 'the event package is not supported');
  });

  it('pending until the watched person allows; block ends it as rejected and it is not retried', async () => {
    const { w, alice, bob } = twoPhones();
    const bobEvents = new EventAgent(bob.ua);
    bobEvents.serve(presenceServer({ status: 'away' }, () => 'pending'));
    const aliceEvents = new EventAgent(alice.ua);
    const a = watch(aliceEvents, 'alice', bob.uri);
    await w.settle();
    assert.equal(a.views.at(-1)?.state, 'pending');
    assert.deepEqual(a.statuses(), [], 'no document while pending');
    bobEvents.decide('bob', 'sip:alice@sipA.test', 'allow');
    await w.settle();
    assert.equal(a.views.at(-1)?.state, 'active');
    assert.deepEqual(a.statuses(), ['away']);
    bobEvents.decide('bob', 'sip:alice@sipA.test', 'block');
    await w.settle();
    assert.equal(a.sub.state, 'failed');
    assert.equal(a.views.at(-1)?.reason, 'not allowed to watch');
    await w.run(3_600_000, 60_000);
    assert.equal(a.sub.state, 'failed', 'rejected is final (RFC 6665 §4.1.3)');
  });

  it('a notifier that deactivates the subscription is subscribed to again at once (RFC 6665 §4.1.3)', async () => {
    const { w, alice, bob } = twoPhones();
    const bobEvents = new EventAgent(bob.ua);
    bobEvents.serve(presenceServer({ status: 'available' }));
    const aliceEvents = new EventAgent(alice.ua);
    const a = watch(aliceEvents, 'alice', bob.uri);
    await w.settle();
    assert.equal(a.views.at(-1)?.state, 'active');
    // Bob's phone ends every subscription (a restart): reason deactivated → Alice subscribes again at once.
    for (const d of bob.ua.dialogs.dialogs) void d;
    const firstCallId = a.sub.attempt!.callId;
    void bobEvents.shutdown();
    await w.settle(30);
    assert.equal(a.sub.state, 'subscribed', 'resubscribed after "deactivated"');
    assert.notEqual(a.sub.attempt!.callId, firstCallId, 'with a new SUBSCRIBE');
    assert.equal(a.views.at(-1)?.state, 'active');
  });

  it('SUBSCRIBE refused with 503 is tried again after Retry-After, and the view says when', async () => {
    const w = world();
    const alice = phone(w, 'alice', '10.0.0.2', 5070);
    const server = w.server('10.0.0.9', 5060);
    let refuse = true;
    server.handle = (request, tx) => {
      if (refuse) {
        const r = createResponse(request, 503, 'Service Unavailable');
        r.headers.set('Retry-After', '120');
        tx.respond(r);
        return;
      }
      const ok = createResponse(request, 200, 'OK');
      ok.headers.set('To', `${request.headers.get('To')};tag=srv`);
      ok.headers.set('Expires', '300');
      tx.respond(ok);
    };
    const events = new EventAgent(alice.ua);
    const a = watch(events, 'alice', 'sip:bob@10.0.0.9:5060');
    await w.settle();
    const view = a.views.at(-1)!;
    assert.equal(view.state, 'retrying');
    assert.equal(view.code, 503);
    assert.equal(view.retryAt! - w.clock.now(), 120_000);
    refuse = false;
    await w.run(119_000, 1_000);
    assert.equal(server.of('SUBSCRIBE').length, 1, 'not before Retry-After');
    await w.run(2_000, 1_000);
    assert.equal(server.of('SUBSCRIBE').length, 2);
    // 2xx but no NOTIFY within Timer N (64×T1): that attempt failed too.
    await w.run(33_000, 1_000);
    assert.equal(a.views.at(-1)?.state, 'retrying');
    assert.equal(a.views.at(-1)?.reason, 'no NOTIFY came after the SUBSCRIBE');
  });

  it('a challenged SUBSCRIBE is answered on the one challenged-request path; forked NOTIFYs make two subscriptions', async () => {
    const w = world();
    const alice = phone(w, 'alice', '10.0.0.2', 5070);
    await alice.ua.removeAccount('alice');
    alice.ua.addAccount({ id: 'alice', aor: 'sip:alice@sipA.test', password: 'pw', registerExpires: 0, authRealms: ['sipA.test'], outboundProxy: 'sip:10.0.0.9:5060' });
    const server = w.server('10.0.0.9', 5060);
    server.handle = (request, tx) => {
      if (request.method !== 'SUBSCRIBE') {
        tx.respond(createResponse(request, 200, 'OK'));
        return;
      }
      if (!request.headers.has('Proxy-Authorization')) {
        const r = createResponse(request, 407, 'Proxy Authentication Required');
        r.headers.append('Proxy-Authenticate', createDigestChallenge({ realm: 'sipA.test', nonce: 'n1' }));
        tx.respond(r);
        return;
      }
      const ok = createResponse(request, 200, 'OK');
      ok.headers.set('To', `${request.headers.get('To')};tag=fork1`);
      ok.headers.set('Expires', '300');
      ok.headers.set('Contact', '<sip:bob@10.0.0.9:5060>');
      tx.respond(ok);
      // Two forks notify: each is a subscription of its own (RFC 6665 §4.1.2.4).
      for (const tag of ['fork1', 'fork2']) {
        const n = new SipRequest('NOTIFY', 'sip:alice@10.0.0.2:5070');
        n.headers.append('Max-Forwards', '70');
        n.headers.append('From', `<sip:bob@sipA.test>;tag=${tag}`);
        n.headers.append('To', request.headers.get('From')!);
        n.headers.append('Call-ID', request.headers.get('Call-ID')!);
        n.headers.append('CSeq', '1 NOTIFY');
        n.headers.append('Contact', `<sip:bob-${tag}@10.0.0.9:5060>`);
        n.headers.append('Event', 'presence');
        n.headers.append('Subscription-State', 'active;expires=300');
        n.headers.append('Content-Type', PIDF_TYPE);
        n.body = Buffer.from(buildPidf({ entity: 'sip:bob@sipA.test', status: tag === 'fork1' ? 'available' : 'away', tupleId: tag }));
        server.layer.sendRequest(n, [{ protocol: 'udp', address: '10.0.0.2', port: 5070 }], { onResponse: () => {} });
      }
    };
    const events = new EventAgent(alice.ua);
    const a = watch(events, 'alice', 'sip:bob@sipA.test');
    await w.settle(20);
    const subscribes = server.of('SUBSCRIBE');
    assert.equal(subscribes.length, 2, 'the 407 was answered once');
    assert.match(subscribes[1]!.headers.get('Proxy-Authorization')!, /Digest username="alice"/);
    assert.equal(a.sub.forkCount, 2);
    assert.deepEqual(a.statuses(), ['available', 'away']);
    assert.deepEqual(new Set(a.notifies.map((n) => n.fork)), new Set(['fork1', 'fork2']));
    assert.equal(a.views.at(-1)?.state, 'active');
  });

  it('a NOTIFY refused as out of order (500) makes the watcher ask for the current state at once, at most every 2 s', async () => {
    // Kamailio builds two NOTIFYs of one subscription in two workers: the one built first (stale) can leave last with
    // the higher CSeq. We must refuse the lower CSeq (RFC 3261 §12.2.2) — and then refresh, so the notifier sends what
    // it holds now instead of the stale state staying on the lamp until the next change.
    const { w, alice, server } = await aliceBehindProxy();
    let status: PersonStatus = 'available';
    let cseq = 0;
    let sub: SipRequest | undefined;
    const notify = (seq: number, s: PersonStatus) => {
      const n = new SipRequest('NOTIFY', 'sip:alice@10.0.0.2:5070');
      n.headers.append('Max-Forwards', '70');
      n.headers.append('From', '<sip:bob@sipA.test>;tag=n1');
      n.headers.append('To', sub!.headers.get('From')!);
      n.headers.append('Call-ID', sub!.headers.get('Call-ID')!);
      n.headers.append('CSeq', `${seq} NOTIFY`);
      n.headers.append('Contact', '<sip:bob@10.0.0.9:5060>');
      n.headers.append('Event', 'presence');
      n.headers.append('Subscription-State', 'active;expires=600');
      n.headers.append('Content-Type', PIDF_TYPE);
      n.body = Buffer.from(buildPidf({ entity: 'sip:bob@sipA.test', status: s, tupleId: 't' }));
      const answered = new Promise<number>((resolve) => server.layer.sendRequest(n, [{ protocol: 'udp', address: '10.0.0.2', port: 5070 }], { onResponse: (r) => resolve(r.status) }));
      return answered;
    };
    server.handle = (request, tx) => {
      const ok = createResponse(request, 200, 'OK');
      if (request.method === 'SUBSCRIBE') {
        sub ??= request;
        if (!request.headers.get('To')!.includes('tag=')) ok.headers.set('To', `${request.headers.get('To')};tag=n1`);
        ok.headers.set('Expires', '600');
        ok.headers.set('Contact', '<sip:bob@10.0.0.9:5060>');
      }
      tx.respond(ok);
      if (request.method === 'SUBSCRIBE') void notify(++cseq, status);
    };
    const events = new EventAgent(alice.ua);
    const a = watch(events, 'alice', 'sip:bob@sipA.test');
    await w.settle(20);
    assert.deepEqual(a.statuses(), ['available']);
    // The notifier's state moves to busy; its NOTIFYs cross: the stale one (available) has the higher CSeq.
    status = 'busy';
    cseq += 2;
    const stale = notify(cseq, 'available');
    await w.settle(20);
    const refused = notify(cseq - 1, 'busy');
    await w.settle(20);
    assert.equal(await stale, 200);
    assert.equal(await refused, 500);
    assert.equal(server.of('SUBSCRIBE').length, 2, 'the refusal drew a refresh at once (the timer would wait 560 s)');
    assert.deepEqual(a.statuses(), ['available', 'available', 'busy'], 'and the refresh brought the current state');
    // A notifier that keeps crossing its NOTIFYs does not make us SUBSCRIBE for each.
    for (let i = 0; i < 5; i++) {
      const late = notify(1, 'away');
      await w.settle(5);
      assert.equal(await late, 500);
    }
    assert.equal(server.of('SUBSCRIBE').length, 2, 'at most one such refresh per 2 s');
    await w.run(2_500, 500);
    assert.equal(await notify(1, 'away'), 500);
    await w.settle(20);
    assert.equal(server.of('SUBSCRIBE').length, 3);
  });

  it('200 subscriptions start a few at a time and end a few at a time: at most SUBSCRIBES_IN_FLIGHT SUBSCRIBEs wait for an answer, in order, and all become active', async () => {
    const { w, alice, server } = await aliceBehindProxy();
    const unanswered: { request: SipRequest; tx: Parameters<NonNullable<typeof server.handle>>[1] }[] = [];
    let seq = 0;
    server.handle = (request, tx) => {
      if (request.method === 'SUBSCRIBE') unanswered.push({ request, tx });
      else tx.respond(createResponse(request, 200, 'OK'));
    };
    const answer = (request: SipRequest, tx: (typeof unanswered)[number]['tx']) => {
      const ok = createResponse(request, 200, 'OK');
      const tag = `n${++seq}`;
      ok.headers.set('To', `${request.headers.get('To')};tag=${tag}`);
      ok.headers.set('Expires', '3600');
      ok.headers.set('Contact', '<sip:pres@10.0.0.9:5060>');
      tx.respond(ok);
      const n = new SipRequest('NOTIFY', 'sip:alice@10.0.0.2:5070');
      n.headers.append('Max-Forwards', '70');
      n.headers.append('From', `${request.headers.get('To')};tag=${tag}`);
      n.headers.append('To', request.headers.get('From')!);
      n.headers.append('Call-ID', request.headers.get('Call-ID')!);
      n.headers.append('CSeq', '1 NOTIFY');
      n.headers.append('Contact', '<sip:pres@10.0.0.9:5060>');
      n.headers.append('Event', 'presence');
      n.headers.append('Subscription-State', 'active;expires=3600');
      server.layer.sendRequest(n, [{ protocol: 'udp', address: '10.0.0.2', port: 5070 }], { onResponse: () => {} });
    };
    const events = new EventAgent(alice.ua);
    const subs = Array.from({ length: 200 }, (_, i) => watch(events, 'alice', `sip:line${i}@sipA.test`, 3600));
    let most = 0;
    const order: string[] = [];
    for (let round = 0; round < 200 && subs.some((s) => s.sub.state !== 'subscribed'); round++) {
      await w.settle(4);
      most = Math.max(most, unanswered.length);
      for (const { request, tx } of unanswered.splice(0)) {
        order.push(request.uri);
        answer(request, tx);
      }
    }
    assert.equal(subs.filter((s) => s.views.at(-1)?.state === 'active').length, 200, 'every subscription became active');
    assert.equal(most, SUBSCRIBES_IN_FLIGHT, `at most ${SUBSCRIBES_IN_FLIGHT} SUBSCRIBEs out at once (saw ${most})`);
    assert.deepEqual(order.slice(0, 3), ['sip:line0@sipA.test', 'sip:line1@sipA.test', 'sip:line2@sipA.test'], 'in the order they were asked for');
    assert.equal(server.of('SUBSCRIBE').length, 200, 'none was sent twice (no retransmission: none waited long)');

    // Stopping unsubscribes the same way: a burst of 200 (or 1,000) Expires: 0 at once is what a presence server
    // refuses (Kamailio out of shared memory: 500) — those subscriptions then live on there for their hour.
    const stopped = events.shutdown();
    let mostOut = 0;
    let unsubscribes = 0;
    for (let round = 0; round < 200 && unsubscribes < 200; round++) {
      await w.settle(4);
      mostOut = Math.max(mostOut, unanswered.length);
      for (const { request, tx } of unanswered.splice(0)) {
        assert.equal(request.headers.get('Expires'), '0');
        unsubscribes++;
        tx.respond(createResponse(request, 200, 'OK'));
      }
    }
    await stopped;
    assert.equal(unsubscribes, 200, 'every subscription was ended');
    assert.equal(mostOut, SUBSCRIBES_IN_FLIGHT, `at most ${SUBSCRIBES_IN_FLIGHT} unsubscribes out at once (saw ${mostOut})`);
  });

  it('bounds what a remote party can make us keep: subscriptions to us per source, and NOTIFY bodies', async () => {
    const w = world();
    const bob = phone(w, 'bob', '10.0.0.3', 5080);
    const events = new EventAgent(bob.ua);
    events.serve(presenceServer({ status: 'available' }));
    const probe = w.server('10.0.0.9', 5060);
    const answers: number[] = [];
    for (let i = 0; i < EVENT_LIMITS.notifiersPerSource + 2; i++) {
      answers.push((await ask(w, probe, 'SUBSCRIBE', 'sip:bob@10.0.0.3:5080', [['Event', 'presence'], ['Contact', `<sip:probe${i}@10.0.0.9>`], ['Expires', '600']])).status);
    }
    assert.equal(answers.filter((s) => s === 200).length, EVENT_LIMITS.notifiersPerSource);
    assert.deepEqual(answers.slice(-2), [503, 503]);
    assert.equal(events.notifierCount, EVENT_LIMITS.notifiersPerSource);
    assert.equal((await ask(w, probe, 'SUBSCRIBE', 'sip:bob@10.0.0.3:5080', [['Event', 'conference'], ['Contact', '<sip:p@10.0.0.9>']])).status, 489);
    assert.equal((await ask(w, probe, 'SUBSCRIBE', 'sip:bob@10.0.0.3:5080', [['Contact', '<sip:p@10.0.0.9>']])).status, 400);
    assert.equal((await ask(w, probe, 'SUBSCRIBE', 'sip:bob@10.0.0.3:5080', [['Event', 'presence'], ['Contact', '<sip:p@10.0.0.9>'], ['Expires', '5']])).status, 423);
    assert.equal((await ask(w, probe, 'SUBSCRIBE', 'sip:nobody@10.0.0.3:5080', [['Event', 'presence'], ['Contact', '<sip:p@10.0.0.9>']])).status, 404);
    const huge = 'x'.repeat(EVENT_LIMITS.notifyBodyBytes + 1);
    assert.equal((await ask(w, probe, 'NOTIFY', 'sip:bob@10.0.0.3:5080', [['Event', 'message-summary'], ['Content-Type', 'application/simple-message-summary']], huge)).status, 413);
    assert.equal((await ask(w, probe, 'NOTIFY', 'sip:bob@10.0.0.3:5080', [['Event', 'message-summary'], ['Subscription-State', 'active']], 'Messages-Waiting: yes\r\n')).status, 489, 'no handler for unsolicited summaries yet');
    const got: string[] = [];
    events.onUnsolicited('message-summary', (n) => got.push(`${n.accountId}:${n.body.toString()}`));
    assert.equal((await ask(w, probe, 'NOTIFY', 'sip:bob@10.0.0.3:5080', [['Event', 'message-summary'], ['Subscription-State', 'active']], 'Messages-Waiting: yes\r\n')).status, 200);
    assert.deepEqual(got, ['bob:Messages-Waiting: yes\r\n']);
  });
});
