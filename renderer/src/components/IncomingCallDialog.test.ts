import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { IncomingCallSnapshot } from '../api/types.ts';
import { harness } from '../test-support/app-harness.ts';
import { call, contact } from '../test-support/fixtures.ts';
import IncomingCallDialog from './IncomingCallDialog.svelte';

const incoming = (over: Partial<IncomingCallSnapshot> = {}): IncomingCallSnapshot => ({
  ...call({ id: 'in-1', direction: 'in', state: 'incoming', answeredAt: undefined, remote: { uri: 'sip:+554845678901@gw.example.com' }, localIdentity: 'sip:45678901@sipa.example.com' }),
  calledAlias: 'sip:45678901@sipa.example.com',
  contact: contact(),
  ...over,
});

describe('IncomingCallDialog', () => {
  it('shows who calls, resolved to the contact, and which alias was called', () => {
    const h = harness();
    h.store.apply({ event: 'call.incoming', data: incoming() });
    render(IncomingCallDialog, { context: h.context });
    const dialog = screen.getByRole('alertdialog');
    expect(screen.getByRole('heading', { name: 'Alice Martin' })).toBeTruthy();
    expect(dialog.textContent).toContain('+554845678901@gw.example.com');
    expect(dialog.textContent).toContain('45678901@sipa.example.com');
    expect(screen.getByText('alias')).toBeTruthy();
  });

  it('answers busy with 486 and declines with 603', async () => {
    const h = harness();
    h.transport.answer('call.decline', null);
    h.store.apply({ event: 'call.incoming', data: incoming() });
    render(IncomingCallDialog, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: /Answer busy/ }));
    await fireEvent.click(screen.getByRole('button', { name: /Decline/ }));
    expect(h.transport.requests).toEqual([
      { cmd: 'call.decline', params: { callId: 'in-1', code: 486 } },
      { cmd: 'call.decline', params: { callId: 'in-1', code: 603 } },
    ]);
  });

  it('answers a second call with one intent: holding the call in progress is the phone’s rule', async () => {
    const h = harness();
    h.transport.answer('call.answer', call({ id: 'in-1', direction: 'in', state: 'connecting' }));
    h.store.apply({ event: 'call', data: call({ id: 'first', state: 'active' }) });
    h.store.apply({ event: 'call.incoming', data: incoming() });
    render(IncomingCallDialog, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: /Answer the call/ }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.commands()).toEqual(['call.answer']);
    expect(h.ui.view).toBe('calls');
    expect(h.ui.focusedCallId).toBe('in-1');
  });

  it('does not mark the main address as an alias', () => {
    const h = harness();
    h.store.apply({ event: 'call.incoming', data: incoming({ calledAlias: 'sip:johndoe@sipa.example.com', contact: undefined, remote: { uri: 'sip:carol@example.com', displayName: 'Carol' } }) });
    render(IncomingCallDialog, { context: h.context });
    expect(screen.getByRole('heading', { name: 'Carol' })).toBeTruthy();
    expect(screen.queryByText('alias')).toBeNull();
  });

  it('says the call was forwarded (by whom, why) and that the number was withheld', () => {
    const h = harness();
    h.store.apply({
      event: 'call.incoming',
      data: incoming({ contact: undefined, remote: { uri: 'sip:anonymous@anonymous.invalid', displayName: 'Anonymous', withheld: true }, forwardedBy: { uri: 'sip:100@sip.test', reason: 'user-busy', text: 'forwarded by 100@sip.test, busy' } }),
    });
    render(IncomingCallDialog, { context: h.context });
    expect(screen.getByTestId('forwarded-by').textContent).toBe('forwarded by 100@sip.test, busy');
    expect(screen.getByTestId('caller-withheld').textContent).toBe('Number withheld');
  });
});
