/**
 * What arrived on a media socket, by its first byte (RFC 7983 §7, updated by
 * RFC 9443 for TURN channels): one UDP port carries RTP/RTCP, STUN (ICE
 * checks, consent, our own server-reflexive and TURN exchanges), TURN
 * ChannelData (media relayed through our TURN server) and DTLS.
 *
 *   first byte   0–3    4–15   16–19   20–63   64–79          128–191
 *                STUN   -      ZRTP    DTLS    TURN channel   RTP / RTCP
 *
 * The one place this decision is made: the RTP session asks here and hands
 * each kind to whoever reads it.
 */
import { isStun } from '../../net/stun/index.ts';

export type MediaPacketKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'unknown';

export function classifyMediaPacket(buf: Uint8Array): MediaPacketKind {
  const b = buf[0];
  if (b === undefined) return 'unknown';
  if (b <= 3) return isStun(buf) ? 'stun' : 'unknown';
  if (b >= 16 && b <= 19) return 'zrtp';
  if (b >= 20 && b <= 63) return 'dtls';
  if (b >= 64 && b <= 79) return buf.length >= 4 ? 'turn-channel' : 'unknown';
  if (b >= 128 && b <= 191) return 'rtp';
  return 'unknown';
}
