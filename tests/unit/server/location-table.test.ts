/** The location table on a fake clock: expired bindings leave at the sweep (with a change event) and are not loaded again; writes are batched. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerStore } from '../../../electron/server/server-store.ts';
import { LocationTable, type Binding } from '../../../electron/server/location-table.ts';
import { parseUri } from '../../../electron/sip/message/index.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

function binding(aor: string, port: number, expiresAt: number): Binding {
  const contact = `sip:x@127.0.0.1:${port}`;
  return { aor, key: contact, contact, q: 1, expiresAt, callId: 'c', cseq: 1, source: { protocol: 'udp', address: '127.0.0.1', port } };
}

test('expired bindings are swept with a change event, and a reload skips them', () => {
  const clock = new FakeClock();
  let wall = 1_000_000;
  const store = new ServerStore(':memory:');
  const table = new LocationTable({ clock, wallTime: () => wall + clock.now(), store, sweepMs: 10_000 });
  table.start();
  const changes: number[] = [];
  table.onChange((c) => changes.push(c.bindings.length));
  table.replace('sip:a@d', [binding('sip:a@d', 7001, wall + 60_000), binding('sip:a@d', 7002, wall + 3_600_000)]);
  assert.deepEqual(changes, [2]);
  clock.advance(50_000);
  assert.equal(table.lookup('sip:a@d').length, 2);
  clock.advance(20_000);
  assert.equal(table.lookup('sip:a@d').length, 1, 'the 60 s binding is gone');
  assert.deepEqual(changes, [2, 1], 'the sweep reported it');
  assert.equal(table.size, 1);
  table.stop();
  const again = new LocationTable({ clock, wallTime: () => wall + clock.now(), store });
  assert.equal(again.start(), 1);
  wall += 4_000_000;
  const later = new LocationTable({ clock, wallTime: () => wall + clock.now(), store });
  assert.equal(later.start(), 0, 'nothing expired is loaded after a long stop');
  again.stop();
  later.stop();
  store.close();
});

test('store writes wait for the flush window; a refresh alone is no change event', () => {
  const clock = new FakeClock();
  const store = new ServerStore(':memory:');
  const table = new LocationTable({ clock, wallTime: () => 5_000_000 + clock.now(), store, flushMs: 100 });
  table.start();
  let events = 0;
  table.onChange(() => events++);
  table.replace('sip:b@d', [binding('sip:b@d', 7003, 5_600_000)]);
  assert.equal(store.loadBindings(5_000_000).length, 0, 'not written yet');
  clock.advance(100);
  assert.equal(store.loadBindings(5_000_000).length, 1, 'written by the flush');
  table.replace('sip:b@d', [binding('sip:b@d', 7003, 5_700_000)]);
  assert.equal(events, 1, 'a refresh of the same contact is not a change');
  table.stop();
  assert.equal(store.loadBindings(5_000_000)[0]!.expiresAt, 5_700_000, 'stop flushes');
  store.close();
});

test('a TCP/TLS phone is found by its contact or by the address its connection comes from (baresip writes that port in dialogs)', () => {
  const clock = new FakeClock();
  const table = new LocationTable({ clock, wallTime: () => 1_000_000 + clock.now() });
  const contact = 'sip:bob-0x55@127.0.0.1:46039;transport=tls';
  const tls: Binding = {
    aor: 'sip:bob@d', key: contact, contact, q: 1, expiresAt: 2_000_000, callId: 'c', cseq: 1,
    source: { protocol: 'tls', address: '127.0.0.1', port: 42906 }, connectionId: 'tls-1',
  };
  table.replace('sip:bob@d', [tls, binding('sip:bob@d', 7009, 2_000_000)]);
  assert.equal(table.findByContact(parseUri(contact)), tls);
  assert.equal(table.findByContact(parseUri('sip:bob-0x55@127.0.0.1:42906;transport=tls')), tls, 'the connection\'s own port');
  assert.equal(table.findByContact(parseUri('sip:x@127.0.0.1:7009'))?.source.protocol, 'udp');
  assert.equal(table.findByContact(parseUri('sip:bob@127.0.0.1:7009')), undefined, 'a UDP binding is found by its contact only (user, host, port), not by its source');
  table.replace('sip:bob@d', []);
  assert.equal(table.findByContact(parseUri('sip:bob-0x55@127.0.0.1:42906;transport=tls')), undefined, 'gone with the binding');
  table.stop();
});
