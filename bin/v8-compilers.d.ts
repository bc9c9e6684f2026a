// Types of bin/v8-compilers.js (plain JavaScript: electron/cli/main.ts runs it before Node's compile cache is on).
export function holdCompilers(givenFlags: string): boolean;
export function releaseCompilers(): void;
export function compilersHeld(): boolean;
