/**
 * We are asked to transfer (RFC 3515 §2.4: we are the transferee): the peer
 * REFERs us to a new target. We accept (202), call the target from the same
 * account and identity, report how it goes with NOTIFYs carrying a sipfrag
 * status line (180, then 200 or the failure), and leave the old call once the
 * new one is answered and the final NOTIFY has its answer (RFC 5589 §6: the
 * transferor usually hangs up first). A transferor that never answers that
 * NOTIFY does not keep the old call up for the NOTIFY's whole transaction
 * (64×T1, 32 s): we leave after FINAL_NOTIFY_WAIT_MS whatever it does.
 * A call that is sips: (TLS on every hop, RFC 5630) is never transferred onto
 * a sip: target: the REFER is refused with 403 and the reason.
 */
import type { ReceivedRefer } from '../sip/ua/index.ts';
import type { Clock } from '../common/clock.ts';
import type { Logger } from '../common/logger.ts';
import type { PhoneCall } from './phone-call.ts';

/** How long we wait for the final NOTIFY's answer before leaving the old call anyway: its retransmissions at 0.5, 1.5 and 3.5 s (T1 = 500 ms) have had their chance. */
export const FINAL_NOTIFY_WAIT_MS = 4000;

export function followRefer(record: PhoneCall, refer: ReceivedRefer, place: (target: string) => PhoneCall, log: Logger, clock: Clock): void {
  const notify = (status: number, reason: string) => void refer.notify(status, reason).catch(() => undefined);
  if (/^sips:/i.test(record.remote.uri) && !/^<?sips:/i.test(refer.referTo.trim())) {
    log.warn('transfer off TLS refused', { callId: record.id, target: refer.referTo });
    refer.reject(403, 'A sips: call is not transferred to a sip: target (RFC 5630)');
    return;
  }
  void refer.accept().catch(() => undefined);
  let next: PhoneCall;
  try {
    next = place(refer.referTo);
  } catch (e) {
    log.warn('transfer target not called', { callId: record.id, target: refer.referTo, error: String(e) });
    notify(503, 'Service Unavailable');
    return;
  }
  log.info('transferred', { from: record.id, to: next.id, target: refer.referTo });
  let reported = false;
  next.sip.on('state', (change) => {
    if (change.state === 'ringing' || change.state === 'early') notify(180, 'Ringing');
    if (change.state === 'active' && !reported) {
      reported = true;
      // Leave once the final NOTIFY is answered: a BYE sent beside it can overtake it, and the transferor,
      // its dialog gone, would answer it 481 and never learn the transfer worked. Usually the transferor
      // hangs up on the NOTIFY first (RFC 5589 §6.1) and there is nothing left to end. One that never answers
      // it is not waited for beyond FINAL_NOTIFY_WAIT_MS.
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        clock.clearTimeout(timer);
        if (!record.ended) void record.sip.hangup().catch(() => undefined);
      };
      const timer = clock.setTimeout(leave, FINAL_NOTIFY_WAIT_MS);
      void refer.notify(200, 'OK').catch(() => undefined).then(leave);
    }
  });
  next.sip.on('ended', (end) => {
    if (next.answeredAt === undefined) notify(end.outcome?.status ?? 487, end.outcome?.reason ?? 'Request Terminated');
  });
}
