/**
 * RFC 3994 "isComposing" indications: a MESSAGE whose body is
 * application/im-iscomposing+xml says the sender started ('active') or
 * stopped ('idle') typing.
 *
 *   sender (us)                                   receiver (us)
 *   first keystroke ──▶ active, refresh=90        active ──▶ shown until `refresh`
 *   still typing after 90 s ──▶ active again                  (default 120 s, §3) lapses,
 *   15 s without typing, or sent ──▶ idle                     an idle, or a message arrives
 *
 * The XML is read with bounded patterns, not a general parser: the document
 * is at most a few hundred bytes and has three elements we care about.
 */

export const COMPOSING_TYPE = 'application/im-iscomposing+xml';
/** RFC 3994 §4.2: the sender goes idle after this long without typing. */
export const IDLE_TIMEOUT_MS = 15_000;
/** How often we repeat 'active' while typing (RFC 3994 §4.2: at least 60 s). */
export const REFRESH_S = 90;
/** RFC 3994 §3: without a refresh, an 'active' indication lapses after 120 s. */
export const DEFAULT_ACTIVE_S = 120;

export interface ComposingState {
  active: boolean;
  /** Seconds the 'active' state lasts unless refreshed. */
  refreshS: number;
}

export function composingXml(active: boolean, refreshS = REFRESH_S): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing">',
    `  <state>${active ? 'active' : 'idle'}</state>`,
    '  <contenttype>text/plain</contenttype>',
    ...(active ? [`  <refresh>${refreshS}</refresh>`] : []),
    '</isComposing>',
    '',
  ].join('\n');
}

/** The state an isComposing document says, or undefined when it is not one. */
export function readComposing(xml: string): ComposingState | undefined {
  if (xml.length > 4096 || !/<(?:[\w.-]+:)?isComposing[\s>]/.test(xml)) return undefined;
  const state = /<(?:[\w.-]+:)?state\s*>\s*(active|idle)\s*<\//.exec(xml)?.[1];
  if (state === undefined) return undefined;
  const refresh = Number(/<(?:[\w.-]+:)?refresh\s*>\s*(\d{1,5})\s*<\//.exec(xml)?.[1] ?? DEFAULT_ACTIVE_S);
  // A refresh shorter than a few seconds or over an hour is not believed (a peer cannot keep us "typing" forever).
  const refreshS = Math.min(3600, Math.max(5, refresh));
  return { active: state === 'active', refreshS };
}
