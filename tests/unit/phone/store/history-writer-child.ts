/**
 * Child process for durability.test.ts: opens the store in argv[2] and adds
 * history rows as fast as it can, forever, printing "ack <id>[,<id>…]" on
 * stdout only after each add (or addMany batch) has returned. The parent
 * kills it with SIGKILL. Usage: history-writer-child.ts <dir> <full|normal> <batch> [behind]
 * `behind`: each batch is written the way the phone's calls write, addLater
 * then flush() (one commit, not fsynced), and acknowledged after the flush.
 */
import { writeSync } from 'node:fs';
import { Store, type SynchronousMode } from '../../../../electron/phone/store/store.ts';
import { HistoryRepository } from '../../../../electron/phone/store/history-repository.ts';

const [dir, mode, batchText, how] = process.argv.slice(2);
const batch = Number(batchText ?? '1');
const store = Store.open(dir!, { synchronous: mode as SynchronousMode });
const history = new HistoryRepository(store);
writeSync(1, 'ready\n');
for (let k = 0; ; k++) {
  const rows = Array.from({ length: batch }, (_, i) => ({
    direction: (i % 2 ? 'in' : 'out') as 'in' | 'out',
    peerUri: `sip:peer${k}-${i}@sipB.test`,
    callId: `batch-${k}`,
    startedAt: Date.now(),
    resultCode: 200,
    quality: { mos: 4.1, loss: 0.002, jitter: 4.5, rtt: 38 },
  }));
  let ids: (number | undefined)[];
  if (how === 'behind') {
    const later = rows.map((r) => history.addLater(r));
    history.flush();
    ids = later.map((r) => r.id);
  } else ids = batch === 1 ? [history.add(rows[0]!).id] : history.addMany(rows).map((e) => e.id);
  // Synchronous write: the line is in the pipe before the next row is started.
  writeSync(1, `ack ${ids.join(",")}\n`);
}
