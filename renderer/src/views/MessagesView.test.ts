import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { ConversationSnapshot, MessageSnapshot } from '../api/types.ts';
import { conversationKey, deliveryWords, filterConversations, messageBytes } from '../lib/messages.ts';
import { messageNotice } from '../lib/message-notice.ts';
import { harness } from '../test-support/app-harness.ts';
import { contact, NOW } from '../test-support/fixtures.ts';
import MessagesView from './MessagesView.svelte';

function msg(over: Partial<MessageSnapshot> = {}): MessageSnapshot {
  return { id: '1', direction: 'in', peer: 'sip:alice@example.com', body: 'hello', contentType: 'text/plain', timestamp: NOW - 60_000, status: 'received', accountId: 'acc-1', localAlias: 'sip:+554845678901@sipa.example.com', ...over };
}

function conv(over: Partial<ConversationSnapshot> = {}): ConversationSnapshot {
  const last = over.last ?? msg();
  return { peer: last.peer, last, count: 1, unread: 0, state: 'open', ...over };
}

function setup() {
  const h = harness();
  h.store.setContacts([contact()]);
  h.store.messages.setConversations([
    conv({ last: msg({ id: '5', body: 'see you at 3', direction: 'out', status: 'delivered', code: 200 }), contactId: 'c-1', count: 4 }),
    conv({ last: msg({ id: '7', peer: 'sip:spam@evil.test', body: 'you won!', peerName: 'Prize Desk' }), peerName: 'Prize Desk', state: 'request', unread: 1 }),
    conv({ last: msg({ id: '6', peer: 'sip:bob@example.com', body: 'call me\u202e later' }), unread: 2 }),
  ]);
  h.transport.answer('messages.read', null);
  return h;
}

