/**
 * Electron security lint: @doyensec/electronegativity over the desktop glue
 * sources (electron/desktop) and the built app (out/: main, preload, the
 * renderer bundle). Fails on any finding above LOW severity that is not
 * listed in ACCEPTED below with the reason it is a false positive.
 *
 *   node tests/desktop/electronegativity-check.ts [--no-build]
 *
 * Runs electronegativity's runner in-process rather than its CLI: the CLI
 * (and the runner) fetch translation files from the vendor's S3 bucket on
 * every run. Here the module that does that is replaced by one that loads the
 * bundled English strings, so the check makes no network request.
 *
 * The built JavaScript is scanned as a copy down-levelled to ES2019 by
 * TypeScript's transpiler: electronegativity 1.10's scope analysis stops at
 * ES2020+ syntax ("Unknown node type ChainExpression / ClassPrivateProperty")
 * and would silently skip whole files. The copy keeps the file layout and the
 * code's meaning, so findings point at the same files.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Module, { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Finding {
  id: string;
  severity: string;
  confidence: string;
  file: string;
  line: number;
  description: string;
}

/**
 * Findings judged false positives, each matched narrowly (check id + file
 * pattern), with the reason. Anything else above LOW fails the check.
 */
export const ACCEPTED: ReadonlyArray<{ id: string; file: RegExp; why: string }> = [
  {
    id: 'PROTOCOL_HANDLER_JS_CHECK',
    file: /^(main\.ts|link-handler\.ts|main\/main\.js)$/,
    why:
      'a "review the handler" finding on app.setAsDefaultProtocolClient: handling sip:, sips:, tel:, callto: is the feature. ' +
      'Reviewed: every link (argv, second-instance, open-url, in-page) goes through link-parser.ts, which refuses other schemes, ' +
      'dangerous and invisible characters and over-long input (tests/unit/desktop/link-parser.test.ts), and only ever fills the ' +
      'dial field or dials.',
  },
  {
    id: 'AUXCLICK_JS_CHECK',
    file: /^(window\.ts|main\/main\.js)$/,
    why:
      "asks for disableBlinkFeatures: 'Auxclick', a checklist item from when auxclick was a Blink runtime feature. Blink has " +
      'no feature of that name any more, so the option disables nothing and only looked safe (window-options.ts). What it ' +
      "guarded against, a middle click opening a link in a new window, is a window.open request, which window.ts's " +
      'setWindowOpenHandler denies for every URL (tests/unit/desktop/main-smoke.test.ts: windowOpen = deny).',
  },
];

/**
 * Checks not run, and why: AvailableSecurityFixesGlobalCheck downloads
 * Electron's release list to compare versions (no network here; Electron's
 * version is pinned in package.json and updated by the usual dependency review).
 */
export const EXCLUDED_CHECKS = ['availablesecurityfixesglobalcheck'];

const SEVERITY_ORDER = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH'];

function loadRunner(): (options: Record<string, unknown>, forCli: boolean) => Promise<{ issues: Array<Record<string, any>>; errors: unknown[]; atomicChecks: number; globalChecks: number }> {
  const pkgRequire = createRequire(join(root, 'package.json'));
  const enegDir = dirname(pkgRequire.resolve('@doyensec/electronegativity/package.json'));
  const req = createRequire(join(enegDir, 'package.json'));
  const i18nPath = req.resolve('./dist/locales/i18n.js');
  const i18n = req('i18n') as { configure(o: Record<string, unknown>): void; setLocale(l: string): void };
  const offline = async () => {
    i18n.configure({ locales: ['en-US'], defaultLocale: 'en-US', directory: dirname(i18nPath), updateFiles: false, objectNotation: true, retryInDefaultLocale: true, register: globalThis });
    i18n.setLocale('en-US');
  };
  const stub = new Module(i18nPath);
  stub.filename = i18nPath;
  stub.loaded = true;
  stub.exports = offline;
  req.cache[i18nPath] = stub;
  // Belt and braces: any other fetch (e.g. a check looking up Electron releases) fails at once, offline.
  const gotPath = req.resolve('got');
  const noNetwork = new Module(gotPath);
  noNetwork.filename = gotPath;
  noNetwork.loaded = true;
  const refuse = () => Promise.reject(new Error('network disabled in electronegativity-check'));
  noNetwork.exports = Object.assign(refuse, { default: refuse, get: refuse });
  req.cache[gotPath] = noNetwork;
  return req('./dist/runner.js');
}

