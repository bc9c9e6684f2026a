import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { call, contact } from '../test-support/fixtures.ts';
import DialpadView from './DialpadView.svelte';

function paste(target: HTMLElement, text: string) {
  const event = new Event('paste', { bubbles: true, cancelable: true });
  Object.defineProperty(event, 'clipboardData', { value: { getData: (type: string) => (type === 'text/plain' ? text : '') } });
  target.dispatchEvent(event);
  return event;
}

describe('DialpadView', () => {
  it('shows a pasted name-addr as the plain address and says what it is', async () => {
    const h = harness();
    render(DialpadView, { context: h.context });
    const input = screen.getByLabelText<HTMLInputElement>('Number or address to call');
    const event = paste(input, 'Alice Martin <sip:alice@example.com?subject=spam>');
    expect(event.defaultPrevented).toBe(true);
    await Promise.resolve();
    expect(input.value).toBe('alice@example.com');
    expect(h.ui.dialText).toBe('alice@example.com');
    expect(screen.getByText('SIP address')).toBeTruthy();
  });

  it('strips visual separators from a pasted tel: link and keeps sips: visible', async () => {
    const h = harness();
    render(DialpadView, { context: h.context });
    const input = screen.getByLabelText<HTMLInputElement>('Number or address to call');
    paste(input, 'tel:+55-48-4567-8901');
    await Promise.resolve();
    expect(input.value).toBe('+554845678901');
    expect(screen.getByText('Phone number')).toBeTruthy();
    input.setSelectionRange(0, input.value.length);
    paste(input, 'sips:bob@secure.example.com');
    await Promise.resolve();
    expect(input.value).toBe('sips:bob@secure.example.com');
    expect(screen.getByText(/Secure SIP address/)).toBeTruthy();
  });

  it('types with the keypad and dials with the chosen identity', async () => {
    const h = harness();
    h.transport.handle('call.dial', (p) => ({ ok: true, result: call({ id: 'new', state: 'dialing', remote: { uri: `sip:${(p as { target: string }).target}@x` } }) }));
    render(DialpadView, { context: h.context });
    for (const key of ['2', '0', '0', '1']) await fireEvent.click(screen.getByRole('button', { name: key }));
    expect(h.ui.dialText).toBe('2001');
    expect(screen.getByText('Extension or short number')).toBeTruthy();
    const picker = screen.getByLabelText<HTMLSelectElement>('Call from');
    await fireEvent.change(picker, { target: { value: 'acc-1|sip:45678901@sipa.example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Call 2001' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.requests).toEqual([{ cmd: 'call.dial', params: { target: '2001', accountId: 'acc-1', identity: 'sip:45678901@sipa.example.com' } }]);
    expect(h.ui.view).toBe('calls');
    expect(h.ui.dialText).toBe('');
  });

  it('does not dial an empty field, and shows a refused dial in words', async () => {
    const h = harness();
    h.transport.handlers.set('call.dial', () => ({ ok: false, code: 'not-allowed', message: 'that identity is not one of the account’s addresses' }));
    render(DialpadView, { context: h.context });
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Call' }).disabled).toBe(true);
    const input = screen.getByLabelText<HTMLInputElement>('Number or address to call');
    await fireEvent.input(input, { target: { value: 'bob' } });
    await fireEvent.submit(input.form!);
    await new Promise((r) => setTimeout(r, 0));
    expect(h.ui.toasts.map((t) => t.text)).toEqual(['Could not call: that identity is not one of the account’s addresses']);
    expect(h.ui.view).toBe('dialpad');
  });

  it('suggests matching contacts while typing', async () => {
    const h = harness();
    h.store.setContacts([contact()]);
    render(DialpadView, { context: h.context });
    const input = screen.getByLabelText<HTMLInputElement>('Number or address to call');
    await fireEvent.input(input, { target: { value: '4567' } });
    expect(screen.getByText('Matching contacts')).toBeTruthy();
    expect(screen.getByRole('button', { name: /Alice Martin/ })).toBeTruthy();
  });
});
