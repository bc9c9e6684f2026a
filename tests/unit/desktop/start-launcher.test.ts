/**
 * bin/start.js (`npm start`) in a throw-away copy of the project layout with
 * a fake Electron package and a fake `parley` command, so no real Electron,
 * build or web host is involved.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Layout {
  root: string;
  record: string;
}

/** A project root with bin/start.js, a fake bin/parley.js and, optionally, a fake Electron. */
function layout(options: { electron: 'installed' | 'fetchable' | 'unfetchable' | 'none'; main?: boolean }): Layout {
  const root = mkdtempSync(join(tmpdir(), 'parley-start-'));
  dirs.push(root);
  const record = join(root, 'record.json');
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(repo, 'bin', 'start.js'), join(root, 'bin', 'start.js'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'parley', type: 'module', ...(options.main ? { main: 'out/main/main.js' } : {}) }));
  // The fake web host records its argv and stays up until a signal, which it also records.
  writeFileSync(
    join(root, 'bin', 'parley.js'),
    `import { writeFileSync } from 'node:fs';
const record = (extra) => writeFileSync(${JSON.stringify(record)}, JSON.stringify({ who: 'web', argv: process.argv.slice(2), ...extra }));
// Handlers first: a signal that lands right after the record is written must not find the default action.
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => { record({ signal: s }); process.exit(0); });
record({});
if (process.argv.includes('--exit-now')) process.exit(4);
setInterval(() => {}, 1000);
`,
  );
  if (options.electron !== 'none') {
    const pkg = join(root, 'node_modules', 'electron');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'electron', version: '45.5.0', main: 'index.js' }));
    const binary = join(pkg, 'dist', 'electron');
    writeFileSync(binary, `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(record)}\nexit 3\n`);
    chmodSync(binary, 0o755);
    if (options.electron === 'installed') writeFileSync(join(pkg, 'path.txt'), 'electron');
    // Like electron@45's index.js: resolves the binary, "downloading" it first when missing, or throws.
    const index =
      options.electron === 'fetchable'
        ? `const fs = require('fs'); fs.writeFileSync(__dirname + '/path.txt', 'electron'); console.log('Downloading Electron binary...'); module.exports = __dirname + '/dist/electron';`
        : options.electron === 'unfetchable'
          ? `throw new Error('Electron failed to install correctly');`
          : `module.exports = __dirname + '/dist/electron';`;
    writeFileSync(join(pkg, 'index.js'), index);
  }
  return { root, record };
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.CI;
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  return { ...env, ...extra };
}

function start(l: Layout, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [join(l.root, 'bin', 'start.js'), '--no-build', ...args], { cwd: l.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; stderr: string }>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`start.js did not finish in time; stderr: ${stderr}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stderr });
    });
  });
  return { child, done };
}

async function waitFor(path: string, ms = 10_000): Promise<string> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      if (text.length > 0) return text;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} was not written within ${ms} ms`);
}

test('with an installed Electron binary: launches it on the built entry with our args, exits with its status', async () => {
  const l = layout({ electron: 'installed' });
  const { code, stderr } = await start(l, ['--foo', 'sip:alice@example.com'], cleanEnv()).done;
  assert.equal(code, 3);
  assert.equal(stderr, '');
  assert.deepEqual(readFileSync(l.record, 'utf8').trim().split('\n'), [join(l.root, 'out', 'main', 'main.js'), '--foo', 'sip:alice@example.com']);
});

test('with package.json "main": launches `electron <root>`', async () => {
  const l = layout({ electron: 'installed', main: true });
  await start(l, [], cleanEnv()).done;
  assert.deepEqual(readFileSync(l.record, 'utf8').trim().split('\n'), [l.root]);
});

test('Electron fetched on first use (require in a child) is launched', async () => {
  const l = layout({ electron: 'fetchable' });
  const { code } = await start(l, [], cleanEnv()).done;
  assert.equal(code, 3);
  assert.ok(existsSync(join(l.root, 'node_modules', 'electron', 'path.txt')));
});

test('no binary and none can be fetched: ONE line, then the web host with our args', async () => {
  for (const [electron, env] of [
    ['unfetchable', cleanEnv()],
    ['none', cleanEnv()],
    ['fetchable', cleanEnv({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })],
    ['fetchable', cleanEnv({ CI: 'true' })],
  ] as const) {
    const l = layout({ electron });
    const { code, stderr } = await start(l, ['--exit-now', '--port', '0'], env).done;
    assert.equal(code, 4, `${electron}: the web host's exit status is ours`);
    const lines = stderr.split('\n').filter((x) => x !== '');
    assert.equal(lines.length, 1, `${electron}: exactly one line, got ${JSON.stringify(stderr)}`);
    assert.match(lines[0]!, /no Electron binary.*starting the web host/);
    assert.deepEqual(JSON.parse(readFileSync(l.record, 'utf8')).argv, ['web', '--exit-now', '--port', '0']);
    assert.equal(existsSync(join(l.root, 'node_modules', 'electron', 'path.txt')), false, `${electron}: nothing was fetched`);
  }
});

test('--web starts the web host even with Electron there, without the line', async () => {
  const l = layout({ electron: 'installed' });
  const { code, stderr } = await start(l, ['--web', '--exit-now'], cleanEnv()).done;
  assert.equal(code, 4);
  assert.equal(stderr, '');
  assert.deepEqual(JSON.parse(readFileSync(l.record, 'utf8')).argv, ['web', '--exit-now']);
});

test('signals reach the web host once, and its exit ends the launcher', async () => {
  const l = layout({ electron: 'none' });
  const run = start(l, [], cleanEnv());
  await waitFor(l.record);
  run.child.kill('SIGTERM');
  const { code } = await run.done;
  assert.equal(code, 0);
  assert.equal(JSON.parse(readFileSync(l.record, 'utf8')).signal, 'SIGTERM');
});
