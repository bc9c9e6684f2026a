/**
 * A SIP answer as the user reads it (docs/api.md, "Words"). The words come
 * from the engine, which sends them with every call, registration, message,
 * history entry and failure; the renderer keeps no table of its own. Without
 * words (a test double, an older engine) the server's reason phrase is shown.
 */

/** "Busy (486)", "No such user (404)", or just the words / the code when one is missing. */
export function describeOutcome(code: number | undefined, words?: string, reason?: string): string | undefined {
  const text = words ?? reason;
  if (!text && code === undefined) return undefined;
  const sentence = text ? text.charAt(0).toUpperCase() + text.slice(1) : `SIP ${code}`;
  return code !== undefined && text ? `${sentence} (${code})` : sentence;
}
