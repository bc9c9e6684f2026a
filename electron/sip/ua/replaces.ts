/**
 * The Replaces header (RFC 3891): a new INVITE that takes the place of an
 * existing dialog — attended transfer (RFC 5589 §7), call pickup, "transfer
 * to an existing call". This file parses and formats the header and holds
 * the receiving UA's rules (§3) as one table, so the UA core only looks the
 * dialog up and applies the verdict.
 *
 *   Replaces: <call-id>;to-tag=<tag>;from-tag=<tag>[;early-only]
 *
 * The tags are the recipient's: to-tag is the local tag of the dialog at the
 * UA that receives the INVITE, from-tag its remote tag (§6.1; pjsip and
 * baresip look dialogs up the same way).
 *
 *   INVITE with Replaces ──▶ more than one Replaces, or unparsable ──▶ 400
 *        │ no dialog with that Call-ID and those tags ──────────────▶ 481
 *        │ the dialog is over (or being ended) ─────────────────────▶ 603
 *        │ an early dialog we did not initiate (it rings here) ─────▶ 481
 *        │ early-only, and the dialog is confirmed ─────────────────▶ 486
 *        ▼
 *   accepted: the new call is answered without ringing; the old dialog
 *   is ended — BYE when confirmed, CANCEL when early (ours, outgoing)
 */
import { SipParseError } from '../message/index.ts';
import type { SipRequest, SipUri } from '../message/index.ts';

export interface ReplacesTarget {
  callId: string;
  /** The recipient's local tag of the dialog to replace. */
  toTag: string;
  /** The recipient's remote tag. */
  fromTag: string;
  /** Replace only a dialog still ringing (call pickup), never a connected one (§6.1). */
  earlyOnly: boolean;
}

/** What the UA found under the header's Call-ID and tags. */
export type ReplacedDialog =
  | { kind: 'none' }
  | { kind: 'ended' }
  | { kind: 'early'; initiatedHere: boolean }
  | { kind: 'confirmed' };

export type ReplacesVerdict = { accept: true } | { accept: false; status: number; reason: string };

/** Header values longer than this are refused (a Call-ID plus two tags fits many times over). */
const MAX_REPLACES_LENGTH = 512;

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const CALL_ID = /^[A-Za-z0-9\-.!%*_+`'~()<>:\\"/[\]?{}@]+$/;

/** Parses one Replaces value; throws SipParseError when it is not one (→ 400). */
export function parseReplaces(value: string): ReplacesTarget {
  if (value.length > MAX_REPLACES_LENGTH) throw new SipParseError(400, 'Replaces header too long');
  const [rawId, ...params] = value.split(';');
  const callId = (rawId ?? '').trim();
  if (!callId || !CALL_ID.test(callId)) throw new SipParseError(400, 'Replaces without a Call-ID');
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const p of params) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? undefined : p.slice(eq + 1).trim();
    if (name === 'to-tag' && v && TOKEN.test(v)) toTag = v;
    else if (name === 'from-tag' && v && TOKEN.test(v)) fromTag = v;
    else if (name === 'early-only' && v === undefined) earlyOnly = true;
    else if (name === 'to-tag' || name === 'from-tag') throw new SipParseError(400, `Replaces ${name} is not a token`);
  }
  if (toTag === undefined || fromTag === undefined) throw new SipParseError(400, 'Replaces needs to-tag and from-tag');
  return { callId, toTag, fromTag, earlyOnly };
}

export function formatReplaces(t: ReplacesTarget): string {
  return `${t.callId};to-tag=${t.toTag};from-tag=${t.fromTag}${t.earlyOnly ? ';early-only' : ''}`;
}

/**
 * The request's Replaces target: undefined when it has none, or a 400 to
 * send when it has several or a broken one (§6.1: exactly one).
 */
export function replacesOf(request: SipRequest): ReplacesTarget | undefined | { status: 400; reason: string } {
  const values = request.headers.getAll('Replaces');
  if (values.length === 0) return undefined;
  if (values.length > 1) return { status: 400, reason: 'Bad Request - more than one Replaces' };
  try {
    return parseReplaces(values[0]!);
  } catch (e) {
    return { status: 400, reason: e instanceof SipParseError ? e.reason : 'Bad Request - malformed Replaces' };
  }
}

/** RFC 3891 §3, the table above. */
export function judgeReplaces(target: ReplacesTarget, found: ReplacedDialog): ReplacesVerdict {
  switch (found.kind) {
    case 'none':
      return { accept: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    case 'ended':
      return { accept: false, status: 603, reason: 'Decline' };
    case 'early':
      return found.initiatedHere ? { accept: true } : { accept: false, status: 481, reason: 'Call/Transaction Does Not Exist' };
    case 'confirmed':
      return target.earlyOnly ? { accept: false, status: 486, reason: 'Busy Here' } : { accept: true };
  }
}

/**
 * The Refer-To target of an attended transfer (RFC 5589 §7.1): the
 * target's URI with the consultation dialog as a Replaces URI header (RFC
 * 3261 §19.1.1; formatUri escapes it), the tags as the target has them.
 */
export function withReplaces(uri: SipUri, t: ReplacesTarget): SipUri {
  const headers = new Map(uri.headers);
  headers.set('Replaces', formatReplaces(t));
  return { ...uri, headers };
}
