/**
 * Text from the network made safe for a terminal. A display name, a reason
 * phrase or a message body is chosen by whoever sent the request: printed
 * raw, ESC sequences set the window title, clear the screen or paint a
 * spoofed name, BEL rings, and the Unicode bidi controls (RLO, isolates)
 * reverse what the user reads ("Trojan Source", CVE-2021-42574). Every
 * human line `parley` prints goes through `terminalSafe`; JSON output keeps
 * the same characters but as \u escapes (`jsonSafe`), so that `cat`-ing it
 * cannot drive the terminal either.
 *
 * Kept: line feed (our own multi-line output) and tab. Shown escaped:
 * every other C0 control and DEL as \xNN, C1 controls (U+0080–U+009F: 0x9B
 * is a one-character CSI on terminals that honour 8-bit controls) and the
 * bidi/invisible direction marks as \u{…}.
 */
// C0 (not \t \n), DEL, C1; bidi embeddings/overrides/isolates, the LRM/RLM/ALM marks, line/paragraph separators.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(ch: string): string {
  const code = ch.codePointAt(0)!;
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0').toUpperCase()}` : `\\u{${code.toString(16).toUpperCase()}}`;
}

/** `text` with every terminal-driving character shown as a visible escape. */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** A JSON text with the same characters written as \u escapes (it parses to the same value). */
export function jsonSafe(json: string): string {
  return json.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
