/**
 * Call forwarding's decisions (call-forwarding.ts) on a fake clock: which
 * rule applies (always, busy including do-not-disturb, no answer after N s),
 * the loop guard, and the forwarder redirecting a ringing call with 302 and
 * Diversion when the no-answer timer fires — and not when the call was
 * answered or cancelled first.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { emptyForwardingRule, MAX_FORWARD_HOPS, type ForwardingRule } from '../../../electron/api/forwarding-contract.ts';
import { nullLogger } from '../../../electron/common/logger.ts';
import { CallForwarder, decideForward, forwardLoop } from '../../../electron/phone/call-forwarding.ts';
import type { PhoneCall } from '../../../electron/phone/phone-call.ts';
import type { IncomingCall } from '../../../electron/sip/ua/index.ts';
import type { Account } from '../../../electron/phone/account.ts';
import { describeForward } from '../../../electron/phone/forward-words.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

const rule = (r: Partial<ForwardingRule>): ForwardingRule => ({ ...emptyForwardingRule(), ...r });
const idle = { dnd: false, busy: false, autoAnswer: false };

describe('decideForward', () => {
  test('always wins over everything, at once', () => {
    assert.deepEqual(decideForward(rule({ always: '200', busy: '300', noAnswer: '400' }), { dnd: true, busy: true, autoAnswer: false }), { kind: 'now', reason: 'always', target: '200' });
  });

  test('busy forwards at once while another call is up, and under do-not-disturb', () => {
    const r = rule({ busy: '300', noAnswer: '400', noAnswerAfterS: 15 });
    assert.deepEqual(decideForward(r, { ...idle, busy: true }), { kind: 'now', reason: 'busy', target: '300' });
    assert.deepEqual(decideForward(r, { ...idle, dnd: true }), { kind: 'now', reason: 'busy', target: '300' });
    assert.deepEqual(decideForward(r, idle), { kind: 'after', ms: 15_000, target: '400' });
  });

  test('no answer: armed only when a person could answer (not under DND without a busy rule, not auto-answer)', () => {
    const r = rule({ noAnswer: '400', noAnswerAfterS: 5 });
    assert.deepEqual(decideForward(r, idle), { kind: 'after', ms: 5000, target: '400' });
    assert.deepEqual(decideForward(r, { ...idle, dnd: true }), { kind: 'none' }, 'DND refuses the call as before');
    assert.deepEqual(decideForward(r, { ...idle, autoAnswer: true }), { kind: 'none' });
    assert.deepEqual(decideForward(rule({}), { ...idle, busy: true }), { kind: 'none' });
  });
});

describe('forwardLoop', () => {
  const own = ['sip:bob@sip.test', 'sip:+15550100@sip.test'];
  test('never to one of our own addresses, nor back to a party that forwarded the call', () => {
    assert.match(forwardLoop('sip:bob@sip.test', { parties: [], hops: 0 }, own)!, /this phone/);
    assert.match(forwardLoop('sip:carol@sip.test', { parties: ['sip:carol@sip.test'], hops: 1 }, own)!, /forwarded this call already/);
    assert.equal(forwardLoop('sip:carol@sip.test', { parties: ['sip:dave@sip.test'], hops: 1 }, own), undefined);
  });
  test('bounded: a call forwarded MAX_FORWARD_HOPS times is not forwarded again', () => {
    assert.equal(forwardLoop('sip:carol@sip.test', { parties: [], hops: MAX_FORWARD_HOPS - 1 }, own), undefined);
    assert.match(forwardLoop('sip:carol@sip.test', { parties: [], hops: MAX_FORWARD_HOPS }, own)!, /forwarded 5 times/);
  });
});

/** A ringing incoming call as the forwarder sees it. */
function ringingCall(calledAlias = 'sip:bob@sip.test', chain = { parties: [] as string[], hops: 0 }) {
  const events = new EventEmitter();
  const sip = Object.assign(events, {
    direction: 'incoming' as const,
    state: 'incoming' as 'incoming' | 'connecting' | 'ended',
    calledAlias,
    identity: { withheld: false, forwardChain: chain },
    redirected: [] as Array<{ target: string; headers: [string, string][] }>,
    redirect(target: string, headers: [string, string][]) {
      sip.redirected.push({ target, headers });
      sip.setState('ended');
    },
    ring() {},
    setState(state: 'incoming' | 'connecting' | 'ended') {
      sip.state = state;
      events.emit('state', { state });
    },
  });
  let forward: PhoneCall['forwardedTo'];
  const call = {
    id: 'c1',
    accountId: 'acc',
    sip,
    get ended() {
      return sip.state === 'ended';
    },
    get ringingIn() {
      return sip.state === 'incoming';
    },
    get forwarding() {
      return false;
    },
    get forwardedTo() {
      return forward;
    },
    setForward(f: NonNullable<PhoneCall['forwardedTo']>) {
      forward = f;
    },
  };
  return { sip, call, asCall: call as unknown as PhoneCall, asSip: sip as unknown as IncomingCall };
}

