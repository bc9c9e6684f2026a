/**
 * "A kill -9 during history writes loses nothing that was acknowledged."
 * A child process writes history rows in a loop and prints each id after the
 * write returned; we SIGKILL it mid-stream, reopen the database and look for
 * every printed id. With batches (addMany), every batch must be whole or
 * absent. Both synchronous levels are run: process death is survived by both
 * (the WAL frames are in the OS page cache once write(2) returned); they
 * differ only on power loss, which a test cannot stage (see store.ts).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Store, type SynchronousMode } from '../../../../electron/phone/store/store.ts';
import { HistoryRepository } from '../../../../electron/phone/store/history-repository.ts';
import { removeTempDirs, tempDir } from '../temp-dir.ts';

after(removeTempDirs);

const CHILD = fileURLToPath(new URL('./history-writer-child.ts', import.meta.url));
const KILL_AFTER_ACKS = 150;
const TIME_LIMIT_MS = 30_000;

interface Run {
  acked: number[][];
  elapsedMs: number;
  signal: NodeJS.Signals | null;
}

function runAndKill(dir: string, mode: SynchronousMode, batch: number, behind: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, mode, String(batch), ...(behind ? ['behind'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[][] = [];
    let buffer = '';
    let stderr = '';
    let start = 0;
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer did not reach ${KILL_AFTER_ACKS} acks in ${TIME_LIMIT_MS} ms (got ${acked.length}); stderr: ${stderr}`));
    }, TIME_LIMIT_MS);
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'ready') start = performance.now();
        else if (line.startsWith('ack ')) acked.push(line.slice(4).split(',').map(Number));
      }
      if (!killed && acked.length >= KILL_AFTER_ACKS) {
        killed = true;
        child.kill('SIGKILL'); // mid-write: the child never pauses between rows
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      // A partial last line (no newline) is not an acknowledgement: it is dropped with `buffer`.
      resolve({ acked, elapsedMs: performance.now() - start, signal });
    });
  });
}

const CASES = [
  ...(['full', 'normal'] as const).flatMap((mode) => [1, 5].map((batch) => ({ mode, batch, behind: false }))),
  // The calls' write-behind: its commits are not fsynced (store.ts), and lose nothing to a process death all the same.
  { mode: 'full' as const, batch: 3, behind: true },
];

for (const { mode, batch, behind } of CASES) {
  test(`SIGKILL during history writes loses no acknowledged row (synchronous=${mode}, ${behind ? `written behind in flushes of ${batch}` : batch === 1 ? 'single adds' : `batches of ${batch}`})`, async (t) => {
    const dir = tempDir();
    const run = await runAndKill(dir, mode, batch, behind);
    assert.equal(run.signal, 'SIGKILL');
    assert.ok(run.acked.length >= KILL_AFTER_ACKS);
    const ackedIds = run.acked.flat();
    t.diagnostic(`${mode}, batch ${batch}: ${run.acked.length} transactions acknowledged in ${run.elapsedMs.toFixed(0)} ms (${((run.acked.length * 1000) / run.elapsedMs).toFixed(0)} commits/s)`);

    const store = Store.open(dir);
    try {
      const history = new HistoryRepository(store);
      const present = new Set(history.list({ limit: 10_000 }).map((e) => e.id));
      const missing = ackedIds.filter((id) => !present.has(id));
      assert.deepEqual(missing, [], 'acknowledged rows lost');
      // At most the one transaction in flight may have committed without its ack reaching us.
      assert.ok(present.size >= ackedIds.length && present.size <= ackedIds.length + batch, `${present.size} rows for ${ackedIds.length} acks`);
      const perBatch = store.all('SELECT call_id, count(*) AS n FROM history GROUP BY call_id');
      for (const r of perBatch) assert.equal(Number(r.n), batch, `batch ${String(r.call_id)} is partial`);
      const last = history.require(ackedIds[ackedIds.length - 1]!);
      assert.deepEqual(last.quality, { mos: 4.1, loss: 0.002, jitter: 4.5, rtt: 38 });
    } finally {
      store.close();
    }
  });
}
