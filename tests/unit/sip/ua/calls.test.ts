import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cseqOf } from '../../../../electron/sip/message/index.ts';
import type { CallEnd } from '../../../../electron/sip/ua/call-events.ts';
import { ANSWER, OFFER, fixedMedia } from './ua-world.ts';
import { twoPhones } from './two-phones.ts';

describe('calls between two UserAgents', () => {
  it('answer, then BYE from the caller: states, offer/answer through the hooks, both ends told', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    const aliceStates: string[] = [];
    call.on('state', (s) => aliceStates.push(s.state));
    await w.settle();
    assert.equal(bob.incoming.length, 1);
    const inc = bob.incoming[0]!;
    assert.equal(inc.state, 'incoming');
    assert.equal(inc.remote.uri, 'sip:alice@sipA.test');
    assert.equal(inc.remote.displayName, 'Alice');
    assert.equal(inc.calledAlias, 'sip:bob@sipA.test');
    assert.deepEqual(bob.media.offersAnswered, [OFFER]);
    const bobStates: string[] = [];
    inc.on('state', (s) => bobStates.push(s.state));
    inc.ring();
    await w.settle();
    assert.equal(call.state, 'ringing');
    await inc.accept();
    await w.settle();
    assert.equal(call.state, 'active');
    assert.equal(inc.state, 'active');
    assert.deepEqual(alice.media.answersSet, [ANSWER]);
    assert.equal(w.network.find('ACK').length, 1);
    assert.equal(call.id, inc.id, 'one Call-ID on both sides');

    const ends: CallEnd[] = [];
    inc.on('ended', (e) => ends.push(e));
    await call.hangup();
    await w.settle();
    assert.equal(call.state, 'ended');
    assert.equal(call.end?.cause, 'local-hangup');
    assert.equal(call.end?.outcome?.status, 200);
    assert.deepEqual(ends, [{ cause: 'remote-hangup', by: 'remote' }]);
    assert.deepEqual(aliceStates, ['ringing', 'connecting', 'active', 'ending', 'ended']);
    assert.deepEqual(bobStates, ['connecting', 'active', 'ended']);
    assert.equal(alice.media.closed + bob.media.closed, 2);
    assert.equal(alice.ua.calls.length + bob.ua.calls.length, 0);
    assert.deepEqual(w.logs.filter((l) => l.level === 'error'), []);
  });

  it('both hang up at once (crossing BYEs, as transferor and transferee after a transfer): each call ends as a hang-up, not with the 481 its BYE may get', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    await w.settle();
    const inc = bob.incoming[0]!;
    await inc.accept();
    await w.settle();
    const done = Promise.all([call.hangup(), inc.hangup()]);
    await w.settle();
    await done;
    assert.equal(w.network.find('BYE').length, 2, 'both sent BYE');
    for (const end of [call.end, inc.end]) {
      assert.ok(end && (end.cause === 'local-hangup' || end.cause === 'remote-hangup'), JSON.stringify(end));
      assert.notEqual(end.outcome?.status, 481, `a crossing BYE's 481 is no failure: ${JSON.stringify(end)}`);
    }
    assert.equal(alice.ua.calls.length + bob.ua.calls.length, 0);
  });

  it('the callee hangs up', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    await w.settle();
    await bob.incoming[0]!.accept();
    await w.settle();
    await bob.incoming[0]!.hangup();
    await w.settle();
    assert.deepEqual(call.end, { cause: 'remote-hangup', by: 'remote' });
    assert.equal(bob.incoming[0]!.end?.cause, 'local-hangup');
  });

  for (const [status, words] of [[486, 'busy'], [603, 'declined']] as const) {
    it(`decline with ${status}: the caller ends 'rejected' with "${words}"`, async () => {
      const { w, alice, bob } = twoPhones();
      const call = alice.ua.call(bob.uri, { accountId: 'alice' });
      await w.settle();
      bob.incoming[0]!.ring();
      await w.settle();
      bob.incoming[0]!.decline(status);
      await w.settle();
      assert.equal(call.state, 'ended');
      assert.equal(call.end?.cause, 'rejected');
      assert.equal(call.end?.by, 'remote');
      assert.equal(call.end?.outcome?.status, status);
      assert.equal(call.end?.outcome?.words, words);
      assert.equal(bob.incoming[0]!.end?.cause, 'rejected');
      assert.equal(w.network.find('ACK').length, 1, 'the non-2xx was ACKed by the transaction');
    });
  }

  it('cancel after 180: CANCEL, 487, both sides end "cancelled"', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    await w.settle();
    bob.incoming[0]!.ring();
    await w.settle();
    call.cancel();
    assert.equal(call.state, 'cancelling');
    await w.settle();
    assert.equal(w.network.find('CANCEL').length, 1);
    assert.equal(call.end?.cause, 'cancelled');
    assert.equal(call.end?.outcome?.status, 487);
    assert.equal(bob.incoming[0]!.end?.cause, 'cancelled');
    assert.equal(bob.incoming[0]!.end?.by, 'remote');
  });

  it('cancel before any provisional: the CANCEL waits for one, then the call ends with 487', async () => {
    const { w, alice, bob } = twoPhones();
    let release: (() => void) | undefined;
    // Bob's media engine is slow: no 100 (autoTrying off) and no 180 until it answers.
    bob.media.factory = ((orig) => (info) => {
      const hook = orig(info);
      return { ...hook, answerOffer: (o) => new Promise((r) => (release = () => void hook.answerOffer(o).then(r))) };
    })(bob.media.factory);
    const slowBob = bob.ua;
    void slowBob;
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    await w.settle();
    call.cancel();
    await w.settle();
    assert.equal(w.network.find('CANCEL').length, 0, 'no CANCEL before a provisional response (§9.1)');
    assert.equal(call.state, 'cancelling');
    release?.();
    await w.settle();
    // Bob announced the call; it rings.
    bob.incoming[0]?.ring();
    await w.settle();
    assert.equal(w.network.find('CANCEL').length, 1);
    assert.equal(call.end?.cause, 'cancelled');
    assert.equal(call.end?.outcome?.status, 487);
  });

  it('cancel when no provisional ever comes: Timer B ends the call (408), still "cancelled"', async () => {
    const { w, alice } = twoPhones();
    w.network.drop = (p) => p.message.kind === 'request' && p.message.method === 'INVITE';
    const call = alice.ua.call('sip:bob@10.0.0.3:5080', { accountId: 'alice' });
    await w.settle();
    call.cancel();
    await w.run(31_000);
    assert.equal(call.state, 'cancelling');
    await w.run(2_000);
    assert.equal(call.state, 'ended');
    assert.equal(call.end?.cause, 'cancelled');
    assert.equal(call.end?.outcome?.status, 408);
    assert.equal(call.end?.outcome?.local, 'timeout');
  });

  it('a 2xx that crosses our CANCEL is ACKed and then ended with BYE', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    await w.settle();
    bob.incoming[0]!.ring();
    await w.settle();
    // Bob answers at the very moment Alice cancels: the 200 is already on its way.
    void bob.incoming[0]!.accept();
    call.cancel();
    assert.equal(call.state, 'cancelling');
    await w.settle();
    assert.equal(call.end?.cause, 'cancelled');
    assert.equal(w.network.find('ACK').length, 1);
    assert.equal(w.network.find('BYE').length, 1);
    assert.equal(bob.incoming[0]!.end?.cause, 'remote-hangup');
  });

  it('488 when the callee\'s media engine refuses the offer; the callee is never rung', async () => {
    const { w, alice, bob } = twoPhones();
    bob.media.refuse = true;
    const refused: number[] = [];
    bob.ua.on('callRefused', (r) => refused.push(r.outcome.status));
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    await w.settle();
    assert.equal(bob.incoming.length, 0);
    assert.deepEqual(refused, [488]);
    assert.equal(call.end?.outcome?.status, 488);
    assert.equal(call.end?.outcome?.words, 'no common codec');
    assert.equal(bob.media.closed, 1, 'the refused hook was released');
  });

  it('nobody listening for calls: 480; an unknown user: 404', async () => {
    const { w, alice, bob } = twoPhones();
    const lonely = w.ua('10.0.0.4', 5090, { media: fixedMedia().factory });
    lonely.addAccount({ id: 'x', aor: 'sip:carol@sipA.test', registerExpires: 0 });
    const toLonely = alice.ua.call('sip:carol@10.0.0.4:5090', { accountId: 'alice' });
    const toNobody = alice.ua.call('sip:nobody@10.0.0.3:5080', { accountId: 'alice' });
    await w.settle();
    assert.equal(toLonely.end?.outcome?.status, 480);
    assert.equal(toLonely.end?.outcome?.words, 'not reachable now');
    assert.equal(toNobody.end?.outcome?.status, 404);
    assert.equal(toNobody.end?.outcome?.words, 'no such user');
    void bob;
  });

  it('early media: 183 with SDP flags the call and hands the answer to the hook', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call(bob.uri, { accountId: 'alice' });
    const progress: boolean[] = [];
    call.on('progress', (p) => progress.push(p.earlyMedia));
    await w.settle();
    bob.incoming[0]!.startEarlyMedia();
    await w.settle();
    assert.equal(call.state, 'early');
    assert.equal(call.earlyMedia, true);
    assert.deepEqual(progress, [true]);
    assert.deepEqual(alice.media.answersSet, [ANSWER]);
    await bob.incoming[0]!.accept();
    await w.settle();
    assert.equal(call.state, 'active');
    // Both support 100rel: the 183 went reliably (PRACKed), so the 2xx carries no SDP and the early answer stays.
    assert.equal(alice.media.answersSet.length, 1, 'the session of the 183 is the call\'s');
  });

  it('an INVITE without offer: the callee offers in the 200, the answer comes in the ACK', async () => {
    const { w, alice, bob } = twoPhones();
    const call = alice.ua.call(bob.uri, {
      accountId: 'alice',
      media: { createOffer: async () => '', answerOffer: async () => ({ answer: 'x' }), setAnswer: async () => {} },
    });
    await w.settle();
    // An empty offer leaves the body empty: bob sees an offerless INVITE.
    assert.equal(bob.incoming[0]!.request.body.length, 0);
    await bob.incoming[0]!.accept();
    await w.settle();
    assert.equal(bob.media.offers.length, 1);
    // Alice's hook gave no answer in the ACK, so Bob ends the call (§13.3.1.4 offer without answer).
    assert.equal(bob.incoming[0]!.end?.cause, 'media-failed');
    assert.ok(call.isEnded);
    void cseqOf;
  });
});

describe('calling oneself', () => {
  it('a UA calling one of its own accounts holds both ends of one Call-ID', async () => {
    const { w, alice } = twoPhones();
    alice.ua.addAccount({ id: 'alice2', aor: 'sip:alice2@sipA.test', registerExpires: 0 });
    const out = alice.ua.call('sip:alice2@10.0.0.2:5070', { accountId: 'alice' });
    await w.settle();
    assert.equal(alice.incoming.length, 1);
    assert.equal(alice.incoming[0]!.account.id, 'alice2');
    assert.equal(alice.ua.calls.length, 2);
    await alice.incoming[0]!.accept();
    await w.settle();
    assert.equal(out.state, 'active');
    await out.hangup();
    await w.settle();
    assert.equal(alice.incoming[0]!.end?.cause, 'remote-hangup');
    assert.equal(alice.ua.calls.length, 0);
  });
});
