/**
 * Words and small rules for the Messages view: a message's delivery state
 * in words, the name a conversation shows, the size limit of what we send,
 * and which conversations a search finds. Pure, so they are tested alone.
 */
import type { ContactSnapshot, ConversationSnapshot, MessageSnapshot } from '../api/types.ts';
import { displayAddress, findContact } from './party.ts';
import { describeOutcome } from './sip-words.ts';

/** RFC 3428 §8: what we send stays within one UDP datagram (the engine refuses more). */
export const MAX_MESSAGE_BYTES = 1300;

const utf8 = new TextEncoder();

export function messageBytes(text: string): number {
  return utf8.encode(text).length;
}

export interface DeliveryWords {
  /** Short, under the bubble. */
  label: string;
  /** Longer, for the tooltip and screen readers. */
  detail: string;
  tone: 'muted' | 'ok' | 'warn' | 'danger';
}

export function deliveryWords(m: MessageSnapshot): DeliveryWords | undefined {
  switch (m.status) {
    case 'received':
      return undefined;
    case 'sending':
      return { label: 'Sent', detail: 'Sent; waiting for the answer', tone: 'muted' };
    case 'delivered':
      return { label: 'Delivered', detail: `Delivered${m.code !== undefined ? ` (SIP ${m.code})` : ''}`, tone: 'ok' };
    case 'stored':
      return { label: 'Stored on the server', detail: 'The server keeps it and delivers it when they are online (SIP 202)', tone: 'warn' };
    case 'failed': {
      const said = describeOutcome(m.code, m.words, m.reason) ?? 'not sent';
      const why = said.charAt(0).toLowerCase() + said.slice(1);
      return { label: `Not delivered: ${why}`, detail: `Not delivered: ${why}`, tone: 'danger' };
    }
  }
}

export function conversationName(c: Pick<ConversationSnapshot, 'peer' | 'peerName' | 'contactId'>, contacts: readonly ContactSnapshot[]): string {
  return (c.contactId && contacts.find((x) => x.id === c.contactId)?.name) || findContact(c.peer, contacts)?.name || c.peerName || displayAddress(c.peer);
}

/** Conversations whose name, address or last message contains `query` (case-insensitive). */
export function filterConversations(list: readonly ConversationSnapshot[], query: string, contacts: readonly ContactSnapshot[]): ConversationSnapshot[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [...list];
  return list.filter((c) => `${conversationName(c, contacts)}\n${displayAddress(c.peer)}\n${c.last.body}`.toLowerCase().includes(q));
}

/** One line of the last message for the list: "You: …" for ours, line breaks flattened. */
export function preview(m: MessageSnapshot): string {
  const text = m.body.replace(/\s+/g, ' ').trim();
  return m.direction === 'out' ? `You: ${text}` : text;
}

/** The address to message a contact at: its first address, else its first number. */
export function contactTarget(c: ContactSnapshot): string | undefined {
  return c.addresses[0]?.uri ?? c.numbers[0]?.number;
}

/**
 * The conversation key the phone uses for an address (sip:user@host[:port],
 * host in lower case, no parameters), or the conversation that already has
 * it; a number or name the phone completes itself stays as typed.
 */
export function conversationKey(address: string, list: readonly ConversationSnapshot[]): string {
  const text = (/<([^<>]+)>/.exec(address)?.[1] ?? address).trim();
  const m = /^(sips?):([^@;?]+@)?([^;?:]+|\[[^\]]+\])(:\d+)?/i.exec(text);
  const key = m ? `${m[1]!.toLowerCase()}:${m[2] ?? ''}${m[3]!.toLowerCase()}${m[4] ?? ''}` : text;
  const same = list.find((c) => c.peer === key || displayAddress(c.peer).toLowerCase() === displayAddress(key).toLowerCase());
  return same?.peer ?? key;
}
