import { randomBytes } from 'node:crypto';

/**
 * RFC 3550 §5.1/§8: SSRC, initial sequence number and initial timestamp are
 * random, so a known-plaintext attack on SRTP or a collision is unlikely.
 * Tests inject their own source to get reproducible packets.
 */
export type RandomUint32 = () => number;

/**
 * Drawn from a block of crypto-random bytes fetched 1 KB at a time: a call
 * takes several (SSRC, sequence, timestamp, port) and one `randomBytes(4)`
 * each was a measurable share of a call's set-up under a load. The values
 * are public once sent (they travel in clear RTP headers); no key comes from here.
 */
const BLOCK = 1024;
let block = Buffer.alloc(0);
let at = 0;

export const cryptoRandomUint32: RandomUint32 = () => {
  if (at + 4 > block.length) {
    block = randomBytes(BLOCK);
    at = 0;
  }
  const value = block.readUInt32BE(at);
  at += 4;
  return value;
};
