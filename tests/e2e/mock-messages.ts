/**
 * The instant-message commands of the mock phone (mock-phone.ts): in-memory
 * conversations that behave like the phone's (requests from strangers,
 * unread counts, delivery states, blocking) and emit the same events, with
 * seeded conversations that exercise the view (a contact, a stranger's
 * request, right-to-left text, a failure, a message stored by the server),
 * and scenario hooks: a message arrives, the peer types.
 */
import { ApiError } from '../../electron/api/errors.ts';
import type { EventBus } from '../../electron/api/event-bus.ts';
import type { PhoneApi } from '../../electron/api/phone-api.ts';
import type { ConversationSnapshot, ConversationState, MessageSnapshot } from '../../electron/api/contract.ts';

type MessageCommand = 'messages.send' | 'messages.list' | 'messages.conversations' | 'messages.read' | 'messages.remove' | 'messages.allow' | 'messages.block' | 'messages.composing';

export interface MockMessages {
  api: Pick<PhoneApi, MessageCommand>;
  scenario: {
    /** A message from `peer` arrives (a stranger's opens a request). */
    incoming(peer: string, body: string, opts?: { peerName?: string; contactId?: string }): MessageSnapshot;
    /** The peer starts (or stops) typing. */
    composing(peer: string, active: boolean): void;
    reset(): void;
  };
}

interface Conv {
  peer: string;
  peerName?: string;
  contactId?: string;
  state: ConversationState;
  readUpto: number;
  messages: MessageSnapshot[];
}

