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

export function messageNotice(m: MessageSnapshot, c: ConversationSnapshot | undefined, contacts: readonly ContactSnapshot[], onScreen: boolean): string | undefined {
  if (m.direction !== 'in' || onScreen || c?.state === 'blocked') return undefined;
  const who = noticeText(conversationName(c ?? m, contacts), 40);
  const kind = c?.state === 'request' ? 'Message request from' : 'Message from';
  return `${kind} ${who}: ${noticeText(m.body)}`;
}
