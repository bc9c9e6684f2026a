/**
 * What the Messages view's buttons do: one API command each, results folded
 * into the messages state, failures shown as toasts in words (through
 * PhoneActions.run). The typing indication is throttled here: the engine
 * decides what goes on the wire (RFC 3994 refresh and idle timeout), we
 * only avoid a command per keystroke.
 */
import type { MessageSnapshot } from '../api/types.ts';
import type { PhoneActions } from './actions.ts';

const TYPING_EVERY_MS = 4000;

export interface SendFrom {
  accountId?: string;
  identity?: string;
}

export class MessageActions {
  readonly #actions: PhoneActions;
  /** peer → when we last told the engine we are typing. */
  readonly #typingAt = new Map<string, number>();

  constructor(actions: PhoneActions) {
    this.#actions = actions;
  }

  get #messages() {
    return this.#actions.store.messages;
  }

  /** Loads the newest messages of a conversation into its thread. */
  async open(peer: string): Promise<void> {
    const list = await this.#actions.run('Could not load the messages', 'messages.list', { peer, limit: 200 });
    if (list) this.#messages.setThread(peer, list);
  }

  async send(target: string, body: string, from: SendFrom = {}): Promise<MessageSnapshot | undefined> {
    const text = body.trim();
    if (text === '' || target.trim() === '') return undefined;
    const sent = await this.#actions.run('Could not send the message', 'messages.send', {
      target: target.trim(),
      body: text,
      ...(from.accountId ? { accountId: from.accountId } : {}),
      ...(from.identity ? { identity: from.identity } : {}),
    });
    if (sent) {
      this.#typingAt.delete(sent.peer);
      if (!this.#messages.threads[sent.peer]) await this.open(sent.peer);
      this.#messages.apply({ event: 'message', data: sent });
    }
    return sent;
  }

  /** A keystroke in the compose box (active) or the box emptied / left (inactive). */
  typing(target: string, active: boolean, from: SendFrom = {}, now = Date.now()): void {
    const last = this.#typingAt.get(target);
    if (active && last !== undefined && now - last < TYPING_EVERY_MS) return;
    if (!active && last === undefined) return;
    if (active) this.#typingAt.set(target, now);
    else this.#typingAt.delete(target);
    void this.#actions.client.call('messages.composing', {
      target,
      active,
      ...(from.accountId ? { accountId: from.accountId } : {}),
      ...(from.identity ? { identity: from.identity } : {}),
    });
  }

  async read(peer: string): Promise<void> {
    const c = await this.#actions.client.call('messages.read', { peer });
    if (c.ok && c.result) this.#messages.apply({ event: 'conversation', data: c.result });
  }

  async allow(peer: string): Promise<void> {
    await this.#actions.run('Could not allow', 'messages.allow', { peer });
  }

  async block(peer: string): Promise<void> {
    await this.#actions.run('Could not block', 'messages.block', { peer });
  }

  async remove(peer: string): Promise<boolean> {
    return (await this.#actions.run('Could not delete the conversation', 'messages.remove', { peer })) !== undefined;
  }
}
