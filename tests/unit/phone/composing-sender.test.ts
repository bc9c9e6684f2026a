/** Our RFC 3994 sender (phone/composing-sender.ts) on a fake clock: active once, refreshed after 90 s, idle after 15 s quiet. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ComposingSender } from '../../../electron/phone/composing-sender.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

test('keystrokes send active once, again after the refresh, idle after 15 s without typing; sending the message sends nothing', () => {
  const clock = new FakeClock();
  const sent: string[] = [];
  const s = new ComposingSender(clock, (peer, active) => sent.push(`${peer}:${active ? 'active' : 'idle'}`));
  s.typing('sip:bob@x');
  for (let i = 0; i < 9; i++) {
    clock.advance(10_000);
    s.typing('sip:bob@x');
  }
  assert.deepEqual(sent, ['sip:bob@x:active', 'sip:bob@x:active'], 'a second active only once 90 s have passed');
  clock.advance(14_999);
  assert.equal(sent.length, 2);
  clock.advance(1);
  assert.deepEqual(sent.slice(2), ['sip:bob@x:idle']);
  s.typing('sip:carol@x');
  s.sent('sip:carol@x');
  clock.advance(60_000);
  assert.deepEqual(sent.slice(3), ['sip:carol@x:active'], 'no idle after the message itself');
  s.typing('sip:dave@x');
  s.stopped('sip:dave@x');
  s.stopped('sip:dave@x');
  assert.deepEqual(sent.slice(4), ['sip:dave@x:active', 'sip:dave@x:idle']);
});

test('at most 32 peers are tracked: the oldest is stopped to make room', () => {
  const clock = new FakeClock();
  const sent: string[] = [];
  const s = new ComposingSender(clock, (peer, active) => sent.push(`${peer}:${active}`));
  for (let i = 0; i < 33; i++) s.typing(`sip:p${i}@x`);
  assert.equal(sent.filter((x) => x.endsWith(':false')).length, 1);
  assert.ok(sent.includes('sip:p0@x:false'));
  s.close();
  clock.advance(20_000);
  assert.equal(sent.filter((x) => x.endsWith(':false')).length, 1, 'closed: no timer fires');
});
