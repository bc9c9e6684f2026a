import { after, afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../../electron/phone/store/store.ts';
import { HistoryRepository, MAX_WAITING, WRITE_BEHIND_MS } from '../../../../electron/phone/store/history-repository.ts';
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { ContactsRepository } from '../../../../electron/phone/store/contacts-repository.ts';
import { AccountsRepository } from '../../../../electron/phone/store/accounts-repository.ts';
import { HISTORY_DEFAULTS, isMissed, type HistoryEntry, type HistoryInput } from '../../../../electron/phone/history-entry.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { expectStoreError } from './expect-store-error.ts';

after(removeTempDirs);

let store: Store;
let history: HistoryRepository;
let accountId: string;
let contactId: string;
beforeEach(() => {
  store = Store.open(tempDir());
  history = new HistoryRepository(store);
  accountId = new AccountsRepository(store).add({ aor: 'sip:johndoe@sipA.test', aliases: ['sip:+554845678901@sipA.test'] }).id;
  contactId = new ContactsRepository(store).add({ name: 'Bob' }).id;
});
afterEach(() => store.close());

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

test('a call is added at its start and completed later', () => {
  const h = history.add({ direction: 'in', peerUri: 'sip:bob@sipB.test', peerName: 'Bob', startedAt: T0, accountId, contactId, localAlias: 'sip:+554845678901@sipA.test', callId: 'a84b4c76e66710@pc33' });
  assert.deepEqual(h, { ...HISTORY_DEFAULTS, id: h.id, direction: 'in', peerUri: 'sip:bob@sipB.test', peerName: 'Bob', startedAt: T0, accountId, contactId, localAlias: 'sip:+554845678901@sipA.test', callId: 'a84b4c76e66710@pc33' });
  const found = history.findByCallId('a84b4c76e66710@pc33');
  assert.equal(found?.id, h.id);
  history.update(h.id, { answeredAt: T0 + 4000 });
  const done = history.update(h.id, { endedAt: T0 + 64000, resultCode: 200, reason: 'OK', quality: { mos: 4.3, loss: 0.004, jitter: 2.5, rtt: 41 } });
  assert.deepEqual(history.require(h.id), done);
  assert.equal(done.answeredAt, T0 + 4000);
  assert.deepEqual(done.quality, { mos: 4.3, loss: 0.004, jitter: 2.5, rtt: 41 });
  assert.equal(isMissed(done), false);
});

test('ids grow and are never reused, even after deleting the newest', () => {
  const a = history.add({ direction: 'out', peerUri: 'sip:a@x.test', startedAt: T0 });
  const b = history.add({ direction: 'out', peerUri: 'sip:b@x.test', startedAt: T0 });
  history.remove(b.id);
  const c = history.add({ direction: 'out', peerUri: 'sip:c@x.test', startedAt: T0 });
  assert.ok(a.id < b.id && b.id < c.id);
});

test('list: newest first, paging, and filters', () => {
  const rows: HistoryInput[] = [
    { direction: 'out', peerUri: 'sip:1@x.test', startedAt: T0, accountId, answeredAt: T0 + 1, endedAt: T0 + 2, resultCode: 200 },
    { direction: 'in', peerUri: 'sip:2@x.test', startedAt: T0 + 10, endedAt: T0 + 20, resultCode: 487, reason: 'Request Terminated' },
    { direction: 'in', peerUri: 'sip:3@x.test', startedAt: T0 + 30, contactId, answeredAt: T0 + 31, endedAt: T0 + 40, resultCode: 200 },
    { direction: 'in', peerUri: 'sip:4@x.test', startedAt: T0 + 50, contactId, endedAt: T0 + 60, resultCode: 480 },
    { direction: 'in', peerUri: 'sip:5@x.test', startedAt: T0 + 70 }, // still ringing: not (yet) missed
  ];
  const ids = history.addMany(rows).map((e) => e.id);
  assert.deepEqual(history.list().map((e) => e.id), [...ids].reverse());
  assert.deepEqual(history.list({ limit: 2 }).map((e) => e.id), [ids[4], ids[3]]);
  assert.deepEqual(history.list({ limit: 2, beforeId: ids[3] }).map((e) => e.id), [ids[2], ids[1]]);
  assert.deepEqual(history.list({ missedOnly: true }).map((e) => e.peerUri), ['sip:4@x.test', 'sip:2@x.test']);
  assert.deepEqual(history.list({ direction: 'out' }).map((e) => e.id), [ids[0]]);
  assert.deepEqual(history.list({ accountId }).map((e) => e.id), [ids[0]]);
  assert.deepEqual(history.list({ contactId }).map((e) => e.id), [ids[3], ids[2]]);
  assert.equal(history.count(), 5);
  expectStoreError(() => history.list({ limit: 0 }), 'invalid', 'limit');
  expectStoreError(() => history.list({ limit: 1e9 }), 'invalid', 'limit');
  expectStoreError(() => history.list({ beforeId: -1 }), 'invalid', 'id');
});

test('invalid entries are refused with the field named', () => {
  const base: HistoryInput = { direction: 'in', peerUri: 'sip:a@x.test', startedAt: T0 };
  const cases: [unknown, string][] = [
    [{ ...base, direction: 'sideways' }, 'direction'],
    [{ ...base, peerUri: '' }, 'peerUri'],
    [{ ...base, peerUri: 'sip:a@x\r\nX-Evil: 1' }, 'peerUri'],
    [{ ...base, startedAt: -5 }, 'startedAt'],
    [{ ...base, startedAt: 1.5 }, 'startedAt'],
    [{ ...base, answeredAt: T0 - 1 }, 'answeredAt'],
    [{ ...base, answeredAt: T0 + 10, endedAt: T0 + 5 }, 'endedAt'],
    [{ ...base, resultCode: 99 }, 'resultCode'],
    [{ ...base, resultCode: 700 }, 'resultCode'],
    [{ ...base, quality: { mos: 7, loss: 0, jitter: 0, rtt: 0 } }, 'quality.mos'],
    [{ ...base, quality: { mos: 4, loss: 1.5, jitter: 0, rtt: 0 } }, 'quality.loss'],
    [{ ...base, quality: { mos: 4, loss: 0, jitter: 0 } }, 'quality.rtt'],
    [{ ...base, quality: { mos: 4, loss: 0, jitter: 0, rtt: 0, extra: 1 } }, 'quality'],
    [{ ...base, contactId: 'no-such-contact' }, 'contactId'],
    [{ ...base, accountId: 'no-such-account' }, 'accountId'],
    [{ direction: 'in', peerUri: 'sip:a@x.test' }, 'startedAt'],
  ];
  for (const [input, path] of cases) expectStoreError(() => history.add(input as HistoryInput), 'invalid', path);
  assert.equal(history.count(), 0);
});

test('addMany writes all or nothing when a row fails inside the transaction', () => {
  const rows: HistoryInput[] = [
    { direction: 'out', peerUri: 'sip:1@x.test', startedAt: T0, contactId },
    { direction: 'out', peerUri: 'sip:2@x.test', startedAt: T0 },
    { direction: 'out', peerUri: 'sip:3@x.test', startedAt: T0, contactId: 'deleted-meanwhile' },
  ];
  expectStoreError(() => history.addMany(rows), 'invalid', 'contactId', /history entry 2/);
  assert.equal(history.count(), 0);
});

test('an invalid update leaves the entry as it was', () => {
  const h = history.add({ direction: 'in', peerUri: 'sip:a@x.test', startedAt: T0 });
  expectStoreError(() => history.update(h.id, { endedAt: T0 - 1 }), 'invalid', 'endedAt');
  expectStoreError(() => history.update(h.id, { id: 9 } as never), 'invalid');
  assert.deepEqual(history.require(h.id), h);
  expectStoreError(() => history.update(h.id + 100, { endedAt: T0 }), 'not-found');
});

test('remove, removeMany (atomic) and clear', () => {
  const ids = history.addMany(Array.from({ length: 6 }, (_, i) => ({ direction: 'in' as const, peerUri: `sip:${i}@x.test`, startedAt: T0 + i }))).map((e) => e.id);
  history.remove(ids[0]!);
  expectStoreError(() => history.remove(ids[0]!), 'not-found');
  assert.equal(history.removeMany([ids[1]!, ids[2]!, 999_999]), 2);
  expectStoreError(() => history.removeMany([ids[3]!, 0]), 'invalid');
  assert.equal(history.count(), 3);
  assert.equal(history.clear(), 3);
  assert.equal(history.count(), 0);
});

test('written behind: a call’s start, answer and end become one row WRITE_BEHIND_MS later; readers see waiting rows at once', () => {
  const clock = new FakeClock();
  const behind = new HistoryRepository(store, { clock });
  const told: HistoryEntry[] = [];
  const row = behind.addLater({ direction: 'out', peerUri: 'sip:bob@sipB.test', startedAt: T0, accountId });
  behind.updateLater(row, { answeredAt: T0 + 100 });
  behind.updateLater(row, { endedAt: T0 + 900, resultCode: 200, reason: 'OK' }, (e) => told.push(e));
  assert.equal(row.id, undefined, 'nothing written yet');
  assert.equal(behind.waiting, 1);
  assert.equal(new HistoryRepository(store).count(), 0, 'not in the file before the write-behind');
  clock.advance(WRITE_BEHIND_MS);
  assert.equal(behind.waiting, 0);
  assert.ok(row.id !== undefined);
  assert.deepEqual(told, [{ ...HISTORY_DEFAULTS, id: row.id, direction: 'out', peerUri: 'sip:bob@sipB.test', startedAt: T0, accountId, answeredAt: T0 + 100, endedAt: T0 + 900, resultCode: 200, reason: 'OK' }]);
  // A later change to a written row is an UPDATE, behind as well; any read writes what waits first.
  behind.updateLater(row, { reason: 'changed' });
  assert.equal(behind.list()[0]?.reason, 'changed');
  assert.equal(behind.waiting, 0);
});

test('written behind: bounded (MAX_WAITING rows write at once), a removed row stays removed, a bad row does not sink the others', () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  const behind = new HistoryRepository(store, { clock, onWriteError: (e) => errors.push(e) });
  for (let i = 0; i < MAX_WAITING; i++) behind.addLater({ direction: 'in', peerUri: `sip:${i}@sipB.test`, startedAt: T0 + i });
  assert.equal(behind.waiting, 0, 'the bound wrote them without waiting for the clock');
  assert.equal(new HistoryRepository(store).count(), MAX_WAITING);
  behind.clear();
  const gone = behind.addLater({ direction: 'in', peerUri: 'sip:gone@sipB.test', startedAt: T0 });
  behind.flush();
  behind.remove(gone.id!);
  behind.updateLater(gone, { endedAt: T0 + 1 });
  behind.addLater({ direction: 'in', peerUri: 'sip:bad@sipB.test', startedAt: -5 });
  behind.addLater({ direction: 'in', peerUri: 'sip:good@sipB.test', startedAt: T0 });
  clock.advance(WRITE_BEHIND_MS);
  assert.deepEqual(behind.list().map((h) => h.peerUri), ['sip:good@sipB.test']);
  assert.equal(errors.length, 1, 'the invalid row is reported');
});

test('written behind: a contact removed before the row is written is cleared (as ON DELETE SET NULL would)', () => {
  const clock = new FakeClock();
  const behind = new HistoryRepository(store, { clock });
  const row = behind.addLater({ direction: 'in', peerUri: 'sip:bob@sipB.test', startedAt: T0, contactId });
  new ContactsRepository(store).remove(contactId);
  clock.advance(WRITE_BEHIND_MS);
  assert.equal(behind.get(row.id!)?.contactId, null);
});
