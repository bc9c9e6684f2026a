import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiResult, CallSnapshot } from '../api/types.ts';
import { DIAL_FEEDBACK_MS } from '../stores/actions.ts';
import { harness } from '../test-support/app-harness.ts';
import { call } from '../test-support/fixtures.ts';
import CallsView from './CallsView.svelte';

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A call.dial the test answers when it wants (the phone still placing the call). */
function heldDial(h: ReturnType<typeof harness>) {
  let answer: (r: ApiResult<unknown>) => void = () => {};
  h.transport.handle('call.dial', () => new Promise((resolve) => (answer = resolve)));
  return (r: ApiResult<unknown>) => answer(r);
}

const placed = (over: Partial<CallSnapshot> = {}) =>
  call({ id: 'out-1', state: 'dialing', remote: { uri: 'sip:bob@sipa.example.com' }, answeredAt: undefined, startedAt: Date.now(), ...over });

describe('CallsView and a call dialled from this page', () => {
  afterEach(() => vi.useRealTimers());

  it('shows the dialled call from the phone’s first event (not the call shown before) and keeps that card through the answer', async () => {
    const h = harness();
    h.store.apply({ event: 'call', data: call({ id: 'old', state: 'ended', endedAt: Date.now() }) });
    h.ui.focusedCallId = 'old';
    const answer = heldDial(h);
    h.ui.go('dialpad');
    const dialled = h.actions.dial('bob@sipa.example.com');
    // The command left; nothing is drawn until the phone reports the call (then App brings the call screen).
    expect(h.transport.requests.map((r) => r.cmd)).toEqual(['call.dial']);
    expect(h.ui.view).toBe('dialpad');
    // The call that ended before leaves the screen at once: the new call's screen is its card alone, no list of calls.
    expect(h.store.calls).toEqual([]);
    // The phone's 'dialing' event comes before its answer.
    h.store.apply({ event: 'call', data: placed() });
    render(CallsView, { context: h.context });
    expect(screen.queryByRole('complementary', { name: 'Calls' })).toBeNull();
    const card = screen.getByTestId('call-card');
    expect(card.querySelector('p.state')?.textContent).toMatch(/Calling…/);
    expect(within(card).getByRole('heading', { level: 2 }).textContent).toBe('bob@sipa.example.com');
    answer({ ok: true, result: placed() });
    expect((await dialled)?.id).toBe('out-1');
    flushSync();
    expect(h.ui.focusedCallId).toBe('out-1');
    expect(h.ui.view).toBe('calls');
    expect(screen.getByTestId('call-card')).toBe(card);
    const timer = card.querySelector('p.state time');
    expect(timer).not.toBeNull();
    h.store.apply({ event: 'call', data: placed({ state: 'active', answeredAt: Date.now(), actions: ['hangup', 'mute', 'hold'] }) });
    flushSync();
    expect(screen.getByTestId('call-card')).toBe(card);
    expect(card.querySelector('p.state')?.textContent).toMatch(/Connected/);
    // The answer restarts the card's timer from the answer; it does not build another.
    expect(card.querySelector('p.state time')).toBe(timer);
  });

  it('a phone slow to report the call: the call screen shows a provisional card, which becomes the call’s', async () => {
    vi.useFakeTimers();
    const h = harness();
    const answer = heldDial(h);
    h.ui.go('dialpad');
    const dialled = h.actions.dial('bob@sipa.example.com');
    vi.advanceTimersByTime(DIAL_FEEDBACK_MS - 1);
    expect(h.ui.view).toBe('dialpad');
    vi.advanceTimersByTime(1);
    expect(h.ui.view).toBe('calls');
    render(CallsView, { context: h.context });
    const card = screen.getByTestId('call-card');
    expect(card.querySelector('p.state')?.textContent).toMatch(/Calling…/);
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('bob@sipa.example.com');
    // No call commands yet: the phone has no call to take them.
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Mute' }).disabled).toBe(true);
    h.store.apply({ event: 'call', data: placed() });
    flushSync();
    expect(screen.getByTestId('call-card')).toBe(card);
    answer({ ok: true, result: placed() });
    await dialled;
    flushSync();
    expect(screen.getByTestId('call-card')).toBe(card);
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('bob@sipa.example.com');
  });

  it('a call hung up before the phone answered the dial is hung up as soon as it is known', async () => {
    const h = harness();
    const answer = heldDial(h);
    h.transport.answer('call.hangup', placed({ state: 'ending' }));
    const dialled = h.actions.dial('bob@sipa.example.com');
    render(CallsView, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel the call to bob@sipa.example.com' }));
    expect(h.transport.commands()).toEqual(['call.dial']);
    answer({ ok: true, result: placed() });
    await dialled;
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'call.hangup', params: { callId: 'out-1' } });
  });

  it('a refused dial goes back to the view it came from, with the reason in words', async () => {
    const h = harness();
    const answer = heldDial(h);
    h.ui.go('history');
    vi.useFakeTimers();
    const dialled = h.actions.dial('nobody');
    vi.advanceTimersByTime(DIAL_FEEDBACK_MS);
    expect(h.ui.view).toBe('calls');
    answer({ ok: false, code: 'bad-request', message: 'cannot call "nobody"' });
    expect(await dialled).toBeUndefined();
    expect(h.ui.view).toBe('history');
    expect(h.ui.dialing).toBeUndefined();
    expect(h.ui.toasts.map((t) => t.text)).toEqual(['Could not call: cannot call "nobody"']);
  });

  it('a second call dialled while one is up gets its own card', async () => {
    const h = harness();
    h.store.apply({ event: 'call', data: call({ id: 'first', state: 'active' }) });
    const answer = heldDial(h);
    render(CallsView, { context: h.context });
    const first = screen.getByTestId('call-card');
    const dialled = h.actions.dial('bob@sipa.example.com');
    flushSync();
    const second = screen.getByTestId('call-card');
    expect(second).not.toBe(first);
    expect(second.querySelector('p.state')?.textContent).toMatch(/Calling…/);
    // The call already up is not taken for the dialled one.
    h.store.apply({ event: 'call', data: call({ id: 'first', state: 'held', held: true }) });
    flushSync();
    expect(screen.getByTestId('call-card').querySelector('p.state')?.textContent).toMatch(/Calling…/);
    answer({ ok: true, result: placed() });
    await dialled;
    flushSync();
    expect(screen.getByTestId('call-card')).toBe(second);
  });
});
