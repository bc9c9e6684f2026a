import { after, afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../../electron/phone/store/store.ts';
import { MessagesRepository } from '../../../../electron/phone/store/messages-repository.ts';
import { AccountsRepository } from '../../../../electron/phone/store/accounts-repository.ts';
import type { TextMessageInput } from '../../../../electron/phone/text-message.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { expectStoreError } from './expect-store-error.ts';

after(removeTempDirs);

let store: Store;
let messages: MessagesRepository;
let accountId: string;
beforeEach(() => {
  store = Store.open(tempDir());
  messages = new MessagesRepository(store);
  accountId = new AccountsRepository(store).add({ aor: 'sip:johndoe@sipA.test' }).id;
});
afterEach(() => store.close());

test('incoming messages are received; outgoing ones sending until their outcome (delivered, stored, failed with the answer)', () => {
  const got = messages.add({ direction: 'in', peerUri: 'sip:bob@sipB.test', body: 'Olá! 👋', timestamp: 1000, accountId, localAlias: 'sip:johndoe@sipA.test' });
  assert.deepEqual(got, {
    id: got.id, direction: 'in', peerUri: 'sip:bob@sipB.test', body: 'Olá! 👋', contentType: 'text/plain', timestamp: 1000, accountId, status: 'received',
    localAlias: 'sip:johndoe@sipA.test', code: null, reason: null,
  });
  const sent = messages.add({ direction: 'out', peerUri: 'sip:bob@sipB.test', body: 'hi', timestamp: 2000, accountId, contentType: 'text/plain;charset=UTF-8' });
  assert.equal(sent.status, 'sending');
  assert.equal(messages.setOutcome(sent.id, 'delivered', { code: 200, reason: 'OK' }).status, 'delivered');
  assert.deepEqual([messages.get(sent.id)?.status, messages.get(sent.id)?.code, messages.get(sent.id)?.reason], ['delivered', 200, 'OK']);
  const later = messages.add({ direction: 'out', peerUri: 'sip:bob@sipB.test', body: 'offline?', timestamp: 3000 });
  messages.setOutcome(later.id, 'failed', { code: 480, reason: 'Temporarily\r\nUnavailable' });
  assert.equal(messages.get(later.id)?.reason, 'Temporarily  Unavailable', 'no control characters from a reason phrase');
  expectStoreError(() => messages.setOutcome(got.id, 'delivered'), 'invalid', 'status');
  expectStoreError(() => messages.setOutcome(sent.id, 'received'), 'invalid', 'status');
  expectStoreError(() => messages.setOutcome(sent.id + 100, 'failed'), 'not-found');
});

test('conversations: unread counts up to the read marker, requests until answered or allowed, blocked stays blocked', () => {
  const stranger = 'sip:spam@evil.test';
  messages.add({ direction: 'in', peerUri: 'sip:bob@x.test', body: 'one', timestamp: 1 });
  messages.add({ direction: 'in', peerUri: 'sip:bob@x.test', body: 'two', timestamp: 2 });
  messages.add({ direction: 'in', peerUri: stranger, body: 'buy now', timestamp: 3 }, 'request');
  const byPeer = () => Object.fromEntries(messages.conversations().map((c) => [c.peerUri, [c.unread, c.state, c.count]]));
  assert.deepEqual(byPeer(), { 'sip:bob@x.test': [2, 'open', 2], [stranger]: [1, 'request', 1] });
  assert.equal(messages.unreadTotal(), 3);
  assert.equal(messages.markRead('sip:bob@x.test'), true);
  assert.equal(messages.markRead('sip:bob@x.test'), false, 'nothing new to mark');
  messages.add({ direction: 'in', peerUri: 'sip:bob@x.test', body: 'three', timestamp: 4 });
  assert.deepEqual(byPeer()['sip:bob@x.test'], [1, 'open', 3]);
  // A second message from the stranger keeps the request; our answer opens it.
  messages.add({ direction: 'in', peerUri: stranger, body: 'again', timestamp: 5 }, 'request');
  assert.equal(messages.stateOf(stranger), 'request');
  messages.add({ direction: 'out', peerUri: stranger, body: 'who is this?', timestamp: 6 });
  assert.equal(messages.stateOf(stranger), 'open');
  messages.setState(stranger, 'blocked');
  assert.equal(messages.unreadTotal(), 1, 'a blocked conversation counts no unread');
  messages.removeConversation(stranger);
  assert.equal(messages.stateOf(stranger), 'blocked', 'deleting the messages does not unblock');
  assert.deepEqual(messages.conversations({ search: 'three' }).map((c) => c.peerUri), ['sip:bob@x.test']);
  assert.deepEqual(messages.conversations({ search: '100%' }), [], 'LIKE wildcards are taken literally');
  assert.deepEqual(messages.list({ text: 'TWO' }).map((m) => m.body), ['two']);
  expectStoreError(() => messages.setState('sip:a@x.test', 'weird' as 'open'), 'invalid', 'state');
});

test('trimRequests keeps the newest unanswered strangers and deletes the rest with their messages', () => {
  for (let i = 0; i < 8; i++) messages.add({ direction: 'in', peerUri: `sip:s${i}@x.test`, body: `hi ${i}`, timestamp: i }, 'request');
  messages.add({ direction: 'in', peerUri: 'sip:friend@x.test', body: 'hey', timestamp: 99 });
  const gone = messages.trimRequests(5);
  assert.deepEqual(gone.sort(), ['sip:s0@x.test', 'sip:s1@x.test', 'sip:s2@x.test']);
  assert.equal(messages.conversations().length, 6);
  assert.deepEqual(messages.list({ peerUri: 'sip:s0@x.test' }), []);
});

test('list per peer (newest first, paged) and conversations', () => {
  const m = (peerUri: string, timestamp: number, direction: 'in' | 'out' = 'in') => messages.add({ direction, peerUri, body: `${peerUri}@${timestamp}`, timestamp });
  const b1 = m('sip:bob@x.test', 1);
  const c1 = m('sip:carol@x.test', 2);
  const b2 = m('sip:bob@x.test', 3, 'out');
  const b3 = m('sip:bob@x.test', 4);
  assert.deepEqual(messages.list({ peerUri: 'sip:bob@x.test' }).map((x) => x.id), [b3.id, b2.id, b1.id]);
  assert.deepEqual(messages.list({ peerUri: 'sip:bob@x.test', limit: 1, beforeId: b3.id }).map((x) => x.id), [b2.id]);
  assert.deepEqual(
    messages.conversations().map((c) => [c.peerUri, c.last.id, c.count]),
    [
      ['sip:bob@x.test', b3.id, 3],
      ['sip:carol@x.test', c1.id, 1],
    ],
  );
  assert.equal(messages.removeConversation('sip:bob@x.test'), 3);
  assert.deepEqual(messages.list().map((x) => x.id), [c1.id]);
  messages.remove(c1.id);
  expectStoreError(() => messages.remove(c1.id), 'not-found');
});

test('invalid messages are refused with the field named', () => {
  const base: TextMessageInput = { direction: 'in', peerUri: 'sip:a@x.test', body: 'x', timestamp: 1 };
  const cases: [unknown, string][] = [
    [{ ...base, body: 'x'.repeat(65_537) }, 'body'],
    [{ ...base, body: 7 }, 'body'],
    [{ ...base, peerUri: '' }, 'peerUri'],
    [{ ...base, contentType: 'text' }, 'contentType'],
    [{ ...base, timestamp: -1 }, 'timestamp'],
    [{ ...base, status: 'sent' }, 'status'],
    [{ ...base, direction: 'out', status: 'received' }, 'status'],
    [{ ...base, accountId: 'nobody' }, 'accountId'],
  ];
  for (const [input, path] of cases) expectStoreError(() => messages.add(input as TextMessageInput), 'invalid', path);
  assert.deepEqual(messages.list(), []);
});

test('deleting the account keeps its messages, unlinked', () => {
  const msg = messages.add({ direction: 'in', peerUri: 'sip:a@x.test', body: 'x', timestamp: 1, accountId });
  new AccountsRepository(store).remove(accountId);
  assert.equal(messages.get(msg.id)?.accountId, null);
});

test('trimReceived keeps the newest received messages within a row and a byte quota; sent ones are never touched', () => {
  const sent = messages.add({ direction: 'out', peerUri: 'sip:me@x.test', body: 'x'.repeat(5000), timestamp: 0 });
  for (let i = 0; i < 30; i++) messages.add({ direction: 'in', peerUri: 'sip:flood@x.test', body: `${i}:`.padEnd(1000, 'é'), timestamp: i + 1 });
  assert.equal(messages.trimReceived(20, 1_000_000), 10, 'rows over the quota go, oldest first');
  let left = messages.list({ peerUri: 'sip:flood@x.test', limit: 100 });
  assert.equal(left.length, 20);
  assert.ok(left.every((m) => Number(m.body.split(':')[0]) >= 10), 'the oldest went first');
  // é is two bytes in UTF-8: each body is ~1,998 bytes; 10 KB keeps the newest 5.
  assert.equal(messages.trimReceived(20, 10_000), 15);
  left = messages.list({ peerUri: 'sip:flood@x.test', limit: 100 });
  assert.deepEqual(left.map((m) => Number(m.body.split(':')[0])).sort((a, b) => a - b), [25, 26, 27, 28, 29]);
  assert.ok(messages.get(sent.id), 'what we sent stays');
});
