/**
 * The syntax of a STUN or TURN server as an account names it (API, store,
 * CLI and the account editor share it): "host[:port]" for STUN and
 * "user@host[:port]" for TURN, host a name or an IP literal ([v6] in
 * brackets), port 3478 when left out (RFC 8489 §18.6, RFC 8656 §4). The TURN
 * password is never part of it: it travels apart and is kept as a secret.
 * No imports: the renderer's account editor checks its fields with the same
 * rules as the engine.
 */

/** "host", "host:port", "[v6]:port" — a STUN or TURN server's address (no scheme, no user). */
export const SERVER_HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$/;
/** TURN's user name (RFC 8656 §9.2: the USERNAME attribute, at most 509 bytes; no '@' so the server part stays clear). */
export const TURN_USER = /^[^@\s\u0000-\u001f\u007f]{1,128}$/;

/** A STUN or TURN server "host[:port]" as the ICE transport takes it (default port 3478, RFC 8489 §18.6). */
export function parseServerAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(text.trim());
  if (!m || !SERVER_HOST_PORT.test(text.trim())) throw new RangeError(`"${text}" is not host:port`);
  return { host: m[1] ?? m[2]!, port: m[3] ? Number(m[3]) : 3478 };
}

/** "user@host[:port]" → the TURN user and server. */
export function parseTurnServer(text: string): { username: string; host: string; port: number } {
  const at = text.lastIndexOf('@');
  if (at <= 0) throw new RangeError(`"${text}" is not user@host:port`);
  return { username: text.slice(0, at), ...parseServerAddress(text.slice(at + 1)) };
}

/** Why `text` is no STUN server address, in words, or undefined. */
export function stunServerProblem(text: string): string | undefined {
  return SERVER_HOST_PORT.test(text.trim()) ? undefined : 'is not host:port (e.g. stun.example.org:3478)';
}

/** Why `text` is no TURN server (user@host:port), in words, or undefined. */
export function turnServerProblem(text: string): string | undefined {
  const t = text.trim();
  const at = t.lastIndexOf('@');
  return at > 0 && TURN_USER.test(t.slice(0, at)) && SERVER_HOST_PORT.test(t.slice(at + 1)) ? undefined : 'is not user@host:port (e.g. alice@turn.example.org:3478)';
}
