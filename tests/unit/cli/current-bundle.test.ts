import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { currentBundle, SOURCES_MANIFEST } from '../../../bin/current-bundle.js';

const root = mkdtempSync(join(tmpdir(), 'parley-current-bundle-'));
after(() => rmSync(root, { recursive: true, force: true }));

function built(): string {
  mkdirSync(join(root, 'src'), { recursive: true });
  mkdirSync(join(root, 'out', 'cli'), { recursive: true });
  const files = ['src/a.ts', 'src/b.ts'].map((f) => {
    writeFileSync(join(root, f), `export const x = '${f}';\n`);
    const st = statSync(join(root, f));
    return [f, st.size, st.mtimeMs];
  });
  writeFileSync(join(root, SOURCES_MANIFEST), JSON.stringify({ entry: 'out/cli/parley.mjs', files }));
  return join(root, 'out', 'cli', 'parley.mjs');
}

describe('bin/parley.js runs the bundle only while it is built from the sources as they are (bin/current-bundle.js)', () => {
  test('unchanged sources: the bundle; PARLEY_FROM_SOURCES=1: the sources', () => {
    const entry = built();
    assert.equal(currentBundle(root, {}), entry);
    assert.equal(currentBundle(root, { PARLEY_FROM_SOURCES: '1' }), undefined);
  });

  test('a source edited since the build (its time or its size): the sources', () => {
    built();
    const later = Date.now() / 1000 + 60;
    utimesSync(join(root, 'src/a.ts'), later, later);
    assert.equal(currentBundle(root, {}), undefined);
    built();
    writeFileSync(join(root, 'src/b.ts'), 'export const x = 1;\n');
    assert.equal(currentBundle(root, {}), undefined);
  });

  test('a source removed, no manifest, a damaged one: the sources', () => {
    built();
    unlinkSync(join(root, 'src/b.ts'));
    assert.equal(currentBundle(root, {}), undefined);
    built();
    writeFileSync(join(root, SOURCES_MANIFEST), '{"entry":');
    assert.equal(currentBundle(root, {}), undefined);
    writeFileSync(join(root, SOURCES_MANIFEST), JSON.stringify({ entry: 'out/cli/parley.mjs', files: [] }));
    assert.equal(currentBundle(root, {}), undefined);
    rmSync(join(root, SOURCES_MANIFEST));
    assert.equal(currentBundle(root, {}), undefined);
  });
});
