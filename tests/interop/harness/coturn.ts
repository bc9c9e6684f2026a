/**
 * startCoturn: Debian's coturn (`turnserver`) as the STUN and TURN server of
 * the NAT test bed, on the placement's address, UDP only, long-term
 * credentials for one user (RFC 8656 §9.2), relay ports from a small range.
 * Ready once its log says the UDP listener is up (bounded wait).
 */
import { ManagedProcess, makeTempDir, sleep } from './managed-process.ts';
import type { Placement } from './placement.ts';

export interface CoturnHandle {
  address: string;
  port: number;
  username: string;
  password: string;
  realm: string;
  /** Allocations the server reported (its log), for the tests that check media was relayed. */
  allocations(): number;
  output(): string;
  stop(): Promise<void>;
}

export async function startCoturn(placement: Placement, opts: { port?: number; username?: string; password?: string } = {}): Promise<CoturnHandle> {
  const tmp = makeTempDir('coturn');
  const port = opts.port ?? 3478;
  const username = opts.username ?? 'parley';
  const password = opts.password ?? 'turnsecret';
  const realm = 'turn.test';
  const args = [
    '-n', '--no-tls', '--no-dtls', '--no-tcp', '--no-cli', '--no-rfc5780', '--no-stun-backward-compatibility',
    '--listening-ip', placement.address, '--relay-ip', placement.address, '--listening-port', String(port),
    '--min-port', '49152', '--max-port', '49252',
    '--lt-cred-mech', '--user', `${username}:${password}`, '--realm', realm,
    '--verbose', '--log-file', 'stdout', '--simple-log', '--pidfile', `${tmp.path}/turnserver.pid`, '--userdb', `${tmp.path}/turndb`,
  ];
  const cmd = placement.wrap('turnserver', args);
  const proc = new ManagedProcess(cmd.command, cmd.args, { cwd: tmp.path });
  const deadline = Date.now() + 8000;
  while (Date.now() < deadline && proc.running && !/UDP listener opened|Total General servers|IPv4. UDP listener/i.test(proc.output)) await sleep(100);
  if (!proc.running) {
    tmp.remove();
    throw new Error(`coturn did not start:\n${proc.output.slice(-2000)}`);
  }
  await sleep(200);
  return {
    address: placement.address,
    port,
    username,
    password,
    realm,
    allocations: () => (proc.output.match(/ALLOCATE processed, success/g) ?? []).length,
    output: () => proc.output,
    async stop() {
      await proc.stop();
      tmp.remove();
    },
  };
}
