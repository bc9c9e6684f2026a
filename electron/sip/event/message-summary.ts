/**
 * Message summaries (RFC 3842 §5, application/simple-message-summary):
 *
 *   Messages-Waiting: yes
 *   Message-Account: sip:alice@vmail.example.com
 *   Voice-Message: 2/8 (0/2)
 *
 * Counts are new/old (urgent new/urgent old). Voice messages are what a
 * phone counts; when a server reports only other classes, they are summed.
 */
import { cleanText } from './pidf.ts';

export const MESSAGE_SUMMARY_TYPE = 'application/simple-message-summary';
/** A summary is a few lines; a larger body is refused (413) before it is read. */
export const MAX_SUMMARY_BYTES = 4_096;

export interface MessageSummary {
  waiting: boolean;
  account?: string;
  newMessages: number;
  oldMessages: number;
  urgentNew: number;
  urgentOld: number;
}

const COUNT_LINE = /^([A-Za-z-]+-Message)\s*:\s*(\d{1,7})\s*\/\s*(\d{1,7})(?:\s*\(\s*(\d{1,7})\s*\/\s*(\d{1,7})\s*\))?\s*$/i;

export function parseMessageSummary(body: string | Buffer): MessageSummary {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const lines = text.split(/\r?\n/);
  let waiting: boolean | undefined;
  let account: string | undefined;
  const classes = new Map<string, [number, number, number, number]>();
  for (const line of lines.slice(0, 64)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'messages-waiting') waiting = value.toLowerCase() === 'yes';
    else if (name === 'message-account') account = cleanText(value, 512);
    else {
      const m = COUNT_LINE.exec(line.trim());
      if (m) classes.set(m[1]!.toLowerCase(), [Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0)]);
    }
  }
  if (waiting === undefined) throw new Error('message summary without Messages-Waiting');
  const counts = classes.get('voice-message') ?? [...classes.values()].reduce<[number, number, number, number]>((a, c) => [a[0] + c[0], a[1] + c[1], a[2] + c[2], a[3] + c[3]], [0, 0, 0, 0]);
  const out: MessageSummary = { waiting, newMessages: counts[0], oldMessages: counts[1], urgentNew: counts[2], urgentOld: counts[3] };
  if (account) out.account = account;
  return out;
}

export function buildMessageSummary(s: MessageSummary): string {
  let text = `Messages-Waiting: ${s.waiting ? 'yes' : 'no'}\r\n`;
  if (s.account) text += `Message-Account: ${s.account}\r\n`;
  text += `Voice-Message: ${s.newMessages}/${s.oldMessages} (${s.urgentNew}/${s.urgentOld})\r\n`;
  return text;
}
