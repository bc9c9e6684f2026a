/**
 * Puts a phone's WAV "sound card" on the wall clock from strace's record of
 * its file I/O (latency.bench.ts, for linphonec's "files" sound card).
 *
 * liblinphone's file player and recorder go through buffered file I/O: 4 KB
 * reads and writes (256 ms of 8 kHz PCM), each at a known byte offset. Its
 * sound-card ticker runs at the file's sample rate in real time, so
 *   - the first read of sample data is made by the ticker's first tick,
 *     which takes the first 10 ms at once: as a capture device hands over a
 *     block once it is recorded, sample s of the player was "spoken" at
 *     T0 + s / rate with T0 one tick before that read (good to a tick).
 *     Later reads fetch ahead (here a block less ≈ 20 ms), so they cannot
 *     mark the clock;
 *   - a write happens once the block's last sample was played, never
 *     before: sample s of the recording was "heard" at T1 + s / rate with T1
 *     the least of (write time − its last sample's time), good to a tick
 *     too (the least of ~50 blocks). The spread of that difference over the
 *     call shows whether the recording ran continuously (it stays within a
 *     tick or two when it did).
 *
 * strace runs as `strace -f -p PID -ttt -y -e trace=read,write,lseek`: -y
 * names each descriptor's file, -ttt stamps each call (wall clock, µs) when
 * it starts; a call another thread interrupts is split into
 * "<unfinished ...>" and "<... read resumed>" lines.
 */
import { readFileSync } from 'node:fs';
import { ManagedProcess, sleep } from '../../interop/harness/managed-process.ts';

/** One read or write of a file: when it started (ms since the epoch), at which byte offset, how many bytes. */
export interface FileIo {
  atMs: number;
  offset: number;
  bytes: number;
}

/** The reads and writes of each file (by path) in an strace log, offsets followed through lseek. */
export function fileIoOf(log: string): { reads: Map<string, FileIo[]>; writes: Map<string, FileIo[]> } {
  const reads = new Map<string, FileIo[]>();
  const writes = new Map<string, FileIo[]>();
  const position = new Map<string, number>();
  const pending = new Map<string, { atMs: number; call: string; path: string }>();
  const CALL = /^(\d+)\s+(\d+\.\d+)\s+(read|write|lseek)\(\d+<([^>]*)>, (.*)$/;
  const RESUMED = /^(\d+)\s+\d+\.\d+\s+<\.\.\. (read|write|lseek) resumed>.*\)\s+=\s+(-?\d+)/;
  const note = (call: string, path: string, atMs: number, result: number) => {
    if (result < 0) return;
    if (call === 'lseek') return void position.set(path, result);
    const offset = position.get(path) ?? 0;
    position.set(path, offset + result);
    const into = call === 'read' ? reads : writes;
    into.set(path, [...(into.get(path) ?? []), { atMs, offset, bytes: result }]);
  };
  for (const line of log.split('\n')) {
    const c = CALL.exec(line);
    if (c) {
      const [, pid, ts, call, path, rest] = c as unknown as [string, string, string, string, string, string];
      const atMs = Number(ts) * 1000;
      if (rest.endsWith('<unfinished ...>')) {
        pending.set(pid, { atMs, call, path });
        continue;
      }
      const result = /\)\s+=\s+(-?\d+)/.exec(rest);
      if (result) note(call, path, atMs, Number(result[1]));
      continue;
    }
    const r = RESUMED.exec(line);
    if (r) {
      const started = pending.get(r[1] as string);
      pending.delete(r[1] as string);
      if (started && started.call === r[2]) note(started.call, started.path, started.atMs, Number(r[3]));
    }
  }
  return { reads, writes };
}

/** WAV PCM data starts after a 44-byte header in the files these phones read and write. */
const DATA_OFFSET = 44;

/** mediastreamer2's ticker: one sound-card block every 10 ms. */
const TICK_MS = 10;

/** T0 (ms since the epoch) of a played file: sample s was spoken at T0 + 1000 s / rate. */
export function playerClockMs(reads: FileIo[]): number {
  return (reads.find((r) => r.offset === DATA_OFFSET && r.bytes > 0)?.atMs ?? NaN) - TICK_MS;
}

/**
 * T1 (ms since the epoch) of a recorded file at `rate` (sample s was heard
 * at T1 + 1000 s / rate) and how far the later writes lag it (max − min, ms).
 */
export function recorderClockMs(writes: FileIo[], rate: number): { t1: number; spreadMs: number } {
  const v = writes.filter((w) => w.bytes > 0 && w.offset >= DATA_OFFSET).map((w) => w.atMs - ((w.offset + w.bytes - DATA_OFFSET) / 2 / rate) * 1000);
  return v.length < 3 ? { t1: NaN, spreadMs: NaN } : { t1: Math.min(...v), spreadMs: Math.max(...v) - Math.min(...v) };
}

/** strace attached to a running process (all its threads), logging reads, writes and seeks. */
export class FileIoTrace {
  readonly #proc: ManagedProcess;
  readonly #file: string;

  private constructor(proc: ManagedProcess, file: string) {
    this.#proc = proc;
    this.#file = file;
  }

  static async attach(pid: number, file: string): Promise<FileIoTrace> {
    const proc = new ManagedProcess('strace', ['-f', '-p', String(pid), '-ttt', '-y', '-e', 'trace=read,write,lseek', '-o', file]);
    // strace says nothing on success; give it a moment to attach to every thread.
    await sleep(300);
    return new FileIoTrace(proc, file);
  }

  async stop(): Promise<ReturnType<typeof fileIoOf>> {
    await this.#proc.stop(3000);
    return fileIoOf(readFileSync(this.#file, 'utf8'));
  }
}
