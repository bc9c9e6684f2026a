/**
 * Network namespaces for tests: created with a per-run random name, joined by
 * veth pairs made directly inside their namespaces (nothing is ever added to
 * the machine's own namespace), and deleted by the test that made them.
 * `ip netns exec NAME cmd` execs cmd after entering the namespace, so a
 * process spawned through `wrap()` has the PID of cmd itself and is stopped
 * by PID like any other peer. Needs root (CI runs as root).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Runs a short command (ip, nft, sysctl); throws with its stderr on failure. */
export function run(command: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** True when this process may create namespaces and nftables NAT rules (root, iproute2 and nft present). */
export function netnsAvailable(): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'not root' };
  const probe = `nat-probe-${randomBytes(3).toString('hex')}`;
  try {
    run('ip', ['netns', 'add', probe]);
  } catch (err) {
    return { ok: false, why: (err as Error).message };
  }
  try {
    run('ip', ['netns', 'exec', probe, 'nft', 'add table ip probe']);
    return { ok: true };
  } catch (err) {
    return { ok: false, why: (err as Error).message };
  } finally {
    try {
      run('ip', ['netns', 'del', probe]);
    } catch {
      // already gone
    }
  }
}

export class Netns {
  readonly name: string;
  #deleted = false;

  private constructor(name: string) {
    this.name = name;
  }

  /** A new namespace `${prefix}-${role}` with its loopback up. */
  static create(prefix: string, role: string): Netns {
    const ns = new Netns(`${prefix}-${role}`);
    run('ip', ['netns', 'add', ns.name]);
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** `ip -n NAME …` */
  ip(...args: string[]): string {
    return run('ip', ['-n', this.name, ...args]);
  }

  /** Runs a command inside the namespace and returns its stdout. */
  exec(command: string, args: readonly string[], input?: string): string {
    return run('ip', ['netns', 'exec', this.name, command, ...args], input);
  }

  /** nftables script (`nft -f -`) inside the namespace. */
  nft(script: string): string {
    return this.exec('nft', ['-f', '-'], script);
  }

  sysctl(key: string, value: string | number): void {
    this.exec('sysctl', ['-q', '-w', `${key}=${value}`]);
  }

  /** The command prefix that runs a program in this namespace. */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] } {
    return { command: 'ip', args: ['netns', 'exec', this.name, command, ...args] };
  }

  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    try {
      run('ip', ['netns', 'del', this.name]);
    } catch {
      // Already gone: the veth ends and addresses went with it.
    }
  }
}

/** A short random suffix for namespace names of one run. */
export function runId(): string {
  return randomBytes(3).toString('hex');
}

/** A veth pair with one end in each namespace, both up, with the given CIDR addresses. */
export function vethPair(a: { ns: Netns; name: string; cidr?: string }, b: { ns: Netns; name: string; cidr?: string }): void {
  run('ip', ['link', 'add', 'name', a.name, 'netns', a.ns.name, 'type', 'veth', 'peer', 'name', b.name, 'netns', b.ns.name]);
  for (const end of [a, b]) {
    if (end.cidr) end.ns.ip('addr', 'add', end.cidr, 'dev', end.name);
    end.ns.ip('link', 'set', end.name, 'up');
  }
}

/** Namespaces left by an interrupted earlier run of the same prefix family are not touched: only ours go. */
export function listNetns(): string[] {
  return run('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}
