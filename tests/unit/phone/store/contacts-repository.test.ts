import { after, afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../../electron/phone/store/store.ts';
import { ContactsRepository } from '../../../../electron/phone/store/contacts-repository.ts';
import { HistoryRepository } from '../../../../electron/phone/store/history-repository.ts';
import type { ContactInput } from '../../../../electron/phone/contact.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';
import { expectStoreError } from './expect-store-error.ts';

after(removeTempDirs);

let store: Store;
let contacts: ContactsRepository;
beforeEach(() => {
  store = Store.open(tempDir());
  contacts = new ContactsRepository(store);
});
afterEach(() => store.close());

const maria: ContactInput = {
  name: 'Maria Silva',
  favorite: true,
  addresses: [
    { label: 'work', uri: 'sip:maria@sipB.test' },
    { label: 'home', uri: 'sips:maria.silva@home.example' },
  ],
  numbers: [
    { label: 'mobile', number: '+55 48 99876-5432' },
    { label: 'office', number: '(048) 4567-8901' },
    { label: '', number: '45678901' },
  ],
};

test('a contact with several addresses and numbers round-trips in order', () => {
  const c = contacts.add(maria);
  assert.match(c.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(contacts.require(c.id), { id: c.id, ...maria });
  assert.deepEqual(contacts.list(), [c]);
  assert.equal(contacts.count(), 1);
});

test('defaults: not a favourite, no addresses, no numbers; names are trimmed', () => {
  const c = contacts.add({ name: '  Bob  ' });
  assert.deepEqual(c, { id: c.id, name: 'Bob', favorite: false, addresses: [], numbers: [] });
});

test('list sorts by name without regard to case, filters favourites and searches', () => {
  const b = contacts.add({ name: 'bob', numbers: [{ label: '', number: '+1 555 0100' }] });
  const m = contacts.add(maria);
  const a = contacts.add({ name: 'Alice', addresses: [{ label: '', uri: 'sip:alice_w@sipA.test' }] });
  assert.deepEqual(contacts.list().map((c) => c.name), ['Alice', 'bob', 'Maria Silva']);
  assert.deepEqual(contacts.list({ favoritesOnly: true }).map((c) => c.id), [m.id]);
  assert.deepEqual(contacts.list({ search: 'SILVA' }).map((c) => c.id), [m.id]);
  assert.deepEqual(contacts.list({ search: '555 0100' }).map((c) => c.id), [b.id]);
  assert.deepEqual(contacts.list({ search: 'sipA' }).map((c) => c.id), [a.id]);
  // LIKE wildcards in the search are literal.
  assert.deepEqual(contacts.list({ search: 'alice_' }).map((c) => c.id), [a.id]);
  assert.deepEqual(contacts.list({ search: '%' }), []);
  // A filtered list still carries each contact's entries.
  assert.deepEqual(contacts.list({ search: 'maria' })[0]!.numbers.length, 3);
});

test('update replaces the lists it is given and keeps the others', () => {
  const c = contacts.add(maria);
  const u = contacts.update(c.id, { numbers: [{ label: 'new', number: '+55 11 1234-5678' }] });
  assert.deepEqual(u.addresses, maria.addresses);
  assert.deepEqual(u.numbers, [{ label: 'new', number: '+55 11 1234-5678' }]);
  assert.deepEqual(contacts.require(c.id), u);
  assert.equal(contacts.setFavorite(c.id, false).favorite, false);
  assert.equal(contacts.require(c.id).favorite, false);
});

test('invalid contacts are refused with the field named', () => {
  const cases: [unknown, string][] = [
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'a\u0000b' }, 'name'],
    [{ name: 'A', addresses: [{ label: '', uri: 'maria@sipB.test' }] }, 'addresses.0.uri'],
    [{ name: 'A', addresses: [{ label: '', uri: 'sip:sipB.test' }] }, 'addresses.0.uri'],
    [{ name: 'A', addresses: [{ uri: 'sip:a@b.test' }] }, 'addresses.0.label'],
    [{ name: 'A', addresses: [{ label: '', uri: 'sip:a@b.test' }, { label: 'x', uri: 'sip:a@B.TEST' }] }, 'addresses.1.uri'],
    [{ name: 'A', numbers: [{ label: '', number: 'call me' }] }, 'numbers.0.number'],
    [{ name: 'A', numbers: [{ label: '', number: '55+1234' }] }, 'numbers.0.number'],
    [{ name: 'A', numbers: [{ label: '', number: '()' }] }, 'numbers.0.number'],
    [{ name: 'A', numbers: [{ label: '', number: '+1 555' }, { label: '', number: '+1-555' }] }, 'numbers.1.number'],
    [{ name: 'A', favorite: 1 }, 'favorite'],
    [{ name: 'A', email: 'a@b' }, ''],
  ];
  for (const [input, path] of cases) expectStoreError(() => contacts.add(input as ContactInput), 'invalid', path);
  assert.equal(contacts.count(), 0);
});

test('addMany imports all or nothing', () => {
  expectStoreError(() => contacts.addMany([{ name: 'One' }, { name: 'Two' }, { name: '' }]), 'invalid', 'name', /contact 2/);
  assert.equal(contacts.count(), 0);
  const added = contacts.addMany([{ name: 'One' }, { name: 'Two', numbers: [{ label: '', number: '100' }] }]);
  assert.equal(added.length, 2);
  assert.equal(contacts.count(), 2);
});

test('a database failure in the middle of an import leaves nothing', () => {
  // Make the third entry row fail inside the transaction: a trigger refuses one value.
  store.run("CREATE TEMP TRIGGER refuse BEFORE INSERT ON contact_entries WHEN NEW.value = '999' BEGIN SELECT RAISE(ABORT, 'refused'); END");
  expectStoreError(
    () => contacts.addMany([{ name: 'One', numbers: [{ label: '', number: '111' }] }, { name: 'Two', numbers: [{ label: '', number: '999' }] }]),
    'conflict',
  );
  assert.equal(contacts.count(), 0);
  assert.equal(store.get('SELECT count(*) AS n FROM contact_entries')?.n, 0);
});

test('removing a contact keeps its calls in the history, unlinked', () => {
  const c = contacts.add(maria);
  const history = new HistoryRepository(store);
  const h = history.add({ direction: 'in', peerUri: 'sip:maria@sipB.test', startedAt: 10, contactId: c.id });
  assert.deepEqual(contacts.remove(c.id), c);
  assert.equal(contacts.get(c.id), undefined);
  assert.equal(store.get('SELECT count(*) AS n FROM contact_entries')?.n, 0);
  assert.equal(history.require(h.id).contactId, null);
  expectStoreError(() => contacts.remove(c.id), 'not-found');
  expectStoreError(() => contacts.update(c.id, { name: 'x' }), 'not-found');
});
