import { render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import App from './App.svelte';
import { harness } from './test-support/app-harness.ts';
import { call } from './test-support/fixtures.ts';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('App', () => {
  it('announces call state changes in the live region and brings the call screen forward', async () => {
    const h = harness();
    render(App, { props: { context: h }, context: h.context });
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
    h.store.apply({ event: 'call', data: call({ state: 'dialing', answeredAt: undefined }) });
    flushSync();
    await tick();
    expect(screen.getByTestId('live-region').textContent).toBe('Calling Alice');
    expect(h.ui.view).toBe('calls');
    h.store.apply({ event: 'call', data: call({ state: 'ended', code: 404, words: 'no such user', endedAt: Date.now() }) });
    flushSync();
    await tick();
    expect(screen.getByTestId('live-region').textContent).toBe('Call with Alice ended: No such user (404)');
    expect(screen.getByText('No such user (404)')).toBeTruthy();
  });

  it('applies the theme from settings', async () => {
    const h = harness();
    render(App, { props: { context: h }, context: h.context });
    expect(document.documentElement.dataset.theme).toBe('light');
    h.store.apply({ event: 'settings', data: { ...h.store.settings!, theme: 'dark' } });
    flushSync();
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('switches views with Alt+number', async () => {
    const h = harness();
    render(App, { props: { context: h }, context: h.context });
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '3', altKey: true }));
    flushSync();
    // History is its own chunk (LazyView): it shows once loaded.
    expect(await screen.findByRole('heading', { name: 'History' }, { timeout: 15_000 })).toBeTruthy();
  }, 20_000);
});

describe('App links', () => {
  it('puts a clicked link into the dial field', async () => {
    const h = harness();
    render(App, { props: { context: h }, context: h.context });
    h.ui.go('history');
    flushSync();
    h.transport.emit({ event: 'link.open', data: { target: 'sip:alice@example.com', action: 'fill' } });
    flushSync();
    expect(h.ui.view).toBe('dialpad');
    expect(screen.getByLabelText<HTMLInputElement>('Number or address to call').value).toBe('alice@example.com');
  });

  it('dials a link at once when the action says so', async () => {
    const h = harness();
    h.transport.answer('call.dial', call({ id: 'from-link', state: 'dialing', answeredAt: undefined }));
    render(App, { props: { context: h }, context: h.context });
    h.transport.emit({ event: 'link.open', data: { target: 'tel:+1-555-0100', action: 'dial' } });
    await tick();
    // (The page also reports that someone opened it: presence.activity, away after idle.)
    expect(h.transport.requests.filter((r) => r.cmd !== 'presence.activity')).toEqual([{ cmd: 'call.dial', params: { target: '+15550100' } }]);
  });
});

describe('an incoming call and the keyboard (issue 15 §1.2)', () => {
  const ring = (h: ReturnType<typeof harness>) =>
    h.store.apply({
      event: 'call.incoming',
      data: { ...call({ id: 'in-1', direction: 'in', state: 'incoming', answeredAt: undefined, remote: { uri: 'sip:bob@example.com', displayName: 'Bob' } }), calledAlias: 'sip:johndoe@sipa.example.com' },
    });

  it('takes the focus to Answer while the user types, Enter in the dial field never dials, and the focus comes back', async () => {
    const h = harness();
    h.transport.answer('call.dial', call({ id: 'out-1', state: 'dialing' }));
    render(App, { props: { context: h }, context: h.context });
    const field = screen.getByLabelText('Number or address to call') as HTMLInputElement;
    field.focus();
    h.ui.dialText = '2002';
    flushSync();
    ring(h);
    flushSync();
    await tick();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /Answer the call from Bob/ }));
    // Back in the field (a click), Enter does not start a call while one rings: its default (submitting) is cancelled.
    field.focus();
    const enter = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
    field.dispatchEvent(enter);
    expect(enter.defaultPrevented).toBe(true);
    flushSync();
    expect(screen.getByText(/A call is ringing: answer or decline it, or click Call to dial anyway/)).toBeTruthy();
    expect(h.transport.commands()).not.toContain('call.dial');
    h.store.apply({ event: 'call', data: call({ id: 'in-1', direction: 'in', state: 'ended', endedAt: Date.now(), answeredAt: undefined }) });
    flushSync();
    await tick();
    expect(document.activeElement).toBe(field);
  });

  it('answers with Enter, declines with Escape, and keeps Tab inside the dialog', async () => {
    const h = harness();
    h.transport.answer('call.decline', null).answer('call.answer', call({ id: 'in-1', direction: 'in', state: 'connecting' }));
    render(App, { props: { context: h }, context: h.context });
    ring(h);
    flushSync();
    await tick();
    const answer = screen.getByRole('button', { name: /Answer the call/ });
    expect(screen.getByRole('alertdialog').getAttribute('aria-modal')).toBe('true');
    answer.dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, cancelable: true }));
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /Decline the call/ }));
    (document.activeElement as HTMLElement).dispatchEvent(new KeyboardEvent('keydown', { key: 'Tab', shiftKey: true, bubbles: true, cancelable: true }));
    expect(document.activeElement).toBe(answer);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', cancelable: true }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'call.decline', params: { callId: 'in-1', code: 603 } });
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
    await tick();
    expect(h.transport.commands()).toContain('call.answer');
  });

  it('uses the shortcuts chosen in Settings', async () => {
    const h = harness();
    h.transport.answer('call.answer', call({ id: 'in-1', direction: 'in', state: 'connecting' }));
    h.ui.setShortcuts({ answer: 'F9', decline: 'F10' });
    render(App, { props: { context: h }, context: h.context });
    ring(h);
    flushSync();
    await tick();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', cancelable: true }));
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'F9', cancelable: true }));
    await tick();
    expect(h.transport.commands().filter((c) => c !== 'presence.activity')).toEqual(['call.answer']);
    h.ui.setShortcuts({ answer: 'Enter', decline: 'Escape' });
  });
});

describe('away after idle', () => {
  it('the page reports use when opened and on input, at most once per half-minute', async () => {
    const h = harness();
    render(App, { props: { context: h }, context: h.context });
    await tick();
    expect(h.transport.requests.filter((r) => r.cmd === 'presence.activity')).toEqual([{ cmd: 'presence.activity', params: { idleSeconds: 0 } }]);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    expect(h.transport.commands().filter((c) => c === 'presence.activity').length).toBe(1);
  });
});
