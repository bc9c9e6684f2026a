/**
 * Counts UDP datagrams to given loopback ports with an nftables table of our
 * own (named after this branch and the test's PID, deleted at the end): the
 * proof that media flows phone to phone and not through a proxy. Needs root
 * and nft; `available()` says whether the test can count.
 */
import { execFile, execFileSync } from 'node:child_process';

/** nft run without blocking: the phone engine under test shares this process, and a blocked event loop is a gap in its audio. */
function nft(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('nft', args, { timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    if (input !== undefined) child.stdin?.end(input);
  });
}

let seq = 0;

export class PacketCounter {
  readonly table: string;
  readonly #ports: number[];

  private constructor(table: string, ports: number[]) {
    this.table = table;
    this.#ports = ports;
  }

  static available(): boolean {
    try {
      execFileSync('nft', ['list', 'tables'], { stdio: 'ignore', timeout: 5000 });
      return true;
    } catch {
      return false;
    }
  }

  /** Starts counting datagrams to each port (on any address: the tests use only loopback). */
  static async start(ports: readonly number[]): Promise<PacketCounter> {
    const table = `server_${process.pid}_${seq++}`;
    const rules = ports.map((p) => `    udp dport ${p} counter comment "p${p}"`).join('\n');
    const script = `table inet ${table} {\n  chain count {\n    type filter hook input priority 0; policy accept;\n${rules}\n  }\n}\n`;
    await nft(['-f', '-'], script);
    return new PacketCounter(table, [...ports]);
  }

  /** Datagrams counted so far, by port. */
  async read(): Promise<Map<number, number>> {
    const json = JSON.parse(await nft(['-j', 'list', 'table', 'inet', this.table])) as {
      nftables: Array<{ rule?: { comment?: string; expr: Array<{ counter?: { packets: number } }> } }>;
    };
    const out = new Map<number, number>(this.#ports.map((p) => [p, 0]));
    for (const item of json.nftables) {
      const rule = item.rule;
      if (!rule?.comment) continue;
      const counter = rule.expr.find((e) => e.counter)?.counter;
      out.set(Number(rule.comment.slice(1)), counter?.packets ?? 0);
    }
    return out;
  }

  async stop(): Promise<void> {
    await nft(['delete', 'table', 'inet', this.table]).catch(() => undefined);
  }
}