function forwarder(r: ForwardingRule, clock: FakeClock) {
  const account = { id: 'acc', aor: 'sip:bob@sip.test', aliases: [] } as unknown as Account;
  return new CallForwarder({
    clock,
    logger: nullLogger,
    accounts: { get: () => account },
    rules: { ruleFor: () => r },
    placeLeg: () => {
      throw new Error('no bridge in this test');
    },
  });
}

describe('CallForwarder on a fake clock', () => {
  test('no answer after N s: 302 to the target with Contact and Diversion reason=no-answer, exactly at N s', () => {
    const clock = new FakeClock();
    const f = forwarder(rule({ noAnswer: '200', noAnswerAfterS: 8 }), clock);
    const { sip, call, asCall, asSip } = ringingCall();
    assert.equal(f.incoming(asCall, asSip, idle), false, 'it rings first');
    clock.advance(7999);
    assert.equal(sip.redirected.length, 0);
    clock.advance(1);
    assert.equal(sip.redirected.length, 1);
    assert.equal(sip.redirected[0]!.target, 'sip:200@sip.test;user=phone');
    assert.deepEqual(sip.redirected[0]!.headers, [['Diversion', '<sip:bob@sip.test>;reason=no-answer;counter=1']]);
    assert.equal(call.forwardedTo?.reason, 'no-answer');
    assert.equal(describeForward(call.forwardedTo!), 'forwarded to 200@sip.test, no answer');
  });

  test('answered (or cancelled) before N s: the timer is cleared, nothing is forwarded', () => {
    const clock = new FakeClock();
    const f = forwarder(rule({ noAnswer: '200', noAnswerAfterS: 5 }), clock);
    const answered = ringingCall();
    f.incoming(answered.asCall, answered.asSip, idle);
    clock.advance(3000);
    answered.sip.setState('connecting');
    const cancelled = ringingCall();
    f.incoming(cancelled.asCall, cancelled.asSip, idle);
    cancelled.sip.setState('ended');
    clock.advance(10_000);
    assert.equal(answered.sip.redirected.length + cancelled.sip.redirected.length, 0);
  });

  test('busy: a decline with 486 forwards instead; 603 declines as asked', () => {
    const clock = new FakeClock();
    const f = forwarder(rule({ busy: 'carol@sip.test' }), clock);
    const a = ringingCall();
    assert.equal(f.declined(a.asCall, 603), false);
    assert.equal(f.declined(a.asCall, 486), true);
    assert.equal(a.sip.redirected[0]!.target, 'sip:carol@sip.test');
    assert.match(a.sip.redirected[0]!.headers[0]![1], /reason=user-busy/);
  });

  test('do-not-disturb with a busy rule forwards at once; a loop rings here instead', () => {
    const clock = new FakeClock();
    const f = forwarder(rule({ busy: 'carol@sip.test' }), clock);
    const a = ringingCall();
    assert.equal(f.incoming(a.asCall, a.asSip, { ...idle, dnd: true }), true);
    assert.equal(a.sip.redirected.length, 1);
    const looped = ringingCall('sip:bob@sip.test', { parties: ['sip:carol@sip.test'], hops: 1 });
    assert.equal(f.incoming(looped.asCall, looped.asSip, { ...idle, dnd: true }), false, 'carol forwarded it to us: not back to carol');
    assert.equal(looped.sip.redirected.length, 0);
  });
});
