import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingCallSnapshot, Settings } from '../../../electron/api/contract.ts';
import { actionsSupported, cleanText, incomingCallNotice, shortAddress, shouldFocusOnIncoming, shouldNotify } from '../../../electron/desktop/incoming-call-notice.ts';

function call(remote: Partial<IncomingCallSnapshot['remote']>, extra: Partial<IncomingCallSnapshot> = {}): IncomingCallSnapshot {
  return { id: 'c1', accountId: 'a', direction: 'in', state: 'incoming', remote: { uri: 'sip:bob@example.com', ...remote }, localIdentity: 'sip:me@example.com', calledAlias: 'sip:+554845678901@example.com;user=phone', startedAt: 0, muted: false, held: false, earlyMedia: false, srtp: false, ...extra } as IncomingCallSnapshot;
}

test('title names the contact or the caller, body the address and which alias was called', () => {
  const n = incomingCallNotice(call({ displayName: 'Bob B.' }), 'linux');
  assert.equal(n.title, 'Bob B. is calling');
  assert.equal(n.body, 'bob@example.com to +554845678901@example.com');
  const c = incomingCallNotice(call({ displayName: 'Spoofed', contactName: 'Bob Builder' }, { contact: { id: 'k', name: 'Bob (work)', addresses: [], numbers: [], favorite: false } }), 'linux');
  assert.equal(c.title, 'Bob (work) is calling', 'the contact book wins over the network-supplied name');
  const anon = incomingCallNotice(call({ uri: 'sip:+15550100@example.com' }, { calledAlias: '' }), 'linux');
  assert.equal(anon.title, '+15550100@example.com is calling');
  assert.equal(anon.body, 'Incoming call');
});

test('Answer/Decline buttons where the platform has notification actions', () => {
  assert.equal(actionsSupported('darwin'), true);
  assert.equal(actionsSupported('win32'), true);
  assert.equal(actionsSupported('linux'), false);
  const mac = incomingCallNotice(call({}), 'darwin');
  assert.deepEqual(mac.actions.map((a) => a.text), ['Answer', 'Decline']);
  assert.deepEqual(mac.actionCommands, ['answer', 'decline']);
  assert.deepEqual(incomingCallNotice(call({}), 'linux').actions, []);
});

test('network-supplied names lose control and bidi characters and are clipped', () => {
  assert.equal(cleanText('Bob\u202e\u0000\r\n Evil'), 'Bob Evil');
  assert.equal(cleanText('x'.repeat(200)).length, 80);
  assert.equal(shortAddress('sips:alice@example.com;transport=tls?x=y'), 'alice@example.com');
  assert.equal(shortAddress('tel:+1555'), '+1555');
  const n = incomingCallNotice(call({ displayName: '\u202eevil\u202c' }), 'linux');
  assert.equal(n.title, 'evil is calling');
});

test('no notification in Do Not Disturb; no focus stealing unless asked', () => {
  assert.equal(shouldNotify({ dnd: true } as Settings), false);
  assert.equal(shouldNotify({ dnd: false } as Settings), true);
  assert.equal(shouldFocusOnIncoming({}), false);
  assert.equal(shouldFocusOnIncoming({ focusOnIncomingCall: false }), false);
  assert.equal(shouldFocusOnIncoming({ focusOnIncomingCall: true }), true);
});
