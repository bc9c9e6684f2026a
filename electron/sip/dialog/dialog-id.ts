/**
 * The dialog identifier (RFC 3261 §12): Call-ID, local tag and remote tag.
 * Which header holds which tag depends on the direction: in a request we
 * receive, To carries our tag; in a response to a request we sent, From does.
 */
import { callId, fromOf, toOf } from '../message/index.ts';
import type { SipMessage } from '../message/index.ts';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  /** Empty for an RFC 2543 peer that sent no tag. */
  readonly remoteTag: string;
}

export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

function tag(value: { params: Map<string, string | null> }): string | undefined {
  return value.params.get('tag') ?? undefined;
}

/** The id of the dialog a received request belongs to; undefined when it has no To tag (out of dialog, §12.2.2). */
export function idOfIncomingRequest(request: SipMessage): DialogId | undefined {
  const local = tag(toOf(request));
  if (local === undefined) return undefined;
  return { callId: callId(request), localTag: local, remoteTag: tag(fromOf(request)) ?? '' };
}

/** The id of the dialog a response to our request belongs to; undefined without a To tag. */
export function idOfIncomingResponse(response: SipMessage): DialogId | undefined {
  const remote = tag(toOf(response));
  const local = tag(fromOf(response));
  if (remote === undefined || local === undefined) return undefined;
  return { callId: callId(response), localTag: local, remoteTag: remote };
}
