/**
 * Zod for every schema of ours, configured once: import `z` from here, never
 * from 'zod' itself, so that the setting below is in place before any schema
 * is built (zod reads it when a schema is made, and ES modules evaluate an
 * import before the module that imports it).
 *
 * jitless: zod's object schemas otherwise write a parser of their own as
 * JavaScript source and compile it with `new Function` the first time each
 * one parses. Every command, stored row and account is parsed a few times in
 * a process's life, not in a hot loop, so that compile is pure cost: measured
 * with the bundled `parley register` (tests/bench/cli-launch.bench.ts set-up,
 * main-thread CPU to 'registered', 9 alternating runs each, load 13–17 on 2
 * cores) 364 → 337 ms median; a `call.dial` check alone 2.4–24 ms → 1.8–13 ms
 * the first time and no slower after (3–13 µs per parse either way). It also
 * keeps `new Function` (eval) out of the main process.
 */
import { z } from 'zod';

z.config({ jitless: true });

export { z };
