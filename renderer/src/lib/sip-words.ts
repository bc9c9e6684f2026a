/**
 * A SIP answer as the UI shows it: the engine's words with the code after
 * them. The words come from the phone's one status-words table with every
 * snapshot and failure (docs/api.md, "Words"); without words the server's
 * reason phrase stands in, without either just the code.
 */

/** "Busy (486)", "No such user (404)", or just the words / the code when one is missing. */
export function describeOutcome(code: number | undefined, words?: string, reason?: string): string | undefined {
  const text = words ?? reason;
  if (!text && code === undefined) return undefined;
  const sentence = text ? text.charAt(0).toUpperCase() + text.slice(1) : `SIP ${code}`;
  return code !== undefined && text ? `${sentence} (${code})` : sentence;
}
