/** Two user agents (alice, bob) with a transaction layer and a DialogManager each, joined by the fake network on a FakeClock. */
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { FakeNetwork, FakeTransport } from '../../../helpers/fake-transport.ts';
import { createLogger } from '../../../../electron/common/logger.ts';
import type { LogRecord } from '../../../../electron/common/logger.ts';
import { SipRequest, parseNameAddr } from '../../../../electron/sip/message/index.ts';
import type { SipResponse } from '../../../../electron/sip/message/index.ts';
import { TransactionLayer } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { ServerTransaction } from '../../../../electron/sip/transaction/transaction-layer.ts';
import type { Dialog } from '../../../../electron/sip/dialog/dialog.ts';
import type { DialogEndReason } from '../../../../electron/sip/dialog/dialog-context.ts';
import { DialogManager } from '../../../../electron/sip/dialog/dialog-manager.ts';
import type { DialogManagerUser } from '../../../../electron/sip/dialog/dialog-manager.ts';
import type { IncomingInvite } from '../../../../electron/sip/dialog/incoming-invite.ts';
import type { OutgoingInviteHandler } from '../../../../electron/sip/dialog/outgoing-invite.ts';

export interface Ua {
  name: string;
  address: string;
  port: number;
  transport: FakeTransport;
  layer: TransactionLayer;
  manager: DialogManager;
  invites: IncomingInvite[];
  reinvites: IncomingInvite[];
  requests: { request: SipRequest; tx: ServerTransaction }[];
  dialogRequests: { dialog: Dialog; request: SipRequest; tx: ServerTransaction }[];
  ended: { dialog: Dialog; reason: DialogEndReason }[];
  /** What the UA does with a new INVITE / re-INVITE (default: nothing, the test answers). */
  onInvite?: (invite: IncomingInvite) => void;
  onReinvite?: (dialog: Dialog, invite: IncomingInvite) => void;
}

export interface World {
  clock: FakeClock;
  network: FakeNetwork;
  logs: LogRecord[];
  alice: Ua;
  bob: Ua;
  ua(name: string, address: string, port: number, random?: () => number): Ua;
}

export function world(random: () => number = () => 0.5): World {
  const clock = new FakeClock();
  const network = new FakeNetwork({ clock });
  const logs: LogRecord[] = [];
  const logger = createLogger((r) => logs.push(r), 'test');
  const ua = (name: string, address: string, port: number, rnd = random): Ua => {
    const transport = network.endpoint(address, port);
    const layer = new TransactionLayer({ transport, clock, logger, autoTrying: false });
    const u = { name, address, port, transport, layer, invites: [], reinvites: [], requests: [], dialogRequests: [], ended: [] } as unknown as Ua;
    const user: DialogManagerUser = {
      onInvite: (inv) => {
        u.invites.push(inv);
        u.onInvite?.(inv);
      },
      onRequest: (request, tx) => u.requests.push({ request, tx }),
      onReinvite: (dialog, inv) => {
        u.reinvites.push(inv);
        u.onReinvite?.(dialog, inv);
      },
      onDialogRequest: (dialog, request, tx) => u.dialogRequests.push({ dialog, request, tx }),
      onDialogTerminated: (dialog, reason) => u.ended.push({ dialog, reason }),
    };
    u.manager = new DialogManager({
      layer,
      user,
      random: rnd,
      contact: parseNameAddr(`<sip:${name}@${address}:${port}>`),
      logger,
    });
    return u;
  };
  return { clock, network, logs, ua, alice: ua('alice', '127.0.0.1', 5070), bob: ua('bob', '127.0.0.2', 5080) };
}

/** The initial INVITE as a UA core would build it (§8.1.1); the transaction layer adds the Via. */
export function inviteRequest(from: Ua, to: Ua, opts: { callId?: string; fromTag?: string; extra?: [string, string][]; uri?: string } = {}): SipRequest {
  const r = new SipRequest('INVITE', opts.uri ?? `sip:${to.name}@${to.address}:${to.port}`);
  const h = r.headers;
  h.append('Max-Forwards', '70');
  h.append('From', `"${from.name}" <sip:${from.name}@example.test>;tag=${opts.fromTag ?? `${from.name}-tag`}`);
  h.append('To', `<sip:${to.name}@example.test>`);
  h.append('Call-ID', opts.callId ?? 'call-1@test');
  h.append('CSeq', '1 INVITE');
  h.append('Contact', `<sip:${from.name}@${from.address}:${from.port}>`);
  for (const [n, v] of opts.extra ?? []) h.append(n, v);
  r.body = Buffer.from('offer');
  h.set('Content-Type', 'application/sdp');
  return r;
}

export interface InviteLog extends OutgoingInviteHandler {
  provisional: { response: SipResponse; dialog: Dialog | undefined }[];
  accepted: { dialog: Dialog; response: SipResponse }[];
  rejected: SipResponse[];
  glare: number[];
}

export function inviteLog(ackBody?: string): InviteLog {
  const log: InviteLog = {
    provisional: [],
    accepted: [],
    rejected: [],
    glare: [],
    onProvisional: (response, dialog) => log.provisional.push({ response, dialog }),
    onAccepted: (dialog, response) => {
      log.accepted.push({ dialog, response });
    },
    ackContent: () => (ackBody ? { body: Buffer.from(ackBody), contentType: 'application/sdp' } : {}),
    onRejected: (response) => log.rejected.push(response),
    onGlareRetry: (delay) => log.glare.push(delay),
  };
  return log;
}
