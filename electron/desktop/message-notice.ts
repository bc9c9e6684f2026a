/** What the OS notification for a received message says (pure; message-notifier.ts shows it). */
import type { MessageSnapshot } from '../api/contract.ts';
import { cleanText, shortAddress } from './incoming-call-notice.ts';

export interface MessageNotice {
  title: string;
  body: string;
}

export function messageNotice(m: MessageSnapshot): MessageNotice | undefined {
  if (m.direction !== 'in') return undefined;
  const who = cleanText(m.peerName) || shortAddress(m.peer) || 'Someone';
  return { title: `Message from ${who}`, body: cleanText(m.body.replace(/\s+/g, ' '), 160) || '(empty)' };
}

