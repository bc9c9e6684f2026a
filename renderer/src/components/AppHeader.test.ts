import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { account, registration, snapshot } from '../test-support/fixtures.ts';
import AppHeader from './AppHeader.svelte';

describe('AppHeader registration status', () => {
  it('shows each account’s state, and a failure with the server’s reason in words and its code', () => {
    const h = harness(
      snapshot({
        accounts: [account(), account({ id: 'acc-2', displayName: 'Office', aor: 'sip:100@pbx.example.com', aliases: [] })],
        registrations: [registration(), registration({ accountId: 'acc-2', state: 'failed', code: 403, reason: 'Forbidden', words: 'wrong user name or password' })],
      }),
    );
    render(AppHeader, { context: h.context });
    const chips = screen.getAllByTestId('registration-chip');
    expect(chips[0]!.textContent).toContain('Registered');
    expect(chips[1]!.textContent).toContain('Wrong password (403)');
    expect(chips[1]!.textContent!.match(/password/gi)).toHaveLength(1);
  });

  it('retries a failed registration', async () => {
    const h = harness(snapshot({ registrations: [registration({ state: 'failed', code: 408 })] }));
    h.transport.answer('account.register', registration({ state: 'registering' }));
    render(AppHeader, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: /register .* again/i }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.requests).toEqual([{ cmd: 'account.register', params: { accountId: 'acc-1' } }]);
    expect(h.store.registrations['acc-1']?.state).toBe('registering');
    expect(screen.getByTestId('registration-chip').textContent).toContain('Registering');
  });

  it('shows the built-in direct account without a Register button, and still invites adding an account', () => {
    const direct = account({ id: 'direct', displayName: 'Direct (no server)', aor: 'sip:me@127.0.0.1:5070', aliases: [] });
    const h = harness(snapshot({ accounts: [direct], registrations: [{ accountId: 'direct', state: 'unregistered', otherBindings: [] }] }));
    render(AppHeader, { context: h.context });
    const chip = screen.getByTestId('registration-chip');
    expect(chip.textContent).toContain('This computer (no account)');
    expect(chip.textContent).not.toMatch(/me@|127\.0\.0\.1|Direct/);
    expect(screen.queryByRole('button', { name: /Register/ })).toBeNull();
    expect(screen.getByRole('button', { name: /Add a SIP account/ })).toBeTruthy();
  });

  it('opens the new-account form straight from "Add a SIP account" (issue 15 §1.11)', async () => {
    const direct = account({ id: 'direct', displayName: 'Direct (no server)', aor: 'sip:me@127.0.0.1:5070', aliases: [] });
    const h = harness(snapshot({ accounts: [direct], registrations: [] }));
    render(AppHeader, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: /Add a SIP account/ }));
    expect(h.ui.view).toBe('accounts');
    expect(h.ui.newAccount).toBe(true);
  });

  it('does not show a stale "Registered" while the phone is out of reach (issue 15 §1.6)', async () => {
    const h = harness();
    render(AppHeader, { context: h.context });
    expect(screen.getByTestId('registration-chip').textContent).toContain('Registered');
    h.store.connection = { state: 'closed', attempt: 0, reason: 'restarted' };
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.getByTestId('registration-chip').textContent).not.toContain('Registered');
    expect(screen.getByTestId('registration-chip').textContent).toContain('State not known');
  });

  it('toggles do-not-disturb and cycles the theme through settings.update', async () => {
    const h = harness();
    h.transport.handle('settings.update', (p) => ({ ok: true, result: { ...h.store.settings, ...(p as object) } }));
    render(AppHeader, { context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Do not disturb' }));
    await fireEvent.click(screen.getByRole('button', { name: /Theme: light/ }));
    expect(h.transport.requests).toEqual([
      { cmd: 'settings.update', params: { dnd: true } },
      { cmd: 'settings.update', params: { theme: 'dark' } },
    ]);
  });
});
