/** The SIP dialog layer (RFC 3261 §12–§15): dialogs, INVITE usages, the dialog table. */
export { Dialog, TARGET_REFRESH_METHODS } from './dialog.ts';
export type { DialogInit, DialogRole, DialogState, RequestContent } from './dialog.ts';
export { DialogManager } from './dialog-manager.ts';
export type { DialogExchange, DialogManagerOptions, DialogManagerUser } from './dialog-manager.ts';
export { DialogError, DialogTerminatedError, DialogUsageError, InsecureHopError, InviteNotPendingError, RequestPendingError } from './dialog-errors.ts';
export type { DialogEndReason } from './dialog-context.ts';
export { dialogKey, idOfIncomingRequest, idOfIncomingResponse } from './dialog-id.ts';
export type { DialogId } from './dialog-id.ts';
export { IncomingInvite } from './incoming-invite.ts';
export type { IncomingInviteState, ResponseContent } from './incoming-invite.ts';
export { OutgoingInvite } from './outgoing-invite.ts';
export type { OutgoingInviteHandler, OutgoingInviteInit } from './outgoing-invite.ts';
export { glareBackoff } from './glare-backoff.ts';
export { SuccessRetransmitter } from './success-retransmitter.ts';
export { isLooseRouter, routeRequest, routeSetFromRecordRoute } from './route-set.ts';
export { literalTargets, nextHopUri, resolveNextHop, secureHops } from './next-hop.ts';
export { ReliableProvisional, parseRAck, parseRSeq } from './reliable-provisional.ts';
export type { RAck, ReliableProvisionalState } from './reliable-provisional.ts';
