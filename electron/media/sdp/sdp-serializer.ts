/**
 * SessionDescription → SDP text in the order RFC 4566 §5 prescribes
 * (v o s i u e p c b t r z k a, then per media m i c b k a), CRLF line
 * endings, attributes in the order they were given — unlike sdp-transform,
 * which groups all fmtp lines after all rtpmap lines.
 */
import type { SdpAttribute, SdpConnection, SdpMedia, SessionDescription } from './session-description.ts';

function connectionLine(c: SdpConnection): string {
  return `c=${c.netType} ${c.addressType} ${c.address}${c.suffix ?? ''}`;
}

function attributeLine(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

function mediaLines(m: SdpMedia, out: string[]): void {
  const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
  out.push(`m=${m.type} ${port} ${m.protocol} ${m.formats.join(' ')}`);
  if (m.information !== undefined) out.push(`i=${m.information}`);
  if (m.connection) out.push(connectionLine(m.connection));
  for (const b of m.bandwidths) out.push(`b=${b.type}:${b.value}`);
  if (m.encryptionKey !== undefined) out.push(`k=${m.encryptionKey}`);
  for (const a of m.attributes) out.push(attributeLine(a));
}

export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const out: string[] = [
    `v=${sdp.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addressType} ${o.address}`,
    `s=${sdp.sessionName === '' ? '-' : sdp.sessionName}`,
  ];
  if (sdp.information !== undefined) out.push(`i=${sdp.information}`);
  if (sdp.uri !== undefined) out.push(`u=${sdp.uri}`);
  for (const e of sdp.emails) out.push(`e=${e}`);
  for (const p of sdp.phones) out.push(`p=${p}`);
  if (sdp.connection) out.push(connectionLine(sdp.connection));
  for (const b of sdp.bandwidths) out.push(`b=${b.type}:${b.value}`);
  const timings = sdp.timings.length > 0 ? sdp.timings : [{ start: '0', stop: '0', repeats: [] }];
  for (const t of timings) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  if (sdp.timeZones !== undefined) out.push(`z=${sdp.timeZones}`);
  if (sdp.encryptionKey !== undefined) out.push(`k=${sdp.encryptionKey}`);
  for (const a of sdp.attributes) out.push(attributeLine(a));
  for (const m of sdp.media) mediaLines(m, out);
  return out.join('\r\n') + '\r\n';
}
