/**
 * An instant message (SIP MESSAGE, RFC 3428) sent or received.
 *
 * `status` follows an outgoing message:
 *
 *   sending ──2xx (200)──▶ delivered
 *      │ └────202────────▶ stored      (a store-and-forward server took it, RFC 3428 §7:
 *      │                               the peer gets it when it registers again — Kamailio msilo)
 *      └──3xx–6xx, timeout, transport──▶ failed (with the code and reason)
 *
 * An incoming one is 'received'.
 */
import { z } from '../api/zod.ts';
import { CALL_DIRECTIONS, type CallDirection } from './history-entry.ts';

export const MESSAGE_STATUSES = ['received', 'sending', 'delivered', 'stored', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface TextMessageFields {
  direction: CallDirection;
  peerUri: string;
  body: string;
  contentType: string;
  timestamp: number;
  accountId: string | null;
  status: MessageStatus;
  /** Our address it was sent from (out) or to (in). */
  localAlias: string | null;
  /** The final SIP answer of an outgoing one. */
  code: number | null;
  reason: string | null;
}

export interface TextMessage extends TextMessageFields {
  readonly id: number;
}

export type TextMessageInput = Partial<TextMessageFields> & Pick<TextMessageFields, 'direction' | 'peerUri' | 'body' | 'timestamp'>;

/** Far above RFC 3428 §8's 1300-byte guidance for UDP; keeps a hostile peer from filling the disk in one go. */
export const MAX_MESSAGE_BODY = 65_536;

const noControls = /^[^\u0000-\u001f\u007f]*$/;

export const textMessageFieldsSchema: z.ZodType<TextMessageFields> = z
  .strictObject({
    direction: z.enum(CALL_DIRECTIONS),
    peerUri: z.string().min(1, 'is empty').max(1024).regex(noControls, 'contains a control character'),
    body: z.string().max(MAX_MESSAGE_BODY),
    contentType: z.string().regex(/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$/, 'is not a media type').max(200),
    timestamp: z.int().min(0).max(8.64e15),
    accountId: z.string().min(1).max(100).nullable(),
    status: z.enum(MESSAGE_STATUSES),
    localAlias: z.string().min(1).max(1024).regex(noControls, 'contains a control character').nullable(),
    code: z.int().min(100).max(699).nullable(),
    reason: z.string().max(200).regex(noControls, 'contains a control character').nullable(),
  })
  .superRefine((m, ctx) => {
    if ((m.direction === 'in') !== (m.status === 'received')) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: m.direction === 'in' ? "must be 'received' for an incoming message" : "cannot be 'received' for an outgoing message" });
    }
  });
