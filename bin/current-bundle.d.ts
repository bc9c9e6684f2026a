// Types of bin/current-bundle.js (plain JavaScript: bin/parley.js runs it before Node's compile cache is on).
export const SOURCES_MANIFEST: string;
export function currentBundle(root: string, env?: NodeJS.ProcessEnv): string | undefined;
