/**
 * Entry point of the `parley` command (bin/parley.js imports this file; so
 * can `node electron/cli/main.ts`). All logic is in run-cli.ts.
 *
 * Node's compile cache is switched on before anything else is loaded: our
 * sources are TypeScript, and without the cache every start strips the types
 * of ~200 files again (swc in WASM: tens of MB of memory that are never
 * given back, and a good part of the start-up time). With it, later starts
 * read the stripped, compiled code from disk, in a folder private to the user
 * (bin/compile-cache.js says where, and why not Node's shared default;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off). bin/parley.js switches it on
 * before importing this file; run directly (`node electron/cli/main.ts`),
 * only this small file is stripped on every start, which is why it imports
 * nothing else of ours statically but that plain-JavaScript helper and
 * process-setup.ts (the password off the process list, V8's flags: what
 * the bundle's entry, bundle-main.ts, does first too).
 */
import { enablePrivateCompileCache } from '../../bin/compile-cache.js';
import { exitWhenDone, prepareProcess } from './process-setup.ts';

prepareProcess();
enablePrivateCompileCache();
const { runCli } = await import('./run-cli.ts');
exitWhenDone(runCli(process.argv.slice(2), process.env));
