/**
 * Finding: when the RTP port range is used up, the next caller was told
 * "488 no common codec". Now: 486 Busy Here (too many calls) with
 * Retry-After. Also proves --rtp-ports: a listener given two port pairs
 * binds inside them and has room for two calls, not a third.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { portFree } from '../interop/harness/free-port.ts';
import { buildRequest, RawSipSocket, randomToken } from '../interop/harness/raw-sip.ts';
import { Listener } from './listener.ts';

let listener: Listener;
let sock: RawSipSocket;
let base = 0;

async function freeRange(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 46000 + 4 * Math.floor(Math.random() * 1000);
    const free = await Promise.all([0, 1, 2, 3].map((k) => portFree('udp4', p + k)));
    if (free.every(Boolean)) return p;
  }
  throw new Error('no free range of 4 UDP ports');
}

before(async () => {
  base = await freeRange();
  listener = await Listener.start({ args: ['--rtp-ports', `${base}-${base + 3}`] });
  sock = await RawSipSocket.open();
});
after(async () => {
  await sock?.close();
  await listener?.stop();
});

function invite(): string {
  const sdp = ['v=0', `o=x 1 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${sock.port + 2} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
  return buildRequest({
    method: 'INVITE',
    uri: `sip:anyone@${listener.target}`,
    from: `<sip:flood@${sock.hostPort}>;tag=${randomToken()}`,
    to: `<sip:anyone@${listener.target}>`,
    callId: `${randomToken()}@robust`,
    cseq: 1,
    viaHostPort: sock.hostPort,
    contact: `<sip:flood@${sock.hostPort}>`,
    body: sdp,
  });
}

test('no free RTP port: 486 with Retry-After ("too many calls"), never 488', { timeout: 60_000 }, async () => {
  const answers = [];
  for (let i = 0; i < 3; i++) {
    const text = invite();
    const callId = /Call-ID: (\S+)/.exec(text)![1];
    await sock.send(text, listener.port);
    // The first two take the two port pairs (answered or ringing); the third finds none.
    answers.push(await sock.receive((m) => m.status !== undefined && m.status >= 180 && m.headers.get('call-id') === callId, 10_000));
  }
  const codes = answers.map((a) => a?.status);
  process.stdout.write(`# answers with two port pairs: ${codes.join(', ')}; third: ${answers[2]?.startLine ?? ''} Retry-After ${answers[2]?.headers.get('retry-after')}\n`);
  for (const a of answers.slice(0, 2)) assert.ok(a && a.status! < 300, `a call with a free port pair is taken (got ${a?.status})`);
  for (const a of answers.slice(0, 2)) {
    const port = Number(/m=audio (\d+)/.exec(a!.body)?.[1]);
    if (a!.status === 200) assert.ok(port >= base && port <= base + 3, `RTP port ${port} inside --rtp-ports ${base}-${base + 3}`);
  }
  const third = answers[2];
  assert.equal(third?.status, 486, `the third call: ${third?.startLine}`);
  assert.match(third!.startLine, /too many calls/i);
  assert.match(third!.headers.get('retry-after') ?? '', /^\d+/);
});
