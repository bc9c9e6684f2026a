/**
 * The renderer's copy of the instant messages: the conversation list (from
 * `messages.conversations` at connect, then `conversation` events), the
 * threads the user opened (from `messages.list`, then `message` events) and
 * who is typing (`message.composing`, lapsing at `expiresAt`). Replaced
 * whole, never mutated ($state.raw), like PhoneState.
 */
import type { ApiEvent, ComposingSnapshot, ConversationSnapshot, MessageSnapshot } from '../api/types.ts';

/** Messages kept per open thread (the newest). */
const THREAD_KEEP = 500;

/** Newest conversation first: by the last message's id (ids grow with time in the phone's store). */
function byRecency(a: ConversationSnapshot, b: ConversationSnapshot): number {
  return Number(b.last.id) - Number(a.last.id) || b.last.timestamp - a.last.timestamp;
}

export class MessagesState {
  conversations = $state.raw<ConversationSnapshot[]>([]);
  /** peer → its messages, oldest first (only threads that were opened or got a message since). */
  threads = $state.raw<Record<string, MessageSnapshot[]>>({});
  /** peer → when its 'typing' lapses (ms since epoch). */
  composing = $state.raw<Record<string, number>>({});

  /** Unread messages in conversations (requests count apart, blocked not at all). */
  unread = $derived(this.conversations.reduce((n, c) => n + (c.state === 'open' ? c.unread : 0), 0));
  requests = $derived(this.conversations.filter((c) => c.state === 'request'));

  #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  setConversations(list: ConversationSnapshot[]): void {
    this.conversations = list.slice().sort(byRecency);
  }

  setThread(peer: string, newestFirst: MessageSnapshot[]): void {
    this.threads = { ...this.threads, [peer]: newestFirst.slice().reverse() };
  }

  conversation(peer: string | undefined): ConversationSnapshot | undefined {
    return peer === undefined ? undefined : this.conversations.find((c) => c.peer === peer);
  }

  /** Whether `peer` is typing now. */
  typing(peer: string): boolean {
    const until = this.composing[peer];
    return until !== undefined && until > this.#now();
  }

  /** Returns true when the event was about messages. */
  apply(event: ApiEvent): boolean {
    switch (event.event) {
      case 'message':
        this.#putMessage(event.data);
        return true;
      case 'conversation':
        this.#putConversation(event.data);
        return true;
      case 'message.composing':
        this.#putComposing(event.data);
        return true;
      default:
        return false;
    }
  }

  #putMessage(m: MessageSnapshot): void {
    const thread = this.threads[m.peer];
    if (!thread) {
      // A thread never opened is loaded when it is; a new conversation starts with this one.
      if (!this.conversation(m.peer)) this.threads = { ...this.threads, [m.peer]: [m] };
      return;
    }
    const at = thread.findIndex((x) => x.id === m.id);
    const next = at >= 0 ? thread.map((x, i) => (i === at ? m : x)) : [...thread, m].slice(-THREAD_KEEP);
    this.threads = { ...this.threads, [m.peer]: next };
  }

  #putConversation(c: ConversationSnapshot): void {
    const rest = this.conversations.filter((x) => x.peer !== c.peer);
    if (c.removed) {
      this.conversations = rest;
      const { [c.peer]: _gone, ...threads } = this.threads;
      this.threads = threads;
      return;
    }
    this.conversations = [...rest, c].sort(byRecency);
  }

  #putComposing(c: ComposingSnapshot): void {
    if (c.active && c.expiresAt !== undefined) this.composing = { ...this.composing, [c.peer]: c.expiresAt };
    else if (this.composing[c.peer] !== undefined) {
      const { [c.peer]: _gone, ...rest } = this.composing;
      this.composing = rest;
    }
  }
}
