/**
 * A tiny UDP tool run inside a test namespace:
 *   udp-probe.ts echo ADDR PORT        answers every datagram with "<source ip>:<source port>"
 *   udp-probe.ts ask ADDR PORT [LOCAL_PORT]  sends one datagram, prints the answer (or "timeout")
 * Used to prove the test bed's masquerade and its conntrack timeout.
 */
import { createSocket } from 'node:dgram';

const [mode, address, portText, localText] = process.argv.slice(2);
const port = Number(portText);
const sock = createSocket('udp4');
if (mode === 'echo') {
  sock.on('message', (_msg, rinfo) => sock.send(`${rinfo.address}:${rinfo.port}`, rinfo.port, rinfo.address));
  sock.bind(port, address, () => process.stdout.write('ready\n'));
  process.once('SIGTERM', () => process.exit(0));
} else {
  const timer = setTimeout(() => {
    process.stdout.write('timeout\n');
    process.exit(1);
  }, 2000);
  sock.on('message', (msg) => {
    clearTimeout(timer);
    process.stdout.write(`${msg.toString()}\n`);
    process.exit(0);
  });
  sock.bind(Number(localText ?? 0), () => sock.send('?', port, address));
}
