/** Allow, Supported, Require, Proxy-Require, Unsupported...: comma-separated tokens (RFC 3261 §20). */
export function parseTokenList(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.indexOf(',') < 0) {
      const t = v.trim();
      if (t) out.push(t);
      continue;
    }
    for (const part of v.split(',')) {
      const t = part.trim();
      if (t) out.push(t);
    }
  }
  return out;
}
