import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ForwardingRule, ForwardingSnapshot } from '../api/types.ts';
import { emptyForwardingRule } from '../lib/forwarding.ts';
import { harness } from '../test-support/app-harness.ts';
import { account, historyEntry, snapshot } from '../test-support/fixtures.ts';
import AppHeader from './AppHeader.svelte';
import ForwardingPane from './ForwardingPane.svelte';
import HistoryView from '../views/HistoryView.svelte';

const tick = () => new Promise((r) => setTimeout(r, 0));

function setup(initial: ForwardingSnapshot, accounts = [account()]) {
  const h = harness(snapshot({ accounts }));
  h.store.forwarding = initial;
  h.transport.handle('forwarding.set', (p) => {
    const { accountId, rule } = p as { accountId?: string; rule: ForwardingRule | null };
    if (rule?.busy === 'sip:alice@example.com') {
      return { ok: false, code: 'bad-request', message: 'cannot forward', issues: [{ path: 'rule.busy', message: 'is one of this phone’s own addresses: calls would come straight back' }] };
    }
    const global = accountId === undefined ? (rule ?? emptyForwardingRule()) : h.store.forwarding!.global;
    const own = h.store.forwarding!.accounts.filter((a) => a.accountId !== accountId);
    if (accountId !== undefined && rule) own.push({ accountId, rule });
    const active = [global, ...own.map((a) => a.rule)].some((r) => r.always !== null || r.busy !== null || r.noAnswer !== null);
    return { ok: true, result: { global, accounts: own, active, ...(active ? { summary: 'When busy to 200' } : {}) } };
  });
  render(ForwardingPane, { context: h.context });
  return h;
}

describe('ForwardingPane', () => {
  it('turns on "when busy" and "when not answered" with their targets and delay, by a new call', async () => {
    const h = setup({ global: emptyForwardingRule(), accounts: [], active: false });
    await fireEvent.click(screen.getByLabelText('When busy'));
    await fireEvent.input(screen.getByTestId('forward-busy'), { target: { value: '200' } });
    await fireEvent.click(screen.getByLabelText('When not answered'));
    await fireEvent.input(screen.getByTestId('forward-noAnswer'), { target: { value: 'sip:vm@example.com' } });
    await fireEvent.input(screen.getByLabelText('After (seconds)'), { target: { value: '15' } });
    await fireEvent.click(screen.getByLabelText('Call from here'));
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({
      cmd: 'forwarding.set',
      params: { rule: { always: null, busy: '200', noAnswer: 'sip:vm@example.com', noAnswerAfterS: 15, method: 'bridge' } },
    });
    expect(h.store.forwarding?.active).toBe(true);
    expect(screen.getByTestId('forwarding-state').textContent).toBe('On');
  });

  it('checks the form first (a condition without a target, a delay out of range), then puts the engine’s refusal on the field and focuses it', async () => {
    const h = setup({ global: emptyForwardingRule(), accounts: [], active: false });
    await fireEvent.click(screen.getByLabelText('Forward every call'));
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByText('Enter a number or an address to forward to.')).toBeTruthy();
    expect(h.transport.commands()).not.toContain('forwarding.set');
    await fireEvent.click(screen.getByLabelText('Forward every call'));
    await fireEvent.click(screen.getByLabelText('When not answered'));
    await fireEvent.input(screen.getByTestId('forward-noAnswer'), { target: { value: '300' } });
    await fireEvent.input(screen.getByLabelText(/^After \(seconds\)/), { target: { value: '2' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(screen.getByText('Between 5 and 120 seconds.')).toBeTruthy();
    await fireEvent.input(screen.getByLabelText(/^After \(seconds\)/), { target: { value: '20' } });
    await fireEvent.click(screen.getByLabelText('When busy'));
    await fireEvent.input(screen.getByTestId('forward-busy'), { target: { value: 'sip:alice@example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await tick();
    await tick();
    const field = screen.getByTestId('forward-busy');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/Is one of this phone’s own addresses/)).toBeTruthy();
    expect(document.activeElement).toBe(field);
  });

  it('gives one account its own rule and takes it back to the rule for all accounts', async () => {
    const office = account({ id: 'acc-2', displayName: 'Office', aor: 'sip:100@pbx.example.com', aliases: [] });
    const h = setup({ global: emptyForwardingRule(), accounts: [], active: false }, [account(), office]);
    await fireEvent.change(screen.getByLabelText('For'), { target: { value: 'acc-2' } });
    expect(screen.getByText(/follows the rule for all accounts/)).toBeTruthy();
    await fireEvent.click(screen.getByLabelText('Forward every call'));
    await fireEvent.input(screen.getByTestId('forward-always'), { target: { value: '555' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'forwarding.set', params: { accountId: 'acc-2', rule: { ...emptyForwardingRule(), always: '555' } } });
    expect((screen.getByRole('option', { name: /Office \(own rule\)/ }) as HTMLOptionElement).selected).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Use the rule for all accounts' }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'forwarding.set', params: { accountId: 'acc-2', rule: null } });
    expect(h.store.forwarding?.active).toBe(false);
  });
});

describe('forwarding in the header and the history', () => {
  it('shows the indicator only while a rule is on, named with what it does, and opens Settings', async () => {
    const h = harness();
    render(AppHeader, { context: h.context });
    expect(screen.queryByTestId('forwarding-indicator')).toBeNull();
    h.store.apply({ event: 'forwarding', data: { global: { ...emptyForwardingRule(), always: '200' }, accounts: [], active: true, summary: 'All calls to 200' } });
    await tick();
    const button = screen.getByRole('button', { name: /Call forwarding is on: All calls to 200/ });
    await fireEvent.click(button);
    expect(h.ui.view).toBe('settings');
    h.store.apply({ event: 'forwarding', data: { global: emptyForwardingRule(), accounts: [], active: false } });
    await tick();
    expect(screen.queryByTestId('forwarding-indicator')).toBeNull();
  });

  it('lists a call we forwarded as forwarded, with where to and why', async () => {
    const h = harness();
    h.store.setHistory([historyEntry({ direction: 'in', code: 302, reason: 'Moved Temporarily', forwardedTo: 'forwarded to 200@sip.test, busy' })]);
    render(HistoryView, { context: h.context });
    await tick();
    expect(screen.getByTestId('history-entry').textContent).toContain('Forwarded to 200@sip.test, busy');
    expect(screen.getByTestId('history-entry').querySelector('.missed')).toBeNull();
  });
});