export function createMockMessages(events: EventBus, opts: { accountId: () => string; aor: () => string }): MockMessages {
  let next = 100;
  let convs = new Map<string, Conv>();
  const key = (target: string) => (/^sips?:/.test(target) ? target : `sip:${target.includes('@') ? target : `${target}@sipa.example.com`}`).replace(/;.*$/, '');
  const snapshot = (c: Conv): ConversationSnapshot => ({
    peer: c.peer,
    last: c.messages.at(-1)!,
    count: c.messages.length,
    unread: c.messages.filter((m) => m.direction === 'in' && Number(m.id) > c.readUpto).length,
    state: c.state,
    ...(c.peerName ? { peerName: c.peerName } : {}),
    ...(c.contactId ? { contactId: c.contactId } : {}),
  });
  const add = (c: Conv, m: Omit<MessageSnapshot, 'id' | 'peer'>): MessageSnapshot => {
    const full: MessageSnapshot = { ...m, id: String(next++), peer: c.peer, ...(c.peerName ? { peerName: c.peerName } : {}), ...(c.contactId ? { contactId: c.contactId } : {}) };
    c.messages.push(full);
    convs.set(c.peer, c);
    return full;
  };
  const conv = (peer: string, init: Partial<Conv> = {}): Conv => convs.get(peer) ?? { peer, state: 'open', readUpto: 0, messages: [], ...init };

  const seed = () => {
    convs = new Map();
    const now = Date.now();
    const a = opts.accountId();
    const alice = conv('sip:alice@example.com', { contactId: 'c-alice', peerName: 'Alice Martin' });
    add(alice, { direction: 'in', body: 'Are we still on for the 3 pm review?', contentType: 'text/plain', timestamp: now - 3_600_000, status: 'received', accountId: a, localAlias: opts.aor() });
    add(alice, { direction: 'out', body: 'Yes — room 4B. I will bring the printouts.', contentType: 'text/plain', timestamp: now - 3_500_000, status: 'delivered', code: 200, reason: 'OK', accountId: a, localAlias: opts.aor() });
    add(alice, { direction: 'out', body: 'Running 5 minutes late, sorry!', contentType: 'text/plain', timestamp: now - 600_000, status: 'stored', code: 202, reason: 'Accepted', accountId: a, localAlias: opts.aor() });
    const bob = conv('sip:+5511977776666@sipa.example.com', { peerName: 'Bob Ferreira' });
    add(bob, { direction: 'out', body: 'Can you call me back?', contentType: 'text/plain', timestamp: now - 7_200_000, status: 'failed', code: 480, reason: 'Temporarily Unavailable', words: 'not reachable now', accountId: a, localAlias: opts.aor() });
    add(bob, { direction: 'in', body: 'שלום! Back at my desk now. \u202eThis text came with a right-to-left override.', contentType: 'text/plain', timestamp: now - 120_000, status: 'received', accountId: a, localAlias: opts.aor() });
    const stranger = conv('sip:promo@deals.example.net', { state: 'request', peerName: 'Prize Desk' });
    add(stranger, { direction: 'in', body: 'You have won a cruise! Reply YES to claim.', contentType: 'text/plain', timestamp: now - 30_000, status: 'received', accountId: a, localAlias: opts.aor() });
  };
  seed();

  const find = (peer: string) => {
    const c = convs.get(key(peer));
    if (!c) throw new ApiError('not-found', `no conversation with ${peer}`);
    return c;
  };
  const changed = (c: Conv) => events.emit('conversation', snapshot(c));
  const list = () => [...convs.values()].filter((c) => c.messages.length > 0).map(snapshot).sort((x, y) => Number(y.last.id) - Number(x.last.id));

  return {
    api: {
      async 'messages.send'(p) {
        const c = conv(key(p.target));
        if (c.state === 'request') c.state = 'open';
        const m = add(c, { direction: 'out', body: p.body, contentType: 'text/plain', timestamp: Date.now(), status: 'sending', accountId: p.accountId ?? opts.accountId(), localAlias: p.identity ?? opts.aor() });
        changed(c);
        setTimeout(() => {
          const done: MessageSnapshot = { ...m, status: 'delivered', code: 200, reason: 'OK' };
          c.messages = c.messages.map((x) => (x.id === m.id ? done : x));
          events.emit('message', done);
          changed(c);
        }, 300);
        return m;
      },
      async 'messages.list'(p) {
        const all = p.peer !== undefined ? (convs.get(key(p.peer))?.messages ?? []) : [...convs.values()].flatMap((c) => c.messages);
        return all.filter((m) => p.query === undefined || m.body.toLowerCase().includes(p.query.toLowerCase())).slice().reverse();
      },
      async 'messages.conversations'(p) {
        const q = p.query?.toLowerCase();
        return list().filter((c) => q === undefined || c.peer.includes(q) || (convs.get(c.peer)?.messages ?? []).some((m) => m.body.toLowerCase().includes(q)));
      },
      async 'messages.read'(p) {
        const c = convs.get(key(p.peer));
        if (!c) return null;
        c.readUpto = Math.max(...c.messages.map((m) => Number(m.id)));
        changed(c);
        return snapshot(c);
      },
      async 'messages.remove'(p) {
        const c = find(p.peer);
        convs.delete(c.peer);
        events.emit('conversation', { ...snapshot(c), count: 0, unread: 0, removed: true });
      },
      async 'messages.allow'(p) {
        const c = find(p.peer);
        c.state = 'open';
        changed(c);
      },
      async 'messages.block'(p) {
        const c = find(p.peer);
        c.state = 'blocked';
        changed(c);
      },
      async 'messages.composing'() {},
    },
    scenario: {
      incoming(peer, body, o = {}) {
        const c = conv(key(peer), { state: o.contactId ? 'open' : 'request', ...(o.peerName ? { peerName: o.peerName } : {}), ...(o.contactId ? { contactId: o.contactId } : {}) });
        const m = add(c, { direction: 'in', body, contentType: 'text/plain', timestamp: Date.now(), status: 'received', accountId: opts.accountId(), localAlias: opts.aor() });
        events.emit('message.composing', { peer: c.peer, active: false });
        events.emit('message', m);
        changed(c);
        return m;
      },
      composing(peer, active) {
        events.emit('message.composing', { peer: key(peer), active, ...(active ? { expiresAt: Date.now() + 120_000 } : {}) });
      },
      reset: seed,
    },
  };
}
