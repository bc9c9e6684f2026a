/**
 * The OS notification for an instant message that arrives while the window
 * is in the background (the page shows its own notice when it is in front).
 * Text comes from the network: it is shown as plain text, clipped, without
 * control or bidi characters (incoming-call-notice.ts cleanText). A click
 * brings the window up on the Messages view (the page keeps the unread
 * count) on that message's conversation. Nothing while Do Not Disturb is on, for our own messages, or when
 * notifications fail here (logged once); at most one per conversation at a
 * time, replaced by the newest.
 */
import { Notification } from 'electron';
import type { MessageSnapshot } from '../api/contract.ts';
import type { Logger } from '../common/logger.ts';
import { messageNotice } from './message-notice.ts';

export interface MessageNotifier {
  received(m: MessageSnapshot, windowFocused: boolean, dnd: boolean): void;
  closeAll(): void;
}

/** `open`: brings the window up on the conversation with `peer`. */
export function createMessageNotifier(icon: string, open: (peer: string) => void, logger: Logger): MessageNotifier {
  const shown = new Map<string, Notification>();
  let failing = false;
  return {
    received(m, windowFocused, dnd) {
      const notice = messageNotice(m);
      if (!notice || windowFocused || dnd || failing || !Notification.isSupported()) return;
      shown.get(m.peer)?.close();
      const n = new Notification({ title: notice.title, body: notice.body, icon, silent: false });
      n.on('click', () => {
        shown.delete(m.peer);
        open(m.peer);
      });
      n.on('failed', (_event, error) => {
        if (!failing) logger.warn('message notifications fail here; the window shows the unread count', { error });
        failing = true;
        shown.delete(m.peer);
      });
      shown.set(m.peer, n);
      n.show();
    },
    closeAll() {
      for (const n of shown.values()) n.close();
      shown.clear();
    },
  };
}
