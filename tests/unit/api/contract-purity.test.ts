/**
 * The renderer imports the contract (docs/conventions.md items 3 and 11: DOM types, no
 * Node), so everything reachable from contract.ts and api-client.ts must
 * import nothing but sibling files: no node:*, no zod, no ws.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const apiDir = resolve(dirname(new URL(import.meta.url).pathname), '../../../electron/api');

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
}

function reachable(entry: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(entry)) return seen;
  const specs = importsOf(entry);
  seen.set(entry, specs);
  for (const spec of specs) if (spec.startsWith('./')) reachable(join(dirname(entry), spec), seen);
  return seen;
}

test('contract.ts and api-client.ts reach only plain sibling modules', () => {
  const graph = new Map([...reachable(join(apiDir, 'contract.ts')), ...reachable(join(apiDir, 'api-client.ts'))]);
  const files = [...graph.keys()].map((f) => f.slice(apiDir.length + 1)).sort();
  assert.deepEqual(files, ['api-client.ts', 'audio-frames.ts', 'commands.ts', 'connection-api.ts', 'contract.ts', 'diagnostics-api.ts', 'errors.ts', 'events.ts', 'forwarding-contract.ts', 'global-shortcuts.ts', 'phone-system-api.ts', 'presence-contract.ts', 'recording-api.ts', 'snapshots.ts', 'wire.ts']);
  for (const [file, specs] of graph) {
    for (const spec of specs) assert.ok(spec.startsWith('./') && spec.endsWith('.ts'), `${file} imports ${spec}`);
  }
});

test('the check can fail: schemas.ts and ws-server.ts are not pure', () => {
  // schemas.ts takes zod through ./zod.ts (which configures it): the walk must find it there.
  assert.ok([...reachable(join(apiDir, 'schemas.ts')).values()].flat().includes('zod'));
  assert.ok(importsOf(join(apiDir, 'ws-server.ts')).some((s) => s.startsWith('node:')));
});
