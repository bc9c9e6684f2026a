import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import type { ApiEvent } from '../../../electron/api/events.ts';
import { createLogger, type LogRecord } from '../../../electron/common/logger.ts';
import { DEFAULT_SETTINGS } from './fake-phone.ts';

const registration = { accountId: 'a1', state: 'registered' as const, code: 200, otherBindings: [] };

describe('event bus', () => {
  test('subscribers get every event in order; on() filters by name', () => {
    const bus = createEventBus();
    const all: ApiEvent[] = [];
    const regs: string[] = [];
    bus.subscribe((e) => all.push(e));
    bus.on('registration', (r) => regs.push(r.state));
    bus.emit('registration', registration);
    bus.emit('settings', DEFAULT_SETTINGS);
    bus.emit('registration', { ...registration, state: 'unregistered' });
    assert.deepEqual(all.map((e) => e.event), ['registration', 'settings', 'registration']);
    assert.deepEqual(regs, ['registered', 'unregistered']);
  });

  test('unsubscribe stops delivery, also during an emit', () => {
    const bus = createEventBus();
    const seen: string[] = [];
    const offA = bus.subscribe(() => {
      seen.push('a');
      offB();
    });
    const offB = bus.subscribe(() => seen.push('b'));
    bus.emit('accounts', []);
    bus.emit('accounts', []);
    offA();
    bus.emit('accounts', []);
    assert.deepEqual(seen, ['a', 'b', 'a']);
    assert.equal(bus.listenerCount, 0);
  });

  test('subscribe(except) leaves those events out; wants() says whether anybody takes an event now', () => {
    const bus = createEventBus();
    assert.equal(bus.wants('trace'), false, 'nobody listens yet');
    const seen: string[] = [];
    const offAll = bus.subscribe((e) => seen.push(e.event), { except: ['trace'] });
    assert.equal(bus.wants('trace'), false);
    assert.equal(bus.wants('accounts'), true);
    bus.emit('trace', { time: 1, direction: 'in', transport: 'udp', remote: '127.0.0.1:5060', local: '127.0.0.1:5070', text: 'OPTIONS sip:a SIP/2.0' });
    bus.emit('accounts', []);
    assert.deepEqual(seen, ['accounts']);
    const offTrace = bus.on('trace', () => seen.push('trace via on'));
    assert.equal(bus.wants('trace'), true);
    assert.equal(bus.wants('history'), true, 'the subscriber takes it');
    offAll();
    assert.equal(bus.wants('history'), false, 'only the trace listener is left');
    bus.emit('trace', { time: 2, direction: 'out', transport: 'udp', remote: '127.0.0.1:5060', local: '127.0.0.1:5070', text: 'SIP/2.0 200 OK' });
    assert.deepEqual(seen, ['accounts', 'trace via on']);
    offTrace();
    assert.equal(bus.listenerCount, 0);
  });

  test('subscribe(takes) is asked at every emit and by wants(): interest that changes while subscribed', () => {
    const bus = createEventBus();
    let following = false;
    const seen: string[] = [];
    bus.subscribe((e) => seen.push(e.event), { takes: (event) => event !== 'trace' || following });
    const trace = (time: number) => bus.emit('trace', { time, direction: 'in', transport: 'udp', remote: '127.0.0.1:5060', local: '127.0.0.1:5070', text: 'SIP/2.0 200 OK' });
    assert.equal(bus.wants('trace'), false);
    assert.equal(bus.wants('accounts'), true);
    trace(1);
    following = true;
    assert.equal(bus.wants('trace'), true);
    trace(2);
    following = false;
    assert.equal(bus.wants('trace'), false);
    trace(3);
    bus.emit('accounts', []);
    assert.deepEqual(seen, ['trace', 'accounts']);
  });

  test('a throwing listener is logged and the others still hear the event', () => {
    const records: LogRecord[] = [];
    const bus = createEventBus({ logger: createLogger((r) => records.push(r), 'api') });
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('renderer gone');
    });
    bus.subscribe((e) => seen.push(e.event));
    bus.emit('history', { id: 'h1', direction: 'in', peer: 'sip:b@x.test', localAlias: 'sip:a@x.test', accountId: 'a1', startedAt: 1, endedAt: 2 });
    assert.deepEqual(seen, ['history']);
    assert.equal(records[0]?.level, 'error');
    assert.match(String(records[0]?.data?.error), /renderer gone/);
  });
});
