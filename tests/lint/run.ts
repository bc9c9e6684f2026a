/**
 * The project's lint: the layering rules of docs/conventions.md, enforced by a
 * check that fails (exit 1) and names each offending line.
 *  - only electron/desktop/ imports 'electron';
 *  - electron/media never imports electron/sip (media knows SDP, not SIP);
 *  - electron/sip never imports media, phone, api, cli or desktop (imports flow one way);
 *  - electron/net (STUN, shared by sip and media) imports neither of them nor anything above;
 *  - no console.* in engine code (sip, media, phone, api): use the injected logger;
 *  - renderer/ imports nothing from electron/ except electron/api types;
 *  - electron/server (registrar, proxy) sits on electron/sip beside the phone: sip and phone
 *    never import it, and it imports neither the phone nor the layers above;
 *  - electron/server-host (the phone system of Settings: server + the phone's PhoneSystemHost) is
 *    imported only by the hosts (cli, desktop).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '../..');

function walk(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|js|mjs|svelte)$/.test(name)) out.push(p);
  }
  return out;
}

export interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

const importRe = /(?:^|\s)(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/;

/** Checks one file's text as if it lived at `rel` (path relative to the repo root). */
export function checkFile(rel: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  const top = rel.split('/').slice(0, 2).join('/');
  const engine = /^electron\/(sip|media|net|phone|api|server|server-host)\//.test(rel);
  lines.forEach((line, i) => {
    const m = importRe.exec(line);
    const spec = m ? (m[1] ?? m[2] ?? m[3] ?? m[4]) : undefined;
    const add = (rule: string) => findings.push({ file: rel, line: i + 1, rule, text: line.trim() });
    if (spec) {
      const target = spec.startsWith('.') ? relative(root, resolve(root, dirname(rel), spec)) : spec;
      if ((spec === 'electron' || spec.startsWith('electron/')) && !rel.startsWith('electron/desktop/')) {
        add("only electron/desktop/ may import 'electron'");
      }
      if (rel.startsWith('electron/media/') && target.startsWith('electron/sip')) add('electron/media must not import electron/sip');
      if (rel.startsWith('electron/sip/') && /^electron\/(media|phone|api|cli|desktop)\b/.test(target)) {
        add('electron/sip must not import the layers above it');
      }
      if (rel.startsWith('electron/net/') && /^electron\/(sip|media|phone|api|cli|desktop)\b/.test(target)) {
        add('electron/net must not import sip, media or the layers above');
      }
      if (rel.startsWith('electron/media/') && /^electron\/(phone|api|cli|desktop)\b/.test(target)) {
        add('electron/media must not import the layers above it');
      }
      if (/^electron\/(sip|phone|media)\//.test(rel) && /^electron\/server\b/.test(target)) {
        add('electron/sip, media and phone must not import electron/server');
      }
      if (/^electron\/server-host\b/.test(target) && !/^electron\/(cli|desktop|server-host)\//.test(rel) && rel.startsWith('electron/')) {
        add('only the hosts (electron/cli, electron/desktop) import electron/server-host');
      }
      if (rel.startsWith('electron/server/') && /^electron\/(phone|media|api|cli|desktop)\b/.test(target)) {
        add('electron/server imports only electron/sip and electron/common');
      }
      if (rel.startsWith('renderer/') && target.startsWith('electron/') && !target.startsWith('electron/api/')) {
        add('renderer/ may import only electron/api');
      }
      if (top.startsWith('electron/') && target.startsWith('tests/')) add('engine code must not import tests');
      if (/^zod(\/|$)/.test(spec) && !/^\s*import\s+type\s/.test(line) && rel !== 'electron/api/zod.ts' && !rel.startsWith('tests/')) {
        add("import z from electron/api/zod.ts, not 'zod' (it configures zod before any schema is built)");
      }
    }
    if (engine && /\bconsole\.(log|debug|info|warn|error|trace)\b/.test(line) && !line.includes('// allow-console')) {
      add('no console.* in engine code: use the injected logger');
    }
  });
  return findings;
}

function main(): void {
  const files = [...walk(join(root, 'electron')), ...walk(join(root, 'renderer'))];
  const findings = files.flatMap((f) => checkFile(relative(root, f), readFileSync(f, 'utf8')));
  for (const f of findings) process.stderr.write(`${f.file}:${f.line}: ${f.rule}\n    ${f.text}\n`);
  if (findings.length > 0) {
    process.stderr.write(`lint: ${findings.length} finding(s)\n`);
    process.exit(1);
  }
  process.stdout.write(`lint: ${files.length} files checked, layering rules hold\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
