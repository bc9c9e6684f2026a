/**
 * The in-page notice for an incoming message: who wrote (a request says so)
 * and the start of the text, flattened to one line and without control or
 * bidi characters (a notice is not isolated like a bubble). Nothing for our
 * own messages or when the conversation is on screen, or blocked.
 */
import type { ContactSnapshot, ConversationSnapshot, MessageSnapshot } from '../api/types.ts';
import { conversationName } from './messages.ts';

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const MAX = 90;

export function noticeText(text: string, max = MAX): string {
  const t = text.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/**
 * The desktop's `conversation.open` event (a message notification was
 * clicked): the peer whose conversation to show. Checked here because it
 * comes from another process: a sip:/sips:/tel: address of bounded length.
 */
export function conversationRequest(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  const e = event as { event?: unknown; data?: { peer?: unknown } };
  if (e.event !== 'conversation.open' || typeof e.data?.peer !== 'string') return undefined;
  const peer = e.data.peer;
  return peer.length <= 1024 && /^(sips?|tel):[^\s\u0000-\u001f]+$/i.test(peer) ? peer : undefined;
}

export function messageNotice(m: MessageSnapshot, c: ConversationSnapshot | undefined, contacts: readonly ContactSnapshot[], onScreen: boolean): string | undefined {
  if (m.direction !== 'in' || onScreen || c?.state === 'blocked') return undefined;
  const who = noticeText(conversationName(c ?? m, contacts), 40);
  const kind = c?.state === 'request' ? 'Message request from' : 'Message from';
  return `${kind} ${who}: ${noticeText(m.body)}`;
}
