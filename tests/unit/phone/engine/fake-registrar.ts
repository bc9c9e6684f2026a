/**
 * A minimal registrar on 127.0.0.1 (UDP, port 0) for the engine tests
 * (RFC 3261 §10.3): digest challenge (401) and check, one binding per AOR
 * plus one "other device" it always lists, Expires: 0 removes ours. Any other
 * request is answered with `otherStatus` (404 by default), so the same socket
 * doubles as a peer that refuses MESSAGEs.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createDigestChallenge, verifyDigest } from '../../../../electron/sip/auth/index.ts';
import { createResponse, parseMessage, serializeMessage, type SipRequest } from '../../../../electron/sip/message/index.ts';

export const OTHER_DEVICE = 'sip:bob@192.0.2.9:5060';

export class FakeRegistrar {
  readonly requests: SipRequest[] = [];
  readonly #socket: Socket;
  readonly #passwords: Map<string, string>;
  port = 0;
  otherStatus = 404;
  bound: string | undefined;

  private constructor(passwords: Record<string, string>) {
    this.#passwords = new Map(Object.entries(passwords));
    this.#socket = createSocket('udp4');
    this.#socket.on('message', (data, rinfo) => this.#onMessage(data, rinfo.address, rinfo.port));
  }

  static async start(passwords: Record<string, string>): Promise<FakeRegistrar> {
    const r = new FakeRegistrar(passwords);
    await new Promise<void>((resolve) => r.#socket.bind(0, '127.0.0.1', resolve));
    r.port = r.#socket.address().port;
    return r;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }

  #onMessage(data: Buffer, address: string, port: number): void {
    let message;
    try {
      message = parseMessage(data);
    } catch {
      return;
    }
    if (message.kind !== 'request' || message.method === 'ACK') return;
    const request = message;
    this.requests.push(request);
    const send = (status: number, reason: string, headers: [string, string][] = []) => {
      const response = createResponse(request, status, reason);
      for (const [name, value] of headers) response.headers.append(name, value);
      if (status > 100 && !response.headers.get('To')!.includes('tag=')) response.headers.set('To', `${response.headers.get('To')};tag=reg1`);
      this.#socket.send(serializeMessage(response), port, address);
    };
    if (request.method !== 'REGISTER') {
      send(this.otherStatus, 'Not Here');
      return;
    }
    const authorization = request.headers.get('Authorization');
    const check = authorization
      ? verifyDigest(authorization, { method: 'REGISTER', realm: 'parley.test', lookup: (user) => (this.#passwords.has(user) ? { password: this.#passwords.get(user)! } : undefined), checkNonce: () => 'ok' })
      : undefined;
    if (!check?.ok) {
      send(check ? 403 : 401, check ? 'Forbidden' : 'Unauthorized', check ? [] : [['WWW-Authenticate', createDigestChallenge({ realm: 'parley.test' })]]);
      return;
    }
    const contact = request.headers.get('Contact') ?? '';
    const expires = Number(request.headers.get('Expires') ?? '3600');
    const uri = /<([^>]*)>/.exec(contact)?.[1];
    this.bound = expires > 0 ? uri : undefined;
    const contacts: [string, string][] = [['Contact', `<${OTHER_DEVICE}>;expires=100`]];
    if (this.bound) contacts.unshift(['Contact', `<${this.bound}>;expires=${Math.min(expires, 60)}`]);
    send(200, 'OK', contacts);
  }
}
