/**
 * Where a harness peer runs: on the machine's loopback (the default), or in
 * a network namespace a test built (tests/interop/netns). The peer listens on
 * `address`; the harness spawns it through `wrap` and reaches its control
 * port (baresip's ctrl_tcp, Kamailio's JSON-RPC) through `connect`.
 */
import net from 'node:net';

export interface Placement {
  /** The IP address the peer listens on (SIP, control). */
  address: string;
  /** The command line that runs `command` there. */
  wrap(command: string, args: readonly string[]): { command: string; args: string[] };
  /** A TCP connection to address:port as seen from where the peer runs; rejects when nothing listens. */
  connect(port: number): Promise<net.Socket>;
  /** True for the machine's loopback (the harness may probe the peer directly). */
  local: boolean;
}

export const loopback: Placement = {
  address: '127.0.0.1',
  local: true,
  wrap: (command, args) => ({ command, args: [...args] }),
  connect: (port) =>
    new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve(sock);
      });
      sock.once('error', (err) => {
        sock.destroy();
        reject(err);
      });
    }),
};

/** One HTTP/1.1 POST over `connect` (Kamailio's xhttp answers with Content-Length); resolves with the body. */
export async function httpPost(placement: Placement, port: number, path: string, body: string, timeoutMs = 3000): Promise<string> {
  const sock = await placement.connect(port);
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => done(new Error(`http ${path}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const done = (err?: Error, text?: string) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(text ?? '');
    };
    const tryParse = (): boolean => {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const head = data.subarray(0, end).toString('latin1');
      const len = /content-length:\s*(\d+)/i.exec(head);
      if (!len) return false;
      const total = end + 4 + Number(len[1]);
      if (data.length < total) return false;
      done(undefined, data.subarray(end + 4, total).toString('utf8'));
      return true;
    };
    sock.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryParse();
    });
    sock.on('error', (err) => done(err));
    sock.on('close', () => {
      if (!tryParse()) done(new Error(`http ${path}: connection closed before a full answer`));
    });
    sock.resume();
    sock.write(`POST ${path} HTTP/1.1\r\nHost: ${placement.address}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}
