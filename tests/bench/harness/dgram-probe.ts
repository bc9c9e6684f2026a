/**
 * The moments of a call's set-up inside a Parley process, for
 * setup-time.bench.ts (--stages, --trace, --cpu-prof): a wrapper around
 * dgram's send and emit notes when an INVITE or an ACK is handed to a
 * socket, when the first RTP packet after an INVITE is, and when JavaScript
 * starts on a 1xx/2xx response (dgram's 'message', with its CSeq method),
 * each with the process's CPU time so far. For this measurement only: it
 * costs a few microseconds per datagram, alike for every Parley caller.
 *
 * The engine process installs it itself; a `parley call` process gets it
 * with `node --import` and SETUP_PROBE_DIR set: its moments (and when it
 * printed its 'active' line) are written to SETUP_PROBE_DIR/marks-<pid>.json
 * as it exits.
 */
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monoMs, type TraceMoment } from './setup-trace.ts';

/**
 * One moment with the process's CPU time so far (µs). process.cpuUsage, not threadCpuUsage: Linux brings the
 * running thread's own time up to date only for the process-wide reading (getrusage(RUSAGE_THREAD) lags by up to a
 * scheduler tick); the process's other threads (GC helpers, the compiler) add what they do meanwhile. `mainCpu`:
 * the main thread's own, good to a scheduler tick (4 ms at HZ=250): for long stages only.
 */
export function moment(what: string): TraceMoment {
  const cpu = process.cpuUsage();
  const main = process.threadCpuUsage();
  return { what, at: monoMs(), cpu: cpu.user + cpu.system, mainCpu: main.user + main.system };
}

const CSEQ = /\r\nCSeq:[ \t]*\d+[ \t]+([A-Z]+)/i;

/** Wraps dgram's send and emit (once per process); the moments go to `marks`. */
export function installProbe(marks: TraceMoment[]): void {
  const proto = dgram.Socket.prototype as unknown as { send: (...a: unknown[]) => unknown; emit: (...a: unknown[]) => boolean };
  const { send, emit } = proto;
  let rtpSent = true;
  proto.send = function (this: unknown, ...a: unknown[]) {
    const b = a[0];
    if (Buffer.isBuffer(b)) {
      const head = b.toString('latin1', 0, 8);
      if (head.startsWith('INVITE ') || head.startsWith('ACK ')) {
        marks.push(moment(`${head.split(' ')[0] as string} to the socket`));
        if (head.startsWith('INVITE ')) rtpSent = false;
      } else if (!rtpSent && b.length >= 12 && (b[0] ?? 0) >> 6 === 2 && ((b[1] ?? 0) & 0x7f) < 64) {
        rtpSent = true;
        marks.push(moment('first RTP to the socket'));
      }
    }
    return send.apply(this, a);
  };
  proto.emit = function (this: unknown, ...a: unknown[]) {
    const b = a[1];
    if (a[0] === 'message' && Buffer.isBuffer(b) && /^SIP\/2\.0 [12]\d\d$/.test(b.toString('latin1', 0, 11))) {
      const method = CSEQ.exec(b.toString('latin1', 0, Math.min(b.length, 1500)))?.[1] ?? '?';
      marks.push(moment(`${b.toString('latin1', 8, 11)} ${method.toUpperCase()} read (JS)`));
    }
    return emit.apply(this, a);
  };
}

const dir = process.env.SETUP_PROBE_DIR;
if (dir !== undefined && dir !== '') {
  // The first moment ties the monotonic clock to performance.now() (what --trace-gc's times are close to).
  const marks: TraceMoment[] = [{ ...moment('probe loaded'), perf: performance.now() }];
  installProbe(marks);
  // `parley call --json` prints one line per event: the call's 'active' line is its answered moment.
  const write = process.stdout.write.bind(process.stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.includes('"event":"call"')) {
      const state = /"state":"(\w+)"/.exec(chunk)?.[1];
      if (state !== undefined) marks.push(moment(`'${state}' event`));
    }
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.on('exit', () => writeFileSync(join(dir, `marks-${process.pid}.json`), JSON.stringify(marks)));
}
