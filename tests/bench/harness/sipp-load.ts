/**
 * A sipp UAC load against one UAS, for the calls-per-second benchmarks
 * (uas-cps.bench.ts over UDP, tls.bench.ts over TLS): one step offers calls
 * at a rate (-r) for a number of seconds (tests/interop/scenarios/
 * uac-load.xml: INVITE with a PCMU offer, 200, ACK, BYE at once) and
 * reports what sipp counted and the CPU the UAS process used per call (from
 * /proc, all its threads). `sustained` is the verdict: every call succeeded
 * and sipp kept 95 % of the offered pace.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../interop/harness/free-port.ts';
import { ManagedProcess, makeTempDir, sleep } from '../../interop/harness/managed-process.ts';
import { parseStats, scenarioDir } from '../../interop/harness/sipp.ts';

export interface StepResult {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** Calls per second sipp managed to start (its CallRate(C)); below the offered rate when the UAS held it back. */
  achieved: number;
  /** Mean INVITE → 200 time seen by sipp (ms). */
  responseMs: number;
  exitCode: number | null;
  /** The first error sipp logged (unexpected message, timeout), when a call failed. */
  firstError: string;
  /** CPU time the UAS process used during the step, per successful call (ms; all its threads). */
  cpuPerCallMs: number;
}

export interface SippStepOptions {
  /** Where sipp sends (the UAS, or a relay in front of it). */
  remotePort: number;
  rate: number;
  secondsPerStep: number;
  /** The process whose CPU is counted per call. */
  uasPid: number;
  /** sipp's transport: u1 (UDP, default) or t1 (one TCP connection). */
  transport?: 'u1' | 't1';
  /** More CPU to count per call (e.g. a TLS relay in front of the UAS), in seconds so far. */
  extraCpuSeconds?: () => number;
}

/** Every call succeeded and sipp kept (95 % of) the offered pace: the UAS sustained this rate. */
export function sustained(r: StepResult): boolean {
  return r.failed === 0 && r.exitCode === 0 && r.achieved >= 0.95 * r.rate;
}

export async function sippStep(o: SippStepOptions): Promise<StepResult> {
  const { rate, secondsPerStep, uasPid } = o;
  const transport = o.transport ?? 'u1';
  const tmp = makeTempDir('sipp-bench');
  const calls = Math.max(100, Math.round(rate * secondsPerStep));
  const port = await freePort([transport === 't1' ? 'tcp4' : 'udp4']);
  const stf = join(tmp.path, 'stats.csv');
  const errFile = join(tmp.path, 'errors.log');
  const args = [
    '-sf', join(scenarioDir, 'uac-load.xml'), '-i', '127.0.0.1', '-p', String(port), '-t', transport,
    '-s', 'service', '-r', String(rate), '-m', String(calls), '-l', String(Math.max(200, rate)),
    '-nostdin', '-timeout', `${secondsPerStep * 3 + 15}s`, '-timeout_error',
    '-trace_stat', '-stf', stf, '-fd', '1',
    '-trace_err', '-error_file', errFile,
    `127.0.0.1:${o.remotePort}`,
  ];
  const cpuBefore = cpuSeconds(uasPid) + (o.extraCpuSeconds?.() ?? 0);
  const proc = new ManagedProcess('sipp', args, { cwd: tmp.path });
  const guard = setTimeout(() => void proc.stop(1000), (secondsPerStep * 3 + 25) * 1000);
  const exit = await proc.exited;
  const cpuMs = (cpuSeconds(uasPid) + (o.extraCpuSeconds?.() ?? 0) - cpuBefore) * 1000;
  clearTimeout(guard);
  await proc.stop(500);
  const stats = parseStats(existsSync(stf) ? readFileSync(stf, 'utf8') : '');
  const errors = existsSync(errFile) ? readFileSync(errFile, 'utf8') : '';
  const firstError = /^.*(unexpected|Aborting|timeout|failed).*$/im.exec(errors)?.[0]?.trim().slice(0, 160) ?? '';
  tmp.remove();
  const successful = stats?.successful ?? 0;
  const failed = stats ? stats.failed + Math.max(0, calls - stats.successful - stats.failed) : calls;
  return {
    rate, calls, successful, failed,
    retransmissions: Number(stats?.raw['Retransmissions(C)'] ?? 0),
    achieved: Number(stats?.raw['CallRate(C)'] ?? 0),
    responseMs: sippDuration(stats?.raw['ResponseTime1(C)']),
    exitCode: exit.code,
    cpuPerCallMs: successful > 0 ? cpuMs / successful : NaN,
    firstError,
  };
}

/** sipp's "HH:MM:SS:micros" as milliseconds. */
function sippDuration(text: string | undefined): number {
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(text ?? '');
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) / 1000 : NaN;
}

/** One printed line per step. */
export function stepLine(name: string, r: StepResult): string {
  const verdict = sustained(r) ? '' : r.failed > 0 || r.exitCode !== 0 ? `<- FAILED CALLS ${r.firstError}` : '<- fell behind';
  return `${name.padEnd(13)} -r ${String(r.rate).padStart(4)}  ${String(r.successful).padStart(6)}/${String(r.calls).padEnd(6)} ok, ${String(r.failed).padStart(4)} failed, ${String(r.retransmissions).padStart(5)} retrans, achieved ${r.achieved.toFixed(0).padStart(5)} cps, INVITE→200 ${r.responseMs.toFixed(1).padStart(5)} ms, UAS CPU ${r.cpuPerCallMs.toFixed(2).padStart(5)} ms/call  ${verdict}`;
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds a process has used (utime + stime, /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

/** Waits (at most 20 s) until the UAS is nearly idle, so one step's backlog does not sink the next. */
export async function settle(pid: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const before = cpuSeconds(pid);
    await sleep(500);
    if (cpuSeconds(pid) - before < 0.05) return;
  }
}
