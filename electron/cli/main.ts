/**
 * Entry point of the `parley` command (bin/parley.js imports this file; so
 * can `node electron/cli/main.ts`). All logic is in run-cli.ts.
 *
 * Node's compile cache is switched on before anything else is loaded: our
 * sources are TypeScript, and without the cache every start strips the types
 * of ~200 files again (swc in WASM: tens of MB of memory that are never
 * given back, and a good part of the start-up time). With it, later starts
 * read the stripped, compiled code from disk (os.tmpdir()/node-compile-cache;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off). Only this small file is
 * stripped on every start, which is why it imports nothing else statically.
 */
import module from 'node:module';

module.enableCompileCache?.();
const { runCli } = await import('./run-cli.ts');
const { ExitCode } = await import('./exit-codes.ts');

runCli(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`parley: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(ExitCode.failure);
  },
);
