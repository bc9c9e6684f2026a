/**
 * Where `parley web` looks for the built web UI: the Parley folder is found
 * from the module's own folder, whether that is electron/cli/ (the sources)
 * or out/cli/chunks/ (the bundle, where a fixed '../../' pointed at out/ and
 * the bundled `parley web` served the API only).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { PARLEY_ROOT, parleyRootFrom, rendererDir } from '../../../electron/cli/renderer-build.ts';

test('the Parley folder from the sources and from the bundle’s chunks', () => {
  assert.equal(parleyRootFrom(join(PARLEY_ROOT, 'electron', 'cli')), PARLEY_ROOT);
  assert.equal(parleyRootFrom(join(PARLEY_ROOT, 'out', 'cli', 'chunks')), PARLEY_ROOT);
  assert.equal(parleyRootFrom(join(PARLEY_ROOT, 'out', 'cli')), PARLEY_ROOT);
  assert.equal(rendererDir(parleyRootFrom(join(PARLEY_ROOT, 'out', 'cli', 'chunks'))), join(PARLEY_ROOT, 'out', 'renderer'));
});