describe('MessagesView', () => {
  it('lists conversations newest first with names, previews and unread counts; strangers wait under Requests', async () => {
    const h = setup();
    render(MessagesView, { context: h.context });
    const rows = within(screen.getByRole('list', { name: 'Conversations' })).getAllByRole('button');
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringContaining('bob@example.com'), expect.stringContaining('Alice Martin')]);
    expect(rows[0]!.textContent).toContain('2 unread');
    expect(rows[1]!.textContent).toContain('You: see you at 3');
    expect(h.store.messages.unread).toBe(2);
    await fireEvent.click(screen.getByLabelText('Requests (1)'));
    const requests = within(screen.getByRole('list', { name: 'Message requests' })).getAllByRole('button');
    expect(requests.map((r) => r.textContent)).toEqual([expect.stringContaining('Prize Desk')]);
  });

  it('opens a thread: loads it, marks it read, shows delivery states, sends from the chosen address with Enter', async () => {
    const h = setup();
    const thread = [
      msg({ id: '3', peer: 'sip:bob@example.com', body: 'call me\u202e later', timestamp: NOW - 5000 }),
      msg({ id: '2', peer: 'sip:bob@example.com', direction: 'out', body: 'are you there?', status: 'failed', code: 480, words: 'not reachable now', timestamp: NOW - 9000 }),
      msg({ id: '1', peer: 'sip:bob@example.com', direction: 'out', body: 'offline note', status: 'stored', code: 202, timestamp: NOW - 10000 }),
    ];
    h.transport.answer('messages.list', thread);
    h.transport.answer('messages.send', msg({ id: '9', peer: 'sip:bob@example.com', direction: 'out', body: 'on my way', status: 'sending', localAlias: 'sip:45678901@sipa.example.com' }));
    h.transport.answer('messages.composing', null);
    render(MessagesView, { context: h.context });
    await fireEvent.click(screen.getAllByTestId('conversation')[0]!);
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(3));
    expect(h.transport.requests.find((r) => r.cmd === 'messages.list')?.params).toEqual({ peer: 'sip:bob@example.com', limit: 200 });
    expect(h.transport.requests.find((r) => r.cmd === 'messages.read')?.params).toEqual({ peer: 'sip:bob@example.com' });
    const states = screen.getAllByTestId('delivery').map((d) => d.textContent);
    expect(states).toEqual(['Stored on the server', 'Not delivered: not reachable now (480)']);
    // Text from the network is isolated: its bidi marks cannot reorder the page around it.
    const body = within(screen.getByRole('log')).getByText(/call me/);
    expect(body.getAttribute('dir')).toBe('auto');

    await fireEvent.change(screen.getByLabelText('Send as'), { target: { value: 'acc-1|sip:45678901@sipa.example.com' } });
    const input = screen.getByTestId('message-input');
    await fireEvent.input(input, { target: { value: 'on my way' } });
    expect(h.transport.requests.filter((r) => r.cmd === 'messages.composing').map((r) => r.params)).toEqual([
      { target: 'sip:bob@example.com', active: true, accountId: 'acc-1', identity: 'sip:45678901@sipa.example.com' },
    ]);
    await fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(h.transport.requests.some((r) => r.cmd === 'messages.send')).toBe(true));
    expect(h.transport.requests.find((r) => r.cmd === 'messages.send')?.params).toEqual({
      target: 'sip:bob@example.com', body: 'on my way', accountId: 'acc-1', identity: 'sip:45678901@sipa.example.com',
    });
    await waitFor(() => expect(screen.getAllByTestId('message')).toHaveLength(4));
    expect(screen.getAllByTestId('delivery').at(-1)?.textContent).toBe('Sent');
  });

  it('a request offers allow and block; a peer typing is shown until it lapses', async () => {
    const h = setup();
    h.transport.answer('messages.list', [msg({ id: '7', peer: 'sip:spam@evil.test', body: 'you won!' })]);
    h.transport.answer('messages.block', null);
    h.ui.messagesPeer = 'sip:spam@evil.test';
    render(MessagesView, { context: h.context });
    expect(await screen.findByText(/is not in your contacts/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Block' }));
    expect(h.transport.requests.find((r) => r.cmd === 'messages.block')?.params).toEqual({ peer: 'sip:spam@evil.test' });
    h.store.apply({ event: 'message.composing', data: { peer: 'sip:spam@evil.test', active: true, expiresAt: Date.now() + 60_000 } });
    expect(await screen.findByText(/is typing/)).toBeTruthy();
  });

  it('refuses a message over 1300 bytes of UTF-8 before sending it', async () => {
    const h = setup();
    h.transport.answer('messages.list', []);
    h.transport.answer('messages.composing', null);
    h.ui.messagesPeer = 'sip:alice@example.com';
    render(MessagesView, { context: h.context });
    const input = await screen.findByTestId('message-input');
    await fireEvent.input(input, { target: { value: 'é'.repeat(651) } });
    expect(screen.getByText(/Too long: 1302 of 1300 bytes/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Send' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('messages helpers', () => {
  it('words for each delivery state, sizes in bytes, search, keys, notices', () => {
    expect(deliveryWords(msg())).toBeUndefined();
    expect(deliveryWords(msg({ direction: 'out', status: 'failed', code: 404, words: 'no such user' }))?.label).toBe('Not delivered: no such user (404)');
    expect(messageBytes('é👋')).toBe(6);
    const list = [conv(), conv({ last: msg({ peer: 'sip:bob@x.test', body: 'lunch?' }) })];
    expect(filterConversations(list, 'LUNCH', []).map((c) => c.peer)).toEqual(['sip:bob@x.test']);
    expect(conversationKey('"Bob" <sip:bob@X.test;transport=tcp>', [])).toBe('sip:bob@x.test');
    expect(conversationKey('sip:Bob@x.test;user=phone', list)).toBe('sip:bob@x.test');
    expect(conversationKey('200', [])).toBe('200');
    expect(messageNotice(msg({ body: 'hi\u202e\u0007 there' }), undefined, [contact()], false)).toBe('Message from Alice Martin: hi there');
    expect(messageNotice(msg(), undefined, [], true)).toBeUndefined();
    expect(messageNotice(msg({ direction: 'out', status: 'delivered' }), undefined, [], false)).toBeUndefined();
    expect(messageNotice(msg({ peer: 'sip:x@y' }), conv({ state: 'request', last: msg({ peer: 'sip:x@y' }) }), [], false)).toBe('Message request from x@y: hello');
  });
});
