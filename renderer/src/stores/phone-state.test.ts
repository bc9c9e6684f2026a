import { describe, expect, it } from 'vitest';
import type { ApiEvent, ApiResult, IncomingCallSnapshot, TraceEntry } from '../api/types.ts';
import { ApiClient } from '../api/client.ts';
import { FakeTransport } from '../test-support/fake-transport.ts';
import { account, call, contact, historyEntry, NOW, registration, SETTINGS, snapshot } from '../test-support/fixtures.ts';
import { PhoneState, TRACE_KEEP_MS } from './phone-state.svelte.ts';
import { applyCall, filterHistory, pruneEndedCalls, searchContacts, sortContacts } from './reducers.ts';
import { reloadAll, syncStore } from './sync.ts';

function store() {
  let now = NOW;
  const scheduled: Array<() => void> = [];
  const s = new PhoneState({ now: () => now, schedule: (fn) => void scheduled.push(fn), endedCallKeepMs: 5000 });
  s.loadSnapshot(snapshot());
  return { s, advance: (ms: number) => (now += ms), runScheduled: () => scheduled.splice(0).forEach((f) => f()) };
}

describe('PhoneState reducing events', () => {
  it('loads the snapshot', () => {
    const { s } = store();
    expect(s.ready).toBe(true);
    expect(s.accounts.map((a) => a.id)).toEqual(['acc-1']);
    expect(s.registrations['acc-1']?.state).toBe('registered');
    expect(s.settings?.theme).toBe('light');
  });

  it('replaces a registration by account', () => {
    const { s } = store();
    s.apply({ event: 'registration', data: registration({ state: 'failed', code: 403 }) });
    expect(s.registrations['acc-1']).toMatchObject({ state: 'failed', code: 403 });
  });

  it('follows a call from dialing to ended, then drops it after the keep time', () => {
    const { s, advance, runScheduled } = store();
    s.apply({ event: 'call', data: call({ state: 'dialing', answeredAt: undefined }) });
    expect(s.liveCalls.map((c) => c.state)).toEqual(['dialing']);
    s.apply({ event: 'call', data: call({ state: 'active' }) });
    s.apply({ event: 'media.stats', data: { callId: 'call-1', packetsSent: 10, packetsReceived: 9, lossPercent: 1, jitterMs: 3, mos: 4.2 } });
    expect(s.calls).toHaveLength(1);
    expect(s.stats['call-1']?.mos).toBe(4.2);
    s.apply({ event: 'call', data: call({ state: 'ended', endedAt: NOW, code: 200 }) });
    expect(s.liveCalls).toHaveLength(0);
    expect(s.calls).toHaveLength(1); // still shown with its outcome
    advance(4000);
    runScheduled();
    expect(s.calls).toHaveLength(1);
    advance(2000);
    s.pruneEnded();
    expect(s.calls).toHaveLength(0);
    expect(s.stats['call-1']).toBeUndefined();
  });

  it('never revives an ended call from a late event', () => {
    const { s } = store();
    s.apply({ event: 'call', data: call({ state: 'ended', endedAt: NOW }) });
    s.apply({ event: 'call', data: call({ state: 'active' }) });
    expect(s.calls[0]?.state).toBe('ended');
  });

  it('keeps which alias an incoming call was for', () => {
    const { s } = store();
    const incoming: IncomingCallSnapshot = { ...call({ id: 'in-1', direction: 'in', state: 'incoming', answeredAt: undefined }), calledAlias: 'sip:45678901@sipa.example.com', contact: contact() };
    s.apply({ event: 'call.incoming', data: incoming });
    expect(s.ringingCalls.map((c) => c.id)).toEqual(['in-1']);
    expect(s.incoming['in-1']?.calledAlias).toBe('sip:45678901@sipa.example.com');
    s.apply({ event: 'call', data: call({ id: 'in-1', direction: 'in', state: 'active' }) });
    expect(s.ringingCalls).toHaveLength(0);
    expect(s.liveCalls).toHaveLength(1);
  });

  it('replaces the account list and forgets registrations of removed accounts', () => {
    const { s } = store();
    s.apply({ event: 'accounts', data: [account({ id: 'acc-2', aor: 'sip:b@x' })] });
    expect(s.accounts.map((a) => a.id)).toEqual(['acc-2']);
    expect(s.registrations).toEqual({});
  });

  it('prepends history without duplicates, and takes new settings whole', () => {
    const { s } = store();
    s.setHistory([historyEntry({ id: 'old', startedAt: NOW - 10_000 })]);
    s.apply({ event: 'history', data: historyEntry({ id: 'new', startedAt: NOW }) });
    s.apply({ event: 'history', data: historyEntry({ id: 'new', startedAt: NOW }) });
    expect(s.history.map((h) => h.id)).toEqual(['new', 'old']);
    s.apply({ event: 'settings', data: { ...SETTINGS, theme: 'dark' } });
    expect(s.settings?.theme).toBe('dark');
  });

  it('collects DTMF digits the other side sends, per call', () => {
    const { s } = store();
    s.apply({ event: 'call', data: call() });
    for (const digit of ['1', '2', '#']) s.apply({ event: 'call.dtmf', data: { callId: 'call-1', digit, durationMs: 100, via: 'rfc4733' } });
    expect(s.receivedDtmf['call-1']).toBe('12#');
  });

  it('ignores messages and trace entries (no view yet) without failing', () => {
    const { s } = store();
    const before = JSON.stringify({ calls: s.calls, accounts: s.accounts });
    s.apply({ event: 'trace', data: { time: NOW, direction: 'in', transport: 'udp', remote: 'a', local: 'b', text: 'SIP/2.0 200 OK' } } as ApiEvent);
    expect(JSON.stringify({ calls: s.calls, accounts: s.accounts })).toBe(before);
  });
});

