/**
 * Run inside a namespace (`ip netns exec NS node ns-bridge-server.ts PATH`):
 * listens on the Unix socket PATH — a file, so it is reachable from the
 * test's own namespace — and for each connection reads one line
 * "host port\n", opens TCP to host:port from inside the namespace and pipes
 * both ways. This lets the test drive control ports (baresip's ctrl_tcp,
 * Kamailio's JSON-RPC) of peers that live in a namespace without adding any
 * address or route to the machine's own network namespace.
 */
import net from 'node:net';
import { rmSync } from 'node:fs';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: ns-bridge-server.ts SOCKET_PATH\n');
  process.exit(2);
}
rmSync(path, { force: true });

const server = net.createServer((client) => {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(0x0a);
    if (nl < 0) {
      if (head.length > 256) client.destroy();
      return;
    }
    client.off('data', onData);
    client.pause();
    const [host, port] = head.subarray(0, nl).toString('utf8').trim().split(' ');
    const rest = head.subarray(nl + 1);
    const upstream = net.connect({ host, port: Number(port) });
    upstream.once('connect', () => {
      client.write('ok\n');
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close);
    client.on('error', close);
    upstream.on('close', close);
    client.on('close', close);
  };
  client.on('data', onData);
});
server.listen(path, () => process.stdout.write('ready\n'));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close();
    rmSync(path, { force: true });
    process.exit(0);
  });
}
