import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { RegistrationSnapshot, RegistrationState } from '../../../electron/api/snapshots.ts';
import { StartCompaction } from '../../../electron/phone/start-compaction.ts';
import { FakeClock } from '../../helpers/fake-clock.ts';

function setup(states: RegistrationState[], busy = false) {
  const clock = new FakeClock();
  const regs: RegistrationSnapshot[] = states.map((state, i) => ({ accountId: `a${i}`, state, otherBindings: [] }));
  const phone = { busy, collected: 0 };
  const compaction = new StartCompaction({ clock, busy: () => phone.busy, registrations: () => regs, collect: () => phone.collected++ });
  return { clock, regs, phone, compaction };
}

test('start compaction: once, 750 ms after the last registration settles', () => {
  const { clock, regs, phone, compaction } = setup(['registering', 'registering']);
  compaction.start();
  clock.advance(5000);
  assert.equal(phone.collected, 0, 'not while registrations are under way');
  regs[0]!.state = 'registered';
  compaction.registrationChanged();
  clock.advance(1000);
  assert.equal(phone.collected, 0, 'one still registering');
  regs[1]!.state = 'failed';
  compaction.registrationChanged();
  clock.advance(749);
  assert.equal(phone.collected, 0);
  clock.advance(1);
  assert.equal(phone.collected, 1);
  compaction.registrationChanged();
  clock.advance(60_000);
  assert.equal(phone.collected, 1, 'never twice');
  assert.equal(clock.pending, 0, 'no timer left');
});

test('start compaction: at the latest 10 s after the start, even with a registration stuck', () => {
  const { clock, phone, compaction } = setup(['registering']);
  compaction.start();
  clock.advance(9999);
  assert.equal(phone.collected, 0);
  clock.advance(1);
  assert.equal(phone.collected, 1);
});

test('start compaction: no account at all, it runs after the quiet time', () => {
  const { clock, phone, compaction } = setup([]);
  compaction.start();
  clock.advance(750);
  assert.equal(phone.collected, 1);
});

test('start compaction: a call before it is due cancels it for good', () => {
  const { clock, phone, compaction } = setup(['registered']);
  compaction.start();
  clock.advance(100);
  phone.busy = true;
  compaction.callsChanged();
  phone.busy = false;
  compaction.callsChanged();
  clock.advance(20_000);
  assert.equal(phone.collected, 0);
  assert.equal(clock.pending, 0);
});

test('start compaction: busy when due (a call its event has not told yet), it does not run', () => {
  const { clock, phone, compaction } = setup(['registered'], true);
  compaction.start();
  clock.advance(20_000);
  assert.equal(phone.collected, 0);
  phone.busy = false;
  compaction.callsChanged();
  clock.advance(20_000);
  assert.equal(phone.collected, 0);
});

test('start compaction: stopped before it was due, it never runs', () => {
  const { clock, phone, compaction } = setup(['registered']);
  compaction.start();
  compaction.stop();
  compaction.callsChanged();
  clock.advance(20_000);
  assert.equal(phone.collected, 0);
  assert.equal(clock.pending, 0);
});

test('start compaction: the real collection gives the heap back, flushes code that is not running, leaves gc unexposed', () => {
  // A child process: the collection is process-wide, and the test runner's own heap is no one's business here.
  const code = [
    "import { StartCompaction } from './electron/phone/start-compaction.ts';",
    "import v8 from 'node:v8';",
    'let keep = Array.from({ length: 200_000 }, (_, i) => ({ i, s: String(i) }));',
    'keep = undefined;',
    // Functions run once and kept: their bytecode stays until flushed.
    "const fns = Array.from({ length: 2000 }, (_, i) => new Function('a', `let s = ${i}; for (let k = 0; k < a; k++) s += k * ${i} % 7; return s;`));",
    'for (const f of fns) f(3);',
    'const heap = () => v8.getHeapStatistics().used_heap_size;',
    'const bytecode = () => v8.getHeapCodeStatistics().bytecode_and_metadata_size;',
    'const before = { heap: heap(), bytecode: bytecode() };',
    "const clock = { now: () => 0, setTimeout: (fn) => { fn(); return { id: 1 }; }, clearTimeout() {} };",
    'new StartCompaction({ clock, busy: () => false, registrations: () => [] }).start();',
    'const after = { heap: heap(), bytecode: bytecode() };',
    'const still = fns[7](3);',
    "process.stdout.write(JSON.stringify({ before, after, still, gc: typeof globalThis.gc, ctx: (await import('node:vm')).runInNewContext('typeof gc') }));",
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: new URL('../../../', import.meta.url), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { before: { heap: number; bytecode: number }; after: { heap: number; bytecode: number }; still: number; gc: string; ctx: string };
  assert.ok(out.after.heap < out.before.heap - 5_000_000, `heap ${out.before.heap} -> ${out.after.heap}: the garbage was not collected`);
  assert.ok(out.after.bytecode < out.before.bytecode - 200_000, `bytecode ${out.before.bytecode} -> ${out.after.bytecode}: not flushed`);
  assert.equal(out.still, 7, 'a flushed function runs again (compiled anew)');
  assert.equal(out.gc, 'undefined', 'gc is not left on the global object');
  assert.equal(out.ctx, 'undefined', 'later vm contexts do not get gc either');
});
