/**
 * message/sipfrag (RFC 3420) as REFER's NOTIFYs use it (RFC 3515 §2.4.5):
 * the body is the status line of the response the transferee got for the
 * request the REFER asked for, e.g. "SIP/2.0 180 Ringing".
 */
export const SIPFRAG_TYPE = 'message/sipfrag';

export function formatSipfrag(status: number, reason: string): string {
  return `SIP/2.0 ${status} ${reason}\r\n`;
}

export function parseSipfragStatus(body: string): { status: number; reason: string } | undefined {
  const m = /^\s*SIP\/2\.0\s+(\d{3})\s*([^\r\n]*)/i.exec(body);
  if (!m) return undefined;
  return { status: Number(m[1]), reason: m[2]!.trim() };
}
