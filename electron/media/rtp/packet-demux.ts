/**
 * What a datagram on the media port is, by its first byte (RFC 7983 §7,
 * updating RFC 5764 §5.1.2): STUN, ZRTP, DTLS, TURN ChannelData and RTP/RTCP
 * share one port, and each protocol's handler sees only its own packets.
 *
 *   first byte   0–3     4–19   20–63   64–79          128–191    anything else
 *   protocol     STUN    ZRTP   DTLS    TURN channel   RTP/RTCP   drop
 *
 * RTP and RTCP are told apart afterwards by the second byte (RFC 5761 §4,
 * rtp-packet.ts isRtcpPacket).
 */
export type MediaPacketKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'unknown';

export function classifyMediaPacket(datagram: Uint8Array): MediaPacketKind {
  const b = datagram[0];
  if (b === undefined) return 'unknown';
  if (b <= 3) return 'stun';
  if (b <= 19) return 'zrtp';
  if (b <= 63) return 'dtls';
  if (b <= 79) return 'turn-channel';
  if (b >= 128 && b <= 191) return 'rtp';
  return 'unknown';
}
