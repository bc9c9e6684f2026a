import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createDispatcher } from '../../../electron/api/dispatcher.ts';
import { createEventBus } from '../../../electron/api/event-bus.ts';
import type { ApiEvent } from '../../../electron/api/events.ts';
import type { PhoneApi } from '../../../electron/api/phone-api.ts';
import { startingPhone } from '../../../electron/cli/starting-phone.ts';

const SETTINGS = { theme: 'dark' };
const fakePhone = () => ({ 'settings.get': async () => SETTINGS }) as unknown as PhoneApi;

describe('startingPhone: the web host before its engine is up', () => {
  test('a command sent before the start waits for the phone, is validated by its dispatcher, and is answered', async () => {
    const phone = startingPhone();
    let answered = false;
    const early = phone.dispatcher.dispatch('settings.get', {}).then((r) => ((answered = true), r));
    const bad = phone.dispatcher.dispatch('settings.get', { extra: 1 });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(answered, false, 'answered before the phone was there');
    phone.started({ dispatcher: createDispatcher(fakePhone()), events: createEventBus(), audio: { onFrame: () => {} } });
    assert.deepEqual(await early, { ok: true, result: SETTINGS });
    assert.equal((await bad).ok, false);
    assert.deepEqual(await phone.dispatcher.call('settings.get', {}), { ok: true, result: SETTINGS });
  });

  test('a phone that fails to start answers every waiting and later command "unavailable" with the reason', async () => {
    const phone = startingPhone();
    const early = phone.dispatcher.dispatch('app.snapshot', {});
    phone.failed('the data dir is locked');
    for (const r of [await early, await phone.dispatcher.dispatch('app.snapshot', {})]) {
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.code, 'unavailable');
      assert.match(!r.ok ? r.message : '', /did not start: the data dir is locked/);
    }
  });

  test('listeners given early move to the phone bus; wants() is the phone bus own; unsubscribing works before and after', () => {
    const phone = startingPhone();
    const seen: string[] = [];
    const offAll = phone.events.subscribe((e: ApiEvent) => seen.push(`all:${e.event}`), { except: ['trace'] });
    const offGone = phone.events.subscribe(() => seen.push('gone'));
    offGone();
    phone.events.on('settings', () => seen.push('on:settings'));
    assert.equal(phone.events.wants('trace'), false);
    const bus = createEventBus();
    phone.started({ dispatcher: createDispatcher(fakePhone()), events: bus, audio: { onFrame: () => {} } });
    assert.equal(bus.listenerCount, 2, 'the unsubscribed listener was not moved');
    assert.equal(bus.wants('trace'), false, 'a listener that does not take the trace must not make the engine produce one');
    bus.emit('settings', SETTINGS as never);
    bus.emit('trace', {} as never);
    assert.deepEqual(seen, ['all:settings', 'on:settings']);
    offAll();
    assert.equal(bus.listenerCount, 1);
    const offLate = phone.events.subscribe(() => seen.push('late'));
    assert.equal(bus.listenerCount, 2);
    offLate();
    assert.equal(bus.listenerCount, 1);
  });

  test('audio frames before the start are dropped, afterwards they reach the bridge', () => {
    const phone = startingPhone();
    const got: string[] = [];
    const frame = { kind: 'capture', stream: 0, sampleRate: 48000, sequence: 0, samples: new Int16Array(960) } as never;
    phone.audio.onFrame(frame, 'c1');
    phone.started({ dispatcher: createDispatcher(fakePhone()), events: createEventBus(), audio: { onFrame: (_f, id) => got.push(id), onClientClosed: (id) => got.push(`closed ${id}`) } });
    phone.audio.onFrame(frame, 'c2');
    phone.audio.onClientClosed?.('c2');
    assert.deepEqual(got, ['c2', 'closed c2']);
  });
});
