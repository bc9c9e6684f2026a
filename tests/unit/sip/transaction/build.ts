/** Test helpers for the transaction layer specs: requests, responses and a machine harness on a FakeClock. */
import { FakeClock } from '../../../helpers/fake-clock.ts';
import { FakeNetwork, FakeTransport } from '../../../helpers/fake-transport.ts';
import { createLogger } from '../../../../electron/common/logger.ts';
import type { LogRecord, Logger } from '../../../../electron/common/logger.ts';
import { createResponse, formatNameAddr, parseMessage, toOf } from '../../../../electron/sip/message/index.ts';
import type { SipRequest, SipResponse } from '../../../../electron/sip/message/index.ts';
import type { IncomingMessage, TransportProtocol } from '../../../../electron/sip/transport/transport.ts';
import { timerConfig } from '../../../../electron/sip/transaction/timers.ts';
import type { TransactionContext } from '../../../../electron/sip/transaction/transaction.ts';

export interface RequestSpec {
  method?: string;
  uri?: string;
  branch?: string | null;
  viaHost?: string;
  viaPort?: number;
  transport?: string;
  cseq?: number;
  cseqMethod?: string;
  fromTag?: string;
  toTag?: string;
  callId?: string;
  extra?: string[];
}

export function request(spec: RequestSpec = {}): SipRequest {
  const method = spec.method ?? 'INVITE';
  const branch = spec.branch === undefined ? 'z9hG4bK-test-1' : spec.branch;
  const via = `SIP/2.0/${spec.transport ?? 'UDP'} ${spec.viaHost ?? '127.0.0.1'}:${spec.viaPort ?? 5070}${branch === null ? '' : `;branch=${branch}`}`;
  const lines = [
    `${method} ${spec.uri ?? 'sip:bob@127.0.0.2:5080'} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    `From: "Alice" <sip:alice@127.0.0.1>;tag=${spec.fromTag ?? 'from-1'}`,
    `To: <sip:bob@127.0.0.2>${spec.toTag ? `;tag=${spec.toTag}` : ''}`,
    `Call-ID: ${spec.callId ?? 'call-1@test'}`,
    `CSeq: ${spec.cseq ?? 1} ${spec.cseqMethod ?? method}`,
    'Contact: <sip:alice@127.0.0.1:5070>',
    ...(spec.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  const m = parseMessage(lines.join('\r\n'));
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

export function response(req: SipRequest, status: number, toTag?: string): SipResponse {
  const r = createResponse(req, status);
  if (toTag) {
    const to = toOf(r);
    r.headers.set('To', formatNameAddr({ ...to, params: new Map(to.params).set('tag', toTag) }));
  }
  return r;
}

export function incoming(message: SipRequest, protocol: TransportProtocol = 'udp'): IncomingMessage {
  return {
    message,
    source: { protocol, address: '127.0.0.1', port: 5070 },
    local: { protocol, address: '127.0.0.2', port: 5080 },
  };
}

/** A FakeClock, a FakeTransport that nobody answers (it records), and a context for one machine. */
export function harness(overrides: { T1?: number } = {}): {
  clock: FakeClock;
  network: FakeNetwork;
  transport: FakeTransport;
  ctx: TransactionContext;
  logs: LogRecord[];
} {
  const clock = new FakeClock();
  const network = new FakeNetwork({ clock });
  const transport = network.endpoint('127.0.0.1', 5070);
  const logs: LogRecord[] = [];
  const logger: Logger = createLogger((r) => logs.push(r), 'test');
  return { clock, network, transport, logs, ctx: { transport, clock, timers: timerConfig(overrides), logger } };
}

/** Times (clock ms) at which `transport` sent messages of `what`. */
export function sendTimes(h: { transport: FakeTransport; network: FakeNetwork }, what: string | number): number[] {
  return h.network.packets
    .filter((p) =>
      typeof what === 'number'
        ? p.message.kind === 'response' && p.message.status === what
        : p.message.kind === 'request' && p.message.method === what,
    )
    .map((p) => p.time);
}
