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
    expect(screen.getByRole('heading', { name: 'History' })).toBeTruthy();
  });
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
    expect(h.transport.requests).toEqual([{ cmd: 'call.dial', params: { target: '+15550100' } }]);
  });
});
