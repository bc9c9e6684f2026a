import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/app-harness.ts';
import { account, registration, snapshot } from '../test-support/fixtures.ts';
import AccountEditor from './AccountEditor.svelte';

describe('AccountEditor', () => {
  it('refuses a bad address without asking the phone', async () => {
    const h = harness(snapshot({ accounts: [], registrations: [] }));
    render(AccountEditor, { props: { account: undefined, onsaved: () => {}, onremoved: () => {} }, context: h.context });
    await fireEvent.input(screen.getByLabelText('SIP address (AOR)'), { target: { value: 'alice' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add account' }));
    expect(screen.getByText(/Write the address as user@domain/)).toBeTruthy();
    expect(h.transport.requests).toEqual([]);
  });

  it('adds an account with aliases, a rule and a codec order', async () => {
    const h = harness(snapshot({ accounts: [], registrations: [] }));
    let saved: unknown;
    h.transport.handle('accounts.add', (p) => ({ ok: true, result: account({ id: 'new', ...(p as object) }) }));
    render(AccountEditor, { props: { account: undefined, onsaved: (a) => (saved = a.id), onremoved: () => {} }, context: h.context });
    await fireEvent.input(screen.getByLabelText('Display name'), { target: { value: 'Ann' } });
    await fireEvent.input(screen.getByLabelText('SIP address (AOR)'), { target: { value: 'ann@sip.example.com' } });
    await fireEvent.input(screen.getByLabelText('Password'), { target: { value: 'pw' } });
    await fireEvent.input(screen.getByLabelText('New alias'), { target: { value: '+15550100@sip.example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add alias' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Add rule' }));
    await fireEvent.input(screen.getByLabelText('Rule 1: number starts with'), { target: { value: '+1' } });
    await fireEvent.change(screen.getByLabelText('Rule 1: present this address'), { target: { value: '+15550100@sip.example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Prefer PCMU more' }));
    await fireEvent.click(screen.getByLabelText('TLS'));
    await fireEvent.click(screen.getByLabelText('Withheld'));
    expect(screen.getByText(/Calls go out as anonymous \(Privacy: id\)/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Add account' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.requests).toHaveLength(1);
    const params = h.transport.requests[0]!.params as Record<string, unknown>;
    expect(params).toMatchObject({
      displayName: 'Ann',
      // The engine stores URIs: the scheme the user left out is added.
      aor: 'sip:ann@sip.example.com',
      password: 'pw',
      aliases: ['sip:+15550100@sip.example.com'],
      identityRules: [{ match: { prefix: '+1' }, identity: 'sip:+15550100@sip.example.com' }],
      codecs: ['opus', 'PCMU', 'G722', 'PCMA'],
      transport: 'tls',
      privacy: 'id',
    });
    expect(saved).toBe('new');
  });

  it('tests the registration of a saved account and shows the live result', async () => {
    const h = harness();
    h.transport.answer('account.register', registration({ state: 'failed', code: 401, reason: 'Unauthorized', words: 'wrong user name or password' }));
    render(AccountEditor, { props: { account: h.store.accounts[0], onsaved: () => {}, onremoved: () => {} }, context: h.context });
    expect(screen.getByTestId('account-status').textContent).toContain('Registered');
    await fireEvent.click(screen.getByRole('button', { name: 'Test registration' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.commands()).toEqual(['account.register']);
    expect(screen.getByTestId('account-status').textContent).toContain('Wrong password (401)');
  });
});

describe('AccountEditor: network and NAT', () => {
  it('shows the public address the server sees, and saves the account\'s STUN and TURN servers with the TURN password', async () => {
    const h = harness(snapshot({ registrations: [registration({ state: 'registered', publicAddress: '198.51.100.101:5060' })] }));
    let sent: Record<string, unknown> | undefined;
    h.transport.handle('accounts.update', (p) => {
      sent = (p as { changes: Record<string, unknown> }).changes;
      return { ok: true, result: h.store.accounts[0] };
    });
    render(AccountEditor, { props: { account: h.store.accounts[0], onsaved: () => {}, onremoved: () => {} }, context: h.context });
    expect(screen.getByTestId('public-address').textContent).toContain('198.51.100.101:5060');
    expect(screen.queryByLabelText('TURN password')).toBeNull();
    await fireEvent.input(screen.getByLabelText(/STUN server/), { target: { value: 'stun.example.org' } });
    await fireEvent.input(screen.getByLabelText(/TURN server/), { target: { value: 'ann@turn.example.org:3478' } });
    await fireEvent.input(screen.getByLabelText('TURN password'), { target: { value: 'relay pw' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toMatchObject({ stunServer: 'stun.example.org', turnServer: 'ann@turn.example.org:3478', turnPassword: 'relay pw' });
  });

  it('says so when no NAT is between the phone and its server', () => {
    const h = harness(snapshot({ registrations: [registration({ state: 'registered' })] }));
    render(AccountEditor, { props: { account: h.store.accounts[0], onsaved: () => {}, onremoved: () => {} }, context: h.context });
    expect(screen.getByTestId('public-address').textContent).toMatch(/no NAT/);
  });
});

describe('AccountEditor field errors (issue 15 §1.3, §1.11)', () => {
  it('checks registrar and proxy with the engine’s rules, on the field, and focuses the first bad one', async () => {
    const h = harness(snapshot({ accounts: [], registrations: [] }));
    render(AccountEditor, { props: { account: undefined, onsaved: () => {}, onremoved: () => {} }, context: h.context });
    expect(document.activeElement).toBe(screen.getByLabelText('Display name'));
    await fireEvent.input(screen.getByLabelText('SIP address (AOR)'), { target: { value: 'ann@sip.example.com' } });
    await fireEvent.input(screen.getByLabelText(/Registrar/), { target: { value: 'pbx_1.example.com' } });
    await fireEvent.input(screen.getByLabelText(/Outbound proxy/), { target: { value: 'proxy.example.com:99999' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add account' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.requests).toEqual([]);
    const registrar = screen.getByLabelText(/Registrar/);
    expect(registrar.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(registrar.getAttribute('aria-describedby')!)!.textContent).toBe('The host contains "_".');
    expect(screen.getByText('"99999" is not a port number (1-65535).')).toBeTruthy();
    expect(document.activeElement).toBe(registrar);
  });

  it('puts the phone’s refusal on the field instead of a toast', async () => {
    const h = harness(snapshot({ accounts: [], registrations: [] }));
    h.transport.handle('accounts.add', () => ({
      ok: false,
      code: 'bad-request',
      message: 'invalid params for accounts.add: aliases.0: sip:ann@sip.example.com is already one of this account’s addresses',
      issues: [{ path: 'aliases.0', message: 'sip:ann@sip.example.com is already one of this account’s addresses' }],
    }));
    render(AccountEditor, { props: { account: undefined, onsaved: () => {}, onremoved: () => {} }, context: h.context });
    await fireEvent.input(screen.getByLabelText('SIP address (AOR)'), { target: { value: 'ann@sip.example.com' } });
    await fireEvent.input(screen.getByLabelText('New alias'), { target: { value: 'ann@sip.example.com' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add alias' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Add account' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.ui.toasts).toEqual([]);
    expect(screen.getByText('Sip:ann@sip.example.com is already one of this account’s addresses.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Alias 1'));
  });

  it('Cancel and Escape close a new account’s form', async () => {
    const h = harness(snapshot({ accounts: [], registrations: [] }));
    let cancelled = 0;
    render(AccountEditor, { props: { account: undefined, onsaved: () => {}, onremoved: () => {}, oncancel: () => cancelled++ }, context: h.context });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await fireEvent.keyDown(screen.getByLabelText('Display name'), { key: 'Escape' });
    expect(cancelled).toBe(2);
  });
});

describe('AccountEditor registration by hand (issue 15 §2)', () => {
  it('unregisters and re-registers, and lists the other devices registered to the address', async () => {
    const h = harness(snapshot({ registrations: [registration({ otherBindings: ['<sip:johndoe@192.0.2.9:5062;transport=udp>;expires=300'] })] }));
    h.transport.answer('account.unregister', registration({ state: 'unregistered' })).answer('account.register', registration({ state: 'registering' }));
    render(AccountEditor, { props: { account: h.store.accounts[0], onsaved: () => {}, onremoved: () => {} }, context: h.context });
    expect(screen.getByTestId('registration-actions').textContent).toContain('Also registered from');
    expect(screen.getByTestId('registration-actions').textContent).toContain('johndoe@192.0.2.9:5062 (udp)');
    await fireEvent.click(screen.getByRole('button', { name: 'Unregister' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.store.registrations['acc-1']?.state).toBe('unregistered');
    await fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.transport.commands()).toEqual(['account.unregister', 'account.register']);
  });
});
