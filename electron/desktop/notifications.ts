/**
 * The OS notification for an incoming call (text and actions from
 * incoming-call-notice.ts). One notification per ringing call; it is closed
 * when the call stops ringing (answered here or elsewhere, cancelled,
 * declined). Answer/Decline go through the dispatcher like any command.
 *
 * A notification can fail to show: an unsigned macOS build gets 'failed' for
 * every one ("Notifications are not allowed for this application"), a Linux
 * desktop may have no notification daemon. A call must not ring unseen, so a
 * failed notice brings the window up instead, and after the first failure
 * the window is used straight away for later calls (logged once).
 */
import { Notification } from 'electron';
import type { CallSnapshot, IncomingCallSnapshot } from '../api/contract.ts';
import type { Logger } from '../common/logger.ts';
import { incomingCallNotice } from './incoming-call-notice.ts';

export interface CallNotifierActions {
  answer(callId: string): void;
  decline(callId: string): void;
  /** Bring the window up (a click on the notification). */
  show(): void;
}

export interface CallNotifier {
  incoming(call: IncomingCallSnapshot): void;
  /** Every call event: closes the notification once the call no longer rings. */
  callChanged(call: CallSnapshot): void;
  closeAll(): void;
}

export function createCallNotifier(icon: string, actions: CallNotifierActions, logger: Logger): CallNotifier {
  const open = new Map<string, Notification>();
  let failing = false;

  const close = (callId: string) => {
    const n = open.get(callId);
    open.delete(callId);
    n?.close();
  };

  return {
    incoming(call) {
      if (open.has(call.id)) return;
      if (failing || !Notification.isSupported()) {
        actions.show();
        return;
      }
      const notice = incomingCallNotice(call, process.platform);
      const n = new Notification({
        title: notice.title,
        body: notice.body,
        icon,
        actions: [...notice.actions],
        urgency: 'critical',
        timeoutType: 'never',
        // The renderer plays the ringtone on the chosen ring device; the OS must not add its own sound.
        silent: true,
      });
      n.on('click', () => actions.show());
      n.on('action', (event) => {
        const command = notice.actionCommands[event.actionIndex];
        if (command === 'answer') {
          actions.answer(call.id);
          actions.show();
        } else if (command === 'decline') actions.decline(call.id);
        close(call.id);
      });
      n.on('failed', (_event, error) => {
        if (!failing) logger.warn('notifications fail here; incoming calls bring the window up instead', { error });
        failing = true;
        open.delete(call.id);
        actions.show();
      });
      open.set(call.id, n);
      n.show();
    },
    callChanged(call) {
      if (call.state !== 'incoming') close(call.id);
    },
    closeAll() {
      for (const id of [...open.keys()]) close(id);
    },
  };
}
