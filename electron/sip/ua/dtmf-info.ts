/**
 * DTMF carried in SIP INFO (RFC 6086 framework) with the
 * application/dtmf-relay body that most PBXs and phones (Asterisk, Cisco,
 * baresip, PJSIP) use: "Signal=5\r\nDuration=160\r\n". RTP telephone-events
 * (RFC 4733) are the media engine's business; this is the signalling path.
 */
export const DTMF_RELAY_TYPE = 'application/dtmf-relay';

const DIGIT = /^[0-9*#A-Da-d]$/;

export interface DtmfTone {
  digit: string;
  durationMs: number;
}

export function isDtmfDigit(digit: string): boolean {
  return DIGIT.test(digit);
}

export function formatDtmfRelay(tone: DtmfTone): string {
  if (!isDtmfDigit(tone.digit)) throw new Error(`not a DTMF digit: ${JSON.stringify(tone.digit)}`);
  return `Signal=${tone.digit.toUpperCase()}\r\nDuration=${Math.round(tone.durationMs)}\r\n`;
}

/** The tone in a dtmf-relay body; undefined when it names none. Signal=10/11 mean * and # in some PBXs. */
export function parseDtmfRelay(body: string): DtmfTone | undefined {
  let digit: string | undefined;
  let durationMs = 250;
  for (const line of body.split(/\r?\n/)) {
    const m = /^\s*(signal|duration)\s*=\s*(\S+)\s*$/i.exec(line);
    if (!m) continue;
    if (m[1]!.toLowerCase() === 'signal') digit = m[2] === '10' ? '*' : m[2] === '11' ? '#' : m[2];
    else if (/^\d+$/.test(m[2]!)) durationMs = Number(m[2]);
  }
  if (digit === undefined || !isDtmfDigit(digit)) return undefined;
  return { digit: digit.toUpperCase(), durationMs };
}
