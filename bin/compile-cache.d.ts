// Types of bin/compile-cache.js (plain JavaScript: it runs before Node's compile cache, so it needs no type stripping).
export function compileCacheDir(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string | undefined;
export function privateDir(dir: string): boolean;
export function enablePrivateCompileCache(env?: NodeJS.ProcessEnv): boolean;
