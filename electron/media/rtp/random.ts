import { randomBytes } from 'node:crypto';

/**
 * RFC 3550 §5.1/§8: SSRC, initial sequence number and initial timestamp are
 * random, so a known-plaintext attack on SRTP or a collision is unlikely.
 * Tests inject their own source to get reproducible packets.
 */
export type RandomUint32 = () => number;

export const cryptoRandomUint32: RandomUint32 = () => randomBytes(4).readUInt32BE(0);
