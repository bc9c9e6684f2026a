import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { PhoneSystemSnapshot } from '../api/types.ts';
import { harness } from '../test-support/app-harness.ts';
import PhoneSystemPane from './PhoneSystemPane.svelte';

const tick = () => new Promise((r) => setTimeout(r, 0));

function snap(changes: Partial<PhoneSystemSnapshot> = {}): PhoneSystemSnapshot {
  return {
    settings: { enabled: false, domain: 'home.arpa', exposure: 'loopback', port: 5070, redirect: false },
    state: 'off',
    listening: [],
    users: [],
    bindings: [],
    calls: [],
    stats: { registrations: 0, forwarded: 0, redirects: 0, authFailures: 0, malformed: 0 },
    ...changes,
  };
}

function setup(initial: PhoneSystemSnapshot) {
  const h = harness();
  let current = initial;
  h.transport.handle('phoneSystem.get', () => ({ ok: true, result: current }));
  h.transport.handle('phoneSystem.update', (p) => {
    const patch = p as Partial<PhoneSystemSnapshot['settings']>;
    const settings = { ...current.settings, ...patch };
    current = { ...current, settings, state: settings.enabled ? 'running' : 'off', listening: settings.enabled ? [`udp ${settings.exposure === 'network' ? '0.0.0.0' : '127.0.0.1'}:${settings.port}`] : [] };
    return { ok: true, result: current };
  });
  render(PhoneSystemPane, { context: h.context });
  return h;
}

describe('PhoneSystemPane', () => {
  it('is off by default and turns on with one switch, on this computer only', async () => {
    const h = setup(snap());
    await tick();
    expect(screen.getByTestId('phone-system-state').textContent).toBe('Off');
    await fireEvent.click(screen.getByRole('switch', { name: /Run the phone system/ }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'phoneSystem.update', params: { enabled: true } });
    expect(screen.getByTestId('phone-system-state').textContent).toBe('Running');
    expect(screen.getByText(/Listening on udp 127\.0\.0\.1:5070/)).toBeTruthy();
  });

  it('asks before listening beyond this computer, and keeps it local when the user says so', async () => {
    const h = setup(snap({ settings: { enabled: true, domain: 'home.arpa', exposure: 'loopback', port: 5070, redirect: false }, state: 'running' }));
    await tick();
    await fireEvent.click(screen.getByLabelText('My network'));
    const dialog = screen.getByRole('alertdialog');
    expect(h.transport.commands().filter((c) => c === 'phoneSystem.update')).toEqual([]);
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Keep it on this computer' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect((screen.getByLabelText('This computer') as HTMLInputElement).checked).toBe(true);
    expect(h.transport.commands().filter((c) => c === 'phoneSystem.update')).toEqual([]);
    await fireEvent.click(screen.getByLabelText('My network'));
    await fireEvent.click(screen.getByRole('button', { name: 'Open to my network' }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'phoneSystem.update', params: { exposure: 'network' } });
  });

  it('adds a user with aliases as this computer; a refused alias is shown on its field, focused', async () => {
    const h = setup(snap({ state: 'running' }));
    let calls = 0;
    h.transport.handle('phoneSystem.users.add', (p) => {
      calls++;
      if (calls === 1) return { ok: false, code: 'bad-request', message: 'invalid', issues: [{ path: 'aliases.1', message: 'is not a user name (letters, digits and . _ ~ + -, starting with a letter, a digit or +)' }] };
      const input = p as { username: string; aliases: string[] };
      return { ok: true, result: snap({ users: [{ username: input.username, aliases: input.aliases, address: `sip:${input.username}@home.arpa`, registered: 0, thisComputer: true }] }) };
    });
    await tick();
    await fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    expect(screen.getByText('A user name, like johndoe or 201.')).toBeTruthy();
    expect(h.transport.commands()).not.toContain('phoneSystem.users.add');
    await fireEvent.input(screen.getByLabelText(/^User name/), { target: { value: 'johndoe' } });
    await fireEvent.input(screen.getByLabelText(/^Password/, { selector: 'input' }), { target: { value: 's3cret' } });
    await fireEvent.input(screen.getByLabelText(/^Also reachable as/), { target: { value: '+554845678901, john doe' } });
    await fireEvent.click(screen.getByLabelText('This Parley logs in as this user'));
    await fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    await tick();
    expect(h.transport.requests.at(-1)).toEqual({ cmd: 'phoneSystem.users.add', params: { username: 'johndoe', password: 's3cret', aliases: ['+554845678901', 'john', 'doe'], thisComputer: true } });
    const aliases = screen.getByLabelText(/^Also reachable as/);
    expect(aliases.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/Is not a user name/)).toBeTruthy();
    await tick();
    expect(document.activeElement).toBe(aliases);
    await fireEvent.input(aliases, { target: { value: '+554845678901' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Add user' }));
    await tick();
    const users = screen.getByRole('list', { name: 'Users' });
    expect(within(users).getByText(/this computer/)).toBeTruthy();
    expect(users.textContent).toMatch(/johndoe@home\.arpa\s*·\s*also \+554845678901/);
  });

  it('shows who is registered and the calls going through, and follows the phone\'s events', async () => {
    const now = Date.now();
    const h = setup(snap({ state: 'running', settings: { enabled: true, domain: 'office.example', exposure: 'loopback', port: 5070, redirect: false } }));
    await tick();
    expect(screen.getByText('No phone has registered yet.')).toBeTruthy();
    // As syncStore does with each event from the phone.
    h.store.apply({
      event: 'phoneSystem',
      data: snap({
        state: 'running',
        settings: { enabled: true, domain: 'office.example', exposure: 'loopback', port: 5070, redirect: false },
        users: [{ username: 'bob', aliases: [], address: 'sip:bob@office.example', registered: 1, thisComputer: false }],
        bindings: [{ username: 'bob', contact: 'sip:bob@192.0.2.4:5060', source: 'udp 192.0.2.4:5060', userAgent: 'baresip v1.0.0', expiresAt: now + 600_000 }],
        calls: [{ id: 'c1', from: 'sip:bob@office.example', to: 'sip:alice@office.example', state: 'ringing', since: now - 3000 }],
      }),
    });
    await tick();
    expect(within(screen.getByRole('list', { name: 'Registered phones' })).getByText(/baresip v1\.0\.0 · from udp 192\.0\.2\.4:5060 · 10 min left/)).toBeTruthy();
    expect(within(screen.getByRole('list', { name: 'Calls going through' })).getByText('bob@office.example → alice@office.example')).toBeTruthy();
    expect(screen.getByText('1 phone')).toBeTruthy();
  });

  it('says why it could not start', async () => {
    setup(snap({ settings: { enabled: true, domain: 'home.arpa', exposure: 'loopback', port: 5070, redirect: false }, state: 'failed', error: 'port 5070 is in use by another program: choose another port' }));
    await tick();
    expect(screen.getByRole('alert').textContent).toBe('port 5070 is in use by another program: choose another port');
  });
});
