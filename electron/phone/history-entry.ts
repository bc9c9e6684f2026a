/**
 * One call in the history. Written when the call starts (`startedAt`) and
 * completed when it is answered and ends, so a crash mid-call still leaves the
 * call in the list. Times are wall-clock milliseconds since the Unix epoch.
 */
import { z } from '../api/zod.ts';

export const CALL_DIRECTIONS = ['in', 'out'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** Summary of the call's media, from RTCP (RFC 3550 §6.4) and the MOS estimate. */
export interface CallQuality {
  /** Estimated mean opinion score, 1 (bad) to 5 (excellent). */
  mos: number | null;
  /** Fraction of packets lost, 0 to 1. */
  loss: number | null;
  /** Interarrival jitter in milliseconds. */
  jitter: number | null;
  /** Round-trip time in milliseconds. */
  rtt: number | null;
  /** What protected the call, in words (call-security.ts). */
  security?: string;
}

export interface HistoryFields {
  direction: CallDirection;
  peerUri: string;
  peerName: string | null;
  /** The contact the caller ID resolved to, if any (cleared if the contact is deleted). */
  contactId: string | null;
  /** Our address that was called (in) or presented (out). */
  localAlias: string | null;
  accountId: string | null;
  /** SIP Call-ID, to find the entry again when the call ends. */
  callId: string | null;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** Final SIP status (200, 486, 487…) or null while the call is up. */
  resultCode: number | null;
  reason: string | null;
  quality: CallQuality | null;
  /** The call was forwarded to us: "forwarded by 100@sip.test, busy" (Diversion, History-Info). */
  forwardedBy: string | null;
  /** We forwarded the call: "forwarded to 200@sip.test, busy" (call forwarding on the phone). */
  forwardedTo: string | null;
  /** The call's recordings (absolute paths, in the order they were made; recordings.ts). */
  recordings: string[];
}

export interface HistoryEntry extends HistoryFields {
  readonly id: number;
}

export type HistoryInput = Partial<HistoryFields> & Pick<HistoryFields, 'direction' | 'peerUri' | 'startedAt'>;
export type HistoryPatch = Partial<HistoryFields>;

export const HISTORY_DEFAULTS: Readonly<Omit<HistoryFields, 'direction' | 'peerUri' | 'startedAt'>> = Object.freeze({
  peerName: null,
  contactId: null,
  localAlias: null,
  accountId: null,
  callId: null,
  answeredAt: null,
  endedAt: null,
  resultCode: null,
  reason: null,
  quality: null,
  forwardedBy: null,
  forwardedTo: null,
  recordings: [],
});

// Peers come from the network: we record odd addresses rather than lose the call, but no control characters.
const text = (max: number) => z.string().max(max).regex(/^[^\u0000-\u001f\u007f]*$/, 'contains a control character');
const time = z.int().min(0).max(8.64e15);
const metric = (max: number) => z.number().min(0).max(max).nullable();

export const callQualitySchema: z.ZodType<CallQuality> = z.strictObject({
  mos: z.number().min(1).max(5).nullable(),
  loss: metric(1),
  jitter: metric(60_000),
  rtt: metric(60_000),
  /** What protected the call, in words (call-security.ts). */
  security: z.string().max(200).optional(),
});

export const historyFieldsSchema: z.ZodType<HistoryFields> = z
  .strictObject({
    direction: z.enum(CALL_DIRECTIONS),
    peerUri: text(1024).min(1, 'is empty'),
    peerName: text(256).nullable(),
    contactId: z.string().min(1).max(100).nullable(),
    localAlias: text(256).nullable(),
    accountId: z.string().min(1).max(100).nullable(),
    callId: text(256).nullable(),
    startedAt: time,
    answeredAt: time.nullable(),
    endedAt: time.nullable(),
    resultCode: z.int().min(100).max(699).nullable(),
    reason: text(256).nullable(),
    quality: callQualitySchema.nullable(),
    forwardedBy: text(512).nullable(),
    forwardedTo: text(512).nullable(),
    recordings: z.array(text(4096).min(1)).max(100),
  })
  .superRefine((h, ctx) => {
    if (h.answeredAt !== null && h.answeredAt < h.startedAt) ctx.addIssue({ code: 'custom', path: ['answeredAt'], message: 'is before startedAt' });
    if (h.endedAt !== null && h.endedAt < (h.answeredAt ?? h.startedAt)) ctx.addIssue({ code: 'custom', path: ['endedAt'], message: 'is before the call started or was answered' });
  });

/** An incoming call nobody answered. */
export function isMissed(entry: Pick<HistoryFields, 'direction' | 'answeredAt' | 'endedAt'>): boolean {
  return entry.direction === 'in' && entry.answeredAt === null && entry.endedAt !== null;
}
