/**
 * The test side of ns-bridge-server.ts: TCP connections into a namespace
 * through a Unix socket (see there for why). One bridge per namespace.
 */
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '../harness/managed-process.ts';
import type { Netns } from './netns.ts';

const serverScript = fileURLToPath(new URL('./ns-bridge-server.ts', import.meta.url));

export class NsBridge {
  readonly path: string;
  readonly #proc: ManagedProcess;

  private constructor(path: string, proc: ManagedProcess) {
    this.path = path;
    this.#proc = proc;
  }

  /** `readyMs` bounds the start: a Node process on a loaded machine (test beds built side by side) may need seconds. */
  static async start(ns: Netns, dir: string, readyMs = 20_000): Promise<NsBridge> {
    const path = join(dir, `${ns.name}.sock`);
    const w = ns.wrap(process.execPath, [serverScript, path]);
    const proc = new ManagedProcess(w.command, w.args);
    if (!(await proc.waitForOutput(/^ready$/m, readyMs))) {
      await proc.stop(500);
      throw new Error(`ns bridge in ${ns.name} did not start: ${proc.output.slice(-1000)}`);
    }
    return new NsBridge(path, proc);
  }

  /** A socket connected (through the bridge) to host:port inside the namespace; rejects when nothing listens there. */
  connect(host: string, port: number, timeoutMs = 2000): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ path: this.path });
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => fail(new Error(`bridge: ${host}:${port} no answer within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        sock.destroy();
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const nl = head.indexOf(0x0a);
        if (nl < 0) return;
        clearTimeout(timer);
        sock.off('data', onData);
        sock.off('error', fail);
        sock.off('close', onClose);
        sock.pause();
        const rest = head.subarray(nl + 1);
        if (rest.length > 0) sock.unshift(rest);
        resolve(sock);
      };
      const onClose = () => fail(new Error(`bridge: ${host}:${port} not reachable in the namespace`));
      sock.once('connect', () => sock.write(`${host} ${port}\n`));
      sock.on('data', onData);
      sock.on('error', fail);
      sock.on('close', onClose);
    });
  }

  stop(): Promise<unknown> {
    return this.#proc.stop(1000);
  }
}
