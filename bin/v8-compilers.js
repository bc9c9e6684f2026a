// V8's compilers above its interpreter — Sparkplug (baseline), Maglev and
// TurboFan — held back while the `parley` command starts and its phone waits,
// and let go with the phone's first call (electron/cli/phone-session.ts), or
// at once by `parley serve`.
//
// Why: the start runs a few functions hundreds of times (Node's ESM loader
// resolving every module's path, zod building each schema, the SIP parser
// reading the registrations' answers), enough for V8 to compile ~30 of them
// with Maglev and a few hundred with Sparkplug. The compilers' own code
// (pages of the node executable, ≈ 2 MB), their output and the memory they
// work in then stay resident for the life of an idle phone, which never runs
// those functions hot again. Measured with tests/bench/cli-launch.bench.ts
// (idle `parley listen`, three registered accounts, the bundle): ≈ 4 MB of
// its RSS. What a call runs hot (the media clock, RTP, codecs, SRTP, the
// parser under a call's messages) is compiled as before: the compilers are
// back from the call's first event on (tests/bench/media.bench.ts measures a
// call's CPU the same). An idle phone's occasional work (a keep-alive, a
// registration refresh, a command from the page) runs in the interpreter.
//
// Plain JavaScript, like compile-cache.js: electron/cli/main.ts holds the
// compilers first thing, before Node's compile cache is on (V8 keys cached
// code by its flags: each start sets them in the same order). A compiler flag
// of the user's (NODE_OPTIONS, node …) wins: then nothing is held.
import v8 from 'node:v8';

const COMPILERS = ['sparkplug', 'maglev', 'turbofan'];
let held = false;

/** Holds the compilers back unless `givenFlags` (the user's node flags) name one of them. */
export function holdCompilers(givenFlags) {
  if (held || /sparkplug|maglev|turbofan|jitless|--(no-)?opt\b/.test(givenFlags)) return false;
  v8.setFlagsFromString(COMPILERS.map((c) => `--no-${c}`).join(' '));
  held = true;
  return true;
}

/** Lets the compilers go again (idempotent; nothing when they were not held). */
export function releaseCompilers() {
  if (!held) return;
  held = false;
  v8.setFlagsFromString(COMPILERS.map((c) => `--${c}`).join(' '));
}

/** Whether the compilers are held back now. */
export function compilersHeld() {
  return held;
}