describe('reducers', () => {
  it('applyCall keeps order and appends new calls', () => {
    const a = call({ id: 'a' });
    const b = call({ id: 'b' });
    const list = applyCall(applyCall([], a), b);
    expect(applyCall(list, { ...a, muted: true }).map((c) => [c.id, c.muted])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('pruneEndedCalls returns the same array when nothing changes', () => {
    const list = [call()];
    expect(pruneEndedCalls(list, NOW, 5000)).toBe(list);
  });

  it('filters history: missed is incoming and never answered', () => {
    const h = [
      historyEntry({ id: 'in-ok' }),
      historyEntry({ id: 'in-missed', answeredAt: undefined, code: 487 }),
      historyEntry({ id: 'out-busy', direction: 'out', answeredAt: undefined, code: 486 }),
      historyEntry({ id: 'out-ok', direction: 'out' }),
    ];
    expect(filterHistory(h, 'all').map((x) => x.id)).toEqual(['in-ok', 'in-missed', 'out-busy', 'out-ok']);
    expect(filterHistory(h, 'missed').map((x) => x.id)).toEqual(['in-missed']);
    expect(filterHistory(h, 'in').map((x) => x.id)).toEqual(['in-ok', 'in-missed']);
    expect(filterHistory(h, 'out').map((x) => x.id)).toEqual(['out-busy', 'out-ok']);
  });

  it('searches names, addresses and number digits; favourites first', () => {
    const list = [
      contact({ id: 'z', name: 'Zoe', favorite: false, numbers: [{ number: '+1 555 0100' }], addresses: [] }),
      contact({ id: 'a', name: 'alice', favorite: false }),
      contact({ id: 'b', name: 'Bob', favorite: true, addresses: [{ uri: 'sip:bob@example.com', label: 'home' }], numbers: [] }),
    ];
    expect(sortContacts(list).map((c) => c.id)).toEqual(['b', 'a', 'z']);
    expect(searchContacts(list, 'example').map((c) => c.id)).toEqual(['b', 'a']);
    expect(searchContacts(list, '5550').map((c) => c.id)).toEqual(['z']);
    expect(searchContacts(list, '4567 89').map((c) => c.id)).toEqual(['a']);
    expect(searchContacts(list, 'HOME').map((c) => c.id)).toEqual(['b']);
    expect(searchContacts(list, '  ').map((c) => c.id)).toEqual(['b', 'a', 'z']);
  });
});

describe('sync', () => {
  it('loads snapshot, contacts, history, conversations and presence when the connection opens, and again after a reconnect', async () => {
    const t = new FakeTransport()
      .answer('app.snapshot', snapshot({ calls: [call()] }))
      .answer('contacts.list', [contact()])
      .answer('history.list', [historyEntry()]);
    t.status = { state: 'connecting', attempt: 0 };
    const s = new PhoneState({ schedule: () => {} });
    const stop = syncStore(s, new ApiClient(t));
    expect(t.requests).toEqual([]);
    t.setStatus({ state: 'open', attempt: 0 });
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    // Presence, lines, watchers and voicemail answer 'unavailable' here (no event engine): nothing breaks.
    expect(t.commands().sort()).toEqual(['app.snapshot', 'contacts.list', 'forwarding.get', 'history.list', 'messages.conversations', 'mwi.list', 'presence.get', 'watch.list', 'watchers.list']);
    expect(s.calls).toHaveLength(1);
    expect(s.contacts[0]?.name).toBe('Alice Martin');
    t.emit({ event: 'registration', data: registration({ state: 'registering' }) });
    expect(s.registrations['acc-1']?.state).toBe('registering');
    t.setStatus({ state: 'reconnecting', attempt: 1 });
    expect(s.connection.state).toBe('reconnecting');
    t.setStatus({ state: 'open', attempt: 0 });
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(t.commands()).toHaveLength(18);
    stop();
    t.emit({ event: 'registration', data: registration({ state: 'failed' }) });
    expect(s.registrations['acc-1']?.state).not.toBe('failed');
  });

  it('an event that comes between the snapshot and the other first replies stays applied', async () => {
    let answerHistory: (r: ApiResult<unknown>) => void = () => {};
    const t = new FakeTransport()
      .answer('app.snapshot', snapshot({ registrations: [registration({ state: 'registering' })] }))
      .answer('contacts.list', [])
      .handle('history.list', () => new Promise((resolve) => (answerHistory = resolve)));
    const s = new PhoneState({ schedule: () => {} });
    const stop = syncStore(s, new ApiClient(t));
    await new Promise((r) => setTimeout(r, 0));
    expect(s.registrations['acc-1']?.state).toBe('registering');
    t.emit({ event: 'registration', data: registration({ state: 'registered' }) });
    answerHistory({ ok: true, result: [historyEntry({ id: 'h-old' })] });
    await new Promise((r) => setTimeout(r, 0));
    expect(s.registrations['acc-1']?.state).toBe('registered');
    t.emit({ event: 'history', data: historyEntry({ id: 'h-new' }) });
    expect(s.history.map((h) => h.id).sort()).toEqual(['h-new', 'h-old']);
    stop();
  });

  it('the contacts are loaded when their reply comes, before slower replies', async () => {
    const t = new FakeTransport()
      .answer('app.snapshot', snapshot())
      .answer('contacts.list', [contact()])
      .handle('history.list', () => new Promise(() => {}));
    const s = new PhoneState({ schedule: () => {} });
    const stop = syncStore(s, new ApiClient(t));
    await new Promise((r) => setTimeout(r, 0));
    expect(s.contacts.map((c) => c.name)).toEqual(['Alice Martin']);
    stop();
  });

  it('reports a failed snapshot', async () => {
    const t = new FakeTransport();
    const errors: string[] = [];
    const ok = await reloadAll(new PhoneState(), new ApiClient(t), { onError: (m) => errors.push(m) });
    expect(ok).toBe(false);
    expect(errors[0]).toMatch(/Could not load the phone's state/);
  });
});

describe('PhoneState: the kept SIP trace', () => {
  const entry = (time: number, text: string): TraceEntry => ({ time, direction: 'in', transport: 'udp', remote: '192.0.2.7:5060', local: '192.0.2.1:5060', text });

  it('keeps the last 30 minutes before the newest message and at most 5,000, from events and from a merge alike', () => {
    const s = new PhoneState({ schedule: () => {} });
    s.apply({ event: 'trace', data: entry(0, 'old') });
    for (let i = 1; i <= 5001; i++) s.apply({ event: 'trace', data: entry(TRACE_KEEP_MS + i, `m${i}`) });
    expect(s.trace.length).toBe(5000);
    expect(s.trace[0]!.text).toBe('m2');
    expect(s.trace.at(-1)!.text).toBe('m5001');
    s.mergeTrace([entry(TRACE_KEEP_MS + 10_000, 'later'), entry(5, 'too old')]);
    expect(s.trace.length).toBe(5000);
    expect(s.trace.at(-1)!.text).toBe('later');
    expect(s.trace.some((t) => t.text === 'too old')).toBe(false);
  });
});
