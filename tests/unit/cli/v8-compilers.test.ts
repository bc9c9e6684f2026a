import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const helper = fileURLToPath(new URL('../../../bin/v8-compilers.js', import.meta.url));

/** A child node (with --trace-opt) that holds the compilers, runs a hot function, then maybe releases and runs another. */
function run(nodeFlags: string[], release: boolean): { held: string; compiled: string[] } {
  const code = `
    const { holdCompilers, releaseCompilers, compilersHeld } = await import(${JSON.stringify(helper)});
    const given = process.execArgv.join(' ');
    const held = String(holdCompilers(given)) + '/' + compilersHeld();
    function whileHeld(x) { return x * 2 + 1; }
    let s = 0;
    for (let i = 0; i < 200000; i++) s += whileHeld(i);
    if (${release}) releaseCompilers();
    function afterRelease(x) { return x * 3 + 1; }
    for (let i = 0; i < 200000; i++) s += afterRelease(i);
    await new Promise((r) => setTimeout(r, 300));
    process.stderr.write('HELD ' + held + ' ' + compilersHeld() + ' ' + s + '\\n');
  `;
  const r = spawnSync(process.execPath, ['--trace-opt', ...nodeFlags, '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const compiled = [...r.stdout.matchAll(/completed (?:compiling|optimizing) \S+ <JSFunction (\w+)/g)].map((m) => m[1]!);
  return { held: /HELD (\S+ \S+)/.exec(r.stderr)?.[1] ?? '', compiled };
}

describe('bin/v8-compilers.js', () => {
  it('held: a hot function stays in the interpreter; released: the next hot one is compiled', () => {
    const { held, compiled } = run([], true);
    assert.equal(held, 'true/true false');
    assert.ok(!compiled.includes('whileHeld'), `compiled while held: ${compiled.join(', ')}`);
    assert.ok(compiled.includes('afterRelease'), `not compiled after the release: ${compiled.join(', ')}`);
  });

  it('never released: nothing of ours is compiled', () => {
    const { held, compiled } = run([], false);
    assert.equal(held, 'true/true true');
    assert.deepEqual(compiled.filter((f) => f === 'whileHeld' || f === 'afterRelease'), []);
  });

  it("a compiler flag of the user's wins: nothing is held", () => {
    const { held, compiled } = run(['--maglev'], true);
    assert.equal(held, 'false/false false');
    assert.ok(compiled.includes('whileHeld'), `the user's compilers run from the start: ${compiled.join(', ')}`);
  });
});