/** A copy of `dir` with every .js/.mjs/.cjs file down-levelled to ES2019; the caller removes it. */
export async function downlevelCopy(dir: string): Promise<string> {
  const ts = (await import('typescript')).default;
  const out = mkdtempSync(join(tmpdir(), 'parley-eneg-'));
  const walk = (from: string, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) {
      const src = join(from, name);
      const dst = join(to, name);
      if (statSync(src).isDirectory()) walk(src, dst);
      else if (/\.(m?js|cjs)$/.test(name)) {
        const result = ts.transpileModule(readFileSync(src, 'utf8'), {
          compilerOptions: { target: ts.ScriptTarget.ES2019, module: ts.ModuleKind.Preserve, allowJs: true, removeComments: false },
          fileName: name,
        });
        writeFileSync(dst, result.outputText);
      } else cpSync(src, dst);
    }
  };
  walk(dir, out);
  return out;
}

export async function scan(input: string, electronVersion: string): Promise<{ findings: Finding[]; errors: unknown[]; checks: number }> {
  const run = loadRunner();
  const result = await run(
    { input, customScan: [], excludeFromScan: EXCLUDED_CHECKS, isRelative: true, isVerbose: false, electronVersionOverride: electronVersion, parserPlugins: [] },
    false,
  );
  const findings = result.issues.map((i) => ({
    id: String(i.id),
    severity: String(i.severity?.name ?? i.severity),
    confidence: String(i.confidence?.name ?? i.confidence),
    file: String(i.file),
    line: Number(i.location?.line ?? 0),
    description: String(i.description ?? ''),
  }));
  return { findings, errors: result.errors, checks: result.atomicChecks + result.globalChecks };
}

function aboveLow(f: Finding): boolean {
  return SEVERITY_ORDER.indexOf(f.severity.toUpperCase()) > SEVERITY_ORDER.indexOf('LOW');
}

async function main(): Promise<number> {
  const noBuild = process.argv.includes('--no-build');
  if (!noBuild) {
    const cli = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
    const r = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    if (r.status !== 0) {
      process.stdout.write('electronegativity-check: the build failed\n0 passed, 1 failed\n');
      return 1;
    }
  }
  const electronVersion = (createRequire(join(root, 'package.json'))('electron/package.json') as { version: string }).version;
  let passed = 0;
  let failed = 0;
  for (const target of ['electron/desktop', 'out']) {
    const input = join(root, target);
    if (!existsSync(input)) {
      process.stdout.write(`✖ ${target}: missing\n`);
      failed++;
      continue;
    }
    const scanned = target === 'out' ? await downlevelCopy(input) : input;
    const { findings, errors, checks } = await scan(scanned, electronVersion).finally(() => {
      if (scanned !== input) rmSync(scanned, { recursive: true, force: true });
    });
    const blocking = findings.filter((f) => aboveLow(f) && !ACCEPTED.some((a) => a.id === f.id && a.file.test(f.file)));
    const accepted = findings.filter((f) => aboveLow(f) && !blocking.includes(f));
    process.stdout.write(`${blocking.length === 0 ? '✔' : '✖'} ${target}: ${checks} checks, ${findings.length} findings (${findings.filter((f) => !aboveLow(f)).length} at LOW or below, ${accepted.length} accepted false positives, ${blocking.length} blocking), ${errors.length} parse errors\n`);
    for (const f of findings) {
      const tag = blocking.includes(f) ? 'BLOCKING' : accepted.includes(f) ? 'accepted' : 'low';
      process.stdout.write(`    [${tag}] ${f.id} ${f.severity}/${f.confidence} ${f.file}:${f.line}\n`);
    }
    if (blocking.length === 0) passed++;
    else failed++;
  }
  process.stdout.write(`electronegativity-check: ${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
