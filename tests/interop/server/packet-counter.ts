/**
 * Counts UDP datagrams to given loopback ports with an nftables table of our
 * own (named after this branch and the test's PID, deleted at the end): the
 * proof that media flows phone to phone and not through a proxy. Needs root
 * and nft; `available()` says whether the test can count.
 *
 * Beside every datagram it counts the RTP-shaped ones: the payload's first
 * two bits are RTP's version 2 (RFC 3550 §5.1; RTCP and SRTP alike). SIP
 * text starts with a letter (01…), a STUN message or a CRLF keep-alive with
 * 00, so signalling a proxy rightly carries during a call — a phone's
 * presence PUBLISH or SUBSCRIBE — is not mistaken for media.
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
    const rules = ports.map((p) => `    udp dport ${p} counter comment "p${p}"\n    udp dport ${p} @ih,0,2 2 counter comment "r${p}"`).join('\n');
    const script = `table inet ${table} {\n  chain count {\n    type filter hook input priority 0; policy accept;\n${rules}\n  }\n}\n`;
    await nft(['-f', '-'], script);
    return new PacketCounter(table, [...ports]);
  }

  /** Datagrams counted so far, by port. */
  async read(): Promise<Map<number, number>> {
    return (await this.#counters()).all;
  }

  /** RTP-shaped datagrams (version 2 in the first two bits) counted so far, by port. */
  async readRtp(): Promise<Map<number, number>> {
    return (await this.#counters()).rtp;
  }

  async #counters(): Promise<{ all: Map<number, number>; rtp: Map<number, number> }> {
    const json = JSON.parse(await nft(['-j', 'list', 'table', 'inet', this.table])) as {
      nftables: Array<{ rule?: { comment?: string; expr: Array<{ counter?: { packets: number } }> } }>;
    };
    const all = new Map<number, number>(this.#ports.map((p) => [p, 0]));
    const rtp = new Map<number, number>(this.#ports.map((p) => [p, 0]));
    for (const item of json.nftables) {
      const rule = item.rule;
      if (!rule?.comment) continue;
      const counter = rule.expr.find((e) => e.counter)?.counter;
      (rule.comment.startsWith('r') ? rtp : all).set(Number(rule.comment.slice(1)), counter?.packets ?? 0);
    }
    return { all, rtp };
  }

  async stop(): Promise<void> {
    await nft(['delete', 'table', 'inet', this.table]).catch(() => undefined);
  }
}
